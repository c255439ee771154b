// parse_wait_list: the retry schedules of the configuration.
#include <gtest/gtest.h>

#include "core/clock.hpp"

namespace broadsheet {
namespace {

TEST(WaitList, ParsesSecondsAndUnits) {
  EXPECT_EQ(*parse_wait_list("60,300"), (std::vector<int>{60, 300}));
  EXPECT_EQ(*parse_wait_list("1m, 5m,1h,10s"), (std::vector<int>{60, 300, 3600, 10}));
  EXPECT_EQ(*parse_wait_list("1d,7d"), (std::vector<int>{86400, 7 * 86400}));
  for (const char* bad : {"", "0", "x", "1m,", "-5", "8d", "99999999h"}) {
    EXPECT_FALSE(parse_wait_list(bad).ok()) << bad;
  }
}

TEST(Rfc3339, ParsesInstantsWithOffsetsAndFractions) {
  EXPECT_EQ(*parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_rfc3339("2026-12-08T06:00:00Z"), 1796709600);
  EXPECT_EQ(*parse_rfc3339("2026-12-08T07:00:00+01:00"), 1796709600);
  EXPECT_EQ(*parse_rfc3339("2026-12-08T01:00:00.250-05:00"), 1796709600);
  EXPECT_EQ(*parse_rfc3339("2024-02-29T00:00:00z"), *parse_rfc3339("2024-02-29", true));
  EXPECT_EQ(format_iso8601(*parse_rfc3339("2026-12-08", true)), "2026-12-08T00:00:00Z");
}

TEST(Rfc3339, RefusesWhatIsNotOne) {
  for (const char* bad : {"", "2026-12-08", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                          "2026-12-08T24:00:00Z", "2026-12-08T06:00:00", "2026-12-08T06:00Z",
                          "2026-12-08T06:00:00+0100", "tomorrow"}) {
    auto r = parse_rfc3339(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
  EXPECT_FALSE(parse_rfc3339("2026-12-8", true));
}

}  // namespace
}  // namespace broadsheet
