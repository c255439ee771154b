// SQLite backend of the Store: the send engine's side, issue status and leases and the
// delivery log. See sqlite_store.cpp for what the backend trusts and how it fails.
#include <fmt/format.h>

#include <algorithm>

#include "store/bounded_reply.hpp"
#include "store/row_readers.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {
namespace {

// The one column of issue_by_id the send side checks before changing an issue.
constexpr ColumnList<1> kIssueStatus{{"status"}};

// The columns of delivery_counts and of delivery_of.
constexpr ColumnList<2> kCountColumns{{"status", "count"}};
constexpr ColumnList<2> kReasonColumns{{"reply", "count"}};
constexpr ColumnList<1> kSettledColumns{{"count"}};
constexpr ColumnList<3> kTotalColumns{{"sent", "failed", "deferred"}};
constexpr ColumnList<5> kDeliveryColumns{
    {"subscriber_id", "status", "attempts", "last_reply", "next_attempt_at"}};

}  // namespace

Result<std::size_t> SqliteStore::begin_sending(Id issue_id) {
  auto h = hold();
  if (!h) return h.error();
  const UnixSeconds now = clock_.now();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("begin sending", s.error());
  Query read(db(), sql().issue_by_id);
  read.columns(kIssueStatus);
  read.bind_int(1, issue_id);
  if (auto s = read.expect_row(fmt::format("no issue with id {}", issue_id)); !s) {
    return failed_to(fmt::format("send issue {}", issue_id), s.error());
  }
  const std::string status = read.text_of(kIssueStatus["status"]);
  if (auto s = read.run(); !s) return failed_to("begin sending", s.error());
  Id newsletter_id = 0;
  {
    Query start(db(), sql().start_issue);
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
  // An issue sent to a segment (store/segments.hpp) queues only the segment's readers.
  std::optional<Id> segment;
  {
    Query q(db(), sql().issue_segment);
    q.bind_int(1, issue_id);
    if (auto s = q.expect_row(fmt::format("no issue with id {}", issue_id)); !s) {
      return failed_to("begin sending", s.error());
    }
    segment = q.opt_int_at(0);
  }
  Query queue(db(), segment ? sql().queue_segment_audience : sql().queue_audience);
  queue.bind_int(1, issue_id).bind_int(2, newsletter_id).bind_int(3, now);
  if (segment) queue.bind_int(4, *segment);
  if (auto s = queue.run(); !s) return failed_to("queue the audience", s.error());
  const auto queued = static_cast<std::size_t>(sqlite3_changes(db()));
  if (auto s = tx.commit(); !s) return failed_to("begin sending", s.error());
  return queued;
}

Result<Issue> SqliteStore::change_issue_status(Id issue_id, std::vector<IssueStatus> from,
                                               IssueStatus to) {
  return move_issue(issue_id, from, to, "");
}

Result<Issue> SqliteStore::stop_issue(Id issue_id, const std::string& reason) {
  return move_issue(issue_id, {IssueStatus::sending}, IssueStatus::paused, bounded_reply(reason));
}

Result<Issue> SqliteStore::move_issue(Id issue_id, const std::vector<IssueStatus>& from,
                                      IssueStatus to, const std::string& stopped_reason) {
  {
    auto h = hold();
    if (!h) return h.error();
    Transaction tx(db(), sql().commit, sql().rollback);
    if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("change issue", s.error());
    Query read(db(), sql().issue_by_id);
    read.columns(kIssueStatus);
    read.bind_int(1, issue_id);
    if (auto s = read.expect_row(fmt::format("no issue with id {}", issue_id)); !s) {
      return failed_to(fmt::format("change issue {}", issue_id), s.error());
    }
    auto current =
        issue_status_from(read.text_of(kIssueStatus["status"])).value_or(IssueStatus::draft);
    if (auto s = read.run(); !s) return failed_to("change issue", s.error());
    if (std::find(from.begin(), from.end(), current) == from.end()) {
      return make_error(Errc::conflict, fmt::format("issue {} is {}, so it cannot become {}",
                                                    issue_id, to_string(current), to_string(to)));
    }
    const bool finished = to == IssueStatus::sent || to == IssueStatus::cancelled;
    const std::string to_name(to_string(to));
    Query q(db(), sql().set_issue_status);
    q.bind_int(1, issue_id)
        .bind_text(2, to_name)
        .bind_bool(3, finished)
        .bind_int(4, clock_.now())
        .bind_text(5, stopped_reason);
    if (auto s = q.returning_row("issue vanished", [] {}); !s) {
      return failed_to("change issue", s.error());
    }
    if (auto s = tx.commit(); !s) return failed_to("change issue", s.error());
  }
  return issue_by_id(issue_id);
}

Result<std::optional<Id>> SqliteStore::claim_sending_issue(const std::string& owner, Id issue_id,
                                                           UnixSeconds until) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().claim_sending_issue);
  q.bind_text(1, owner).bind_int(2, clock_.now()).bind_int(3, until).bind_int(4, issue_id);
  std::optional<Id> claimed;
  if (auto s = q.each_row([&] { claimed = q.int_at(0); }); !s) {
    return failed_to("claim an issue to send", s.error());
  }
  return claimed;
}

