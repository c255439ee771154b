// PostgreSQL backend of the Store: the delivery log (store/delivery_log.hpp) and its
// report (store/delivery_reports.hpp), as sqlite_deliveries.cpp has them; the SQL in
// queries/delivery_log.sql. Sender nodes share the log: claim_deliveries leases rows in
// one statement (FOR UPDATE SKIP LOCKED), and a leased row is recorded only by its holder.
#include <fmt/format.h>

#include <algorithm>

#include "store/bounded_reply.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/postgres/retry.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

// The one column of issue_by_id the send side checks before changing an issue.
constexpr ColumnList<1> kIssueStatusColumn{{"status"}};

constexpr ColumnList<2> kDeliveryCountColumns{{"status", "count"}};
constexpr ColumnList<2> kReasonColumns{{"reply", "count"}};
constexpr ColumnList<1> kSettledColumns{{"count"}};
constexpr ColumnList<3> kTotalColumns{{"sent", "failed", "deferred"}};
constexpr ColumnList<5> kDeliveryColumns{
    {"subscriber_id", "status", "attempts", "last_reply", "next_attempt_at"}};

// Writes `updates` in one transaction: every row when `owner` is null, else only the
// rows still leased to it. The rows written.
Result<std::size_t> write_deliveries(Connection& c, UnixSeconds now, Id issue_id,
                                     const std::string* owner,
                                     const std::vector<DeliveryUpdate>& updates) {
  if (updates.empty()) return std::size_t{0};
  Transaction tx(c);
  if (auto s = tx.begin(); !s) return failed_to("record deliveries", s.error());
  std::size_t written = 0;
  for (const auto& u : updates) {
    if (u.drop) {
      Query q(c, owner ? "delete_leased_delivery" : "delete_delivery");
      q.bind_int(1, issue_id).bind_int(2, u.subscriber_id);
      if (owner) q.bind_text(3, *owner);
      if (auto s = q.run(); !s) return failed_to("record deliveries", s.error());
      written += static_cast<std::size_t>(q.affected());
      continue;
    }
    const std::string status(to_string(u.status));
    const std::string reply = bounded_reply(u.reply);
    std::optional<std::int64_t> next;
    if (u.status == DeliveryStatus::deferred && u.next_attempt_at) next = *u.next_attempt_at;
    Query q(c, owner ? "record_leased_delivery" : "update_delivery");
    q.bind_int(1, issue_id)
        .bind_int(2, u.subscriber_id)
        .bind_text(3, status)
        .bind_int(4, u.attempts)
        .bind_text(5, reply)
        .bind_opt_int(6, next)
        .bind_int(7, now);
    if (owner) q.bind_text(8, *owner);
    if (auto s = q.run(); !s) return failed_to("record deliveries", s.error());
    if (q.affected() == 0) continue;  // another node's row now (leased), or gone
    ++written;
    if (u.status == DeliveryStatus::failed && u.code >= 500 && u.code < 600) {
      Query b(c, "count_bounce");
      b.bind_int(1, u.subscriber_id).bind_int(2, now);
      if (auto s = b.run(); !s) return failed_to("record deliveries", s.error());
    }
  }
  if (auto s = tx.commit(); !s) return failed_to("record deliveries", s.error());
  return written;
}

}  // namespace

Result<std::size_t> PgStore::begin_sending(Id issue_id) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Result<std::size_t> {
    const UnixSeconds now = clock_.now();
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return failed_to("begin sending", s.error());
    std::string status;
    {
      Query read(**c, "issue_by_id_for_update");
      read.columns(kIssueStatusColumn);
      read.bind_int(1, issue_id);
      if (auto s = read.expect_row(fmt::format("no issue with id {}", issue_id)); !s) {
        return failed_to(fmt::format("send issue {}", issue_id), s.error());
      }
      status = read.text_of(kIssueStatusColumn["status"]);
    }
    Id newsletter_id = 0;
    {
      Query start(**c, "start_issue");
      start.bind_int(1, issue_id).bind_int(2, now);
      Status s = start.returning_row("", [&] { newsletter_id = start.int_at(0); });
      if (!s && s.error().code == Errc::not_found) {
        return make_error(Errc::conflict,
                          fmt::format("issue {} is {}; only a draft or a scheduled issue can "
                                      "begin sending",
                                      issue_id, status));
      }
      if (!s) return failed_to(fmt::format("send issue {}", issue_id), s.error());
    }
    Query queue(**c, "queue_audience");
    queue.bind_int(1, issue_id).bind_int(2, newsletter_id).bind_int(3, now);
    if (auto s = queue.run(); !s) return failed_to("queue the audience", s.error());
    const auto queued = static_cast<std::size_t>(queue.affected());
    if (auto s = tx.commit(); !s) return failed_to("begin sending", s.error());
    return queued;
  });
}

