// The SQLite backend's robot-check replay store, against real database files.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::sqlite {
namespace {

using SqliteSpent = testing::SqliteTest;

TEST_F(SqliteSpent, AChallengeIsSpentOnceUntilItExpires) {
  auto& store = open();
  const UnixSeconds expiry = clock_.now() + 600;
  auto first = store.spend_challenge("c1", expiry);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  auto replay = store.spend_challenge("c1", expiry);
  ASSERT_TRUE(replay.ok()) << replay.error().message;
  EXPECT_FALSE(*replay);
  EXPECT_TRUE(*store.spend_challenge("c2", expiry));

  // Expired: a row purge would have dropped counts as not spent, and is taken over.
  clock_.set(expiry);
  EXPECT_TRUE(*store.spend_challenge("c1", expiry + 600));
  EXPECT_FALSE(*store.spend_challenge("c1", expiry + 600));
  EXPECT_EQ(scalar("SELECT expires_at FROM robot_spent WHERE challenge_hash = 'c1'"), expiry + 600);
}

TEST_F(SqliteSpent, PurgeDropsWhatHasExpired) {
  auto& store = open();
  const UnixSeconds now = clock_.now();
  ASSERT_TRUE(store.spend_challenge("old", now - 1).ok());
  ASSERT_TRUE(store.spend_challenge("edge", now).ok());
  ASSERT_TRUE(store.spend_challenge("live", now + 1).ok());
  ASSERT_TRUE(store.purge_spent_challenges(now).ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM robot_spent"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM robot_spent WHERE challenge_hash = 'live'"), 1);
}

TEST_F(SqliteSpent, OfConcurrentSpendsExactlyOneWins) {
  auto& store = open();
  constexpr int kThreads = 8;
  std::atomic<int> won{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto spent = store.spend_challenge("same", clock_.now() + 600);
      if (!spent.ok())
        ++failed;
      else if (*spent)
        ++won;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(won.load(), 1);
}

}  // namespace
}  // namespace broadsheet::sqlite
