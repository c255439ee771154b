// release_due over the real SQLite store on a fake clock: cohorts released in order as
// their instants come, each once however often the step runs; late cohorts within the
// window released, beyond it skipped and recorded; an issue scheduled at an instant
// released to everyone at once.
#include "scheduler/releases.hpp"

#include <gtest/gtest.h>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::scheduler {
namespace {

using store::CohortOutcome;

// 2026-12-08 (a Tuesday) 00:00 UTC.
constexpr UnixSeconds kTuesday = 1'796'688'000;

class ReleaseDueTest : public store::sqlite::testing::SqliteTest {
 protected:
  void SetUp() override {
    SqliteTest::SetUp();
    open();
    n_ = newsletter("morning");
    execute("UPDATE newsletters SET schedule = 'mon-fri 06:00 local'");
    for (const char* zone : {"Asia/Tokyo", "America/New_York", "", "Europe/London"}) {
      Subscriber s = subscriber(std::string("r") + std::to_string(count_++) + "@example.org");
      EXPECT_TRUE(store_->set_timezone(s.id, zone).ok());
      EXPECT_TRUE(
          store_->set_subscription(s.id, n_.id, SubscriptionStatus::confirmed, "test").ok());
    }
    issue_ = scheduled_issue("2026-12-08");
  }

  Id scheduled_issue(const std::string& edition) {
    Issue i;
    i.newsletter_id = n_.id;
    i.subject = "Edition " + edition;
    Id id = store_->add_issue(i)->id;
    execute("UPDATE issues SET status = 'scheduled', edition = '" + edition +
            "' WHERE id = " + std::to_string(id));
    return id;
  }

  std::vector<ReleaseReport> step(UnixSeconds now) {
    auto r = release_due(*store_, now, options_);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::vector<ReleaseReport>{};
  }

  Newsletter n_;
  int count_ = 0;
  Id issue_ = 0;
  ReleaseOptions options_;
};

TEST_F(ReleaseDueTest, CohortsGoOutInOrderAndOnce) {
  EXPECT_EQ(kTuesday % 86400, 0);
  // Monday 20:59 UTC: nothing; 21:00: Tokyo's 06:00 Tuesday.
  EXPECT_TRUE(step(kTuesday - 3 * 3600 - 60).empty());
  auto tokyo = step(kTuesday - 3 * 3600);
  ASSERT_EQ(tokyo.size(), 1u);
  EXPECT_EQ(tokyo[0].zone, "Asia/Tokyo");
  EXPECT_EQ(tokyo[0].readers, 1u);
  EXPECT_TRUE(step(kTuesday - 3 * 3600).empty());  // the same instant again: nothing
  // 06:00 UTC: London and the reader with no zone (the default, UTC), in that order.
  auto six = step(kTuesday + 6 * 3600);
  ASSERT_EQ(six.size(), 2u);
  EXPECT_EQ(six[0].zone, "Europe/London");
  EXPECT_EQ(six[1].zone, "UTC");
  EXPECT_EQ(six[1].readers, 1u);
  EXPECT_EQ(store_->issue_by_id(issue_)->status, IssueStatus::sending);
  // The engine, done with what was released so far, cannot make it sent yet.
  EXPECT_EQ(*store_->finish_sending(issue_), false);
  // 11:00 UTC: New York, the last; the issue is no longer releasing.
  auto ny = step(kTuesday + 11 * 3600);
  ASSERT_EQ(ny.size(), 1u);
  EXPECT_EQ(ny[0].zone, "America/New_York");
  EXPECT_EQ(scalar("SELECT releasing FROM issues WHERE id = " + std::to_string(issue_)), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM deliveries"), 4);
  EXPECT_TRUE(step(kTuesday + 12 * 3600).empty());
  EXPECT_EQ(*store_->finish_sending(issue_), true);
}

TEST_F(ReleaseDueTest, LateCohortsWithinTheWindowGoOutBeyondItAreSkipped) {
  options_.late_window = 2 * 3600;
  // Nothing ran until Tuesday 07:30 UTC: Tokyo is 10.5 h late (skipped), London and UTC
  // 1.5 h late (released), New York not due.
  auto r = step(kTuesday + 7 * 3600 + 1800);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].zone, "Asia/Tokyo");
  EXPECT_EQ(r[0].outcome, CohortOutcome::skipped);
  EXPECT_EQ(r[1].outcome, CohortOutcome::released);
  EXPECT_EQ(r[2].outcome, CohortOutcome::released);
  EXPECT_EQ(*store_->skipped_cohorts_total(), 1u);
  EXPECT_TRUE(step(kTuesday + 7 * 3600 + 1800).empty());
  // Exactly at the window's end is too late.
  auto ny = step(kTuesday + 11 * 3600 + 2 * 3600);
  ASSERT_EQ(ny.size(), 1u);
  EXPECT_EQ(ny[0].outcome, CohortOutcome::skipped);
  EXPECT_EQ(scalar("SELECT count(*) FROM deliveries"), 2);
}

TEST_F(ReleaseDueTest, AnIssueAtAnInstantGoesToEveryoneAtOnce) {
  execute("UPDATE newsletters SET schedule = 'manual'");
  execute("UPDATE issues SET edition = NULL, scheduled_at = " +
          std::to_string(kTuesday + 9 * 3600));
  EXPECT_TRUE(step(kTuesday + 9 * 3600 - 1).empty());
  auto r = step(kTuesday + 9 * 3600);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].zone, "");
  EXPECT_EQ(r[0].readers, 4u);
  EXPECT_EQ(scalar("SELECT releasing FROM issues"), 0);
}

TEST_F(ReleaseDueTest, AFixedZoneScheduleReleasesOnceForAll) {
  execute("UPDATE newsletters SET schedule = 'mon-fri 06:00 America/New_York'");
  EXPECT_TRUE(step(kTuesday + 11 * 3600 - 1).empty());
  auto r = step(kTuesday + 11 * 3600);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].readers, 4u);
}

TEST_F(ReleaseDueTest, AWeekOfEditionsEachReaderOncePerEdition) {
  std::vector<Id> week{issue_};
  for (const char* d : {"2026-12-09", "2026-12-10", "2026-12-11"})
    week.push_back(scheduled_issue(d));
  for (UnixSeconds t = kTuesday - 86400; t <= kTuesday + 5 * 86400; t += 900) step(t);
  for (Id id : week) {
    EXPECT_EQ(scalar("SELECT count(*) FROM deliveries WHERE issue_id = " + std::to_string(id)), 4)
        << id;
    EXPECT_EQ(scalar("SELECT count(*) FROM cohort_releases WHERE issue_id = " + std::to_string(id)),
              4);
  }
}

}  // namespace
}  // namespace broadsheet::scheduler
