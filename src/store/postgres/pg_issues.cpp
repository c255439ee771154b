// PostgreSQL backend of the Store: newsletter issues (store/issues.hpp), as
// sqlite_issues.cpp has them, and the status changes of the send side
// (change_issue_status, stop_issue, as sqlite_deliveries.cpp has them); the SQL in
// queries/issues.sql. A method that reads an issue and then changes it locks the issue's
// row first (issue_by_id_for_update): several nodes share the database.
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "core/encoding.hpp"
#include "store/bounded_reply.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

std::string no_issue(Id id) { return fmt::format("no issue with id {}", id); }

// Issue `id` through the query `name` (issue_by_id, or issue_by_id_for_update inside a
// transaction); errors say "<what> <id>: ...".
Result<Issue> read_issue_by_id(Connection& c, std::string_view name, Id id, std::string_view what) {
  Query q(c, name);
  q.columns(kIssueColumns);
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_issue(id)); !s) {
    return failed_to(fmt::format("{} {}", what, id), s.error());
  }
  return read_issue(q);
}

bool editable(IssueStatus s) { return s == IssueStatus::draft || s == IssueStatus::scheduled; }

Error not_editable(Id id, IssueStatus s) {
  return make_error(
      Errc::conflict,
      fmt::format("issue {} is {}; only drafts and scheduled issues can change", id, to_string(s)));
}

// The id of the issue tied to `edition` of the newsletter, in the caller's transaction.
Result<std::optional<Id>> edition_holder(Connection& c, Id newsletter_id,
                                         const std::string& edition) {
  Query q(c, "issue_of_edition");
  q.bind_int(1, newsletter_id).bind_text(2, edition);
  std::optional<Id> out;
  if (auto s = q.each_row([&] { out = q.int_at(0); }); !s) {
    return failed_to(fmt::format("read edition {}", edition), s.error());
  }
  return out;
}

std::string schedule_detail(const IssueSchedule& s) {
  if (s.edition) return "edition " + *s.edition;
  return s.at ? "at " + format_iso8601(*s.at) : std::string();
}

Status audit_in(Connection& c, UnixSeconds now, const std::string& actor, std::string_view action,
                Id id, const std::string& detail) {
  const std::string subject = std::to_string(id);
  Query audit(c, "issue_audit");
  audit.bind_int(1, now)
      .bind_text(2, actor)
      .bind_text(3, action)
      .bind_text(4, subject)
      .bind_text(5, detail);
  return audit.run();
}

// Moves the issue from one of `from` to `to`, in one transaction holding its row.
Result<Issue> move_issue(Connection& c, const Clock& clock, Id issue_id,
                         const std::vector<IssueStatus>& from, IssueStatus to,
                         const std::string& stopped_reason) {
  Transaction tx(c);
  if (auto s = tx.begin(); !s) return failed_to("change issue", s.error());
  auto read = read_issue_by_id(c, "issue_by_id_for_update", issue_id, "change issue");
  if (!read) return read.error();
  const IssueStatus current = read->status;
  if (std::find(from.begin(), from.end(), current) == from.end()) {
    return make_error(Errc::conflict, fmt::format("issue {} is {}, so it cannot become {}",
                                                  issue_id, to_string(current), to_string(to)));
  }
  const bool finished = to == IssueStatus::sent || to == IssueStatus::cancelled;
  const std::string to_name(to_string(to));
  Query q(c, "set_issue_status");
  q.bind_int(1, issue_id)
      .bind_text(2, to_name)
      .bind_bool(3, finished)
      .bind_int(4, clock.now())
      .bind_text(5, stopped_reason);
  if (auto s = q.returning_row("issue vanished", [] {}); !s) {
    return failed_to("change issue", s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("change issue", s.error());
  return read_issue_by_id(c, "issue_by_id", issue_id, "read issue");
}

}  // namespace

Result<Issue> PgStore::add_issue(const Issue& i) {
  auto c = lease();
  if (!c) return c.error();
  Issue out = i;
  out.status = IssueStatus::draft;
  out.created_at = out.updated_at = clock_.now();
  Query q(**c, "insert_issue");
  q.bind_int(1, i.newsletter_id)
      .bind_text(2, i.subject)
      .bind_text(3, i.preheader)
      .bind_text(4, i.body_markdown)
      .bind_int(5, out.created_at)
      .bind_text(6, i.sponsor_markdown)
      .bind_opt_text(7, i.edition);
  Status s = q.returning_row("insert_issue returned no id", [&] { out.id = q.int_at(0); });
  if (!s) {
    if (q.sqlstate() == "23503") {  // foreign_key_violation
      return make_error(Errc::not_found, fmt::format("no newsletter with id {}", i.newsletter_id));
    }
    return failed_to("add issue", s.error(),
                     fmt::format("the edition {} already has an issue", i.edition.value_or("")));
  }
  return out;
}

Result<Issue> PgStore::issue_by_id(Id id) {
  auto c = lease();
  if (!c) return c.error();
  return read_issue_by_id(**c, "issue_by_id", id, "read issue");
}

Result<IssueStatus> PgStore::issue_status(Id id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "issue_status");
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_issue(id)); !s) {
    return failed_to(fmt::format("read the status of issue {}", id), s.error());
  }
  return issue_status_from(q.text_at(0)).value_or(IssueStatus::draft);
}

