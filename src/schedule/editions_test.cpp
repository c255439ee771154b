#include "schedule/editions.hpp"
#include "schedule/testing.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace broadsheet::schedule {
namespace {

using testing::parsed;

Day day(std::string_view text) {
  auto d = parse_day(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? *d : Day{};
}

UnixSeconds instant(std::string_view rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : 0;
}

TEST(Day, ParsesAndFormatsRoundTrip) {
  for (std::string_view text : {"1970-01-01", "2026-12-08", "2028-02-29", "9999-12-31"}) {
    EXPECT_EQ(format_day(day(text)), text);
  }
  EXPECT_EQ(day("1970-01-02").days_since_epoch, 1);
  EXPECT_LT(day("2026-12-08"), day("2026-12-09"));
}

TEST(Day, RefusesWhatIsNotADate) {
  for (std::string_view bad :
       {"", "2026-12-8", "2026/12/08", "2026-12-08T06:00", "20261208", "2026-13-01", "2026-02-29",
        "2026-00-10", "2026-12-32", "1969-12-31", "+026-12-08", "2026-1a-08"}) {
    auto d = parse_day(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_EQ(d.error().code, Errc::invalid_argument) << bad;
    }
  }
  EXPECT_NE(parse_day("2026-02-29").error().message.find("not a day of the calendar"),
            std::string::npos);
}

TEST(Day, Weekdays) {
  EXPECT_EQ(weekday_of(day("2026-12-07")), 0);  // Monday
  EXPECT_EQ(weekday_of(day("2026-12-13")), 6);  // Sunday
  EXPECT_EQ(weekday_of(day("1970-01-01")), 3);  // Thursday
}

TEST(Day, DayAtAnInstantInAZone) {
  const UnixSeconds t = instant("2026-12-07T21:30:00Z");
  EXPECT_EQ(format_day(day_at(t, "UTC")), "2026-12-07");
  EXPECT_EQ(format_day(day_at(t, "Asia/Tokyo")), "2026-12-08");
  EXPECT_EQ(format_day(day_at(t, "Pacific/Kiritimati")), "2026-12-08");
  EXPECT_EQ(format_day(day_at(t, "Pacific/Pago_Pago")), "2026-12-07");
  EXPECT_EQ(format_day(day_at(t, "")), "2026-12-07");
  EXPECT_EQ(format_day(day_at(t, "Not/A_Zone")), "2026-12-07");
}

TEST(Editions, WeekdaysOnly) {
  Schedule s = parsed("mon-fri 06:00 local");
  EXPECT_TRUE(is_edition_day(s, day("2026-12-08")));   // Tuesday
  EXPECT_FALSE(is_edition_day(s, day("2026-12-12")));  // Saturday
  std::vector<std::string> shown;
  for (Day d : edition_days(s, day("2026-12-10"), 7)) shown.push_back(format_day(d));
  EXPECT_EQ(shown, (std::vector<std::string>{"2026-12-10", "2026-12-11", "2026-12-14", "2026-12-15",
                                             "2026-12-16"}));
}

TEST(Editions, ManualHasNone) {
  Schedule s = parsed("manual");
  EXPECT_FALSE(is_edition_day(s, day("2026-12-08")));
  EXPECT_TRUE(edition_days(s, day("2026-12-08"), 30).empty());
  EXPECT_TRUE(edition_days(parsed("daily 07:30 UTC"), day("2026-12-08"), 0).empty());
}

TEST(Editions, FirstOpenDayOfAFixedZone) {
  Schedule london = parsed("daily 07:30 Europe/London");
  // 23:30 UTC on a summer day is already the next day in London.
  EXPECT_EQ(format_day(first_open_day(london, instant("2027-06-01T23:30:00Z"))), "2027-06-02");
  EXPECT_EQ(format_day(first_open_day(london, instant("2026-12-01T23:30:00Z"))), "2026-12-01");
  Schedule tokyo = parsed("daily 06:00 Asia/Tokyo");
  EXPECT_EQ(format_day(first_open_day(tokyo, instant("2026-12-07T21:00:00Z"))), "2026-12-08");
}

TEST(Editions, FirstOpenDayOfLocalWaitsForTheLastPlaceOnEarth) {
  Schedule local = parsed("mon-fri 06:00 local");
  // Tuesday has begun in Tokyo, but it is Monday until 12:00 UTC at UTC-12: Monday is open.
  EXPECT_EQ(format_day(first_open_day(local, instant("2026-12-07T21:00:00Z"))), "2026-12-07");
  EXPECT_EQ(format_day(first_open_day(local, instant("2026-12-08T11:59:59Z"))), "2026-12-07");
  EXPECT_EQ(format_day(first_open_day(local, instant("2026-12-08T12:00:00Z"))), "2026-12-08");
}

TEST(EffectiveZone, ReaderThenNewsletterThenPublicationThenUtc) {
  EXPECT_EQ(effective_zone("Asia/Tokyo", "Europe/London", "America/New_York"), "Asia/Tokyo");
  EXPECT_EQ(effective_zone("", "Europe/London", "America/New_York"), "Europe/London");
  EXPECT_EQ(effective_zone("", "", "America/New_York"), "America/New_York");
  EXPECT_EQ(effective_zone("", "", ""), "UTC");
}

}  // namespace
}  // namespace broadsheet::schedule
