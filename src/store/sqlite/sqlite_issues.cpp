// SQLite backend of the Store: newsletter issues.
// See sqlite_store.cpp for what the backend trusts and how it fails.
#include <fmt/format.h>

#include <tuple>

#include "core/encoding.hpp"
#include "store/row_readers.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {
namespace {

// The columns of archive_list and archive_list_before, read by name (Query::columns).
constexpr ColumnList<4> kArchiveColumns{{"id", "subject", "preheader", "started_at"}};

std::string no_issue(Id id) { return fmt::format("no issue with id {}", id); }

// Issue `id` through the issue_by_id statement `stmt`, in whatever transaction the
// caller holds; errors say "<what> <id>: ...".
Result<Issue> read_issue_by_id(sqlite3* db, sqlite3_stmt* stmt, Id id, std::string_view what) {
  Query q(db, stmt);
  q.columns(kIssueColumns);
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_issue(id)); !s) {
    return failed_to(fmt::format("{} {}", what, id), s.error());
  }
  Issue out = read_issue(q);
  if (auto s = q.run(); !s) return failed_to(fmt::format("{} {}", what, id), s.error());
  return out;
}

bool editable(IssueStatus s) { return s == IssueStatus::draft || s == IssueStatus::scheduled; }

Error not_editable(Id id, IssueStatus s) {
  return make_error(Errc::conflict,
                    fmt::format("issue {} is {}; only drafts and scheduled issues can change",
                                id, to_string(s)));
}

}  // namespace

Result<Issue> SqliteStore::add_issue(const Issue& i) {
  auto h = hold();
  if (!h) return h.error();
  Issue out = i;
  out.status = IssueStatus::draft;
  out.created_at = out.updated_at = clock_.now();
  Query q(db(), sql().insert_issue);
  q.bind_int(1, i.newsletter_id)
      .bind_text(2, i.subject)
      .bind_text(3, i.preheader)
      .bind_text(4, i.body_markdown)
      .bind_int(5, out.created_at)
      .bind_text(6, i.sponsor_markdown)
      .bind_opt_text(7, i.edition);
  Status s = q.returning_row("insert_issue returned no id", [&] { out.id = q.int_at(0); });
  if (!s) {
    if (q.last_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return make_error(Errc::not_found,
                        fmt::format("no newsletter with id {}", i.newsletter_id));
    }
    return failed_to("add issue", s.error(),
                     fmt::format("the edition {} already has an issue", i.edition.value_or("")));
  }
  return out;
}

Result<Issue> SqliteStore::issue_by_id(Id id) {
  auto h = hold();
  if (!h) return h.error();
  return read_issue_by_id(db(), sql().issue_by_id, id, "read issue");
}

Result<IssueStatus> SqliteStore::issue_status(Id id) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().issue_status);
  q.bind_int(1, id);
  if (auto s = q.expect_row(no_issue(id)); !s) {
    return failed_to(fmt::format("read the status of issue {}", id), s.error());
  }
  const IssueStatus status = issue_status_from(q.text_at(0)).value_or(IssueStatus::draft);
  if (auto s = q.run(); !s) return failed_to(fmt::format("read issue {}", id), s.error());
  return status;
}

Result<std::vector<Issue>> SqliteStore::list_issues(const IssueQuery& iq) {
  auto h = hold();
  if (!h) return h.error();
  std::optional<std::string> status;
  if (iq.status) status = std::string(to_string(*iq.status));
  std::optional<std::int64_t> newsletter;
  if (iq.newsletter_id) newsletter = *iq.newsletter_id;
  Query q(db(), sql().list_issues);
  q.columns(kIssueColumns);
  q.bind_opt_int(1, newsletter).bind_opt_text(2, status).bind_int(3, as_sql_limit(iq.limit));
  std::vector<Issue> out;
  if (auto s = q.each_row([&] { out.push_back(read_issue(q)); }); !s) {
    return failed_to("list issues", s.error());
  }
  return out;
}