Result<std::vector<Issue>> PgStore::list_issues(const IssueQuery& iq) {
  auto c = lease();
  if (!c) return c.error();
  std::optional<std::string> status;
  if (iq.status) status = std::string(to_string(*iq.status));
  std::optional<std::int64_t> newsletter;
  if (iq.newsletter_id) newsletter = *iq.newsletter_id;
  Query q(**c, "list_issues");
  q.columns(kIssueColumns);
  q.bind_opt_int(1, newsletter).bind_opt_text(2, status).bind_int(3, as_sql_limit(iq.limit));
  std::vector<Issue> out;
  if (auto s = q.each_row([&] { out.push_back(read_issue(q)); }); !s) {
    return failed_to("list issues", s.error());
  }
  return out;
}

Result<Issue> PgStore::update_issue(Id id, const IssueUpdate& u) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("update issue", s.error());
  auto read = read_issue_by_id(**c, "issue_by_id_for_update", id, "update issue");
  if (!read) return read.error();
  if (!editable(read->status)) return not_editable(id, read->status);
  Query q(**c, "update_issue");
  q.bind_int(1, id)
      .bind_opt_text(2, u.subject)
      .bind_opt_text(3, u.preheader)
      .bind_opt_text(4, u.body_markdown)
      .bind_int(5, clock_.now())
      .bind_opt_text(6, u.sponsor_markdown);
  if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
    return failed_to(fmt::format("update issue {}", id), s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("update issue", s.error());
  return read_issue_by_id(**c, "issue_by_id", id, "read issue");
}

