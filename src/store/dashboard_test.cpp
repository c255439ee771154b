// The dashboard's figures on every backend (testing/backends.hpp): readers per
// newsletter, and the per-day counts the triggers (SQLite's 0015, PostgreSQL's baseline)
// keep as subscriptions are made, confirmed and left (and keep when a reader is erased).
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class DashboardTest : public testing::BackendTest {};

TEST_P(DashboardTest, DailyCountsFollowSubscriptionsAndOutliveReaders) {
  open();
  Newsletter morning = newsletter("morning");
  Newsletter weekly = newsletter("weekly");
  const std::int64_t day0 = clock_.now() / 86400;
  Subscriber ann = subscriber("ann@example.org");
  Subscriber bob = subscriber("bob@example.org");
  ASSERT_TRUE(store_->set_subscription(ann.id, morning.id, SubscriptionStatus::unconfirmed, "web").ok());
  ASSERT_TRUE(store_->set_subscription(bob.id, morning.id, SubscriptionStatus::confirmed, "import").ok());
  ASSERT_TRUE(store_->set_subscription(bob.id, weekly.id, SubscriptionStatus::unconfirmed, "web").ok());
  clock_.advance(86400);
  ASSERT_TRUE(store_->set_subscription(ann.id, morning.id, SubscriptionStatus::confirmed, "web").ok());
  // Confirming twice counts once.
  ASSERT_TRUE(store_->set_subscription(ann.id, morning.id, SubscriptionStatus::confirmed, "web").ok());
  ASSERT_TRUE(store_->set_subscription(bob.id, morning.id, SubscriptionStatus::unsubscribed, "link").ok());

  auto readers = store_->readers_per_newsletter();
  ASSERT_TRUE(readers.ok());
  ASSERT_EQ(readers->size(), 2u);
  EXPECT_EQ((*readers)[0].slug, "morning");
  EXPECT_EQ((*readers)[0].confirmed, 1);
  EXPECT_EQ((*readers)[0].unconfirmed, 0);
  EXPECT_EQ((*readers)[1].slug, "weekly");
  EXPECT_EQ((*readers)[1].unconfirmed, 1);

  auto expect_days = [&] {
    auto days = store_->activity_since(day0);
    ASSERT_TRUE(days.ok());
    ASSERT_EQ(days->size(), 2u);
    EXPECT_EQ((*days)[0].day, day0);
    EXPECT_EQ((*days)[0].signups, 3);
    EXPECT_EQ((*days)[0].confirmations, 1);
    EXPECT_EQ((*days)[0].unsubscribes, 0);
    EXPECT_EQ((*days)[1].day, day0 + 1);
    EXPECT_EQ((*days)[1].signups, 0);
    EXPECT_EQ((*days)[1].confirmations, 1);
    EXPECT_EQ((*days)[1].unsubscribes, 1);
  };
  expect_days();
  EXPECT_TRUE(store_->activity_since(day0 + 2)->empty());

  // Erasing a reader leaves the history as it was.
  ASSERT_TRUE(store_->remove_subscriber("bob@example.org").ok());
  expect_days();
  EXPECT_EQ((*store_->readers_per_newsletter())[1].unconfirmed, 0);
}

// An import writes its subscriptions in one statement (PostgreSQL counts them per
// statement, SQLite per row): each is counted once, confirmed ones as confirmations too,
// and a reader already subscribed not again.
TEST_P(DashboardTest, AnImportCountsEachReaderOnce) {
  open();
  Newsletter morning = newsletter("morning");
  Newsletter weekly = newsletter("weekly");
  const std::int64_t day0 = clock_.now() / 86400;
  Subscriber known = subscriber("known@example.org");
  ASSERT_TRUE(store_->set_subscription(known.id, morning.id, SubscriptionStatus::unconfirmed, "web").ok());
  auto import = [&](Id newsletter_id, bool confirmed, int readers) {
    auto session = store_->begin_import(ImportOptions{newsletter_id, confirmed, "import"});
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE((*session)->add(ImportRow{"known@example.org", "known@example.org", "", "", {}}).ok());
    for (int i = 0; i < readers; ++i) {
      std::string email = "r" + std::to_string(i) + "@example.org";
      ASSERT_TRUE((*session)->add(ImportRow{email, email, "", "", {}}).ok());
    }
    ASSERT_TRUE((*session)->commit().ok());
  };
  import(morning.id, false, 2000);
  import(weekly.id, true, 1500);
  auto days = store_->activity_since(day0);
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].signups, 1 + 2000 + 1501);
  EXPECT_EQ((*days)[0].confirmations, 1501);
  EXPECT_EQ((*days)[0].unsubscribes, 0);
}

TEST_P(DashboardTest, NoFailuresOnAFreshStore) {
  open();
  auto failures = store_->recent_failures(10);
  ASSERT_TRUE(failures.ok());
  EXPECT_TRUE(failures->empty());
}

BROADSHEET_ON_EVERY_BACKEND(DashboardTest);

}  // namespace
}  // namespace broadsheet::store
