// poll_feed and poll_due_feeds over the real SQLite store, with a Fetcher that answers
// from memory (the network side is tested in tests/system/test_feeds.py).
#include "feeds/poll.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::feeds {
namespace {

using store::sqlite::testing::SqliteTest;

// Answers each fetch with the next scripted response and remembers the requests.
class ScriptedFetcher final : public Fetcher {
 public:
  std::deque<Result<FetchResponse>> answers;
  std::vector<FetchRequest> requests;
  Result<FetchResponse> fetch(const FetchRequest& r) override {
    requests.push_back(r);
    if (answers.empty()) return make_error(Errc::internal, "no scripted answer");
    auto a = std::move(answers.front());
    answers.pop_front();
    return a;
  }
};

FetchResponse ok(std::string body, std::string etag = "\"v1\"") {
  FetchResponse r;
  r.status = 200;
  r.body = std::move(body);
  r.etag = std::move(etag);
  r.last_modified = "Mon, 07 Dec 2026 08:00:00 GMT";
  r.final_url = "https://site.example/feed";
  return r;
}

std::string rss(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out =
      "<rss version=\"2.0\"><channel><title>t</title><link>https://site.example/</link>";
  for (const auto& [guid, link] : items) {
    out += "<item><title>" + guid + "</title><guid isPermaLink=\"false\">" + guid +
           "</guid><link>" + link +
           "</link><pubDate>Mon, 07 Dec 2026 07:00:00 GMT</pubDate></item>";
  }
  return out + "</channel></rss>";
}

class PollTest : public SqliteTest {
 protected:
  store::Feed add_feed(const std::string& url, const std::string& section = "") {
    store::Feed f;
    f.newsletter_id = nl_.id;
    f.url = url;
    f.section = section;
    f.next_poll_at = kNow;
    auto added = store().add_feed(f);
    EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);
    return added.ok() ? *added : f;
  }
  store::sqlite::SqliteStore& store() { return *store_; }
  void SetUp() override {
    SqliteTest::SetUp();
    open();
    nl_ = newsletter("morning");
  }
  static constexpr UnixSeconds kNow = 1796716800;  // 2026-12-08T08:00:00Z
  Newsletter nl_;
  ScriptedFetcher fetcher_;
};

TEST_F(PollTest, StoresNewArticlesAndSkipsDuplicatesOnTheNextPoll) {
  store::Feed f = add_feed("https://site.example/feed", "World");
  fetcher_.answers.push_back(
      ok(rss({{"a", "https://site.example/a"}, {"b", "https://site.example/b"}})));
  auto first = poll_feed(f, store(), store(), fetcher_, kNow);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->kind, PollOutcome::Kind::fresh);
  EXPECT_EQ(first->new_articles, 2u);
  EXPECT_EQ(first->next_poll_at, kNow + 900);

  // Again, with one new item, one known by its GUID, one known by its link only.
  fetcher_.answers.push_back(ok(rss({{"a", "https://site.example/a"},
                                     {"b2", "https://site.example/b"},
                                     {"c", "https://site.example/c"}}),
                                "\"v2\""));
  auto feed = store().feed_by_id(f.id);
  ASSERT_TRUE(feed.ok());
  auto second = poll_feed(*feed, store(), store(), fetcher_, kNow + 900);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->new_articles, 1u);
  // The validators of the first answer went back with the second request.
  EXPECT_EQ(fetcher_.requests[1].etag, "\"v1\"");
  EXPECT_EQ(fetcher_.requests[1].last_modified, "Mon, 07 Dec 2026 08:00:00 GMT");

  auto articles = store().list_articles({});
  ASSERT_TRUE(articles.ok());
  ASSERT_EQ(articles->size(), 3u);
  for (const Article& a : *articles) {
    EXPECT_EQ(a.feed_id, f.id);
    EXPECT_EQ(a.feed_url, "https://site.example/feed");
    EXPECT_EQ(a.section, "World");  // the feed's section
  }
  // The public pages show only the publication's own articles.
  EXPECT_TRUE(store().latest_articles(10)->empty());
  EXPECT_EQ(store().feed_by_id(f.id)->article_count, 3u);
  EXPECT_EQ(store().feed_by_id(f.id)->etag, "\"v2\"");
}

TEST_F(PollTest, ALinkKnownFromAnotherFeedIsADuplicate) {
  store::Feed a = add_feed("https://one.example/feed");
  store::Feed b = add_feed("https://two.example/feed");
  fetcher_.answers.push_back(ok(rss({{"x", "https://shared.example/story"}})));
  fetcher_.answers.push_back(ok(rss({{"y", "https://shared.example/story"}})));
  EXPECT_EQ(poll_feed(a, store(), store(), fetcher_, kNow)->new_articles, 1u);
  EXPECT_EQ(poll_feed(b, store(), store(), fetcher_, kNow)->new_articles, 0u);
}