Result<std::vector<PendingDelivery>> PgStore::claim_deliveries(Id issue_id,
                                                               const std::string& owner,
                                                               UnixSeconds now, UnixSeconds until,
                                                               Id after_id, std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Result<std::vector<PendingDelivery>> {
    Query q(**c, "claim_deliveries");
    q.columns(kPendingColumns)
        .bind_int(1, issue_id)
        .bind_int(2, now)
        .bind_int(3, after_id)
        .bind_int(4, as_sql_limit(limit))
        .bind_text(5, owner)
        .bind_int(6, until);
    std::vector<PendingDelivery> out;
    if (auto s = q.each_row([&] { out.push_back(read_pending(q)); }); !s) {
      return failed_to("claim deliveries", s.error());
    }
    return out;
  });
}

Status PgStore::renew_delivery_leases(Id issue_id, const std::string& owner, UnixSeconds until) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Status {
    Query q(**c, "renew_delivery_leases");
    q.bind_int(1, issue_id).bind_text(2, owner).bind_int(3, until);
    if (auto s = q.run(); !s) return failed_to("renew delivery leases", s.error());
    return {};
  });
}

Result<std::vector<PendingDelivery>> PgStore::queued_deliveries(Id issue_id, Id after_id,
                                                                std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "queued_deliveries");
  q.columns(kPendingColumns)
      .bind_int(1, issue_id)
      .bind_int(2, after_id)
      .bind_int(3, as_sql_limit(limit));
  std::vector<PendingDelivery> out;
  if (auto s = q.each_row([&] { out.push_back(read_pending(q)); }); !s) {
    return failed_to("read queued deliveries", s.error());
  }
  return out;
}

Result<std::vector<PendingDelivery>> PgStore::due_deliveries(Id issue_id, UnixSeconds now,
                                                             Id after_id, std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "due_deliveries");
  q.columns(kPendingColumns)
      .bind_int(1, issue_id)
      .bind_int(2, now)
      .bind_int(3, after_id)
      .bind_int(4, as_sql_limit(limit));
  std::vector<PendingDelivery> out;
  if (auto s = q.each_row([&] { out.push_back(read_pending(q)); }); !s) {
    return failed_to("read due deliveries", s.error());
  }
  return out;
}

Status PgStore::record_deliveries(Id issue_id, const std::vector<DeliveryUpdate>& updates) {
  auto c = lease();
  if (!c) return c.error();
  auto written = retry_transaction(
      **c, [&] { return write_deliveries(**c, clock_.now(), issue_id, nullptr, updates); });
  if (!written) return written.error();
  return {};
}

Result<std::size_t> PgStore::record_leased_deliveries(Id issue_id, const std::string& owner,
                                                      const std::vector<DeliveryUpdate>& updates) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(
      **c, [&] { return write_deliveries(**c, clock_.now(), issue_id, &owner, updates); });
}

Result<DeliveryCounts> PgStore::delivery_counts(Id issue_id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delivery_counts");
  q.columns(kDeliveryCountColumns).bind_int(1, issue_id);
  DeliveryCounts out;
  Status s = q.each_row([&] {
    auto n = static_cast<std::size_t>(q.int_of(kDeliveryCountColumns["count"]));
    switch (delivery_status_from(q.text_of(kDeliveryCountColumns["status"]))
                .value_or(DeliveryStatus::queued)) {
      case DeliveryStatus::queued:
        out.queued = n;
        break;
      case DeliveryStatus::sent:
        out.sent = n;
        break;
      case DeliveryStatus::deferred:
        out.deferred = n;
        break;
      case DeliveryStatus::failed:
        out.failed = n;
        break;
    }
  });
  if (!s) return failed_to("count deliveries", s.error());
  return out;
}

Result<std::size_t> PgStore::settled_since(Id issue_id, UnixSeconds since) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "settled_since");
  q.columns(kSettledColumns).bind_int(1, issue_id).bind_int(2, since);
  std::size_t n = 0;
  if (auto s =
          q.each_row([&] { n = static_cast<std::size_t>(q.int_of(kSettledColumns["count"])); });
      !s) {
    return failed_to("count recent deliveries", s.error());
  }
  return n;
}

Result<DeliveryTotals> PgStore::delivery_totals() {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delivery_totals");
  q.columns(kTotalColumns);
  DeliveryTotals t;
  Status s = q.each_row([&] {
    t.sent = static_cast<std::uint64_t>(q.int_of(kTotalColumns["sent"]));
    t.failed = static_cast<std::uint64_t>(q.int_of(kTotalColumns["failed"]));
    t.deferred = static_cast<std::uint64_t>(q.int_of(kTotalColumns["deferred"]));
  });
  if (!s) return failed_to("total the delivery log", s.error());
  return t;
}

