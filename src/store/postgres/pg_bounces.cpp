// PostgreSQL backend of the Store: bounces and the suppression list (store/bounces.hpp),
// as sqlite_bounces.cpp has them; the SQL in queries/bounces.sql.
// SQLite groups the bounces of many threads in one transaction; here each bounce is its
// own transaction on a pooled connection (the server batches commits), and the reader's
// row is locked for it (bounce_subscriber), so nodes counting one reader's soft bounces
// take turns and a suppression is added once.
#include <fmt/format.h>

#include "store/mailbox_keys.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

// Puts the address on the list; true when it was not on it.
Result<bool> suppress(Connection& c, const std::string& email, const std::string& key,
                      const std::string& reason, const std::string& source, UnixSeconds now) {
  const std::string hash = suppression_hash(key);
  Query q(c, "upsert_suppression");
  q.bind_text(1, hash).bind_text(2, email).bind_text(3, key).bind_text(4, reason);
  q.bind_text(5, source).bind_int(6, now);
  bool added = false;
  if (auto s = q.returning_row("upsert_suppression returned no row",
                               [&] { added = q.bool_at(0); });
      !s) {
    return s.error();
  }
  return added;
}

// One event and its policy, inside its transaction.
Result<BounceRecord> apply_bounce(Connection& c, const BounceEvent& e, const BouncePolicy& policy,
                                  UnixSeconds now) {
  auto fail = [&](const Error& err) {
    return failed_to(fmt::format("record a {} bounce of reader {}", to_string(e.kind),
                                 e.subscriber_id),
                     err);
  };
  std::string email, key;
  {
    Query q(c, "bounce_subscriber");
    q.bind_int(1, e.subscriber_id);
    if (auto s = q.returning_row(fmt::format("no reader {}", e.subscriber_id), [&] {
          email = q.text_at(0);
          key = q.text_at(1);
        });
        !s) {
      return fail(s.error());
    }
  }
  Id event_id = 0;
  {
    Query q(c, "insert_bounce_event");
    q.bind_text(1, e.fingerprint).bind_text(2, to_string(e.kind)).bind_int(3, e.subscriber_id);
    q.bind_opt_int(4, e.issue_id).bind_int(5, e.newsletter_id).bind_text(6, e.recipient);
    q.bind_text(7, e.status).bind_text(8, e.source).bind_int(9, now);
    auto row = q.step();
    if (!row) return fail(row.error());
    if (!*row) return BounceRecord{true, ""};
    event_id = q.int_at(0);
  }
  const std::string source = fmt::format("bounce:{}", to_string(e.kind));
  BounceRecord record;
  bool do_suppress = false;
  switch (e.kind) {
    case BounceKind::hard:
      do_suppress = policy.hard_suppresses;
      break;
    case BounceKind::soft: {
      if (policy.soft_limit <= 0) break;
      Query q(c, "count_recent_bounces");
      q.bind_int(1, e.subscriber_id)
          .bind_text(2, std::string_view("soft"))
          .bind_int(3, now - policy.soft_window_seconds);
      std::int64_t n = 0;
      if (auto s = q.returning_row("no count", [&] { n = q.int_at(0); }); !s) return fail(s.error());
      do_suppress = n >= policy.soft_limit;
      break;
    }
    case BounceKind::complaint: {
      if (!policy.complaint_unsubscribes) break;
      Query q(c, "unsubscribe_all");
      q.bind_int(1, e.subscriber_id).bind_int(2, now).bind_text(3, source);
      if (auto s = q.run(); !s) return fail(s.error());
      do_suppress = true;
      record.action = "unsubscribed";
      break;
    }
    case BounceKind::unsubscribe: {
      if (e.newsletter_id == 0) {  // a provider's account-wide unsubscribe
        Query q(c, "unsubscribe_all");
        q.bind_int(1, e.subscriber_id).bind_int(2, now).bind_text(3, source);
        if (auto s = q.run(); !s) return fail(s.error());
        record.action = "unsubscribed";
        break;
      }
      Query q(c, "unsubscribe_one");
      q.bind_int(1, e.subscriber_id).bind_int(2, e.newsletter_id).bind_int(3, now);
      q.bind_text(4, std::string_view("unsubscribe mail"));
      if (auto s = q.run(); !s) return fail(s.error());
      record.action = "unsubscribed";
      break;
    }
  }
  if (do_suppress) {
    const std::string kind(to_string(e.kind));
    auto added = suppress(c, email, key, e.status.empty() ? kind : e.status,
                          kind == "complaint" ? "complaint" : "bounce", now);
    if (!added) return fail(added.error());
    record.action = "suppressed";
  }
  if (record.action.empty()) record.action = "counted";
  Query q(c, "set_bounce_action");
  q.bind_int(1, event_id).bind_text(2, record.action);
  if (auto s = q.run(); !s) return fail(s.error());
  return record;
}

