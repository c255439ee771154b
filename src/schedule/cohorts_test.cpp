#include "schedule/cohorts.hpp"
#include "schedule/testing.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace broadsheet::schedule {
namespace {

using testing::parsed;
using testing::utc;

using namespace std::chrono;

Day day_of(year_month_day ymd) { return Day{sys_days(ymd).time_since_epoch().count()}; }
std::optional<UnixSeconds> release_instant(const Schedule& s, year_month_day d,
                                           std::string_view zone) {
  return schedule::release_instant(s, day_of(d), zone);
}
std::vector<Cohort> edition_cohorts(const Schedule& s, year_month_day d,
                                    const std::vector<std::string>& zones,
                                    std::string_view default_zone) {
  return schedule::edition_cohorts(s, day_of(d), zones, default_zone);
}

const std::vector<std::string> kZones{
    "America/New_York",   "Europe/London",     "Australia/Lord_Howe", "Asia/Kathmandu",
    "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Tokyo",          ""};

// What a reader reads: "Pacific/Kiritimati 2027-03-14T16:00:00Z".
std::vector<std::string> shown(const std::vector<Cohort>& cohorts) {
  std::vector<std::string> out;
  for (const auto& c : cohorts) out.push_back(c.zone + " " + format_iso8601(c.release_at));
  return out;
}

TEST(EditionCohorts, AWeekOfLocalMorningsInOrderAcrossTheWorld) {
  // The week after New York's clocks went forward (2027-03-14), before London's
  // (2027-03-28), while Lord Howe still keeps its summer time (+11).
  const Schedule s = parsed("mon-fri 06:00 local");
  for (int d = 15; d <= 19; ++d) {
    const year_month_day day = 2027y / March / d;
    const year_month_day eve = 2027y / March / (d - 1);
    SCOPED_TRACE(format_day(day_of(day)));
    EXPECT_EQ(shown(edition_cohorts(s, day, kZones, "UTC")),
              (std::vector<std::string>{
                  "Pacific/Kiritimati " + format_iso8601(utc(eve, 16)),   // +14
                  "Australia/Lord_Howe " + format_iso8601(utc(eve, 19)),  // +11
                  "Asia/Tokyo " + format_iso8601(utc(eve, 21)),           // +9
                  "Asia/Kathmandu " + format_iso8601(utc(day, 0, 15)),    // +5:45
                  "Europe/London " + format_iso8601(utc(day, 6)),         // +0, then by name
                  "UTC " + format_iso8601(utc(day, 6)),                   // no zone: the default
                  "America/New_York " + format_iso8601(utc(day, 10)),     // -4
                  "Pacific/Pago_Pago " + format_iso8601(utc(day, 17)),    // -11
              }));
  }
  // The weekend has no edition.
  EXPECT_TRUE(edition_cohorts(s, 2027y / March / 20, kZones, "UTC").empty());
  EXPECT_TRUE(edition_cohorts(s, 2027y / March / 21, kZones, "UTC").empty());
}

TEST(EditionCohorts, TuesdayInTokyoIsMondayEveningInUtc) {
  const Schedule s = parsed("mon-fri 06:00 local");
  EXPECT_EQ(release_instant(s, 2026y / December / 8, "Asia/Tokyo"), utc(2026y / December / 7, 21));
  EXPECT_EQ(release_instant(s, 2026y / December / 8, "America/New_York"),
            utc(2026y / December / 8, 11));
}

TEST(EditionCohorts, NewYorkAcrossBothChangesOf2027) {
  const Schedule s = parsed("mon-fri 06:00 local");
  // Friday before spring forward: EST (-5); Monday after: EDT (-4).
  EXPECT_EQ(release_instant(s, 2027y / March / 12, "America/New_York"),
            utc(2027y / March / 12, 11));
  EXPECT_EQ(release_instant(s, 2027y / March / 15, "America/New_York"),
            utc(2027y / March / 15, 10));
  // Friday before fall back: EDT; Monday after: EST.
  EXPECT_EQ(release_instant(s, 2027y / November / 5, "America/New_York"),
            utc(2027y / November / 5, 10));
  EXPECT_EQ(release_instant(s, 2027y / November / 8, "America/New_York"),
            utc(2027y / November / 8, 11));
  // On the days themselves: 02:30 does not exist on 2027-03-14 and goes out when the
  // gap ends (03:00 EDT); 01:30 happens twice on 2027-11-07 and goes out at the first.
  EXPECT_EQ(release_instant(parsed("daily 02:30 local"), 2027y / March / 14, "America/New_York"),
            utc(2027y / March / 14, 7));
  EXPECT_EQ(release_instant(parsed("daily 01:30 local"), 2027y / November / 7, "America/New_York"),
            utc(2027y / November / 7, 5, 30));
  EXPECT_EQ(release_instant(parsed("daily 06:00 local"), 2027y / March / 14, "America/New_York"),
            utc(2027y / March / 14, 10));
  EXPECT_EQ(release_instant(parsed("daily 06:00 local"), 2027y / November / 7, "America/New_York"),
            utc(2027y / November / 7, 11));
}

TEST(EditionCohorts, LondonAcrossSummerTime) {
  const Schedule s = parsed("mon-fri 06:00 local");
  EXPECT_EQ(release_instant(s, 2027y / March / 26, "Europe/London"), utc(2027y / March / 26, 6));
  EXPECT_EQ(release_instant(s, 2027y / March / 29, "Europe/London"), utc(2027y / March / 29, 5));
  EXPECT_EQ(release_instant(s, 2027y / October / 29, "Europe/London"),
            utc(2027y / October / 29, 5));
  EXPECT_EQ(release_instant(s, 2027y / November / 1, "Europe/London"),
            utc(2027y / November / 1, 6));
  // 01:30 on 2027-03-28 is in London's gap: 02:00 BST, 01:00 UTC.
  EXPECT_EQ(release_instant(parsed("daily 01:30 local"), 2027y / March / 28, "Europe/London"),
            utc(2027y / March / 28, 1));
  // 01:30 on 2027-10-31 happens twice: the first is BST, 00:30 UTC.
  EXPECT_EQ(release_instant(parsed("daily 01:30 local"), 2027y / October / 31, "Europe/London"),
            utc(2027y / October / 31, 0, 30));
}

TEST(EditionCohorts, LordHoweShiftsByHalfAnHour) {
  const Schedule s = parsed("mon-fri 06:00 local");
  // Summer time (+11) ends on 2027-04-04: Friday before, Monday after (+10:30).
  EXPECT_EQ(release_instant(s, 2027y / April / 2, "Australia/Lord_Howe"),
            utc(2027y / April / 1, 19));
  EXPECT_EQ(release_instant(s, 2027y / April / 5, "Australia/Lord_Howe"),
            utc(2027y / April / 4, 19, 30));
  // It begins on 2027-10-03 at 02:00, which becomes 02:30: 02:15 goes out at 02:30 (+11).
  EXPECT_EQ(
      release_instant(parsed("daily 02:15 local"), 2027y / October / 3, "Australia/Lord_Howe"),
      utc(2027y / October / 2, 15, 30));
  // On 2027-04-04 01:45 happens twice (+11, then +10:30): the first.
  EXPECT_EQ(release_instant(parsed("daily 01:45 local"), 2027y / April / 4, "Australia/Lord_Howe"),
            utc(2027y / April / 3, 14, 45));
}

TEST(EditionCohorts, OddOffsetsAndTheDateLine) {
  const Schedule s = parsed("mon-fri 06:00 local");
  const year_month_day tue = 2027y / January / 12;
  EXPECT_EQ(release_instant(s, tue, "Asia/Kathmandu"), utc(tue, 0, 15));
  EXPECT_EQ(release_instant(s, tue, "Pacific/Kiritimati"), utc(2027y / January / 11, 16));
  EXPECT_EQ(release_instant(s, tue, "Pacific/Pago_Pago"), utc(tue, 17));
  // The first and the last cohort of one edition are 25 hours apart.
  auto cohorts = edition_cohorts(s, tue, kZones, "UTC");
  ASSERT_FALSE(cohorts.empty());
  EXPECT_EQ(cohorts.back().release_at - cohorts.front().release_at, 25 * 3600);
}

TEST(EditionCohorts, FixedZoneSchedulesReleaseOnceForAll) {
  const Schedule london = parsed("mon-fri 06:00 Europe/London");
  for (int d = 22; d <= 26; ++d) {
    EXPECT_EQ(edition_cohorts(london, 2027y / March / d, kZones, "UTC"),
              (std::vector<Cohort>{{"", utc(2027y / March / d, 6)}}));
  }
  EXPECT_EQ(edition_cohorts(london, 2027y / March / 29, kZones, "UTC"),
            (std::vector<Cohort>{{"", utc(2027y / March / 29, 5)}}));
  const Schedule kiritimati = parsed("daily 06:00 Pacific/Kiritimati");
  EXPECT_EQ(edition_cohorts(kiritimati, 2027y / January / 12, {"Asia/Tokyo"}, "UTC"),
            (std::vector<Cohort>{{"", utc(2027y / January / 11, 16)}}));
  const Schedule ny = parsed("mon-fri 06:00 America/New_York");
  EXPECT_EQ(edition_cohorts(ny, 2027y / March / 12, {}, "UTC"),
            (std::vector<Cohort>{{"", utc(2027y / March / 12, 11)}}));
  EXPECT_EQ(edition_cohorts(ny, 2027y / March / 15, {}, "UTC"),
            (std::vector<Cohort>{{"", utc(2027y / March / 15, 10)}}));
  EXPECT_TRUE(edition_cohorts(parsed("manual"), 2027y / March / 15, kZones, "UTC").empty());
}

TEST(EditionCohorts, ReadersWithoutAKnownZoneJoinTheDefault) {
  const Schedule s = parsed("mon-fri 06:00 local");
  auto cohorts =
      edition_cohorts(s, 2027y / January / 12, {"", "Not/AZone", "Asia/Tokyo"}, "America/New_York");
  EXPECT_EQ(shown(cohorts), (std::vector<std::string>{"Asia/Tokyo 2027-01-11T21:00:00Z",
                                                      "America/New_York 2027-01-12T11:00:00Z"}));
  EXPECT_EQ(cohort_zone("", "Bad/Zone"), "UTC");
}

}  // namespace
}  // namespace broadsheet::schedule
