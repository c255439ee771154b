// PostgreSQL backend of the Store: the scheduler's releases of cohorts into the delivery
// log (store/releases.hpp), as sqlite_releases.cpp has them; the SQL in
// queries/releases.sql. Only the node holding the scheduler's lock releases, but the
// issue's row is still locked (releasing_state) while a release begins.
#include <fmt/format.h>

#include "core/encoding.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/postgres/retry.hpp"

namespace broadsheet::store::postgres {
namespace {

constexpr ColumnList<8> kCandidateColumns{{"issue_id", "newsletter_id", "newsletter_slug",
                                           "schedule", "edition", "scheduled_at",
                                           "default_timezone", "status"}};
constexpr ColumnList<5> kCohortColumns{{"zone", "release_at", "decided_at", "outcome", "readers"}};
constexpr ColumnList<3> kReleasingColumns{{"status", "releasing", "newsletter_id"}};
constexpr ColumnList<1> kLastColumn{{"last"}};
constexpr ColumnList<2> kZoneCountColumns{{"zone", "readers"}};

Status audit_release(Connection& c, UnixSeconds now, std::string_view action, Id issue_id,
                     const std::string& detail) {
  Query audit(c, "issue_audit");
  const std::string subject = fmt::format("issue:{}", issue_id);
  audit.bind_int(1, now)
      .bind_text(2, std::string_view("system"))
      .bind_text(3, action)
      .bind_text(4, subject)
      .bind_text(5, detail);
  return audit.run();
}

}  // namespace

Result<std::vector<ReleaseCandidate>> PgStore::release_candidates() {
  auto c = lease();
  if (!c) return c.error();
  std::vector<ReleaseCandidate> out;
  Query q(**c, "release_candidates");
  q.columns(kCandidateColumns);
  constexpr const auto& k = kCandidateColumns;
  Status s = q.each_row([&] {
    ReleaseCandidate r;
    r.issue_id = q.int_of(k["issue_id"]);
    r.newsletter_id = q.int_of(k["newsletter_id"]);
    r.newsletter_slug = q.text_of(k["newsletter_slug"]);
    r.schedule = q.text_of(k["schedule"]);
    r.edition = q.text_of(k["edition"]);
    r.scheduled_at = q.opt_int_of(k["scheduled_at"]);
    r.default_timezone = q.text_of(k["default_timezone"]);
    r.status = issue_status_from(q.text_of(k["status"])).value_or(IssueStatus::scheduled);
    out.push_back(std::move(r));
  });
  if (!s) return failed_to("list the issues to release", s.error());
  return out;
}

Result<std::vector<std::string>> PgStore::reader_zones() {
  auto c = lease();
  if (!c) return c.error();
  std::vector<std::string> out;
  Query q(**c, "reader_zones");
  if (auto s = q.each_row([&] { out.push_back(q.text_at(0)); }); !s) {
    return failed_to("list the readers' zones", s.error());
  }
  return out;
}

Result<std::vector<CohortRelease>> PgStore::cohort_releases(Id issue_id) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<CohortRelease> out;
  Query q(**c, "cohort_releases_of");
  q.columns(kCohortColumns).bind_int(1, issue_id);
  constexpr const auto& k = kCohortColumns;
  Status s = q.each_row([&] {
    CohortRelease r;
    r.zone = q.text_of(k["zone"]);
    r.release_at = q.int_of(k["release_at"]);
    r.decided_at = q.int_of(k["decided_at"]);
    r.outcome =
        q.text_of(k["outcome"]) == "skipped" ? CohortOutcome::skipped : CohortOutcome::released;
    r.readers = static_cast<std::size_t>(q.int_of(k["readers"]));
    out.push_back(std::move(r));
  });
  if (!s) return failed_to(fmt::format("read the releases of issue {}", issue_id), s.error());
  return out;
}

