// Several nodes on one database (issue 15 item 3), on every backend, on a fake clock: the rules by
// which sender nodes claim the rows of a delivery log and of the mail queue (never the same row
// twice; a lease that ran out is taken over, and its old holder's results are not recorded), and
// the locks with a lease, of which the scheduler's is one.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

constexpr UnixSeconds kLease = 30;

class LeasesTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    open();
    n_ = newsletter("morning");
    for (int k = 0; k < 6; ++k) {
      Subscriber s = subscriber("r" + std::to_string(k) + "@example.org");
      EXPECT_TRUE(
          store_->set_subscription(s.id, n_.id, SubscriptionStatus::confirmed, "test").ok());
    }
    Issue i;
    i.newsletter_id = n_.id;
    i.subject = "Today";
    issue_ = *store_->add_issue(i);
    ASSERT_TRUE(store_->begin_sending(issue_.id).ok());
  }

  std::vector<PendingDelivery> claim(const std::string& owner, std::size_t limit, Id after = 0) {
    auto rows = store_->claim_deliveries(issue_.id, owner, clock_.now(), clock_.now() + kLease,
                                         after, limit);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    return rows.ok() ? *rows : std::vector<PendingDelivery>{};
  }

  static std::vector<DeliveryUpdate> sent(const std::vector<PendingDelivery>& rows) {
    std::vector<DeliveryUpdate> out;
    for (const auto& r : rows) {
      DeliveryUpdate u;
      u.subscriber_id = r.subscriber_id;
      u.status = DeliveryStatus::sent;
      u.attempts = r.attempts + 1;
      out.push_back(u);
    }
    return out;
  }

  Newsletter n_;
  Issue issue_;
};

TEST_P(LeasesTest, ClaimersNeverGetTheSameRow) {
  auto a = claim("node-a", 4);
  auto b = claim("node-b", 4);
  auto c = claim("node-c", 4);
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(b.size(), 2u);
  EXPECT_TRUE(c.empty());
  std::set<Id> ids;
  for (const auto& r : a) ids.insert(r.subscriber_id);
  for (const auto& r : b) ids.insert(r.subscriber_id);
  EXPECT_EQ(ids.size(), 6u);
  // The keyset cursor: past the last row claimed.
  EXPECT_TRUE(claim("node-a", 4, a.back().subscriber_id).empty());
}

// Nodes claiming at the same moment: each on its own connection, a row at a time until
// none is left; together they get every row once (PostgreSQL: SKIP LOCKED; SQLite: its
// single writer).
TEST_P(LeasesTest, ClaimersAtTheSameMomentNeverGetTheSameRow) {
  constexpr int kNodes = 4;
  std::vector<std::vector<Id>> got(kNodes);
  std::vector<std::thread> nodes;
  for (int n = 0; n < kNodes; ++n) {
    nodes.emplace_back([&, n] {
      const std::string owner = "node-" + std::to_string(n);
      for (;;) {
        auto rows =
            store_->claim_deliveries(issue_.id, owner, clock_.now(), clock_.now() + kLease, 0, 1);
        if (!rows.ok() || rows->empty()) return;
        got[n].push_back(rows->front().subscriber_id);
      }
    });
  }
  for (auto& t : nodes) t.join();
  std::multiset<Id> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(std::set<Id>(all.begin(), all.end()).size(), 6u);
}

TEST_P(LeasesTest, ARowIsRecordedOnlyByItsHolderAndGivesItsLeaseBack) {
  auto a = claim("node-a", 6);
  ASSERT_EQ(a.size(), 6u);
  auto written = store_->record_leased_deliveries(issue_.id, "node-b", sent(a));
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, 0u);
  EXPECT_EQ(store_->delivery_counts(issue_.id)->queued, 6u);
  written = store_->record_leased_deliveries(issue_.id, "node-a", sent({a[0], a[1]}));
  EXPECT_EQ(*written, 2u);
  EXPECT_EQ(store_->delivery_counts(issue_.id)->sent, 2u);
  EXPECT_EQ(scalar("SELECT count(*) FROM deliveries WHERE lease_owner IS NOT NULL"), 4);
}

TEST_P(LeasesTest, ALeaseThatRanOutIsTakenOverAndItsOldHolderRecordsNothing) {
  auto a = claim("node-a", 6);
  ASSERT_EQ(a.size(), 6u);
  clock_.advance(kLease - 1);
  EXPECT_TRUE(claim("node-b", 6).empty());  // not yet run out
  clock_.advance(2);
  auto b = claim("node-b", 6);
  ASSERT_EQ(b.size(), 6u);  // node-a died, or stalled past its lease
  EXPECT_EQ(*store_->record_leased_deliveries(issue_.id, "node-a", sent(a)), 0u);
  EXPECT_EQ(*store_->record_leased_deliveries(issue_.id, "node-b", sent(b)), 6u);
  EXPECT_EQ(store_->delivery_counts(issue_.id)->sent, 6u);
}

TEST_P(LeasesTest, RenewingKeepsTheRowsAndReleasingGivesThemBack) {
  auto a = claim("node-a", 3);
  ASSERT_EQ(a.size(), 3u);
  clock_.advance(kLease - 5);
  ASSERT_TRUE(store_->renew_delivery_leases(issue_.id, "node-a", clock_.now() + kLease).ok());
  clock_.advance(10);                        // past the first lease, within the renewed one
  EXPECT_EQ(claim("node-b", 6).size(), 3u);  // only the rows node-a never had
  ASSERT_TRUE(store_->release_lease(issue_.id, "node-a").ok());
  EXPECT_EQ(claim("node-c", 6).size(), 3u);  // a clean stop hands them over at once
}

TEST_P(LeasesTest, DeferredRowsAreClaimedOnceDueAndIssuesWithWorkAreListed) {
  auto a = claim("node-a", 6);
  auto updates = sent(a);
  updates[0].status = DeliveryStatus::deferred;
  updates[0].next_attempt_at = clock_.now() + 60;
  ASSERT_EQ(*store_->record_leased_deliveries(issue_.id, "node-a", updates), 6u);
  EXPECT_TRUE(claim("node-b", 6).empty());
  EXPECT_TRUE(store_->issues_with_claimable_work(clock_.now())->empty());
  clock_.advance(60);
  EXPECT_EQ(*store_->issues_with_claimable_work(clock_.now()), std::vector<Id>{issue_.id});
  auto b = claim("node-b", 6);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].subscriber_id, a[0].subscriber_id);
  EXPECT_EQ(b[0].attempts, 1);
  EXPECT_TRUE(store_->issues_with_claimable_work(clock_.now())->empty());  // leased
}

TEST_P(LeasesTest, ANodeGoneLeavesNoLeaseBehind) {
  const UnixSeconds t = clock_.now();
  ASSERT_TRUE(store_->node_heartbeat("node-a", "sender,scheduler", t).ok());
  ASSERT_EQ(claim("node-a", 6).size(), 6u);
  ASSERT_TRUE(*store_->hold_lock("scheduler", "node-a", t, t + 15));
  ASSERT_TRUE(store_->node_gone("node-a").ok());
  EXPECT_EQ(claim("node-b", 6).size(), 6u);
  EXPECT_TRUE(*store_->hold_lock("scheduler", "node-b", t, t + 15));
  EXPECT_TRUE(store_->live_nodes(0)->empty());
}

BROADSHEET_ON_EVERY_BACKEND(LeasesTest);

}  // namespace
}  // namespace broadsheet::store
