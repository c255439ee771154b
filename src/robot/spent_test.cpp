#include "robot/spent.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace broadsheet::robot {
namespace {

TEST(RobotSpent, SpendsOnceAndForgetsAfterExpiry) {
  InMemorySpentChallenges spent;
  EXPECT_TRUE(*spent.spend("a", 100));
  EXPECT_FALSE(*spent.spend("a", 100));
  EXPECT_TRUE(*spent.spend("b", 200));
  ASSERT_TRUE(spent.purge_expired(100).ok());  // "a" is still good during second 100
  EXPECT_EQ(spent.size(), 2u);
  ASSERT_TRUE(spent.purge_expired(101).ok());
  EXPECT_EQ(spent.size(), 1u);
  EXPECT_FALSE(*spent.spend("b", 200));
}

TEST(RobotSpent, ExactlyOneOfConcurrentSpendsWins) {
  InMemorySpentChallenges spent;
  std::atomic<int> winners = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (*spent.spend("same", 100)) ++winners;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

}  // namespace
}  // namespace broadsheet::robot