Result<Issue> PgStore::correct_issue(Id id, const IssueUpdate& u, const std::string& actor) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("correct issue", s.error());
  auto read = read_issue_by_id(**c, "issue_by_id_for_update", id, "correct issue");
  if (!read) return read.error();
  const Issue before = std::move(*read);
  if (editable(before.status)) {
    return make_error(Errc::conflict, fmt::format("issue {} is {}: change it with `issue update`",
                                                  id, to_string(before.status)));
  }
  if (before.status == IssueStatus::sending) {
    return make_error(Errc::conflict,
                      fmt::format("issue {} is sending; pause it (or let it finish) first", id));
  }
  // What changed, as the audit log keeps it: hashes, never the texts.
  std::string detail;
  for (auto [field, old_value, new_value] :
       {std::tuple{"subject", &before.subject, &u.subject},
        std::tuple{"preheader", &before.preheader, &u.preheader},
        std::tuple{"body_markdown", &before.body_markdown, &u.body_markdown},
        std::tuple{"sponsor_markdown", &before.sponsor_markdown, &u.sponsor_markdown}}) {
    if (!*new_value || **new_value == *old_value) continue;
    if (!detail.empty()) detail += "; ";
    detail +=
        fmt::format("{} sha256 {} -> {}", field, sha256_hex(*old_value), sha256_hex(**new_value));
  }
  if (detail.empty()) detail = "nothing changed";
  const UnixSeconds now = clock_.now();
  Query q(**c, "correct_issue");
  q.bind_int(1, id)
      .bind_opt_text(2, u.subject)
      .bind_opt_text(3, u.preheader)
      .bind_opt_text(4, u.body_markdown)
      .bind_int(5, now)
      .bind_opt_text(6, u.sponsor_markdown);
  if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
    return failed_to(fmt::format("correct issue {}", id), s.error());
  }
  Query bump(**c, "bump_archive_version");
  bump.bind_int(1, before.newsletter_id);
  if (auto s = bump.run(); !s) return failed_to("correct issue", s.error());
  if (auto s = audit_in(**c, now, actor, "issue.correct", id, detail); !s) {
    return failed_to("correct issue", s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("correct issue", s.error());
  return read_issue_by_id(**c, "issue_by_id", id, "read issue");
}

Result<std::optional<Issue>> PgStore::issue_of_edition(Id newsletter_id,
                                                       const std::string& edition) {
  auto c = lease();
  if (!c) return c.error();
  auto holder = edition_holder(**c, newsletter_id, edition);
  if (!holder) return holder.error();
  if (!*holder) return std::optional<Issue>();
  auto issue = read_issue_by_id(**c, "issue_by_id", **holder, "read issue");
  if (!issue) return issue.error();
  issue->body_markdown.clear();
  return std::optional<Issue>(std::move(*issue));
}

Result<Issue> PgStore::schedule_issue(Id id, const IssueSchedule& sched, const std::string& actor) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("schedule issue", s.error());
  auto read = read_issue_by_id(**c, "issue_by_id_for_update", id, "schedule issue");
  if (!read) return read.error();
  if (read->status != IssueStatus::draft) {
    return make_error(Errc::conflict, fmt::format("issue {} is {}; only a draft can be scheduled",
                                                  id, to_string(read->status)));
  }
  if (sched.edition) {
    auto holder = edition_holder(**c, read->newsletter_id, *sched.edition);
    if (!holder) return holder.error();
    if (*holder && **holder != id) {
      return make_error(Errc::conflict,
                        fmt::format("edition {} of {} already has issue {}", *sched.edition,
                                    read->newsletter_slug, **holder));
    }
  }
  const UnixSeconds now = clock_.now();
  Query q(**c, "schedule_issue");
  q.bind_int(1, id).bind_opt_text(2, sched.edition).bind_opt_int(3, sched.at).bind_int(4, now);
  if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
    // Another node's issue took the edition between the check and the write.
    return failed_to(fmt::format("schedule issue {}", id), s.error(),
                     fmt::format("edition {} of {} already has an issue",
                                 sched.edition.value_or(""), read->newsletter_slug));
  }
  if (auto s = audit_in(**c, now, actor, "issue.schedule", id, schedule_detail(sched)); !s) {
    return failed_to("schedule issue", s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("schedule issue", s.error());
  return read_issue_by_id(**c, "issue_by_id", id, "read issue");
}

Result<Issue> PgStore::unschedule_issue(Id id, const std::string& actor) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("unschedule issue", s.error());
  auto read = read_issue_by_id(**c, "issue_by_id_for_update", id, "unschedule issue");
  if (!read) return read.error();
  if (read->status != IssueStatus::scheduled) {
    return make_error(
        Errc::conflict,
        read->status == IssueStatus::draft
            ? fmt::format("issue {} is a draft already; nothing to unschedule", id)
            : fmt::format("issue {} is {}; sending has started, so it cannot be unscheduled "
                          "(pause or cancel it instead)",
                          id, to_string(read->status)));
  }
  const UnixSeconds now = clock_.now();
  Query q(**c, "unschedule_issue");
  q.bind_int(1, id).bind_int(2, now);
  if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
    return failed_to(fmt::format("unschedule issue {}", id), s.error());
  }
  IssueSchedule was{read->edition, read->scheduled_at};
  if (auto s = audit_in(**c, now, actor, "issue.unschedule", id, schedule_detail(was)); !s) {
    return failed_to("unschedule issue", s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("unschedule issue", s.error());
  return read_issue_by_id(**c, "issue_by_id", id, "read issue");
}

Status PgStore::remove_issue(Id id) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("remove issue", s.error());
  auto read = read_issue_by_id(**c, "issue_by_id_for_update", id, "remove issue");
  if (!read) return read.error();
  if (!editable(read->status)) return not_editable(id, read->status);
  Query q(**c, "delete_issue");
  q.bind_int(1, id);
  if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
    return failed_to(fmt::format("remove issue {}", id), s.error());
  }
  return tx.commit();
}

Result<Issue> PgStore::change_issue_status(Id issue_id, std::vector<IssueStatus> from,
                                           IssueStatus to) {
  auto c = lease();
  if (!c) return c.error();
  return move_issue(**c, clock_, issue_id, from, to, "");
}

Result<Issue> PgStore::stop_issue(Id issue_id, const std::string& reason) {
  auto c = lease();
  if (!c) return c.error();
  return move_issue(**c, clock_, issue_id, {IssueStatus::sending}, IssueStatus::paused,
                    bounded_reply(reason));
}

}  // namespace broadsheet::store::postgres
