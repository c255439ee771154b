// PostgreSQL backend of the Store: the public archive (store/archive.hpp), as
// sqlite_issues.cpp has it; the SQL in queries/archive.sql.
#include <fmt/format.h>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

// The columns of archive_list and archive_list_before, read by name (Query::columns).
constexpr ColumnList<4> kArchiveColumns{{"id", "subject", "preheader", "started_at"}};

}  // namespace

Result<std::vector<ArchiveEntry>> PgStore::archive_list(const ArchiveQuery& aq) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, aq.before ? "archive_list_before" : "archive_list");
  q.columns(kArchiveColumns).bind_int(1, aq.newsletter_id).bind_int(2, as_sql_limit(aq.limit));
  if (aq.before) q.bind_int(3, aq.before);
  std::vector<ArchiveEntry> out;
  Status s = q.each_row([&] {
    constexpr const auto& k = kArchiveColumns;
    out.push_back(ArchiveEntry{q.int_of(k["id"]), q.text_of(k["subject"]),
                               q.text_of(k["preheader"]), q.int_of(k["started_at"])});
  });
  if (!s) return failed_to("list the archive", s.error());
  return out;
}

Result<Issue> PgStore::archive_issue(Id newsletter_id, Id issue_id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "archive_issue");
  q.columns(kIssueColumns);
  q.bind_int(1, newsletter_id).bind_int(2, issue_id);
  if (auto s = q.expect_row(fmt::format("issue {} is not in the archive", issue_id)); !s) {
    return failed_to(fmt::format("read issue {} of the archive", issue_id), s.error());
  }
  return read_issue(q);
}

}  // namespace broadsheet::store::postgres
