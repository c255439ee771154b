// Bounces and the suppression list on every backend (testing/backends.hpp): an event is
// kept once, the policy suppresses or unsubscribes in the same transaction, and the
// list is read by hash and lifted by address.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class BouncesTest : public testing::BackendTest {
 protected:
  BounceEvent event(BounceKind kind, Id subscriber_id, const std::string& fingerprint) {
    BounceEvent e;
    e.kind = kind;
    e.subscriber_id = subscriber_id;
    e.issue_id = 7;
    e.recipient = "ann@example.org";
    e.status = "5.1.1 smtp; 550 no such user";
    e.source = "dsn";
    e.fingerprint = fingerprint;
    return e;
  }
  SubscriptionStatus status_of(Id subscriber_id, Id newsletter_id) {
    auto all = store_->subscriptions_of(subscriber_id);
    EXPECT_TRUE(all.ok());
    for (const auto& s : *all) {
      if (s.newsletter_id == newsletter_id) return s.status;
    }
    ADD_FAILURE() << "no subscription";
    return SubscriptionStatus::unconfirmed;
  }
};

TEST_P(BouncesTest, AHardBounceSuppressesOnceAndIsKeptOnce) {
  auto& store = open();
  Subscriber ann = subscriber("ann@example.org");
  auto first = store.record_bounce(event(BounceKind::hard, ann.id, "f1"), {}, clock_.now());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(first->action, "suppressed");
  auto again = store.record_bounce(event(BounceKind::hard, ann.id, "f1"), {}, clock_.now());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->duplicate);

  auto events = store.bounce_events_of_subscriber(ann.id, 10);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, BounceKind::hard);
  EXPECT_EQ((*events)[0].issue_id, 7);
  EXPECT_EQ((*events)[0].action, "suppressed");
  EXPECT_EQ((*events)[0].created_at, clock_.now());
  EXPECT_EQ(store.bounce_events_of_issue(7, 10)->size(), 1u);
  EXPECT_TRUE(store.bounce_events_of_issue(8, 10)->empty());
  EXPECT_EQ(store.bounce_totals()->at(BounceKind::hard), 1u);

  auto list = store.list_suppressions("", 10);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].address, "ann@example.org");
  EXPECT_EQ((*list)[0].source, "bounce");
  EXPECT_EQ((*list)[0].reason, "5.1.1 smtp; 550 no such user");

  auto gone = store.record_bounce(event(BounceKind::hard, 999, "f2"), {}, clock_.now());
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, Errc::not_found);
}

TEST_P(BouncesTest, SoftBouncesSuppressAtTheLimitWithinTheWindow) {
  auto& store = open();
  Subscriber ann = subscriber("ann@example.org");
  BouncePolicy policy;
  policy.soft_limit = 2;
  policy.soft_window_seconds = 100;
  auto one = store.record_bounce(event(BounceKind::soft, ann.id, "s1"), policy, clock_.now());
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->action, "counted");
  clock_.advance(200);  // the first falls out of the window
  EXPECT_EQ(store.record_bounce(event(BounceKind::soft, ann.id, "s2"), policy, clock_.now())->action,
            "counted");
  EXPECT_EQ(store.record_bounce(event(BounceKind::soft, ann.id, "s3"), policy, clock_.now())->action,
            "suppressed");
  EXPECT_EQ(store.list_suppressions("", 10)->size(), 1u);
}

TEST_P(BouncesTest, AComplaintUnsubscribesFromEveryNewsletterAndAnUnsubscribeMailFromOne) {
  auto& store = open();
  Newsletter morning = newsletter("morning");
  Newsletter weekly = newsletter("weekly");
  Subscriber ann = subscriber("ann@example.org");
  Subscriber bob = subscriber("bob@example.org");
  for (Id reader : {ann.id, bob.id}) {
    for (Id n : {morning.id, weekly.id}) {
      ASSERT_TRUE(store.set_subscription(reader, n, SubscriptionStatus::confirmed, "import").ok());
    }
  }
  auto complaint = store.record_bounce(event(BounceKind::complaint, ann.id, "c1"), {},
                                       clock_.now());
  ASSERT_TRUE(complaint.ok()) << complaint.error().message;
  EXPECT_EQ(complaint->action, "suppressed");
  EXPECT_EQ(status_of(ann.id, morning.id), SubscriptionStatus::unsubscribed);
  EXPECT_EQ(status_of(ann.id, weekly.id), SubscriptionStatus::unsubscribed);

  BounceEvent leave = event(BounceKind::unsubscribe, bob.id, "u1");
  leave.newsletter_id = weekly.id;
  auto left = store.record_bounce(leave, {}, clock_.now());
  ASSERT_TRUE(left.ok()) << left.error().message;
  EXPECT_EQ(left->action, "unsubscribed");
  EXPECT_EQ(status_of(bob.id, morning.id), SubscriptionStatus::confirmed);
  EXPECT_EQ(status_of(bob.id, weekly.id), SubscriptionStatus::unsubscribed);
  auto list = store.list_suppressions("", 10);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].source, "complaint");
  auto totals = store.bounce_totals();
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ((*totals)[BounceKind::complaint], 1u);
  EXPECT_EQ((*totals)[BounceKind::unsubscribe], 1u);
}

TEST_P(BouncesTest, TheListIsAddedToOnceReadByHashAndLifted) {
  auto& store = open();
  auto added = store.add_suppression("ann@example.org", "asked by phone", "manual");
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_TRUE(*added);
  const UnixSeconds first = clock_.now();
  clock_.advance(60);
  auto twice = store.add_suppression("ann@example.org", "again", "manual");
  ASSERT_TRUE(twice.ok()) << twice.error().message;
  EXPECT_FALSE(*twice);
  for (const char* email : {"b@example.org", "c@example.org", "d@example.org"}) {
    ASSERT_TRUE(*store.add_suppression(email, "", "manual"));
  }
  auto page = store.list_suppressions("", 2);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->size(), 2u);
  EXPECT_LT((*page)[0].address_hash, (*page)[1].address_hash);
  auto rest = store.list_suppressions((*page)[1].address_hash, 10);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_LT((*page)[1].address_hash, (*rest)[0].address_hash);
  auto all = store.list_suppressions("", 10);
  ASSERT_TRUE(all.ok());
  for (const auto& s : *all) {
    if (s.address == "ann@example.org") {
      EXPECT_EQ(s.created_at, first);  // the first date is kept
      EXPECT_EQ(s.reason, "asked by phone");
    }
  }
  auto lifted = store.remove_suppression("ann@example.org");
  ASSERT_TRUE(lifted.ok()) << lifted.error().message;
  EXPECT_TRUE(*lifted);
  EXPECT_FALSE(*store.remove_suppression("ann@example.org"));
  EXPECT_EQ(store.list_suppressions("", 10)->size(), 3u);
}

TEST_P(BouncesTest, ManyThreadsSuppressingOneMailboxAddItOnce) {
  auto& store = open();
  std::atomic<int> added{0}, failed{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      auto r = store.add_suppression("eve@example.org", "", "manual");
      if (!r.ok()) {
        failed.fetch_add(1);
      } else if (*r) {
        added.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(added.load(), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM suppressions"), 1);
}

BROADSHEET_ON_EVERY_BACKEND(BouncesTest);

}  // namespace
}  // namespace broadsheet::store
