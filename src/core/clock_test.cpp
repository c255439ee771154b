// parse_wait_list: the retry schedules of the configuration.
#include <gtest/gtest.h>

#include "core/clock.hpp"

namespace broadsheet {
namespace {

TEST(WaitList, ParsesSecondsAndUnits) {
  EXPECT_EQ(*parse_wait_list("60,300"), (std::vector<int>{60, 300}));
  EXPECT_EQ(*parse_wait_list("1m, 5m,1h,10s"), (std::vector<int>{60, 300, 3600, 10}));
  for (const char* bad : {"", "0", "x", "1m,", "-5", "8d", "99999999h"}) {
    EXPECT_FALSE(parse_wait_list(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace broadsheet
