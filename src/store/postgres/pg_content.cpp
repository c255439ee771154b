// PostgreSQL backend of the Store: articles and the audit log, as sqlite_content.cpp has
// them (a feed's articles are stored by pg_feeds.cpp); the SQL in queries/articles.sql
// and queries/audit_log.sql.
#include <fmt/format.h>

#include <limits>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {

Result<Article> PgStore::add_article(const Article& a) {
  if (auto s = check_paragraphs(a.paragraphs); !s) return s.error();
  const std::string body = join_paragraphs(a.paragraphs);
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "insert_article");
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

Result<std::vector<Article>> PgStore::latest_articles(std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<Article> out;
  Query q(**c, "latest_articles");
  q.columns(kArticleColumns);
  q.bind_int(1, as_sql_limit(limit));
  if (auto s = q.each_row([&] { out.push_back(read_article(q)); }); !s) {
    return failed_to("list articles", s.error());
  }
  return out;
}

Result<Article> PgStore::article_by_slug(const std::string& slug) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "article_by_slug");
  q.columns(kArticleColumns);
  q.bind_text(1, slug);
  if (auto s = q.expect_row(fmt::format("no article with slug '{}'", slug)); !s) {
    return failed_to(fmt::format("read article '{}'", slug), s.error());
  }
  return read_article(q);
}

Result<std::vector<Article>> PgStore::list_articles(const ArticleQuery& query) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<Article> out;
  Query q(**c, "list_articles");
  q.columns(kArticleColumns);
  q.bind_int(1, query.since.value_or(std::numeric_limits<UnixSeconds>::min()))
      .bind_int(2, as_sql_limit(query.limit));
  if (auto s = q.each_row([&] { out.push_back(read_article(q)); }); !s) {
    return failed_to("list articles", s.error());
  }
  return out;
}

Result<std::vector<Article>> PgStore::newsletter_articles(Id newsletter_id, UnixSeconds since,
                                                          std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<Article> out;
  Query q(**c, "newsletter_articles");
  q.columns(kArticleColumns);
  q.bind_int(1, newsletter_id).bind_int(2, since).bind_int(3, as_sql_limit(limit));
  if (auto s = q.each_row([&] { out.push_back(read_article(q)); }); !s) {
    return failed_to("list a newsletter's articles", s.error());
  }
  return out;
}

Status PgStore::audit(const std::string& actor, const std::string& action,
                      const std::string& subject, const std::string& detail) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "insert_audit");
  q.bind_int(1, clock_.now())
      .bind_text(2, actor)
      .bind_text(3, action)
      .bind_text(4, subject)
      .bind_text(5, detail);
  if (auto s = q.run(); !s)
    return failed_to(fmt::format("record '{}' in the audit log", action), s.error());
  return {};
}

Result<std::vector<AuditEntry>> PgStore::recent_audit(std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<AuditEntry> out;
  Query q(**c, "recent_audit");
  q.columns(kAuditColumns).bind_int(1, as_sql_limit(limit));
  auto read = [&] {
    constexpr const auto& k = kAuditColumns;
    out.push_back(AuditEntry{q.int_of(k["id"]), q.int_of(k["at"]), q.text_of(k["actor"]),
                             q.text_of(k["action"]), q.text_of(k["subject"]),
                             q.text_of(k["detail"])});
  };
  if (auto s = q.each_row(read); !s) return failed_to("read the audit log", s.error());
  return out;
}

}  // namespace broadsheet::store::postgres
