// Newsletters on every backend (testing/backends.hpp): round trips of every field,
// unique slugs, listing, partial updates, lookups by slug and id.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class NewslettersTest : public testing::BackendTest {};

TEST_P(NewslettersTest, NewslettersRoundTrip) {
  auto& store = open();
  Newsletter n;
  n.slug = "morning";
  n.name = "Morning Briefing";
  n.description = "The day ahead.";
  n.schedule = "mon-fri 06:00";
  n.from_name = "The Desk";
  n.from_address = "desk@example.org";
  n.is_public = false;
  n.opt_in = OptIn::single_opt_in;
  auto added = store.add_newsletter(n);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_GT(added->id, 0);
  EXPECT_EQ(added->created_at, clock_.now());
  EXPECT_EQ(added->updated_at, clock_.now());

  auto read = store.newsletter_by_slug("morning");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->id, added->id);
  EXPECT_EQ(read->name, "Morning Briefing");
  EXPECT_EQ(read->description, "The day ahead.");
  EXPECT_EQ(read->schedule, "mon-fri 06:00");
  EXPECT_EQ(read->from_name, "The Desk");
  EXPECT_EQ(read->from_address, "desk@example.org");
  EXPECT_FALSE(read->is_public);
  EXPECT_EQ(read->opt_in, OptIn::single_opt_in);
  EXPECT_EQ(read->created_at, clock_.now());
  EXPECT_EQ(read->default_timezone, "");
  EXPECT_FALSE(read->draft_from_feeds);
  EXPECT_EQ(read->drafts.items, 10);
}

// The API's create gives the zone and the drafts' settings with the rest: one row, whole.
TEST_P(NewslettersTest, ANewNewsletterKeepsItsZoneAndDraftSettings) {
  auto& store = open();
  Newsletter n;
  n.slug = "evening";
  n.name = "Evening";
  n.schedule = "daily 18:00";
  n.default_timezone = "Europe/Paris";
  n.draft_from_feeds = true;
  n.drafts = {.items = 7, .sections = {"World", "Business"}, .lead = 7200,
              .on_cutoff = OnCutoff::send};
  ASSERT_TRUE(store.add_newsletter(n).ok());
  auto read = store.newsletter_by_slug("evening");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->default_timezone, "Europe/Paris");
  EXPECT_TRUE(read->draft_from_feeds);
  EXPECT_EQ(read->drafts.items, 7);
  EXPECT_EQ(read->drafts.sections, (std::vector<std::string>{"World", "Business"}));
  EXPECT_EQ(read->drafts.lead, 7200);
  EXPECT_EQ(read->drafts.on_cutoff, OnCutoff::send);
}

TEST_P(NewslettersTest, ATakenSlugIsAConflict) {
  auto& store = open();
  newsletter("morning");
  Newsletter again;
  again.slug = "morning";
  again.name = "Other";
  auto s = store.add_newsletter(again);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::conflict);
  EXPECT_EQ(s.error().message, "a newsletter with slug 'morning' already exists");
}

TEST_P(NewslettersTest, ListsNewslettersByNamePublicOrAll) {
  auto& store = open();
  newsletter("zeta");
  newsletter("alpha", /*is_public=*/false);
  newsletter("mid");
  auto all = store.list_newsletters(false);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].slug, "alpha");
  EXPECT_EQ((*all)[1].slug, "mid");
  EXPECT_EQ((*all)[2].slug, "zeta");
  auto pub = store.list_newsletters(true);
  ASSERT_TRUE(pub.ok());
  ASSERT_EQ(pub->size(), 2u);
  EXPECT_EQ((*pub)[0].slug, "mid");
}

TEST_P(NewslettersTest, UpdatesOnlyTheFieldsGiven) {
  auto& store = open();
  Newsletter before = newsletter("morning");
  clock_.advance(60);
  NewsletterUpdate u;
  u.name = "Renamed";
  u.is_public = false;
  u.opt_in = OptIn::single_opt_in;
  auto after = store.update_newsletter("morning", u);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->name, "Renamed");
  EXPECT_FALSE(after->is_public);
  EXPECT_EQ(after->opt_in, OptIn::single_opt_in);
  EXPECT_EQ(after->description, before.description);
  EXPECT_EQ(after->from_address, before.from_address);
  EXPECT_EQ(after->created_at, before.created_at);
  EXPECT_EQ(after->updated_at, clock_.now());
  EXPECT_EQ(store.newsletter_by_slug("morning")->name, "Renamed");

  auto missing = store.update_newsletter("evening", u);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message, "no newsletter with slug 'evening'");
}

TEST_P(NewslettersTest, MissingNewsletterIsNotFound) {
  auto s = open().newsletter_by_slug("nothing");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
  EXPECT_EQ(s.error().message, "no newsletter with slug 'nothing'");
}

TEST_P(NewslettersTest, NewslettersReadBackById) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto read = store.newsletter_by_id(n.id);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->slug, "morning");
  EXPECT_EQ(read->from_address, "desk@example.org");
  EXPECT_EQ(read->opt_in, OptIn::double_opt_in);
  auto missing = store.newsletter_by_id(n.id + 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message, fmt::format("no newsletter with id {}", n.id + 1));
}

TEST_P(NewslettersTest, RemovingANewsletterTakesItsSubscriptions) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Newsletter other = newsletter("evening");
  Subscriber s = subscriber("a@example.org");
  ASSERT_TRUE(store.set_subscription(s.id, n.id, SubscriptionStatus::confirmed, "cli").ok());
  ASSERT_TRUE(store.set_subscription(s.id, other.id, SubscriptionStatus::confirmed, "cli").ok());
  ASSERT_TRUE(store.remove_newsletter("morning").ok());
  EXPECT_EQ(store.newsletter_by_slug("morning").error().code, Errc::not_found);
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::confirmed), 0u);
  auto left = store.subscriber_by_email("a@example.org");
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->subscriptions.size(), 1u);
  EXPECT_EQ(left->subscriptions[0].newsletter_slug, "evening");

  auto again = store.remove_newsletter("morning");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::not_found);
  EXPECT_EQ(again.error().message, "no newsletter with slug 'morning'");
}

BROADSHEET_ON_EVERY_BACKEND(NewslettersTest);

}  // namespace
}  // namespace broadsheet::store