Result<bool> SqliteStore::renew_lease(Id issue_id, const std::string& owner, UnixSeconds until) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().renew_lease);
  q.bind_int(1, issue_id).bind_text(2, owner).bind_int(3, until);
  bool held = false;
  if (auto s = q.each_row([&] { held = true; }); !s) return failed_to("renew a lease", s.error());
  return held;
}

Status SqliteStore::release_lease(Id issue_id, const std::string& owner) {
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("release a lease", s.error());
  for (sqlite3_stmt* stmt : {sql().release_lease, sql().release_delivery_leases}) {
    Query q(db(), stmt);
    q.bind_int(1, issue_id).bind_text(2, owner);
    if (auto s = q.run(); !s) return failed_to("release a lease", s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("release a lease", s.error());
  return {};
}

Result<std::vector<Id>> SqliteStore::issues_with_claimable_work(UnixSeconds now) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().issues_with_claimable_work);
  q.bind_int(1, now);
  std::vector<Id> out;
  if (auto s = q.each_row([&] { out.push_back(q.int_at(0)); }); !s) {
    return failed_to("look for issues to send", s.error());
  }
  return out;
}

Result<std::vector<PendingDelivery>> SqliteStore::claim_deliveries(Id issue_id,
                                                                   const std::string& owner,
                                                                   UnixSeconds now,
                                                                   UnixSeconds until, Id after_id,
                                                                   std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) {
    return failed_to("claim deliveries", s.error());
  }
  std::vector<PendingDelivery> out;
  {
    Query q(db(), sql().claimable_deliveries);
    q.columns(kPendingColumns)
        .bind_int(1, issue_id)
        .bind_int(2, now)
        .bind_int(3, after_id)
        .bind_int(4, as_sql_limit(limit));
    if (auto s = q.each_row([&] { out.push_back(read_pending(q)); }); !s) {
      return failed_to("claim deliveries", s.error());
    }
  }
  if (out.empty()) return out;
  // The rows read are every claimable row of their id range (same transaction, id
  // order): one UPDATE of the range leases exactly them.
  Query q(db(), sql().claim_deliveries);
  q.bind_int(1, issue_id)
      .bind_int(2, now)
      .bind_int(3, out.front().subscriber_id)
      .bind_int(4, out.back().subscriber_id)
      .bind_text(5, owner)
      .bind_int(6, until);
  if (auto s = q.run(); !s) return failed_to("claim deliveries", s.error());
  if (auto s = tx.commit(); !s) return failed_to("claim deliveries", s.error());
  return out;
}