Result<std::optional<UnixSeconds>> PgStore::next_retry_at(Id issue_id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "next_retry_at");
  q.bind_int(1, issue_id);
  std::optional<UnixSeconds> at;
  if (auto s = q.each_row([&] { at = q.opt_int_at(0); }); !s) {
    return failed_to("read the next retry", s.error());
  }
  return at;
}

Result<std::vector<DeferralReason>> PgStore::deferral_reasons(Id issue_id, std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "deferral_reasons");
  q.columns(kReasonColumns).bind_int(1, issue_id).bind_int(2, as_sql_limit(limit));
  std::vector<DeferralReason> out;
  Status s = q.each_row([&] {
    out.push_back(DeferralReason{q.text_of(kReasonColumns["reply"]),
                                 static_cast<std::size_t>(q.int_of(kReasonColumns["count"]))});
  });
  if (!s) return failed_to("read the reasons of deferrals", s.error());
  return out;
}

Result<DeliveryUpdate> PgStore::delivery_of(Id issue_id, Id subscriber_id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delivery_of");
  q.columns(kDeliveryColumns).bind_int(1, issue_id).bind_int(2, subscriber_id);
  if (auto s = q.expect_row(
          fmt::format("no delivery of issue {} to subscriber {}", issue_id, subscriber_id));
      !s) {
    return failed_to("read a delivery", s.error());
  }
  constexpr const auto& k = kDeliveryColumns;
  DeliveryUpdate d;
  d.subscriber_id = q.int_of(k["subscriber_id"]);
  d.status = delivery_status_from(q.text_of(k["status"])).value_or(DeliveryStatus::queued);
  d.attempts = static_cast<int>(q.int_of(k["attempts"]));
  d.reply = q.text_of(k["last_reply"]);
  d.next_attempt_at = q.opt_int_of(k["next_attempt_at"]);
  return d;
}

Result<bool> PgStore::finish_sending(Id issue_id) {
  auto c = lease();
  if (!c) return c.error();
  bool sent = false;
  Status finished = retry_transaction(**c, [&]() -> Status {
    Query q(**c, "finish_sending");
    q.bind_int(1, issue_id).bind_int(2, clock_.now());
    return q.each_row([&] { sent = true; });
  });
  if (!finished) return failed_to(fmt::format("finish issue {}", issue_id), finished.error());
  if (sent) return true;
  Query state(**c, "issue_status");
  state.bind_int(1, issue_id);
  std::string status;
  if (auto s = state.each_row([&] { status = state.text_at(0); }); !s) {
    return failed_to(fmt::format("finish issue {}", issue_id), s.error());
  }
  if (status != "sending") {
    return make_error(Errc::conflict, fmt::format("issue {} is {}, so it cannot become sent",
                                                  issue_id, status.empty() ? "gone" : status));
  }
  return false;
}

Result<std::vector<DeliveryBucket>> PgStore::delivery_buckets(Id issue_id, UnixSeconds width,
                                                              std::size_t limit) {
  constexpr ColumnList<3> k{{"start", "sent", "failed"}};
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delivery_buckets");
  q.columns(k).bind_int(1, issue_id).bind_int(2, std::max<UnixSeconds>(width, 1));
  q.bind_int(3, as_sql_limit(limit));
  std::vector<DeliveryBucket> out;
  Status s = q.each_row([&] {
    out.push_back(DeliveryBucket{q.int_of(k["start"]),
                                 static_cast<std::size_t>(q.int_of(k["sent"])),
                                 static_cast<std::size_t>(q.int_of(k["failed"]))});
  });
  if (!s) return failed_to("read the delivery report", s.error());
  return out;
}

Result<std::vector<FailedDelivery>> PgStore::failed_deliveries(Id issue_id, Id after_id,
                                                               std::size_t limit) {
  constexpr ColumnList<5> k{{"subscriber_id", "email", "attempts", "last_reply", "updated_at"}};
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "failed_deliveries");
  q.columns(k).bind_int(1, issue_id).bind_int(2, after_id).bind_int(3, as_sql_limit(limit));
  std::vector<FailedDelivery> out;
  Status s = q.each_row([&] {
    out.push_back(FailedDelivery{q.int_of(k["subscriber_id"]), q.text_of(k["email"]),
                                 static_cast<int>(q.int_of(k["attempts"])),
                                 q.text_of(k["last_reply"]), q.int_of(k["updated_at"])});
  });
  if (!s) return failed_to("read the failed deliveries", s.error());
  return out;
}

}  // namespace broadsheet::store::postgres
