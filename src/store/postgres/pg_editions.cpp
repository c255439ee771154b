// PostgreSQL backend of the Store: editions skipped (store/editions.hpp), as
// sqlite_editions.cpp has them; the SQL in queries/editions.sql.
#include <fmt/format.h>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"

namespace broadsheet::store::postgres {
Result<bool> PgStore::skip_edition(Id newsletter_id, const std::string& edition,
                                   const std::string& reason, UnixSeconds now) {
  auto c = lease();
  if (!c) return c.error();
  const std::string what = fmt::format("record the edition {} skipped", edition);
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to(what, s.error());
  Query record(**c, "insert_edition_skip");
  record.bind_int(1, newsletter_id).bind_text(2, edition).bind_text(3, reason).bind_int(4, now);
  bool recorded = false;
  if (auto s = record.each_row([&] { recorded = true; }); !s) {
    if (record.sqlstate() == kForeignKeyViolation) {
      return make_error(Errc::not_found, fmt::format("no newsletter with id {}", newsletter_id));
    }
    return failed_to(what, s.error());
  }
  if (!recorded) return false;
  std::string slug;
  Query n(**c, "newsletter_by_id");
  n.bind_int(1, newsletter_id);
  if (auto s = n.each_row([&] { slug = n.text_at(1); }); !s) return failed_to(what, s.error());
  const std::string subject = fmt::format("{}:{}", slug, edition);
  Query audit(**c, "insert_audit");
  audit.bind_int(1, now)
      .bind_text(2, std::string_view("system"))
      .bind_text(3, std::string_view("edition.skipped"))
      .bind_text(4, subject)
      .bind_text(5, reason);
  if (auto a = audit.run(); !a) return failed_to(what, a.error());
  if (auto s = tx.commit(); !s) return failed_to(what, s.error());
  return true;
}

Result<std::vector<EditionSkip>> PgStore::edition_skips(Id newsletter_id, const std::string& first,
                                                        const std::string& last) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<EditionSkip> out;
  Query q(**c, "edition_skips");
  q.bind_int(1, newsletter_id).bind_text(2, first).bind_text(3, last);
  auto read = [&] { out.push_back(EditionSkip{q.text_at(0), q.text_at(1), q.int_at(2)}); };
  if (auto s = q.each_row(read); !s) return failed_to("read the skipped editions", s.error());
  return out;
}

}  // namespace broadsheet::store::postgres