Status SqliteStore::renew_delivery_leases(Id issue_id, const std::string& owner,
                                          UnixSeconds until) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().renew_delivery_leases);
  q.bind_int(1, issue_id).bind_text(2, owner).bind_int(3, until);
  if (auto s = q.run(); !s) return failed_to("renew delivery leases", s.error());
  return {};
}

Result<bool> SqliteStore::hold_lock(const std::string& name, const std::string& owner,
                                    UnixSeconds now, UnixSeconds until) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().hold_node_lock);
  q.bind_text(1, name).bind_text(2, owner).bind_int(3, now).bind_int(4, until);
  bool held = false;
  if (auto s = q.each_row([&] { held = true; }); !s) return failed_to("take a lock", s.error());
  return held;
}

Status SqliteStore::release_lock(const std::string& name, const std::string& owner) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().release_node_lock);
  q.bind_text(1, name).bind_text(2, owner);
  if (auto s = q.run(); !s) return failed_to("release a lock", s.error());
  return {};
}

Result<std::optional<LockHolder>> SqliteStore::lock_holder(const std::string& name) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().node_lock_holder);
  q.bind_text(1, name);
  std::optional<LockHolder> out;
  if (auto s = q.each_row([&] { out = LockHolder{q.text_at(0), q.int_at(1)}; }); !s) {
    return failed_to("read a lock", s.error());
  }
  return out;
}

Status SqliteStore::node_heartbeat(const std::string& owner, const std::string& roles,
                                   UnixSeconds now) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().node_heartbeat);
  q.bind_text(1, owner).bind_text(2, roles).bind_int(3, now);
  if (auto s = q.run(); !s) return failed_to("record a heartbeat", s.error());
  return {};
}

Status SqliteStore::node_gone(const std::string& owner) {
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("forget a node", s.error());
  for (sqlite3_stmt* stmt :
       {sql().free_node_deliveries, sql().free_node_mail, sql().free_node_locks, sql().node_gone}) {
    Query q(db(), stmt);
    q.bind_text(1, owner);
    if (auto s = q.run(); !s) return failed_to("forget a node", s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("forget a node", s.error());
  return {};
}

Result<std::vector<NodeSeen>> SqliteStore::live_nodes(UnixSeconds since) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().live_nodes);
  q.bind_int(1, since);
  std::vector<NodeSeen> out;
  if (auto s = q.each_row([&] {
        out.push_back(NodeSeen{q.text_at(0), q.text_at(1), q.int_at(2)});
      });
      !s) {
    return failed_to("read the nodes", s.error());
  }
  return out;
}

Result<std::vector<PendingDelivery>> SqliteStore::queued_deliveries(Id issue_id, Id after_id,
                                                                    std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().queued_deliveries);
  q.columns(kPendingColumns)
      .bind_int(1, issue_id)
      .bind_int(2, after_id)
      .bind_int(3, as_sql_limit(limit));
  std::vector<PendingDelivery> out;
  out.reserve(limit);
  if (auto s = q.each_row([&] { out.push_back(read_pending(q)); }); !s) {
    return failed_to("read queued deliveries", s.error());
  }
  return out;
}

Result<std::vector<PendingDelivery>> SqliteStore::due_deliveries(Id issue_id, UnixSeconds now,
                                                                 Id after_id, std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().due_deliveries);
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

Status SqliteStore::record_deliveries(Id issue_id, const std::vector<DeliveryUpdate>& updates) {
  auto written = write_deliveries(issue_id, nullptr, updates);
  if (!written) return written.error();
  return {};
}

Result<std::size_t> SqliteStore::record_leased_deliveries(
    Id issue_id, const std::string& owner, const std::vector<DeliveryUpdate>& updates) {
  return write_deliveries(issue_id, &owner, updates);
}

