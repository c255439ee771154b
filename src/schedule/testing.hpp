// Helpers of the schedule unit tests (one copy for the test files of src/schedule/).
#pragma once

#include "core/clock.hpp"
#include "schedule/schedule.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string_view>

namespace broadsheet::schedule::testing {

// Seconds since the epoch of a UTC civil time.
inline UnixSeconds utc(std::chrono::year_month_day date, int hour = 0, int minute = 0) {
  auto days = std::chrono::sys_days(date).time_since_epoch();
  return std::chrono::duration_cast<std::chrono::seconds>(days).count() + hour * 3600 +
         minute * 60;
}

// The schedule TEXT describes; a test failure (and an empty schedule) if it is refused.
inline Schedule parsed(std::string_view text) {
  auto s = parse_schedule(text);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : Schedule{};
}

}  // namespace broadsheet::schedule::testing