Result<std::vector<BounceEventRow>> read_bounce_events(Connection& c, const char* query, Id id,
                                                       std::size_t limit) {
  Query q(c, query);
  q.columns(kBounceEventColumns);
  q.bind_int(1, id).bind_int(2, as_sql_limit(limit));
  std::vector<BounceEventRow> out;
  if (auto s = q.each_row([&] { out.push_back(read_bounce_event(q)); }); !s) return s.error();
  return out;
}

}  // namespace

Result<BounceRecord> PgStore::record_bounce(const BounceEvent& e, const BouncePolicy& policy,
                                            UnixSeconds now) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("record bounces", s.error());
  auto record = apply_bounce(**c, e, policy, now);
  if (!record) return record.error();
  if (auto s = tx.commit(); !s) return failed_to("record bounces", s.error());
  return record;
}

Result<std::vector<BounceEventRow>> PgStore::bounce_events_of_issue(Id issue_id,
                                                                    std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  auto out = read_bounce_events(**c, "bounce_events_of_issue", issue_id, limit);
  if (!out) return failed_to(fmt::format("list the bounces of issue {}", issue_id), out.error());
  return out;
}

Result<std::vector<BounceEventRow>> PgStore::bounce_events_of_subscriber(Id subscriber_id,
                                                                         std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  auto out = read_bounce_events(**c, "bounce_events_of_subscriber", subscriber_id, limit);
  if (!out) {
    return failed_to(fmt::format("list the bounces of reader {}", subscriber_id), out.error());
  }
  return out;
}

Result<std::map<BounceKind, std::uint64_t>> PgStore::bounce_totals() {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "bounce_totals");
  std::map<BounceKind, std::uint64_t> out;
  auto s = q.each_row([&] {
    if (auto k = bounce_kind_from(q.text_at(0))) out[*k] = static_cast<std::uint64_t>(q.int_at(1));
  });
  if (!s) return failed_to("count bounces", s.error());
  return out;
}

Result<std::vector<DomainCounts>> PgStore::domain_counts_of_issue(Id issue_id, std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  static constexpr ColumnList<5> kColumns{{"domain", "sent", "failed", "hard", "complaints"}};
  Query q(**c, "issue_domain_counts");
  q.columns(kColumns);
  q.bind_int(1, issue_id).bind_int(2, as_sql_limit(limit));
  std::vector<DomainCounts> out;
  auto count = [&](std::size_t column) { return static_cast<std::uint64_t>(q.int_of(column)); };
  auto s = q.each_row([&] {
    out.push_back({q.text_of(kColumns["domain"]), count(kColumns["sent"]),
                   count(kColumns["failed"]), count(kColumns["hard"]),
                   count(kColumns["complaints"])});
  });
  if (!s) return failed_to(fmt::format("count issue {}'s copies by domain", issue_id), s.error());
  return out;
}

Result<std::vector<Suppression>> PgStore::list_suppressions(const std::string& after_hash,
                                                            std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "list_suppressions");
  q.bind_text(1, after_hash).bind_int(2, as_sql_limit(limit));
  std::vector<Suppression> out;
  auto s = q.each_row([&] {
    out.push_back({q.text_at(0), q.text_at(1), q.text_at(2), q.text_at(3), q.int_at(4)});
  });
  if (!s) return failed_to("list suppressions", s.error());
  return out;
}

Result<bool> PgStore::add_suppression(const std::string& email, const std::string& reason,
                                      const std::string& source) {
  auto c = lease();
  if (!c) return c.error();
  auto added = suppress(**c, email, keys_.of(email), reason, source, clock_.now());
  if (!added) return failed_to(fmt::format("suppress '{}'", email), added.error());
  return added;
}

Result<bool> PgStore::remove_suppression(const std::string& email) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delete_suppression");  // queries/readers.sql
  const std::string hash = suppression_hash(keys_.of(email));
  q.bind_text(1, hash);
  if (auto s = q.run(); !s) {
    return failed_to(fmt::format("lift the suppression of '{}'", email), s.error());
  }
  return q.affected() > 0;
}

}  // namespace broadsheet::store::postgres
