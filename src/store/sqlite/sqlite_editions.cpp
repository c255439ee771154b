// SQLite backend of the Store: editions skipped (store/editions.hpp) and the articles
// a newsletter's draft draws on. See sqlite_store.cpp for what the backend trusts and
// how it fails.
#include <fmt/format.h>

#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {

Result<bool> SqliteStore::skip_edition(Id newsletter_id, const std::string& edition,
                                       const std::string& reason, UnixSeconds now) {
  auto h = hold();
  if (!h) return h.error();
  const std::string what = fmt::format("record the edition {} skipped", edition);
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to(what, s.error());
  Query record(db(), sql().insert_edition_skip);
  record.bind_int(1, newsletter_id).bind_text(2, edition).bind_text(3, reason).bind_int(4, now);
  bool recorded = false;
  if (auto s = record.each_row([&] { recorded = true; }); !s) {
    if (record.last_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return make_error(Errc::not_found, fmt::format("no newsletter with id {}", newsletter_id));
    }
    return failed_to(what, s.error());
  }
  if (!recorded) return false;
  std::string slug;
  Query n(db(), sql().newsletter_by_id);
  n.bind_int(1, newsletter_id);
  if (auto s = n.each_row([&] { slug = n.text_at(1); }); !s) return failed_to(what, s.error());
  const std::string subject = fmt::format("{}:{}", slug, edition);
  Query audit(db(), sql().insert_audit);
  audit.bind_int(1, now)
      .bind_text(2, std::string_view("system"))
      .bind_text(3, std::string_view("edition.skipped"))
      .bind_text(4, subject)
      .bind_text(5, reason);
  if (auto a = audit.run(); !a) return failed_to(what, a.error());
  if (auto c = tx.commit(); !c) return failed_to(what, c.error());
  return true;
}

Result<std::vector<EditionSkip>> SqliteStore::edition_skips(Id newsletter_id,
                                                            const std::string& first,
                                                            const std::string& last) {
  auto h = hold();
  if (!h) return h.error();
  std::vector<EditionSkip> out;
  Query q(db(), sql().edition_skips);
  q.bind_int(1, newsletter_id).bind_text(2, first).bind_text(3, last);
  auto read = [&] { out.push_back(EditionSkip{q.text_at(0), q.text_at(1), q.int_at(2)}); };
  if (auto s = q.each_row(read); !s) return failed_to("read the skipped editions", s.error());
  return out;
}

}  // namespace broadsheet::store::sqlite
