// PostgreSQL backend of the Store: newsletters (store/newsletters.hpp), as
// sqlite_store.cpp has them; the SQL in queries/newsletters.sql.
#include <fmt/format.h>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

std::string no_newsletter(const std::string& slug) {
  return fmt::format("no newsletter with slug '{}'", slug);
}

}  // namespace

Result<Newsletter> PgStore::add_newsletter(const Newsletter& n) {
  auto c = lease();
  if (!c) return c.error();
  Newsletter out = n;
  out.created_at = out.updated_at = clock_.now();
  const std::string sections = join_sections(n.drafts.sections);
  const std::string on_cutoff(to_string(n.drafts.on_cutoff));
  Query q(**c, "insert_newsletter");
  q.bind_text(1, n.slug)
      .bind_text(2, n.name)
      .bind_text(3, n.description)
      .bind_text(4, n.schedule)
      .bind_text(5, n.from_name)
      .bind_text(6, n.from_address)
      .bind_bool(7, n.is_public)
      .bind_text(8, to_string(n.opt_in))
      .bind_int(9, out.created_at)
      .bind_text(10, n.welcome_subject)
      .bind_text(11, n.welcome_body)
      .bind_text(12, n.default_timezone)
      .bind_bool(13, n.draft_from_feeds)
      .bind_int(14, n.drafts.items)
      .bind_text(15, sections)
      .bind_int(16, n.drafts.lead)
      .bind_text(17, on_cutoff);
  Status s = q.returning_row("insert_newsletter returned no id", [&] { out.id = q.int_at(0); });
  if (!s) {
    return failed_to(fmt::format("add newsletter '{}'", n.slug), s.error(),
                     fmt::format("a newsletter with slug '{}' already exists", n.slug));
  }
  return out;
}

Result<std::vector<Newsletter>> PgStore::list_newsletters(bool public_only) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<Newsletter> out;
  Query q(**c, "list_newsletters");
  q.columns(kNewsletterColumns);
  q.bind_bool(1, public_only);
  if (auto s = q.each_row([&] { out.push_back(read_newsletter(q)); }); !s) {
    return failed_to("list newsletters", s.error());
  }
  return out;
}

Result<Newsletter> PgStore::newsletter_by_slug(const std::string& slug) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "newsletter_by_slug");
  q.columns(kNewsletterColumns);
  q.bind_text(1, slug);
  if (auto s = q.expect_row(no_newsletter(slug)); !s) {
    return failed_to(fmt::format("read newsletter '{}'", slug), s.error());
  }
  return read_newsletter(q);
}

Result<Newsletter> PgStore::newsletter_by_id(Id id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "newsletter_by_id");
  q.columns(kNewsletterColumns);
  q.bind_int(1, id);
  if (auto s = q.expect_row(fmt::format("no newsletter with id {}", id)); !s) {
    return failed_to(fmt::format("read newsletter {}", id), s.error());
  }
  return read_newsletter(q);
}

Result<Newsletter> PgStore::update_newsletter(const std::string& slug,
                                                  const NewsletterUpdate& u) {
  auto c = lease();
  if (!c) return c.error();
  std::optional<std::int64_t> is_public;
  if (u.is_public) is_public = *u.is_public ? 1 : 0;
  std::optional<std::string> opt_in;
  if (u.opt_in) opt_in = std::string(to_string(*u.opt_in));
  std::optional<std::int64_t> from_feeds, items;
  if (u.draft_from_feeds) from_feeds = *u.draft_from_feeds ? 1 : 0;
  if (u.draft_items) items = *u.draft_items;
  std::optional<std::string> sections, on_cutoff;
  if (u.draft_sections) sections = join_sections(*u.draft_sections);
  if (u.on_cutoff) on_cutoff = std::string(to_string(*u.on_cutoff));

  Query q(**c, "update_newsletter");
  q.columns(kNewsletterColumns);
  q.bind_text(1, slug)
      .bind_opt_text(2, u.name)
      .bind_opt_text(3, u.description)
      .bind_opt_text(4, u.schedule)
      .bind_opt_text(5, u.from_name)
      .bind_opt_text(6, u.from_address)
      .bind_opt_int(7, is_public)
      .bind_opt_text(8, opt_in)
      .bind_int(9, clock_.now())
      .bind_opt_text(10, u.welcome_subject)
      .bind_opt_text(11, u.welcome_body)
      .bind_opt_text(12, u.default_timezone)
      .bind_opt_int(13, from_feeds)
      .bind_opt_int(14, items)
      .bind_opt_text(15, sections)
      .bind_opt_int(16, u.draft_lead)
      .bind_opt_text(17, on_cutoff);
  Newsletter out;
  Status s = q.returning_row(no_newsletter(slug), [&] { out = read_newsletter(q); });
  if (!s) return failed_to(fmt::format("update newsletter '{}'", slug), s.error());
  return out;
}

Status PgStore::remove_newsletter(const std::string& slug) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delete_newsletter");
  q.bind_text(1, slug);
  Status s = q.returning_row(no_newsletter(slug), [] {});
  if (!s) return failed_to(fmt::format("remove newsletter '{}'", slug), s.error());
  return {};
}

}  // namespace broadsheet::store::postgres