Result<std::size_t> PgStore::release_cohort(Id issue_id, const std::string& zone,
                                            const CohortMembers& members, UnixSeconds release_at,
                                            UnixSeconds now, std::size_t batch_size) {
  auto c = lease();
  if (!c) return c.error();
  const std::string what = fmt::format("release issue {} to {}", issue_id,
                                       zone.empty() ? std::string("everyone") : zone);
  Id newsletter_id = 0;
  // First: the issue may be released (and a scheduled one begins releasing).
  Status may = retry_transaction(**c, [&]() -> Status {
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return failed_to(what, s.error());
    Query state(**c, "releasing_state");
    state.columns(kReleasingColumns).bind_int(1, issue_id);
    if (auto s = state.expect_row(fmt::format("no issue with id {}", issue_id)); !s) {
      return failed_to(what, s.error());
    }
    const std::string status = state.text_of(kReleasingColumns["status"]);
    const bool releasing = state.bool_of(kReleasingColumns["releasing"]);
    newsletter_id = state.int_of(kReleasingColumns["newsletter_id"]);
    if (status != "scheduled" && !(status == "sending" && releasing)) {
      return make_error(
          Errc::conflict,
          fmt::format("issue {} is {}; only a scheduled issue is released", issue_id, status));
    }
    Query recorded(**c, "cohort_recorded");
    recorded.bind_int(1, issue_id).bind_text(2, zone);
    bool done = false;
    if (auto s = recorded.each_row([&] { done = true; }); !s) return failed_to(what, s.error());
    if (done) {
      return make_error(Errc::conflict, fmt::format("issue {}: the cohort {} is already released",
                                                    issue_id, zone.empty() ? "of everyone" : zone));
    }
    Query begin(**c, "begin_releasing");
    begin.bind_int(1, issue_id).bind_int(2, now);
    if (auto s = begin.run(); !s) return failed_to(what, s.error());
    if (auto s = tx.commit(); !s) return failed_to(what, s.error());
    return {};
  });
  if (!may) return may.error();
  // Then the readers, a batch per transaction: [after, end] by subscriber id. A batch
  // is the readers after `after` up to its last, and how many it queued; none at the end.
  struct Batch {
    Id last = 0;
    std::size_t queued = 0;
  };
  std::size_t queued = 0;
  auto batches = [&](const char* end_name, const char* queue_name,
                     const std::string* zone_value) -> Status {
    Id after = 0;
    for (;;) {
      auto batch = retry_transaction(**c, [&]() -> Result<std::optional<Batch>> {
        Transaction tx(**c);
        if (auto s = tx.begin(); !s) return s.error();
        Query end(**c, end_name);
        end.columns(kLastColumn);
        if (zone_value) {
          end.bind_text(1, *zone_value);
        } else {
          end.bind_int(1, newsletter_id);
        }
        end.bind_int(2, after).bind_int(3, static_cast<std::int64_t>(batch_size));
        std::optional<Id> last;
        if (auto s = end.each_row([&] { last = end.opt_int_of(kLastColumn["last"]); }); !s) {
          return s.error();
        }
        if (!last) {
          if (auto s = tx.commit(); !s) return s.error();
          return std::optional<Batch>();
        }
        Query queue(**c, queue_name);
        if (zone_value) {
          queue.bind_int(1, issue_id).bind_int(2, newsletter_id).bind_text(3, *zone_value);
          queue.bind_int(4, after).bind_int(5, *last).bind_int(6, now);
        } else {
          queue.bind_int(1, issue_id).bind_int(2, newsletter_id).bind_int(3, after);
          queue.bind_int(4, *last).bind_int(5, now);
        }
        if (auto s = queue.run(); !s) return s.error();
        const auto n = static_cast<std::size_t>(queue.affected());
        if (auto s = tx.commit(); !s) return s.error();
        return std::optional<Batch>(Batch{*last, n});
      });
      if (!batch) return batch.error();
      if (!*batch) return {};
      queued += (*batch)->queued;
      after = (*batch)->last;
    }
  };
  if (members.everyone) {
    if (auto s = batches("audience_batch_end", "queue_audience_batch", nullptr); !s) {
      return failed_to(what, s.error());
    }
  } else {
    for (const auto& z : members.zones) {
      if (auto s = batches("zone_batch_end", "queue_zone_batch", &z); !s) {
        return failed_to(what, s.error());
      }
    }
  }
  // Last: the record, which makes the release happen once.
  Query record(**c, "record_cohort");
  record.bind_int(1, issue_id).bind_text(2, zone).bind_int(3, release_at).bind_int(4, now);
  record.bind_text(5, std::string_view("released")).bind_int(6, static_cast<std::int64_t>(queued));
  if (auto s = record.each_row([] {}); !s) return failed_to(what, s.error());
  return queued;
}