TEST_F(PollTest, NotModifiedKeepsTheValidators) {
  store::Feed f = add_feed("https://site.example/feed");
  fetcher_.answers.push_back(ok(rss({{"a", "https://site.example/a"}})));
  ASSERT_TRUE(poll_feed(f, store(), store(), fetcher_, kNow).ok());
  FetchResponse not_modified;
  not_modified.not_modified = true;
  not_modified.status = 304;
  not_modified.etag = "\"v1\"";
  not_modified.last_modified = "Mon, 07 Dec 2026 08:00:00 GMT";
  fetcher_.answers.push_back(not_modified);
  auto outcome = poll_feed(*store().feed_by_id(f.id), store(), store(), fetcher_, kNow + 900);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->kind, PollOutcome::Kind::unchanged);
  auto after = store().feed_by_id(f.id);
  EXPECT_EQ(after->etag, "\"v1\"");
  EXPECT_EQ(after->next_poll_at, kNow + 1800);
  EXPECT_EQ(after->article_count, 1u);
}

TEST_F(PollTest, FailuresBackOffExponentiallyAndKeepTheReason) {
  store::Feed f = add_feed("https://site.example/feed");
  UnixSeconds now = kNow;
  std::vector<UnixSeconds> waits;
  for (int i = 0; i < 9; ++i) {
    fetcher_.answers.push_back(make_error(Errc::io, "the server answered HTTP 503"));
    auto due = poll_due_feeds(store(), store(), fetcher_, now);
    ASSERT_TRUE(due.ok());
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ((*due)[0].kind, PollOutcome::Kind::failed);
    waits.push_back((*due)[0].next_poll_at - now);
    // Nothing is due before the backoff ends.
    EXPECT_TRUE(poll_due_feeds(store(), store(), fetcher_, (*due)[0].next_poll_at - 1)->empty());
    now = (*due)[0].next_poll_at;
  }
  EXPECT_EQ(waits,
            (std::vector<UnixSeconds>{300, 600, 1200, 2400, 4800, 9600, 19200, 21600, 21600}));
  auto after = store().feed_by_id(f.id);
  EXPECT_EQ(after->failures, 9);
  EXPECT_EQ(after->last_error, "the server answered HTTP 503");
  EXPECT_EQ(after->last_poll_at, now - 21600);

  // A success clears the failures and the error.
  fetcher_.answers.push_back(ok(rss({{"a", "https://site.example/a"}})));
  ASSERT_TRUE(poll_due_feeds(store(), store(), fetcher_, now).ok());
  after = store().feed_by_id(f.id);
  EXPECT_EQ(after->failures, 0);
  EXPECT_EQ(after->last_error, "");
}

TEST_F(PollTest, AHostileFeedIsRefusedAndTheOthersArePolled) {
  store::Feed bad = add_feed("https://bad.example/feed");
  store::Feed good = add_feed("https://good.example/feed");
  fetcher_.answers.push_back(
      ok("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
         "\"file:///etc/passwd\">]><rss version=\"2.0\"><channel>"
         "<item><title>&x;</title></item></channel></rss>"));
  fetcher_.answers.push_back(ok(rss({{"a", "https://good.example/a"}})));
  auto due = poll_due_feeds(store(), store(), fetcher_, kNow);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].kind, PollOutcome::Kind::failed);
  EXPECT_NE((*due)[0].error.find("entities"), std::string::npos);
  EXPECT_EQ((*due)[1].new_articles, 1u);
  EXPECT_EQ(store().feed_by_id(bad.id)->etag, "");  // a refused answer's validators are not kept
  EXPECT_EQ(store().feed_by_id(good.id)->article_count, 1u);
}

TEST_F(PollTest, RemovingAFeedRemovesItsArticles) {
  store::Feed f = add_feed("https://site.example/feed");
  fetcher_.answers.push_back(ok(rss({{"a", "https://site.example/a"}})));
  ASSERT_TRUE(poll_feed(f, store(), store(), fetcher_, kNow).ok());
  ASSERT_TRUE(store().remove_feed(f.id).ok());
  EXPECT_TRUE(store().list_articles({})->empty());
  EXPECT_EQ(store().remove_feed(f.id).error().code, Errc::not_found);
  EXPECT_EQ(store().add_feed_articles(f.id, {}).error().code, Errc::not_found);
}

TEST_F(PollTest, AFeedIsFollowedOncePerNewsletter) {
  add_feed("https://site.example/feed");
  store::Feed again;
  again.newsletter_id = nl_.id;
  again.url = "https://site.example/feed";
  auto r = store().add_feed(again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
}

}  // namespace
}  // namespace broadsheet::feeds
