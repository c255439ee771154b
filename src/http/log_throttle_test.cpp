#include "http/log_throttle.hpp"

#include <gtest/gtest.h>

namespace broadsheet::http {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, OneLinePerIntervalCountingTheQuietOnes) {
  LogThrottle throttle(10s);
  LogThrottle::Clock::time_point t{};
  EXPECT_EQ(throttle.occur(t), 1u);  // the first is written at once
  for (int i = 0; i < 99; ++i) EXPECT_EQ(throttle.occur(t + 100ms * i), 0u);
  EXPECT_EQ(throttle.occur(t + 10s), 100u);  // 99 kept quiet, and this one
  EXPECT_EQ(throttle.occur(t + 11s), 0u);
  EXPECT_EQ(throttle.occur(t + 25s), 2u);
  EXPECT_EQ(throttle.occur(t + 60s), 1u);
}

}  // namespace
}  // namespace broadsheet::http
