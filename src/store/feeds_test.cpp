// Feeds on every backend (testing/backends.hpp): a feed round trip, one URL per
// newsletter, the due list most overdue first, polls recorded, removal with its articles.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class FeedsTest : public testing::BackendTest {};

Feed feed(Id newsletter_id, const std::string& url, UnixSeconds next_poll_at) {
  Feed f;
  f.newsletter_id = newsletter_id;
  f.url = url;
  f.section = "Wire";
  f.interval_seconds = 600;
  f.next_poll_at = next_poll_at;
  return f;
}

TEST_P(FeedsTest, AFeedRoundTripsAndANewsletterFollowsAURLOnce) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto added = store.add_feed(feed(n.id, "https://a.example.org/rss", 500));
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_GT(added->id, 0);
  EXPECT_EQ(added->newsletter_slug, "morning");
  EXPECT_EQ(added->section, "Wire");
  EXPECT_EQ(added->interval_seconds, 600);
  EXPECT_EQ(added->next_poll_at, 500);
  EXPECT_FALSE(added->last_poll_at.has_value());
  EXPECT_EQ(added->created_at, clock_.now());
  EXPECT_EQ(added->article_count, 0u);

  auto taken = store.add_feed(feed(n.id, "https://a.example.org/rss", 9));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, Errc::conflict);
  EXPECT_EQ(taken.error().message, "the newsletter already follows https://a.example.org/rss");
  Newsletter other = newsletter("evening");
  EXPECT_TRUE(store.add_feed(feed(other.id, "https://a.example.org/rss", 9)).ok());

  auto missing = store.feed_by_id(added->id + 100);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message, fmt::format("no feed with id {}", added->id + 100));
  EXPECT_EQ(store.list_feeds()->size(), 2u);
}

TEST_P(FeedsTest, DueFeedsComeMostOverdueFirstAndPollsAreRecorded) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Id late = store.add_feed(feed(n.id, "https://late.example.org/", 300))->id;
  Id early = store.add_feed(feed(n.id, "https://early.example.org/", 100))->id;
  ASSERT_TRUE(store.add_feed(feed(n.id, "https://later.example.org/", 900)).ok());
  auto due = store.due_feeds(300, 10);
  ASSERT_TRUE(due.ok()) << due.error().message;
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, early);
  EXPECT_EQ((*due)[1].id, late);
  EXPECT_EQ(store.due_feeds(300, 1)->size(), 1u);

  FeedPollRecord r{.polled_at = 310,
                   .next_poll_at = 1000,
                   .etag = "\"v2\"",
                   .last_modified = "Mon, 07 Dec 2026 20:00:00 GMT",
                   .last_error = "timed out",
                   .failures = 2};
  ASSERT_TRUE(store.record_poll(early, r).ok());
  auto read = store.feed_by_id(early);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->last_poll_at, 310);
  EXPECT_EQ(read->next_poll_at, 1000);
  EXPECT_EQ(read->etag, "\"v2\"");
  EXPECT_EQ(read->last_modified, "Mon, 07 Dec 2026 20:00:00 GMT");
  EXPECT_EQ(read->last_error, "timed out");
  EXPECT_EQ(read->failures, 2);
  EXPECT_EQ(store.due_feeds(300, 10)->size(), 1u);

  auto missing = store.record_poll(early + 100, r);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_P(FeedsTest, RemovingAFeedTakesItsArticles) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Id id = store.add_feed(feed(n.id, "https://a.example.org/rss", 1))->id;
  Article a;
  a.title = "Wire";
  a.guid = "g1";
  a.published_at = 5;
  ASSERT_EQ(*store.add_feed_articles(id, {a}), 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM articles"), 1);
  ASSERT_TRUE(store.remove_feed(id).ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM articles"), 0);
  EXPECT_TRUE(store.list_feeds()->empty());
  auto again = store.remove_feed(id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::not_found);
  EXPECT_EQ(again.error().message, fmt::format("no feed with id {}", id));
}

BROADSHEET_ON_EVERY_BACKEND(FeedsTest);

}  // namespace
}  // namespace broadsheet::store
