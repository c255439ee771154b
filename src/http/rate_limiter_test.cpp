#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"

namespace broadsheet::http {
namespace {

TEST(RateLimiter, CountsPerKeyPerWindow) {
  FakeClock clock(1000);
  RateLimiter limiter(2, 60, clock);
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_FALSE(limiter.exhausted("a"));
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_TRUE(limiter.exhausted("a"));
  EXPECT_FALSE(limiter.allow("a"));
  EXPECT_TRUE(limiter.allow("b"));
  clock.advance(59);
  EXPECT_FALSE(limiter.allow("a"));
  clock.advance(1);
  EXPECT_FALSE(limiter.exhausted("a"));
  EXPECT_TRUE(limiter.allow("a"));
}

TEST(RateLimiter, RefundTakesBackOneAttemptOfTheWindow) {
  FakeClock clock(1000);
  RateLimiter limiter(1, 60, clock);
  EXPECT_TRUE(limiter.allow("a"));
  limiter.refund("a");
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_FALSE(limiter.allow("a"));
  limiter.refund("a");
  limiter.refund("a");  // never below nothing
  EXPECT_TRUE(limiter.allow("a"));
  EXPECT_FALSE(limiter.allow("a"));
  limiter.refund("unknown");
  EXPECT_EQ(limiter.size(), 1u);
}

TEST(RateLimiter, ExhaustedCountsNothing) {
  FakeClock clock(1000);
  RateLimiter limiter(1, 60, clock);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.exhausted("a"));
  EXPECT_EQ(limiter.size(), 0u);
  EXPECT_TRUE(limiter.allow("a"));
}

// The defect: a full table refused every new key, so 100,000 garbage requests from
// distinct addresses locked out everyone else for a whole window.
TEST(RateLimiter, AFullTableEvictsInsteadOfRefusingNewKeys) {
  FakeClock clock(1000);
  RateLimiter limiter(1, 600, clock, 3);
  EXPECT_TRUE(limiter.allow("flood-1"));
  EXPECT_TRUE(limiter.allow("flood-2"));
  EXPECT_TRUE(limiter.allow("flood-3"));
  EXPECT_TRUE(limiter.allow("reader"));  // nothing has expired, yet a new key gets in
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.allow("reader"));  // and is counted
}

TEST(RateLimiter, EvictsExpiredWindowsFirstThenTheOldest) {
  FakeClock clock(1000);
  RateLimiter limiter(1, 60, clock, 2);
  EXPECT_TRUE(limiter.allow("old"));
  clock.advance(30);
  EXPECT_TRUE(limiter.allow("young"));
  clock.advance(31);  // "old" has expired, "young" has not
  EXPECT_TRUE(limiter.allow("new"));
  EXPECT_TRUE(limiter.exhausted("young"));  // kept: "old" went first
  // A window that restarts becomes the youngest.
  clock.advance(60);
  EXPECT_TRUE(limiter.allow("young"));
  EXPECT_TRUE(limiter.allow("newer"));  // evicts "new", the oldest window
  EXPECT_TRUE(limiter.exhausted("young"));
  EXPECT_FALSE(limiter.exhausted("new"));
}

TEST(RateLimiter, SizeStaysBoundedUnderAFlood) {
  FakeClock clock(1000);
  RateLimiter limiter(5, 600, clock, 100);
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(limiter.allow("k" + std::to_string(i)));
  EXPECT_EQ(limiter.size(), 100u);
}

TEST(ClientKey, IPv4ByAddressIPv6ByItsSlash64) {
  EXPECT_EQ(client_key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(client_key("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(client_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  EXPECT_NE(client_key("2001:db8:1:3::1"), client_key("2001:db8:1:2::1"));
  EXPECT_EQ(client_key("::1"), "::/64");
  EXPECT_EQ(client_key("not an address"), "not an address");
}

}  // namespace
}  // namespace broadsheet::http
