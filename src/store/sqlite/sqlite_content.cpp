// SQLite backend of the Store: articles and the audit log (a feed's articles are stored
// by sqlite_feeds.cpp).
// See sqlite_store.cpp for what the backend trusts and how it fails.
#include <fmt/format.h>

#include <limits>

#include "store/row_readers.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {
Result<Article> SqliteStore::add_article(const Article& a) {
  if (auto s = check_paragraphs(a.paragraphs); !s) return s.error();
  const std::string body = join_paragraphs(a.paragraphs);
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().insert_article);
  q.bind_text(1, a.slug)
      .bind_text(2, a.title)
      .bind_text(3, a.standfirst)
      .bind_text(4, a.author)
      .bind_text(5, a.section)
      .bind_text(6, body)
      .bind_text(7, a.url)
      .bind_int(8, a.published_at)
      .bind_int(9, clock_.now());
  Article out = a;
  Status s = q.returning_row("insert_article returned no id", [&] { out.id = q.int_at(0); });
  if (!s) {
    return failed_to(fmt::format("add article '{}'", a.slug), s.error(),
                     fmt::format("an article with slug '{}' already exists", a.slug));
  }
  return out;
}

Result<std::vector<Article>> SqliteStore::latest_articles(std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  std::vector<Article> out;
  Query q(db(), sql().latest_articles);
  q.columns(kArticleColumns);
  q.bind_int(1, as_sql_limit(limit));
  if (auto s = q.each_row([&] { out.push_back(read_article(q)); }); !s) {
    return failed_to("list articles", s.error());
  }
  return out;
}

Result<Article> SqliteStore::article_by_slug(const std::string& slug) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().article_by_slug);
  q.columns(kArticleColumns);
  q.bind_text(1, slug);
  if (auto s = q.expect_row(fmt::format("no article with slug '{}'", slug)); !s) {
    return failed_to(fmt::format("read article '{}'", slug), s.error());
  }
  return read_article(q);
}

Result<std::vector<Article>> SqliteStore::list_articles(const ArticleQuery& query) {
  auto r = read();
  if (!r) return r.error();
  std::vector<Article> out;
  Query q(r->db(), r->sql().list_articles);
  q.columns(kArticleColumns);
  q.bind_int(1, query.since.value_or(std::numeric_limits<UnixSeconds>::min()))
      .bind_int(2, as_sql_limit(query.limit));
  if (auto s = q.each_row([&] { out.push_back(read_article(q)); }); !s) {
    return failed_to("list articles", s.error());
  }
  return out;
}

Result<std::vector<Article>> SqliteStore::newsletter_articles(Id newsletter_id, UnixSeconds since,
                                                              std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  std::vector<Article> out;
  Query q(db(), sql().newsletter_articles);
  q.columns(kArticleColumns);
  q.bind_int(1, newsletter_id).bind_int(2, since).bind_int(3, as_sql_limit(limit));
  if (auto s = q.each_row([&] { out.push_back(read_article(q)); }); !s) {
    return failed_to("list a newsletter's articles", s.error());
  }
  return out;
}

Status SqliteStore::audit(const std::string& actor, const std::string& action,
                          const std::string& subject, const std::string& detail) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().insert_audit);
  q.bind_int(1, clock_.now())
      .bind_text(2, actor)
      .bind_text(3, action)
      .bind_text(4, subject)
      .bind_text(5, detail);
  if (auto s = q.run(); !s)
    return failed_to(fmt::format("record '{}' in the audit log", action), s.error());
  return {};
}

Result<std::vector<AuditEntry>> SqliteStore::recent_audit(std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  std::vector<AuditEntry> out;
  Query q(db(), sql().recent_audit);
  q.columns(kAuditColumns).bind_int(1, as_sql_limit(limit));
  auto read = [&] {
    constexpr const auto& c = kAuditColumns;
    out.push_back(AuditEntry{q.int_of(c["id"]), q.int_of(c["at"]), q.text_of(c["actor"]),
                             q.text_of(c["action"]), q.text_of(c["subject"]),
                             q.text_of(c["detail"])});
  };
  if (auto s = q.each_row(read); !s) return failed_to("read the audit log", s.error());
  return out;
}

}  // namespace broadsheet::store::sqlite
