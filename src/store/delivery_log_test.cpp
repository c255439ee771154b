// The delivery log on every backend (testing/backends.hpp): the audience is fixed when sending
// begins, read back in keyset batches, outcomes recorded in batches, counted; leases keep two
// senders apart.
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class DeliveriesTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    open();
    n_ = newsletter("morning");
    other_ = newsletter("evening");
    for (int k = 0; k < 5; ++k) {
      Subscriber s = subscriber("r" + std::to_string(k) + "@example.org");
      readers_.push_back(s.id);
      auto st = store_->set_subscription(
          s.id, n_.id, k == 4 ? SubscriptionStatus::unconfirmed : SubscriptionStatus::confirmed,
          "test");
      EXPECT_TRUE(st.ok());
    }
    Subscriber elsewhere = subscriber("other@example.org");
    EXPECT_TRUE(
        store_->set_subscription(elsewhere.id, other_.id, SubscriptionStatus::confirmed, "test")
            .ok());
    Issue i;
    i.newsletter_id = n_.id;
    i.subject = "Today";
    issue_ = *store_->add_issue(i);
  }

  Newsletter n_, other_;
  std::vector<Id> readers_;
  Issue issue_;
};

TEST_P(DeliveriesTest, BeginningFixesTheConfirmedAudience) {
  auto queued = store_->begin_sending(issue_.id);
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(*queued, 4u);  // four confirmed; the unconfirmed and the other list's are out
  auto issue = store_->issue_by_id(issue_.id);
  EXPECT_EQ(issue->status, IssueStatus::sending);
  EXPECT_EQ(issue->started_at, clock_.now());
  auto counts = store_->delivery_counts(issue_.id);
  EXPECT_EQ(counts->queued, 4u);
  EXPECT_EQ(counts->total(), 4u);
  auto again = store_->begin_sending(issue_.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_EQ(scalar("SELECT count(*) FROM deliveries"), 4);
}

TEST_P(DeliveriesTest, TotalsAndTheRecentPaceComeFromTheLog) {
  ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  EXPECT_EQ(*store_->settled_since(issue_.id, clock_.now()), 0u);
  const UnixSeconds before = clock_.now();
  std::vector<DeliveryUpdate> updates(3);
  updates[0] = {readers_[0], DeliveryStatus::sent, 2, 250, "250 Ok", {}, false};  // 1 deferral
  updates[1] = {readers_[1], DeliveryStatus::deferred, 1,    451,
                "451 later", clock_.now() + 60,        false};
  updates[2] = {readers_[2], DeliveryStatus::failed, 1, 550, "550 no", {}, false};
  clock_.advance(5);
  ASSERT_TRUE(store_->record_deliveries(issue_.id, updates).ok());
  // Sent and failed count toward the pace; a deferral does not.
  EXPECT_EQ(*store_->settled_since(issue_.id, before), 2u);
  EXPECT_EQ(*store_->settled_since(issue_.id, clock_.now()), 2u);
  EXPECT_EQ(*store_->settled_since(issue_.id, clock_.now() + 1), 0u);
  auto t = store_->delivery_totals();
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->sent, 1u);
  EXPECT_EQ(t->failed, 1u);
  EXPECT_EQ(t->deferred, 2u);  // reader 0's first attempt, reader 1's only one
}

TEST_P(DeliveriesTest, TheReportCountsSettledCopiesPerBucketAndPagesFailures) {
  ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  const UnixSeconds start = clock_.now();
  ASSERT_TRUE(
      store_
          ->record_deliveries(
              issue_.id,
              {{readers_[0], DeliveryStatus::sent, 1, 250, "250 Ok", {}, false},
               {readers_[1], DeliveryStatus::failed, 1, 550, "550 5.1.1 no such user", {}, false}})
          .ok());
  clock_.advance(120);
  ASSERT_TRUE(
      store_
          ->record_deliveries(
              issue_.id, {{readers_[2], DeliveryStatus::failed, 2, 554, "554 refused", {}, false},
                          {readers_[3], DeliveryStatus::deferred, 1, 451, "451 later",
                           clock_.now() + 60, false}})
          .ok());
  auto buckets = store_->delivery_buckets(issue_.id, 60, 100);
  ASSERT_TRUE(buckets.ok()) << buckets.error().message;
  ASSERT_EQ(buckets->size(), 2u);  // the empty minute between is left out
  EXPECT_EQ((*buckets)[0].start, start / 60 * 60);
  EXPECT_EQ((*buckets)[0].sent, 1u);
  EXPECT_EQ((*buckets)[0].failed, 1u);
  EXPECT_EQ((*buckets)[1].sent, 0u);
  EXPECT_EQ((*buckets)[1].failed, 1u);  // a deferral is not settled
  EXPECT_EQ(store_->delivery_buckets(issue_.id, 86400, 100)->size(), 1u);

  auto first = store_->failed_deliveries(issue_.id, 0, 1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].subscriber_id, readers_[1]);
  EXPECT_EQ((*first)[0].email, "r1@example.org");
  EXPECT_EQ((*first)[0].reply, "550 5.1.1 no such user");
  auto rest = store_->failed_deliveries(issue_.id, (*first)[0].subscriber_id, 10);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].subscriber_id, readers_[2]);
  EXPECT_EQ((*rest)[0].attempts, 2);
  EXPECT_EQ((*rest)[0].at, clock_.now());
  EXPECT_TRUE(store_->failed_deliveries(other_.id, 0, 10)->empty());
}

TEST_P(DeliveriesTest, ReadsQueuedDeliveriesInKeysetBatches) {
  ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  auto first = store_->queued_deliveries(issue_.id, 0, 3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].email, "r0@example.org");
  EXPECT_TRUE((*first)[0].still_subscribed);
  auto rest = store_->queued_deliveries(issue_.id, first->back().subscriber_id, 3);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].email, "r3@example.org");
}

