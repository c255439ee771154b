// Bounces and the suppression list (store/bounces.hpp) on SQLite.
#include <fmt/format.h>

#include "store/row_readers.hpp"
#include "store/sqlite/bounce_events.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {

Result<std::vector<BounceEventRow>> read_bounce_events(sqlite3* db, sqlite3_stmt* stmt, Id id,
                                                       std::size_t limit) {
  Query q(db, stmt);
  q.columns(kBounceEventColumns);
  q.bind_int(1, id).bind_int(2, static_cast<std::int64_t>(limit));
  std::vector<BounceEventRow> out;
  auto s = q.each_row([&] { out.push_back(read_bounce_event(q)); });
  if (!s) return s.error();
  return out;
}

namespace {

// Puts the address on the list; true when it was not on it.
Result<bool> suppress(sqlite3* db, const Statements& sql, const std::string& email,
                      const std::string& key, const std::string& reason,
                      const std::string& source, UnixSeconds now) {
  const std::string hash = suppression_hash(key);
  // Asked first: the upsert's RETURNING cannot tell a row added now from one added
  // earlier in the same second.
  bool existed = false;
  {
    Query q(db, sql.suppression_exists);
    q.bind_text(1, hash);
    if (auto s = q.returning_row("suppression_exists returned no row",
                                 [&] { existed = q.int_at(0) > 0; });
        !s) {
      return s.error();
    }
  }
  Query q(db, sql.upsert_suppression);
  q.bind_text(1, hash).bind_text(2, email).bind_text(3, key).bind_text(4, reason);
  q.bind_text(5, source).bind_int(6, now);
  if (auto s = q.run(); !s) return s.error();
  return !existed;
}

}  // namespace

namespace {

// One event and its policy, inside the group's transaction (commit_bounces).
Result<BounceRecord> apply_bounce(sqlite3* db, const Statements& sql, const BounceEvent& e,
                                  const BouncePolicy& policy, UnixSeconds now) {
  auto fail = [&](const Error& err) {
    return failed_to(fmt::format("record a {} bounce of reader {}", to_string(e.kind),
                                 e.subscriber_id),
                     err);
  };
  std::string email, key;
  {
    Query q(db, sql.bounce_subscriber);
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
    Query q(db, sql.insert_bounce_event);
    q.bind_text(1, e.fingerprint).bind_text(2, to_string(e.kind)).bind_int(3, e.subscriber_id);
    q.bind_opt_int(4, e.issue_id).bind_int(5, e.newsletter_id).bind_text(6, e.recipient);
    q.bind_text(7, e.status).bind_text(8, e.source).bind_int(9, now);
    auto row = q.step();
    if (!row) return fail(row.error());
    if (!*row) {
      if (auto s = q.run(); !s) return fail(s.error());
      return BounceRecord{true, ""};
    }
    event_id = q.int_at(0);
    if (auto s = q.run(); !s) return fail(s.error());
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
      Query q(db, sql.count_recent_bounces);
      q.bind_int(1, e.subscriber_id).bind_text(2, std::string_view("soft")).bind_int(3, now - policy.soft_window_seconds);
      std::int64_t n = 0;
      if (auto s = q.returning_row("no count", [&] { n = q.int_at(0); }); !s) return fail(s.error());
      do_suppress = n >= policy.soft_limit;
      break;
    }
    case BounceKind::complaint: {
      if (!policy.complaint_unsubscribes) break;
      Query q(db, sql.unsubscribe_all);
      q.bind_int(1, e.subscriber_id).bind_int(2, now).bind_text(3, source);
      if (auto s = q.run(); !s) return fail(s.error());
      do_suppress = true;
      record.action = "unsubscribed";
      break;
    }
    case BounceKind::unsubscribe: {
      if (e.newsletter_id == 0) {  // a provider's account-wide unsubscribe
        Query q(db, sql.unsubscribe_all);
        q.bind_int(1, e.subscriber_id).bind_int(2, now).bind_text(3, source);
        if (auto s = q.run(); !s) return fail(s.error());
        record.action = "unsubscribed";
        break;
      }
      Query q(db, sql.unsubscribe_one);
      q.bind_int(1, e.subscriber_id).bind_int(2, e.newsletter_id).bind_int(3, now);
      q.bind_text(4, std::string_view("unsubscribe mail"));
      if (auto s = q.run(); !s) return fail(s.error());
      record.action = "unsubscribed";
      break;
    }
  }
  if (do_suppress) {
    const std::string kind(to_string(e.kind));
    auto added = suppress(db, sql, email, key, e.status.empty() ? kind : e.status,
                          kind == "complaint" ? "complaint" : "bounce", now);
    if (!added) return fail(added.error());
    record.action = "suppressed";
  }
  if (record.action.empty()) record.action = "counted";
  {
    Query q(db, sql.set_bounce_action);
    q.bind_int(1, event_id).bind_text(2, record.action);
    if (auto s = q.run(); !s) return fail(s.error());
  }
  return record;
}

}  // namespace

