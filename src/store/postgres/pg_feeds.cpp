// PostgreSQL backend of the Store: feeds and the articles they bring, as sqlite_feeds.cpp
// has them; the SQL in queries/feeds.sql and queries/articles.sql.
#include <fmt/format.h>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

std::string no_feed(Id id) { return fmt::format("no feed with id {}", id); }

Result<Feed> read_feed_by_id(Connection& c, Id id) {
  Query q(c, "feed_by_id");
  q.columns(kFeedColumns).bind_int(1, id);
  if (auto s = q.expect_row(no_feed(id)); !s) {
    return failed_to(fmt::format("read feed {}", id), s.error());
  }
  return read_feed(q);
}

}  // namespace

Result<Feed> PgStore::add_feed(const Feed& f) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "insert_feed");
  q.bind_int(1, f.newsletter_id)
      .bind_text(2, f.url)
      .bind_text(3, f.section)
      .bind_int(4, f.interval_seconds)
      .bind_int(5, f.next_poll_at)
      .bind_int(6, clock_.now());
  Id id = 0;
  Status s = q.returning_row("insert_feed returned no id", [&] { id = q.int_at(0); });
  if (!s) {
    return failed_to(fmt::format("add feed {}", f.url), s.error(),
                     fmt::format("the newsletter already follows {}", f.url));
  }
  return read_feed_by_id(**c, id);
}

Result<Feed> PgStore::feed_by_id(Id id) {
  auto c = lease();
  if (!c) return c.error();
  return read_feed_by_id(**c, id);
}

Result<std::vector<Feed>> PgStore::list_feeds() {
  auto c = lease();
  if (!c) return c.error();
  std::vector<Feed> out;
  Query q(**c, "list_feeds");
  q.columns(kFeedColumns);
  if (auto s = q.each_row([&] { out.push_back(read_feed(q)); }); !s) {
    return failed_to("list feeds", s.error());
  }
  return out;
}

Status PgStore::remove_feed(Id id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delete_feed");
  q.bind_int(1, id);
  if (auto s = q.returning_row(no_feed(id), [] {}); !s) {
    return failed_to(fmt::format("remove feed {}", id), s.error());
  }
  return {};
}

Result<std::vector<Feed>> PgStore::due_feeds(UnixSeconds now, std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<Feed> out;
  Query q(**c, "due_feeds");
  q.columns(kFeedColumns).bind_int(1, now).bind_int(2, as_sql_limit(limit));
  if (auto s = q.each_row([&] { out.push_back(read_feed(q)); }); !s) {
    return failed_to("list the feeds due", s.error());
  }
  return out;
}

Status PgStore::record_poll(Id feed_id, const FeedPollRecord& r) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "record_feed_poll");
  q.bind_int(1, feed_id)
      .bind_int(2, r.polled_at)
      .bind_int(3, r.next_poll_at)
      .bind_text(4, r.etag)
      .bind_text(5, r.last_modified)
      .bind_text(6, r.last_error)
      .bind_int(7, r.failures);
  if (auto s = q.returning_row(no_feed(feed_id), [] {}); !s) {
    return failed_to(fmt::format("record a poll of feed {}", feed_id), s.error());
  }
  return {};
}

// One transaction holding the feed's row lock: SQLite's single writer made "add unless
// known" atomic; here the lock does, whichever node polls the feed.
Result<std::size_t> PgStore::add_feed_articles(Id feed_id, const std::vector<Article>& items) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("store a feed's articles", s.error());
  {
    Query lock(**c, "lock_feed");
    lock.bind_int(1, feed_id);
    if (auto s = lock.expect_row(no_feed(feed_id)); !s) {
      return failed_to(fmt::format("read feed {}", feed_id), s.error());
    }
  }
  const UnixSeconds now = clock_.now();
  std::size_t added = 0;
  for (const Article& a : items) {
    Query q(**c, "insert_feed_article");
    q.bind_int(1, feed_id)
        .bind_text(2, a.title)
        .bind_text(3, a.standfirst)
        .bind_text(4, a.author)
        .bind_text(5, a.section)
        .bind_text(6, a.url)
        .bind_int(7, a.published_at)
        .bind_int(8, now)
        .bind_text(9, a.guid)
        .bind_text(10, a.image);
    auto row = q.step();
    if (!row) return failed_to(fmt::format("store an article of feed {}", feed_id), row.error());
    if (*row) ++added;
  }
  if (auto s = tx.commit(); !s) return failed_to("store a feed's articles", s.error());
  return added;
}

}  // namespace broadsheet::store::postgres
