// Articles and the audit log on every backend (testing/backends.hpp): paragraphs that
// come back as they went in, taken slugs, newest first; a feed's articles added once
// (feeds_test.cpp has the feeds themselves).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class ArticlesTest : public testing::BackendTest {};

Article article(const std::string& slug, UnixSeconds published_at) {
  Article a;
  a.slug = slug;
  a.title = "Title " + slug;
  a.standfirst = "Standfirst";
  a.author = "A. Writer";
  a.section = "World";
  a.paragraphs = {"First paragraph.", "Second,\none line break inside.", "Third."};
  a.url = "https://news.example.org/" + slug;
  a.published_at = published_at;
  return a;
}

TEST_P(ArticlesTest, ArticlesRoundTripWithTheirParagraphs) {
  auto& store = open();
  auto added = store.add_article(article("rain", 100));
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_GT(added->id, 0);
  auto read = store.article_by_slug("rain");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->paragraphs, article("rain", 100).paragraphs);
  EXPECT_EQ(read->title, "Title rain");
  EXPECT_EQ(read->url, "https://news.example.org/rain");
  EXPECT_EQ(read->published_at, 100);
  EXPECT_FALSE(read->feed_id.has_value());
  EXPECT_EQ(scalar("SELECT created_at FROM articles"), clock_.now());

  Article empty = article("empty", 50);
  empty.paragraphs.clear();
  ASSERT_TRUE(store.add_article(empty).ok());
  EXPECT_TRUE(store.article_by_slug("empty")->paragraphs.empty());
}

TEST_P(ArticlesTest, ArticlesRefuseWhatWouldNotComeBackAndTakenSlugs) {
  auto& store = open();
  for (const auto& bad : {std::vector<std::string>{"a", ""}, {"a\n\nb"}, {"a\n", "b"}}) {
    Article a = article("bad", 1);
    a.paragraphs = bad;
    auto s = store.add_article(a);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::invalid_argument);
  }
  ASSERT_TRUE(store.add_article(article("rain", 1)).ok());
  auto taken = store.add_article(article("rain", 2));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, Errc::conflict);
  EXPECT_EQ(taken.error().message, "an article with slug 'rain' already exists");
  auto missing = store.article_by_slug("snow");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message, "no article with slug 'snow'");
}

TEST_P(ArticlesTest, LatestArticlesComeNewestFirst) {
  auto& store = open();
  ASSERT_TRUE(store.add_article(article("old", 100)).ok());
  ASSERT_TRUE(store.add_article(article("new", 300)).ok());
  ASSERT_TRUE(store.add_article(article("mid", 200)).ok());
  auto latest = store.latest_articles(2);
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ((*latest)[0].slug, "new");
  EXPECT_EQ((*latest)[1].slug, "mid");
  EXPECT_EQ(store.latest_articles(10)->size(), 3u);

  auto since = store.list_articles({.since = 200, .limit = 10});
  ASSERT_TRUE(since.ok()) << since.error().message;
  ASSERT_EQ(since->size(), 2u);
  EXPECT_EQ((*since)[0].slug, "new");
  EXPECT_EQ(store.list_articles({})->size(), 3u);
}

// A feed brings each item once: a GUID already seen in the feed or a link already in
// any article is a duplicate. The public pages never show a feed's articles.
TEST_P(ArticlesTest, AFeedsArticlesAreAddedOnceAndListedForItsNewsletter) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Feed f;
  f.newsletter_id = n.id;
  f.url = "https://wire.example.org/rss";
  f.next_poll_at = clock_.now();
  auto feed = store.add_feed(f);
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  ASSERT_TRUE(store.add_article(article("ours", 50)).ok());

  auto item = [](const std::string& guid, const std::string& url, UnixSeconds at) {
    Article a;
    a.title = "Wire " + guid;
    a.guid = guid;
    a.url = url;
    a.published_at = at;
    a.image = "https://wire.example.org/" + guid + ".jpg";
    return a;
  };
  auto added = store.add_feed_articles(
      feed->id,
      {item("g1", "https://wire.example.org/1", 100), item("g2", "https://wire.example.org/2", 200),
       item("g2", "https://wire.example.org/2b", 210),      // same GUID
       item("g3", "https://news.example.org/ours", 220)});  // our own link
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(*added, 2u);
  auto again = store.add_feed_articles(feed->id, {item("g1", "https://wire.example.org/1", 100),
                                                  item("g4", "https://wire.example.org/4", 300)});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, 1u);
  EXPECT_EQ(store.feed_by_id(feed->id)->article_count, 3u);

  auto drawn = store.newsletter_articles(n.id, 150, 10);
  ASSERT_TRUE(drawn.ok()) << drawn.error().message;
  ASSERT_EQ(drawn->size(), 2u);
  EXPECT_EQ((*drawn)[0].guid, "g4");
  EXPECT_EQ((*drawn)[1].guid, "g2");
  EXPECT_EQ((*drawn)[0].feed_url, "https://wire.example.org/rss");
  EXPECT_EQ((*drawn)[0].feed_id, feed->id);
  EXPECT_EQ((*drawn)[0].image, "https://wire.example.org/g4.jpg");
  EXPECT_NE((*drawn)[0].slug, (*drawn)[1].slug);

  auto latest = store.latest_articles(10);
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ((*latest)[0].slug, "ours");
  EXPECT_EQ(store.list_articles({})->size(), 4u);

  auto missing = store.add_feed_articles(feed->id + 100, {item("g9", "", 1)});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message, fmt::format("no feed with id {}", feed->id + 100));
}

TEST_P(ArticlesTest, AuditLogKeepsEntriesNewestFirst) {
  auto& store = open();
  ASSERT_TRUE(store.audit("cli", "newsletter.add", "morning", "{}").ok());
  clock_.advance(5);
  ASSERT_TRUE(store.audit("user:ann", "import", "morning", "12 rows").ok());
  auto log = store.recent_audit(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].actor, "user:ann");
  EXPECT_EQ((*log)[0].action, "import");
  EXPECT_EQ((*log)[0].subject, "morning");
  EXPECT_EQ((*log)[0].detail, "12 rows");
  EXPECT_EQ((*log)[0].at, clock_.now());
  EXPECT_EQ((*log)[1].at, clock_.now() - 5);
  EXPECT_GT((*log)[0].id, (*log)[1].id);
  EXPECT_EQ(store.recent_audit(1)->size(), 1u);
}

BROADSHEET_ON_EVERY_BACKEND(ArticlesTest);

}  // namespace
}  // namespace broadsheet::store