Result<Issue> SqliteStore::update_issue(Id id, const IssueUpdate& u) {
  {
    auto h = hold();
    if (!h) return h.error();
    Transaction tx(db(), sql().commit, sql().rollback);
    if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("update issue", s.error());
    auto read = read_issue_by_id(db(), sql().issue_by_id, id, "update issue");
    if (!read) return read.error();
    const IssueStatus status = read->status;
    if (!editable(status)) return not_editable(id, status);
    Query q(db(), sql().update_issue);
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
  }
  return issue_by_id(id);
}

Result<Issue> SqliteStore::correct_issue(Id id, const IssueUpdate& u, const std::string& actor) {
  {
    auto h = hold();
    if (!h) return h.error();
    Transaction tx(db(), sql().commit, sql().rollback);
    if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("correct issue", s.error());
    auto read = read_issue_by_id(db(), sql().issue_by_id, id, "correct issue");
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
    Query q(db(), sql().correct_issue);
    q.bind_int(1, id)
        .bind_opt_text(2, u.subject)
        .bind_opt_text(3, u.preheader)
        .bind_opt_text(4, u.body_markdown)
        .bind_int(5, clock_.now())
        .bind_opt_text(6, u.sponsor_markdown);
    if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
      return failed_to(fmt::format("correct issue {}", id), s.error());
    }
    Query bump(db(), sql().bump_archive_version);
    bump.bind_int(1, before.newsletter_id);
    if (auto s = bump.run(); !s) return failed_to("correct issue", s.error());
    const std::string action = "issue.correct", subject = std::to_string(id);
    Query audit(db(), sql().insert_audit);
    audit.bind_int(1, clock_.now())
        .bind_text(2, actor)
        .bind_text(3, action)
        .bind_text(4, subject)
        .bind_text(5, detail);
    if (auto s = audit.run(); !s) return failed_to("correct issue", s.error());
    if (auto s = tx.commit(); !s) return failed_to("correct issue", s.error());
  }
  return issue_by_id(id);
}

namespace {

// The id of the issue tied to `edition` of the newsletter, in the caller's transaction.
Result<std::optional<Id>> edition_holder(sqlite3* db, sqlite3_stmt* stmt, Id newsletter_id,
                                         const std::string& edition) {
  Query q(db, stmt);
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

Status audit_in(sqlite3* db, sqlite3_stmt* insert, UnixSeconds now, const std::string& actor,
                std::string_view action, Id id, const std::string& detail) {
  const std::string subject = std::to_string(id);
  Query audit(db, insert);
  audit.bind_int(1, now)
      .bind_text(2, actor)
      .bind_text(3, action)
      .bind_text(4, subject)
      .bind_text(5, detail);
  return audit.run();
}

}  // namespace

Result<std::optional<Issue>> SqliteStore::issue_of_edition(Id newsletter_id,
                                                           const std::string& edition) {
  auto h = hold();
  if (!h) return h.error();
  auto holder = edition_holder(db(), sql().issue_of_edition, newsletter_id, edition);
  if (!holder) return holder.error();
  if (!*holder) return std::optional<Issue>();
  auto issue = read_issue_by_id(db(), sql().issue_by_id, **holder, "read issue");
  if (!issue) return issue.error();
  issue->body_markdown.clear();
  return std::optional<Issue>(std::move(*issue));
}

Result<Issue> SqliteStore::schedule_issue(Id id, const IssueSchedule& sched,
                                          const std::string& actor) {
  {
    auto h = hold();
    if (!h) return h.error();
    Transaction tx(db(), sql().commit, sql().rollback);
    if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("schedule issue", s.error());
    auto read = read_issue_by_id(db(), sql().issue_by_id, id, "schedule issue");
    if (!read) return read.error();
    if (read->status != IssueStatus::draft) {
      return make_error(Errc::conflict, fmt::format("issue {} is {}; only a draft can be scheduled",
                                                    id, to_string(read->status)));
    }
    if (sched.edition) {
      auto holder =
          edition_holder(db(), sql().issue_of_edition, read->newsletter_id, *sched.edition);
      if (!holder) return holder.error();
      if (*holder && **holder != id) {
        return make_error(Errc::conflict,
                          fmt::format("edition {} of {} already has issue {}", *sched.edition,
                                      read->newsletter_slug, **holder));
      }
    }
    const UnixSeconds now = clock_.now();
    Query q(db(), sql().schedule_issue);
    q.bind_int(1, id).bind_opt_text(2, sched.edition).bind_opt_int(3, sched.at).bind_int(4, now);
    if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
      return failed_to(fmt::format("schedule issue {}", id), s.error());
    }
    if (auto s = audit_in(db(), sql().insert_audit, now, actor, "issue.schedule", id,
                          schedule_detail(sched));
        !s) {
      return failed_to("schedule issue", s.error());
    }
    if (auto s = tx.commit(); !s) return failed_to("schedule issue", s.error());
  }
  return issue_by_id(id);
}