Result<std::size_t> SqliteStore::write_deliveries(Id issue_id, const std::string* owner,
                                                  const std::vector<DeliveryUpdate>& updates) {
  if (updates.empty()) return std::size_t{0};
  auto h = hold();
  if (!h) return h.error();
  const UnixSeconds now = clock_.now();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) {
    return failed_to("record deliveries", s.error());
  }
  std::size_t written = 0;
  for (const auto& u : updates) {
    if (u.drop) {
      Query q(db(), owner ? sql().delete_leased_delivery : sql().delete_delivery);
      q.bind_int(1, issue_id).bind_int(2, u.subscriber_id);
      if (owner) q.bind_text(3, *owner);
      if (auto s = q.run(); !s) return failed_to("record deliveries", s.error());
      written += static_cast<std::size_t>(sqlite3_changes(db()));
      continue;
    }
    const std::string status(to_string(u.status));
    const std::string reply = bounded_reply(u.reply);
    std::optional<std::int64_t> next;
    if (u.status == DeliveryStatus::deferred && u.next_attempt_at) next = *u.next_attempt_at;
    Query q(db(), owner ? sql().record_leased_delivery : sql().update_delivery);
    q.bind_int(1, issue_id)
        .bind_int(2, u.subscriber_id)
        .bind_text(3, status)
        .bind_int(4, u.attempts)
        .bind_text(5, reply)
        .bind_opt_int(6, next)
        .bind_int(7, now);
    if (owner) q.bind_text(8, *owner);
    if (auto s = q.run(); !s) return failed_to("record deliveries", s.error());
    const bool changed = sqlite3_changes(db()) > 0;
    if (!changed) continue;  // another node's row now (leased), or gone
    ++written;
    if (u.status == DeliveryStatus::failed && u.code >= 500 && u.code < 600) {
      Query b(db(), sql().count_bounce);
      b.bind_int(1, u.subscriber_id).bind_int(2, now);
      if (auto s = b.run(); !s) return failed_to("record deliveries", s.error());
    }
  }
  if (auto s = tx.commit(); !s) return failed_to("record deliveries", s.error());
  return written;
}

Result<DeliveryCounts> SqliteStore::delivery_counts(Id issue_id) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().delivery_counts);
  q.columns(kCountColumns).bind_int(1, issue_id);
  DeliveryCounts c;
  Status s = q.each_row([&] {
    auto n = static_cast<std::size_t>(q.int_of(kCountColumns["count"]));
    switch (
        delivery_status_from(q.text_of(kCountColumns["status"])).value_or(DeliveryStatus::queued)) {
      case DeliveryStatus::queued:
        c.queued = n;
        break;
      case DeliveryStatus::sent:
        c.sent = n;
        break;
      case DeliveryStatus::deferred:
        c.deferred = n;
        break;
      case DeliveryStatus::failed:
        c.failed = n;
        break;
    }
  });
  if (!s) return failed_to("count deliveries", s.error());
  return c;
}

Result<std::size_t> SqliteStore::settled_since(Id issue_id, UnixSeconds since) {
  auto h = hold();
  if (!h) return h.error();
  constexpr const auto& kColumns = kSettledColumns;
  Query q(db(), sql().settled_since);
  q.columns(kColumns).bind_int(1, issue_id).bind_int(2, since);
  std::size_t n = 0;
  if (auto s = q.each_row([&] { n = static_cast<std::size_t>(q.int_of(kColumns["count"])); }); !s) {
    return failed_to("count recent deliveries", s.error());
  }
  return n;
}

Result<DeliveryTotals> SqliteStore::delivery_totals() {
  auto h = hold();
  if (!h) return h.error();
  constexpr const auto& kColumns = kTotalColumns;
  Query q(db(), sql().delivery_totals);
  q.columns(kColumns);
  DeliveryTotals t;
  Status s = q.each_row([&] {
    t.sent = static_cast<std::uint64_t>(q.int_of(kColumns["sent"]));
    t.failed = static_cast<std::uint64_t>(q.int_of(kColumns["failed"]));
    t.deferred = static_cast<std::uint64_t>(q.int_of(kColumns["deferred"]));
  });
  if (!s) return failed_to("total the delivery log", s.error());
  return t;
}

