// The scheduler's releases on every backend (testing/backends.hpp): a cohort is queued in keyset
// batches and recorded once; a reader is never queued twice for one issue, whatever zone they move
// to; a skipped cohort is recorded with its audit entry; an issue becomes sent only when nothing is
// left to release.
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class ReleasesTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    open();
    n_ = newsletter("morning");
    execute("UPDATE newsletters SET schedule = 'mon-fri 06:00 local'");
    for (const char* zone :
         {"Asia/Tokyo", "Asia/Tokyo", "America/New_York", "America/New_York", "", "Asia/Tokyo"}) {
      Subscriber s = subscriber("r" + std::to_string(readers_.size()) + "@example.org");
      EXPECT_TRUE(store_->set_timezone(s.id, zone).ok());
      // The last one has not confirmed.
      const auto status =
          readers_.size() == 5 ? SubscriptionStatus::unconfirmed : SubscriptionStatus::confirmed;
      EXPECT_TRUE(store_->set_subscription(s.id, n_.id, status, "test").ok());
      readers_.push_back(s.id);
    }
    Issue i;
    i.newsletter_id = n_.id;
    i.subject = "Tuesday";
    issue_ = *store_->add_issue(i);
    execute("UPDATE issues SET status = 'scheduled', edition = '2026-12-08' WHERE id = " +
            std::to_string(issue_.id));
  }

  CohortMembers zone(const std::string& z) { return CohortMembers{false, {z}}; }
  std::int64_t deliveries() { return scalar("SELECT count(*) FROM deliveries"); }

  Newsletter n_;
  std::vector<Id> readers_;
  Issue issue_;
  const UnixSeconds now_ = 1'700'000'000;
};

TEST_P(ReleasesTest, CandidatesAndZones) {
  auto c = store_->release_candidates();
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].issue_id, issue_.id);
  EXPECT_EQ((*c)[0].edition, "2026-12-08");
  EXPECT_EQ((*c)[0].schedule, "mon-fri 06:00 local");
  EXPECT_EQ((*c)[0].newsletter_slug, "morning");
  auto zones = store_->reader_zones();
  ASSERT_TRUE(zones.ok()) << zones.error().message;
  EXPECT_EQ(*zones, (std::vector<std::string>{"", "America/New_York", "Asia/Tokyo"}));
  auto by_zone = store_->readers_by_zone(n_.id);
  ASSERT_TRUE(by_zone.ok());
  EXPECT_EQ(*by_zone, (std::vector<std::pair<std::string, std::size_t>>{
                          {"", 1}, {"America/New_York", 2}, {"Asia/Tokyo", 2}}));
}