Result<Issue> SqliteStore::unschedule_issue(Id id, const std::string& actor) {
  {
    auto h = hold();
    if (!h) return h.error();
    Transaction tx(db(), sql().commit, sql().rollback);
    if (auto s = tx.begin(sql().begin_immediate); !s) {
      return failed_to("unschedule issue", s.error());
    }
    auto read = read_issue_by_id(db(), sql().issue_by_id, id, "unschedule issue");
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
    Query q(db(), sql().unschedule_issue);
    q.bind_int(1, id).bind_int(2, now);
    if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
      return failed_to(fmt::format("unschedule issue {}", id), s.error());
    }
    IssueSchedule was{read->edition, read->scheduled_at};
    if (auto s = audit_in(db(), sql().insert_audit, now, actor, "issue.unschedule", id,
                          schedule_detail(was));
        !s) {
      return failed_to("unschedule issue", s.error());
    }
    if (auto s = tx.commit(); !s) return failed_to("unschedule issue", s.error());
  }
  return issue_by_id(id);
}

Status SqliteStore::remove_issue(Id id) {
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("remove issue", s.error());
  auto read = read_issue_by_id(db(), sql().issue_by_id, id, "remove issue");
  if (!read) return read.error();
  const IssueStatus status = read->status;
  if (!editable(status)) return not_editable(id, status);
  Query q(db(), sql().delete_issue);
  q.bind_int(1, id);
  if (auto s = q.returning_row(no_issue(id), [] {}); !s) {
    return failed_to(fmt::format("remove issue {}", id), s.error());
  }
  return tx.commit();
}

Result<std::vector<ArchiveEntry>> SqliteStore::archive_list(const ArchiveQuery& aq) {
  auto r = read();
  if (!r) return r.error();
  // Two queries rather than one with "?3 IS NULL OR": that form keeps SQLite from
  // using the index for the cursor.
  Query q(r->db(), aq.before ? r->sql().archive_list_before : r->sql().archive_list);
  q.columns(kArchiveColumns).bind_int(1, aq.newsletter_id).bind_int(2, as_sql_limit(aq.limit));
  if (aq.before) q.bind_int(3, aq.before);
  std::vector<ArchiveEntry> out;
  Status s = q.each_row([&] {
    constexpr const auto& c = kArchiveColumns;
    out.push_back(ArchiveEntry{q.int_of(c["id"]), q.text_of(c["subject"]),
                               q.text_of(c["preheader"]), q.int_of(c["started_at"])});
  });
  if (!s) return failed_to("list the archive", s.error());
  return out;
}

Result<Issue> SqliteStore::archive_issue(Id newsletter_id, Id issue_id) {
  auto r = read();
  if (!r) return r.error();
  Query q(r->db(), r->sql().archive_issue);
  q.columns(kIssueColumns);
  q.bind_int(1, newsletter_id).bind_int(2, issue_id);
  if (auto s = q.expect_row(fmt::format("issue {} is not in the archive", issue_id)); !s) {
    return failed_to(fmt::format("read issue {} of the archive", issue_id), s.error());
  }
  Issue out = read_issue(q);
  if (auto s = q.run(); !s) return failed_to(fmt::format("read issue {}", issue_id), s.error());
  return out;
}

}  // namespace broadsheet::store::sqlite