Status PgStore::skip_cohort(Id issue_id, const std::string& zone, UnixSeconds release_at,
                            UnixSeconds now, const std::string& why) {
  auto c = lease();
  if (!c) return c.error();
  const std::string what = fmt::format("skip a cohort of issue {}", issue_id);
  return retry_transaction(**c, [&]() -> Status {
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return failed_to(what, s.error());
    Query record(**c, "record_cohort");
    record.bind_int(1, issue_id).bind_text(2, zone).bind_int(3, release_at).bind_int(4, now);
    record.bind_text(5, std::string_view("skipped")).bind_int(6, 0);
    Status s = record.returning_row("", [] {});
    if (!s && s.error().code == Errc::not_found) {
      return make_error(Errc::conflict,
                        fmt::format("issue {}: the cohort {} is already recorded", issue_id, zone));
    }
    if (!s) return failed_to(what, s.error());
    const std::string detail = fmt::format("cohort {} due {}: {}",
                                           zone.empty() ? "everyone" : zone,
                                           format_iso8601(release_at), why);
    if (auto a = audit_release(**c, now, "issue.cohort_skipped", issue_id, detail); !a) {
      return failed_to(what, a.error());
    }
    if (auto done = tx.commit(); !done) return failed_to(what, done.error());
    return {};
  });
}

Result<IssueStatus> PgStore::finish_releasing(Id issue_id, UnixSeconds now) {
  auto c = lease();
  if (!c) return c.error();
  const std::string what = fmt::format("finish releasing issue {}", issue_id);
  std::string status;
  Status ended = retry_transaction(**c, [&]() -> Status {
    status.clear();
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return failed_to(what, s.error());
    Query lock(**c, "releasing_state");  // the issue's row, until the end
    lock.columns(kReleasingColumns).bind_int(1, issue_id);
    if (auto s = lock.each_row([] {}); !s) return failed_to(what, s.error());
    Query count(**c, "released_count");
    count.bind_int(1, issue_id);
    std::int64_t released = 0;
    if (auto s = count.each_row([&] { released = count.int_at(0); }); !s) {
      return failed_to(what, s.error());
    }
    Query end(**c, "end_releasing");
    end.bind_int(1, issue_id).bind_int(2, now).bind_bool(3, released == 0);
    if (auto s = end.each_row([&] { status = end.text_at(0); }); !s) {
      return failed_to(what, s.error());
    }
    if (released == 0 && status == "cancelled") {
      if (auto a = audit_release(**c, now, "issue.skipped", issue_id,
                                 "every cohort was too late; nothing was sent");
          !a) {
        return failed_to(what, a.error());
      }
    }
    if (auto done = tx.commit(); !done) return failed_to(what, done.error());
    return {};
  });
  if (!ended) return ended.error();
  if (status.empty()) {
    Query state(**c, "issue_status");
    state.bind_int(1, issue_id);
    if (auto s = state.expect_row(fmt::format("no issue with id {}", issue_id)); !s) {
      return failed_to(fmt::format("read the status of issue {}", issue_id), s.error());
    }
    return issue_status_from(state.text_at(0)).value_or(IssueStatus::draft);
  }
  return issue_status_from(status).value_or(IssueStatus::sending);
}

Result<std::uint64_t> PgStore::skipped_cohorts_total() {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "skipped_cohorts_total");
  std::uint64_t n = 0;
  if (auto s = q.each_row([&] { n = static_cast<std::uint64_t>(q.int_at(0)); }); !s) {
    return failed_to("count skipped cohorts", s.error());
  }
  return n;
}

Result<std::vector<std::pair<std::string, std::size_t>>> PgStore::readers_by_zone(
    Id newsletter_id) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<std::pair<std::string, std::size_t>> out;
  Query q(**c, "readers_by_zone");
  q.columns(kZoneCountColumns).bind_int(1, newsletter_id);
  Status s = q.each_row([&] {
    out.emplace_back(q.text_of(kZoneCountColumns["zone"]),
                     static_cast<std::size_t>(q.int_of(kZoneCountColumns["readers"])));
  });
  if (!s) return failed_to("count readers by zone", s.error());
  return out;
}

}  // namespace broadsheet::store::postgres