Result<std::optional<UnixSeconds>> SqliteStore::next_retry_at(Id issue_id) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().next_retry_at);
  q.bind_int(1, issue_id);
  std::optional<UnixSeconds> at;
  if (auto s = q.each_row([&] { at = q.opt_int_at(0); }); !s) {
    return failed_to("read the next retry", s.error());
  }
  return at;
}

Result<std::vector<DeferralReason>> SqliteStore::deferral_reasons(Id issue_id, std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().deferral_reasons);
  q.columns(kReasonColumns).bind_int(1, issue_id).bind_int(2, as_sql_limit(limit));
  std::vector<DeferralReason> out;
  Status s = q.each_row([&] {
    out.push_back(DeferralReason{q.text_of(kReasonColumns["reply"]),
                                 static_cast<std::size_t>(q.int_of(kReasonColumns["count"]))});
  });
  if (!s) return failed_to("read the reasons of deferrals", s.error());
  return out;
}

Result<std::vector<DeliveryBucket>> SqliteStore::delivery_buckets(Id issue_id, UnixSeconds width,
                                                                  std::size_t limit) {
  constexpr ColumnList<3> c{{"start", "sent", "failed"}};
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().delivery_buckets);
  q.columns(c).bind_int(1, issue_id).bind_int(2, std::max<UnixSeconds>(width, 1));
  q.bind_int(3, as_sql_limit(limit));
  std::vector<DeliveryBucket> out;
  Status s = q.each_row([&] {
    out.push_back(DeliveryBucket{q.int_of(c["start"]),
                                 static_cast<std::size_t>(q.int_of(c["sent"])),
                                 static_cast<std::size_t>(q.int_of(c["failed"]))});
  });
  if (!s) return failed_to("read the delivery report", s.error());
  return out;
}

Result<std::vector<FailedDelivery>> SqliteStore::failed_deliveries(Id issue_id, Id after_id,
                                                                   std::size_t limit) {
  constexpr ColumnList<5> c{{"subscriber_id", "email", "attempts", "last_reply", "updated_at"}};
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().failed_deliveries);
  q.columns(c).bind_int(1, issue_id).bind_int(2, after_id).bind_int(3, as_sql_limit(limit));
  std::vector<FailedDelivery> out;
  Status s = q.each_row([&] {
    out.push_back(FailedDelivery{q.int_of(c["subscriber_id"]), q.text_of(c["email"]),
                                 static_cast<int>(q.int_of(c["attempts"])),
                                 q.text_of(c["last_reply"]), q.int_of(c["updated_at"])});
  });
  if (!s) return failed_to("read the failed deliveries", s.error());
  return out;
}

Result<DeliveryUpdate> SqliteStore::delivery_of(Id issue_id, Id subscriber_id) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().delivery_of);
  q.columns(kDeliveryColumns).bind_int(1, issue_id).bind_int(2, subscriber_id);
  if (auto s = q.expect_row(
          fmt::format("no delivery of issue {} to subscriber {}", issue_id, subscriber_id));
      !s) {
    return failed_to("read a delivery", s.error());
  }
  DeliveryUpdate d;
  constexpr const auto& c = kDeliveryColumns;
  d.subscriber_id = q.int_of(c["subscriber_id"]);
  d.status = delivery_status_from(q.text_of(c["status"])).value_or(DeliveryStatus::queued);
  d.attempts = static_cast<int>(q.int_of(c["attempts"]));
  d.reply = q.text_of(c["last_reply"]);
  d.next_attempt_at = q.opt_int_of(c["next_attempt_at"]);
  if (auto s = q.run(); !s) return failed_to("read a delivery", s.error());
  return d;
}

}  // namespace broadsheet::store::sqlite
