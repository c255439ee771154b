// SQLite backend of the Store: feeds and the articles they bring.
// See sqlite_store.cpp for what the backend trusts and how it fails.
#include <fmt/format.h>

#include "store/row_readers.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {
namespace {

std::string no_feed(Id id) { return fmt::format("no feed with id {}", id); }

}  // namespace

Result<Feed> SqliteStore::add_feed(const Feed& f) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().insert_feed);
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
  return feed_by_id_held(id);
}

Result<Feed> SqliteStore::feed_by_id_held(Id id) {
  Query q(db(), sql().feed_by_id);
  q.columns(kFeedColumns).bind_int(1, id);
  if (auto s = q.expect_row(no_feed(id)); !s) {
    return failed_to(fmt::format("read feed {}", id), s.error());
  }
  return read_feed(q);
}

Result<Feed> SqliteStore::feed_by_id(Id id) {
  auto h = hold();
  if (!h) return h.error();
  return feed_by_id_held(id);
}

Result<std::vector<Feed>> SqliteStore::list_feeds() {
  auto h = hold();
  if (!h) return h.error();
  std::vector<Feed> out;
  Query q(db(), sql().list_feeds);
  q.columns(kFeedColumns);
  if (auto s = q.each_row([&] { out.push_back(read_feed(q)); }); !s) {
    return failed_to("list feeds", s.error());
  }
  return out;
}

Status SqliteStore::remove_feed(Id id) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().delete_feed);
  q.bind_int(1, id);
  if (auto s = q.returning_row(no_feed(id), [] {}); !s) {
    return failed_to(fmt::format("remove feed {}", id), s.error());
  }
  return {};
}

Result<std::vector<Feed>> SqliteStore::due_feeds(UnixSeconds now, std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  std::vector<Feed> out;
  Query q(db(), sql().due_feeds);
  q.columns(kFeedColumns).bind_int(1, now).bind_int(2, as_sql_limit(limit));
  if (auto s = q.each_row([&] { out.push_back(read_feed(q)); }); !s) {
    return failed_to("list the feeds due", s.error());
  }
  return out;
}

Status SqliteStore::record_poll(Id feed_id, const FeedPollRecord& r) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().record_feed_poll);
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

Result<std::size_t> SqliteStore::add_feed_articles(Id feed_id, const std::vector<Article>& items) {
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) {
    return failed_to("store a feed's articles", s.error());
  }
  if (auto f = feed_by_id_held(feed_id); !f) return f.error();
  const UnixSeconds now = clock_.now();
  std::size_t added = 0;
  for (const Article& a : items) {
    Query q(db(), sql().insert_feed_article);
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
    if (*row) {
      ++added;
      if (auto s = q.run(); !s) return failed_to("store a feed's article", s.error());
    }
  }
  if (auto s = tx.commit(); !s) return failed_to("store a feed's articles", s.error());
  return added;
}

}  // namespace broadsheet::store::sqlite