TEST_P(ReleasesTest, ACohortIsQueuedInBatchesAndRecordedOnce) {
  auto queued =
      store_->release_cohort(issue_.id, "Asia/Tokyo", zone("Asia/Tokyo"), now_ - 60, now_, 1);
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(*queued, 2u);  // the unconfirmed Tokyo reader is out
  EXPECT_EQ(store_->issue_by_id(issue_.id)->status, IssueStatus::sending);
  EXPECT_EQ(scalar("SELECT releasing FROM issues"), 1);
  auto again =
      store_->release_cohort(issue_.id, "Asia/Tokyo", zone("Asia/Tokyo"), now_ - 60, now_, 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_EQ(deliveries(), 2);
  auto recorded = store_->cohort_releases(issue_.id);
  ASSERT_EQ(recorded->size(), 1u);
  EXPECT_EQ((*recorded)[0].zone, "Asia/Tokyo");
  EXPECT_EQ((*recorded)[0].readers, 2u);
  EXPECT_EQ((*recorded)[0].outcome, CohortOutcome::released);
}

TEST_P(ReleasesTest, AReaderWhoMovesBetweenCohortsIsQueuedOnce) {
  ASSERT_TRUE(
      store_->release_cohort(issue_.id, "Asia/Tokyo", zone("Asia/Tokyo"), now_, now_, 500).ok());
  // A Tokyo reader, already released, moves to New York before New York's release.
  ASSERT_TRUE(store_->set_timezone(readers_[0], "America/New_York").ok());
  auto ny = store_->release_cohort(issue_.id, "America/New_York", zone("America/New_York"),
                                   now_ + 3600, now_ + 3600, 500);
  ASSERT_TRUE(ny.ok()) << ny.error().message;
  EXPECT_EQ(*ny, 2u);  // the two New York readers; the mover already has Tokyo's
  EXPECT_EQ(deliveries(), 4);
  EXPECT_EQ(scalar("SELECT count(DISTINCT subscriber_id) FROM deliveries"), 4);
}

TEST_P(ReleasesTest, ACrashBetweenBatchesIsFinishedByTheNextRelease) {
  // A release that queued one reader and died before its record.
  execute("INSERT INTO deliveries (issue_id, subscriber_id, status, updated_at) VALUES (" +
          std::to_string(issue_.id) + ", " + std::to_string(readers_[0]) + ", 'queued', 1)");
  auto queued = store_->release_cohort(issue_.id, "Asia/Tokyo", zone("Asia/Tokyo"), now_, now_, 1);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(*queued, 1u);
  EXPECT_EQ(deliveries(), 2);
}

TEST_P(ReleasesTest, SentOnlyWhenNothingIsLeftToRelease) {
  ASSERT_TRUE(
      store_->release_cohort(issue_.id, "Asia/Tokyo", zone("Asia/Tokyo"), now_, now_, 500).ok());
  auto early = store_->finish_sending(issue_.id);
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(*early);
  EXPECT_EQ(store_->issue_by_id(issue_.id)->status, IssueStatus::sending);
  // While releasing and with nothing queued, the dispatcher leaves it alone.
  execute("UPDATE deliveries SET status = 'sent'");
  EXPECT_FALSE(store_->claim_sending_issue("node", 0, now_ + 30)->has_value());
  ASSERT_TRUE(store_->release_cohort(issue_.id, "", CohortMembers{true, {}}, now_, now_, 500).ok());
  EXPECT_TRUE(store_->claim_sending_issue("node", 0, now_ + 30)->has_value());
  ASSERT_TRUE(store_->release_lease(issue_.id, "node").ok());
  auto status = store_->finish_releasing(issue_.id, now_);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(*status, IssueStatus::sending);
  auto sent = store_->finish_sending(issue_.id);
  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(*sent);
  EXPECT_EQ(store_->issue_by_id(issue_.id)->status, IssueStatus::sent);
}

TEST_P(ReleasesTest, SkippedCohortsAreRecordedAndAudited) {
  ASSERT_TRUE(store_->skip_cohort(issue_.id, "Asia/Tokyo", now_ - 9000, now_, "too late").ok());
  auto twice = store_->skip_cohort(issue_.id, "Asia/Tokyo", now_ - 9000, now_, "too late");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
  EXPECT_EQ(*store_->skipped_cohorts_total(), 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'issue.cohort_skipped'"), 1);
  EXPECT_EQ(deliveries(), 0);
  // Every cohort skipped: nothing was sent, and the issue is cancelled, not sent.
  auto status = store_->finish_releasing(issue_.id, now_);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(*status, IssueStatus::cancelled);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'issue.skipped'"), 1);
  EXPECT_TRUE(store_->release_candidates()->empty());
}

TEST_P(ReleasesTest, ACancelledIssueIsNotReleased) {
  ASSERT_TRUE(
      store_->change_issue_status(issue_.id, {IssueStatus::scheduled}, IssueStatus::cancelled)
          .ok());
  auto queued = store_->release_cohort(issue_.id, "Asia/Tokyo", zone("Asia/Tokyo"), now_, now_, 5);
  ASSERT_FALSE(queued.ok());
  EXPECT_EQ(queued.error().code, Errc::conflict);
  EXPECT_EQ(deliveries(), 0);
}

BROADSHEET_ON_EVERY_BACKEND(ReleasesTest);

}  // namespace
}  // namespace broadsheet::store
