#include "feeds/date.hpp"

#include <gtest/gtest.h>

namespace broadsheet::feeds {
namespace {

TEST(FeedDate, ReadsRfc822AndItsBreakage) {
  const UnixSeconds ten = *parse_rfc3339("2026-12-07T10:00:00Z");
  for (const char* text :
       {"Mon, 07 Dec 2026 10:00:00 +0000", "Mon, 07 Dec 2026 10:00:00 GMT",
        "07 Dec 2026 10:00:00 UT", "Mon, 7 Dec 2026 05:00:00 EST",
        "Monday, 07 December 2026 10:00 Z", "Mon 07 Dec 26 10:00:00 GMT",
        "Mon, 07 Dec 2026 11:00:00 +01:00", "Mon, 07 Dec 2026 02:00:00 PST",
        "  Mon,  07 dec 2026  10:00:00  +0000 (UTC)  ", "Mon, 07 Dec 2026 10:00:00",
        "Mon Dec 07 2026 11:00:00 GMT+0100", "Tues, 07 Dec 2026 10:00:00 Z"}) {
    EXPECT_EQ(parse_feed_date(text), ten) << text;
  }
  EXPECT_EQ(parse_feed_date("Thu, 3 Sept 2026 10:00:00 +0000"),
            *parse_rfc3339("2026-09-03T10:00:00Z"));
  EXPECT_EQ(parse_feed_date("Fri, 01 Jan 99 00:00:00 GMT"), *parse_rfc3339("1999-01-01T00:00:00Z"));
}

TEST(FeedDate, ReadsRfc3339AndItsCousins) {
  const UnixSeconds ten = *parse_rfc3339("2026-12-07T10:00:00Z");
  for (const char* text : {"2026-12-07T10:00:00Z", "2026-12-07T11:00:00+01:00",
                           "2026-12-07T11:00:00+0100", "2026-12-07T10:00:00.123Z",
                           "2026-12-07T10:00Z", "2026-12-07 10:00:00", "2026-12-07t10:00:00z"}) {
    EXPECT_EQ(parse_feed_date(text), ten) << text;
  }
  EXPECT_EQ(parse_feed_date("2026-12-07"), *parse_rfc3339("2026-12-07T00:00:00Z"));
}

TEST(FeedDate, GivesNothingForWhatIsNotADate) {
  for (const char* text : {"", "yesterday", "Mon, 32 Dec 2026 10:00:00 GMT", "2026-02-30T00:00:00Z",
                           "Mon, 07 Foo 2026 10:00:00 GMT", "Mon, 07 Dec 1969 10:00:00 GMT",
                           "Mon, 07 Dec 2026 25:00:00 GMT", "12345678901234567890"}) {
    EXPECT_EQ(parse_feed_date(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace broadsheet::feeds