TEST_P(DeliveriesTest, AReaderWhoLeavesIsMarkedSoTheEngineDropsThem) {
  ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  ASSERT_TRUE(store_->unsubscribe(readers_[1], n_.id, "test").ok());
  auto batch = store_->queued_deliveries(issue_.id, 0, 10);
  ASSERT_EQ(batch->size(), 4u);
  EXPECT_FALSE((*batch)[1].still_subscribed);
  DeliveryUpdate drop;
  drop.subscriber_id = readers_[1];
  drop.drop = true;
  ASSERT_TRUE(store_->record_deliveries(issue_.id, {drop}).ok());
  EXPECT_EQ(store_->delivery_counts(issue_.id)->total(), 3u);
}

TEST_P(DeliveriesTest, RecordsOutcomesAndCountsThem) {
  ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  std::vector<DeliveryUpdate> updates(3);
  updates[0] = {readers_[0], DeliveryStatus::sent, 1, 250, "250 2.0.0 Ok: queued", {}, false};
  updates[1] = {readers_[1],           DeliveryStatus::deferred, 1,    451,
                "451 4.3.0 try later", clock_.now() + 60,        false};
  updates[2] = {readers_[2], DeliveryStatus::failed, 1, 550, "550 5.1.1 no such user", {}, false};
  ASSERT_TRUE(store_->record_deliveries(issue_.id, updates).ok());
  auto c = store_->delivery_counts(issue_.id);
  EXPECT_EQ(c->sent, 1u);
  EXPECT_EQ(c->deferred, 1u);
  EXPECT_EQ(c->failed, 1u);
  EXPECT_EQ(c->queued, 1u);
  auto d = store_->delivery_of(issue_.id, readers_[1]);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->status, DeliveryStatus::deferred);
  EXPECT_EQ(d->reply, "451 4.3.0 try later");
  EXPECT_EQ(d->next_attempt_at, clock_.now() + 60);
  // A 5xx is a hard bounce on the reader's record.
  EXPECT_EQ(
      scalar("SELECT bounce_count FROM subscribers WHERE id = " + std::to_string(readers_[2])), 1);
  EXPECT_EQ(*store_->next_retry_at(issue_.id), clock_.now() + 60);
  EXPECT_TRUE(store_->due_deliveries(issue_.id, clock_.now(), 0, 10)->empty());
  auto due = store_->due_deliveries(issue_.id, clock_.now() + 60, 0, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].attempts, 1);
}

TEST_P(DeliveriesTest, RepliesAreKeptOnOneBoundedLine) {
  ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  std::string reply = "451 first\r\nsecond " + std::string(600, 'x') + "é";
  DeliveryUpdate u{readers_[0], DeliveryStatus::deferred, 1, 451, reply, clock_.now(), false};
  ASSERT_TRUE(store_->record_deliveries(issue_.id, {u}).ok());
  auto d = store_->delivery_of(issue_.id, readers_[0]);
  EXPECT_EQ(d->reply.size(), 512u);
  EXPECT_EQ(d->reply.find('\n'), std::string::npos);
  DeliveryUpdate accented{readers_[1], DeliveryStatus::sent, 1, 250, "250 reçu", {}, false};
  ASSERT_TRUE(store_->record_deliveries(issue_.id, {accented}).ok());
  EXPECT_EQ(store_->delivery_of(issue_.id, readers_[1])->reply, "250 reçu");
}

TEST_P(DeliveriesTest, StatusChangesFollowTheAllowedPaths) {
  ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  auto paused = store_->change_issue_status(issue_.id, {IssueStatus::sending}, IssueStatus::paused);
  ASSERT_TRUE(paused.ok()) << paused.error().message;
  EXPECT_EQ(paused->status, IssueStatus::paused);
  auto wrong = store_->change_issue_status(issue_.id, {IssueStatus::sending}, IssueStatus::paused);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::conflict);
  EXPECT_NE(wrong.error().message.find("paused"), std::string::npos);
  auto cancelled = store_->change_issue_status(
      issue_.id, {IssueStatus::sending, IssueStatus::paused}, IssueStatus::cancelled);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->finished_at, clock_.now());
}

TEST_P(DeliveriesTest, OneLeaseHolderAtATimeUntilItExpires) {
  ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  auto a = store_->claim_sending_issue("node-a", 0, clock_.now() + 30);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(*a, issue_.id);
  EXPECT_FALSE(store_->claim_sending_issue("node-b", 0, clock_.now() + 30)->has_value());
  // An owner looking for work does not find what it already runs; naming it renews.
  EXPECT_FALSE(store_->claim_sending_issue("node-a", 0, clock_.now() + 30)->has_value());
  EXPECT_EQ(*store_->claim_sending_issue("node-a", issue_.id, clock_.now() + 30), issue_.id);
  EXPECT_TRUE(*store_->renew_lease(issue_.id, "node-a", clock_.now() + 30));
  EXPECT_FALSE(*store_->renew_lease(issue_.id, "node-b", clock_.now() + 30));
  clock_.advance(31);  // node-a died: its lease runs out and node-b takes over
  EXPECT_EQ(*store_->claim_sending_issue("node-b", issue_.id, clock_.now() + 30), issue_.id);
  EXPECT_FALSE(*store_->renew_lease(issue_.id, "node-a", clock_.now() + 30));
  ASSERT_TRUE(store_->release_lease(issue_.id, "node-b").ok());
  EXPECT_EQ(*store_->claim_sending_issue("node-a", 0, clock_.now() + 30), issue_.id);
}

BROADSHEET_ON_EVERY_BACKEND(DeliveriesTest);

}  // namespace
}  // namespace broadsheet::store