Result<BounceRecord> SqliteStore::record_bounce(const BounceEvent& e, const BouncePolicy& policy,
                                                UnixSeconds now) {
  // Checked here, not only in hold(): the caller may end up leading others' requests.
  if (auto s = refuse_importer(); !s) return s.error();
  return bounces_.submit(BounceRequest{e, policy, now},
                         [this](BounceGroup::Batch batch) { commit_bounces(batch); });
}

void SqliteStore::commit_bounces(BounceGroup::Batch batch) {
  auto fail_all = [&](const Error& err) {
    for (auto* job : batch) job->outcome = failed_to("record bounces", err);
  };
  auto h = hold();
  if (!h) return fail_all(h.error());
  Transaction group(db(), sql().commit, sql().rollback);
  if (auto s = group.begin(sql().begin_immediate); !s) return fail_all(s.error());
  for (auto* job : batch) {
    if (auto s = Query(db(), sql().savepoint_request).run(); !s) return fail_all(s.error());
    auto record = apply_bounce(db(), sql(), job->request.event, job->request.policy,
                               job->request.now);
    if (!record) {
      // SQLite abandons the whole transaction itself on some errors (a full disk, I/O).
      if (sqlite3_get_autocommit(db())) return fail_all(record.error());
      if (auto s = Query(db(), sql().rollback_to_request).run(); !s) return fail_all(s.error());
    }
    job->outcome = std::move(record);
    // ROLLBACK TO keeps the savepoint open; RELEASE ends it either way.
    if (auto s = Query(db(), sql().release_request).run(); !s) return fail_all(s.error());
  }
  if (auto s = group.commit(); !s) fail_all(s.error());
}

Result<std::vector<BounceEventRow>> SqliteStore::bounce_events_of_issue(Id issue_id,
                                                                        std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  return read_bounce_events(db(), sql().bounce_events_of_issue, issue_id, limit);
}

Result<std::vector<BounceEventRow>> SqliteStore::bounce_events_of_subscriber(Id subscriber_id,
                                                                             std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  return read_bounce_events(db(), sql().bounce_events_of_subscriber, subscriber_id, limit);
}

Result<std::map<BounceKind, std::uint64_t>> SqliteStore::bounce_totals() {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().bounce_totals);
  std::map<BounceKind, std::uint64_t> out;
  auto s = q.each_row([&] {
    if (auto k = bounce_kind_from(q.text_at(0))) out[*k] = static_cast<std::uint64_t>(q.int_at(1));
  });
  if (!s) return failed_to("count bounces", s.error());
  return out;
}

Result<std::vector<DomainCounts>> SqliteStore::domain_counts_of_issue(Id issue_id,
                                                                     std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  static constexpr ColumnList<5> kColumns{{"domain", "sent", "failed", "hard", "complaints"}};
  Query q(db(), sql().issue_domain_counts);
  q.columns(kColumns);
  q.bind_int(1, issue_id).bind_int(2, static_cast<std::int64_t>(limit));
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

Result<std::vector<Suppression>> SqliteStore::list_suppressions(const std::string& after_hash,
                                                                std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().list_suppressions);
  q.bind_text(1, after_hash).bind_int(2, static_cast<std::int64_t>(limit));
  std::vector<Suppression> out;
  auto s = q.each_row([&] {
    out.push_back({q.text_at(0), q.text_at(1), q.text_at(2), q.text_at(3), q.int_at(4)});
  });
  if (!s) return failed_to("list suppressions", s.error());
  return out;
}

Result<bool> SqliteStore::add_suppression(const std::string& email, const std::string& reason,
                                          const std::string& source) {
  auto h = hold();
  if (!h) return h.error();
  auto added = suppress(db(), sql(), email, keys_.of(email), reason, source, clock_.now());
  if (!added) return failed_to(fmt::format("suppress '{}'", email), added.error());
  return added;
}

Result<bool> SqliteStore::remove_suppression(const std::string& email) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().delete_suppression);
  const std::string hash = suppression_hash(keys_.of(email));
  q.bind_text(1, hash);
  if (auto s = q.run(); !s) return failed_to(fmt::format("lift the suppression of '{}'", email), s.error());
  return sqlite3_changes(db()) > 0;
}

}  // namespace broadsheet::store::sqlite
