// GroupCommit on its own: who leads, what a batch holds, what each caller gets back.
#include "store/sqlite/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::sqlite {
namespace {

using Group = GroupCommit<int, int>;
using testing::wait_until;

// Answers each request with its square and remembers the size of every batch.
struct Squares {
  std::mutex mutex;
  std::vector<std::size_t> sizes;
  void operator()(Group::Batch batch) {
    for (auto* job : batch) job->outcome = job->request * job->request;
    std::lock_guard lock(mutex);
    sizes.push_back(batch.size());
  }
};

TEST(GroupCommit, AloneARequestIsABatchOfItsOwn) {
  Group group(8);
  Squares run;
  auto out = group.submit(7, std::ref(run));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, 49);
  EXPECT_EQ(group.batches(), 1u);
  EXPECT_EQ(run.sizes, std::vector<std::size_t>{1});
  EXPECT_EQ(group.waiting(), 0u);
}

// While the first batch runs, everyone else queues; they form the next batches,
// oldest first, none larger than the bound.
TEST(GroupCommit, ArrivalsDuringABatchFormTheNextBoundedOnes) {
  constexpr int kCallers = 10;
  Group group(4);
  Squares squares;
  std::latch release_first(1);
  std::atomic<bool> first_seen{false};
  auto run = [&](Group::Batch batch) {
    if (!first_seen.exchange(true)) release_first.wait();
    squares(batch);
  };

  std::vector<int> results(kCallers + 1, -1);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = *group.submit(0, run); });
  wait_until([&] { return group.batches() == 1; });
  for (int i = 1; i <= kCallers; ++i) {
    threads.emplace_back([&, i] { results[i] = *group.submit(i, run); });
  }
  wait_until([&] { return group.waiting() == kCallers; });
  release_first.count_down();
  for (auto& t : threads) t.join();

  for (int i = 0; i <= kCallers; ++i) EXPECT_EQ(results[i], i * i);
  EXPECT_EQ(squares.sizes, (std::vector<std::size_t>{1, 4, 4, 2}));
  EXPECT_EQ(group.batches(), 4u);
}

TEST(GroupCommit, EveryCallerGetsItsOwnOutcomeUnderLoad) {
  constexpr int kThreads = 16, kEach = 200;
  Group group(256);
  Squares run;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int n = t * kEach + i;
        auto out = group.submit(n, std::ref(run));
        if (!out.ok() || *out != n * n) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  std::size_t total = 0;
  for (std::size_t s : run.sizes) total += s;
  EXPECT_EQ(total, static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(group.batches(), run.sizes.size());
}

TEST(GroupCommit, ARequestLeftWithoutOutcomeIsAnInternalError) {
  Group group(4);
  auto out = group.submit(1, [](Group::Batch) {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::internal);
}

TEST(GroupCommit, ALeaderThatThrowsStillEndsItsBatch) {
  Group group(4);
  EXPECT_THROW(group.submit(1, [](Group::Batch) { throw std::runtime_error("bug"); }),
               std::runtime_error);
  // The next caller is not left waiting for a batch that will never end.
  auto out = group.submit(3, [](Group::Batch b) { b[0]->outcome = 9; });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, 9);
}

}  // namespace
}  // namespace broadsheet::sqlite
