#include "cli/progress.hpp"

#include <gtest/gtest.h>

namespace broadsheet::cli {
namespace {

using namespace std::chrono_literals;

TEST(Progress, ThousandsAreGrouped) {
  EXPECT_EQ(thousands(0), "0");
  EXPECT_EQ(thousands(999), "999");
  EXPECT_EQ(thousands(1000), "1,000");
  EXPECT_EQ(thousands(1994), "1,994");
  EXPECT_EQ(thousands(1234567), "1,234,567");
}

TEST(Progress, DurationsReadLikeAClock) {
  EXPECT_EQ(clock_duration(0), "0:00");
  EXPECT_EQ(clock_duration(2), "0:02");
  EXPECT_EQ(clock_duration(65), "1:05");
  EXPECT_EQ(clock_duration(3909), "1:05:09");
}

TEST(Progress, TheIssuesExampleLine) {
  // 749 left at 512/s is 1.46 s: rounded up, never "0:00" while something is left.
  EXPECT_EQ(send_progress_line({7, 1245, 1994, 512.0, ""}),
            "issue 7  1,245/1,994  512/s  0:02 left");
  EXPECT_EQ(send_progress_line({7, 0, 10, std::nullopt, ""}), "issue 7  0/10  --/s  --:-- left");
  EXPECT_EQ(send_progress_line({7, 3, 10, 0.0, "deferred 2"}),
            "issue 7  3/10  0.0/s  --:-- left  deferred 2");
  EXPECT_EQ(send_summary_line(7, 1994, 1994, 498.4, 4.2), "issue 7  1,994/1,994  498/s  in 0:04");
}

TEST(Progress, TheRateIsOverTheLastInterval) {
  RateMeter meter(3s, 500ms);
  const auto t0 = RateMeter::Clock::now();
  meter.add(t0, 0);
  EXPECT_FALSE(meter.rate());  // one sample says nothing
  meter.add(t0 + 200ms, 100);
  EXPECT_FALSE(meter.rate());  // too short a span
  meter.add(t0 + 1s, 1000);
  EXPECT_DOUBLE_EQ(*meter.rate(), 1000.0);
  // Slower now: after the window has passed, the early burst no longer counts.
  for (int i = 2; i <= 10; ++i) meter.add(t0 + i * 1s, 1000 + (i - 1) * 10);
  EXPECT_NEAR(*meter.rate(), 10.0, 0.01);
}

}  // namespace
}  // namespace broadsheet::cli
