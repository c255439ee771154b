// GroupCommit on its own: who leads, what a batch holds, what each caller gets back.
#include "store/sqlite/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::store::sqlite {
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
  std::size_t answered() const {
    std::size_t total = 0;
    for (std::size_t s : sizes) total += s;
    return total;
  }
};

// Calls `call(n)` for every n below threads * each: `each` of them in turn on each of
// `threads` threads at once. Returns when all have returned.
template <typename Call>
void call_from_threads(int threads, int each, Call call) {
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      for (int i = 0; i < each; ++i) call(t * each + i);
    });
  }
  for (auto& r : running) r.join();
}

// Starts `call(0)` and waits until it leads the first batch (which the runner holds);
// then starts `call(1)` .. `call(callers)` and waits until they are all queued behind it.
// The caller releases the first batch, then joins the returned threads.
template <typename Call>
std::vector<std::thread> queue_behind_first_batch(Group& group, int callers, Call call) {
  std::vector<std::thread> threads;
  threads.emplace_back([call] { call(0); });
  wait_until([&] { return group.batches() == 1; });
  for (int i = 1; i <= callers; ++i) threads.emplace_back([call, i] { call(i); });
  wait_until([&] { return group.waiting() == static_cast<std::size_t>(callers); });
  return threads;
}

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
  auto threads =
      queue_behind_first_batch(group, kCallers, [&](int i) { results[i] = *group.submit(i, run); });
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
  call_from_threads(kThreads, kEach, [&](int n) {
    auto out = group.submit(n, std::ref(run));
    if (!out.ok() || *out != n * n) ++wrong;
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(run.answered(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(group.batches(), run.sizes.size());
}

// Many more callers than a batch holds: every caller gets its own answer, batches form
// and stay bounded, and nobody is left queued. A caller is woken only when its request is
// done or it is to lead, so a lost wake-up would hang here.
TEST(GroupCommit, ManyCallersShareBoundedBatchesAndEachGetsItsOwnOutcome) {
  constexpr int kThreads = 64, kEach = 200;
  constexpr std::size_t kMaxBatch = 16;
  Group group(kMaxBatch);
  Squares squares;
  auto run = [&](Group::Batch batch) {
    std::this_thread::sleep_for(std::chrono::microseconds(20));  // stands for the sync
    squares(batch);
  };
  std::atomic<int> wrong{0};
  call_from_threads(kThreads, kEach, [&](int n) {
    auto out = group.submit(n, run);
    if (!out.ok() || *out != n * n) ++wrong;
  });

  EXPECT_EQ(wrong.load(), 0);
  for (std::size_t s : squares.sizes) EXPECT_LE(s, kMaxBatch);
  EXPECT_EQ(squares.answered(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(group.batches(), squares.sizes.size());
  EXPECT_LT(group.batches(), static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(group.waiting(), 0u);
}

TEST(GroupCommit, ARequestLeftWithoutOutcomeIsAnInternalError) {
  Group group(4);
  auto out = group.submit(1, [](Group::Batch) {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::internal);
}

TEST(GroupCommit, ALeaderThatThrowsStillEndsItsBatch) {
  Group group(4);
  EXPECT_THROW((void)group.submit(1, [](Group::Batch) { throw std::runtime_error("bug"); }),
               std::runtime_error);
  // The next caller is not left waiting for a batch that will never end.
  auto out = group.submit(3, [](Group::Batch b) { b[0]->outcome = 9; });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, 9);
}

// The leader's batch throws while others are queued: the leader gets the exception, and
// the queued callers are still handed the lead and answered.
TEST(GroupCommit, QueuedCallersGoOnAfterABatchThrows) {
  constexpr int kCallers = 10;
  Group group(4);
  Squares squares;
  std::latch release_first(1);
  std::atomic<bool> first_seen{false};
  auto run = [&](Group::Batch batch) {
    if (!first_seen.exchange(true)) {
      release_first.wait();
      throw std::runtime_error("bug");
    }
    squares(batch);
  };

  std::vector<int> results(kCallers + 1, -1);
  auto threads = queue_behind_first_batch(group, kCallers, [&](int i) {
    if (i == 0) {
      EXPECT_THROW((void)group.submit(0, run), std::runtime_error);
    } else {
      results[i] = *group.submit(i, run);
    }
  });
  release_first.count_down();
  for (auto& t : threads) t.join();

  for (int i = 1; i <= kCallers; ++i) EXPECT_EQ(results[i], i * i);
  EXPECT_EQ(squares.sizes, (std::vector<std::size_t>{4, 4, 2}));
  EXPECT_EQ(group.waiting(), 0u);
}

// Under load one batch throws: its leader gets the exception, the rest of that batch an
// internal error, and every other caller its own answer.
TEST(GroupCommit, UnderLoadAThrowingBatchFailsOnlyItsOwnCallers) {
  constexpr int kThreads = 64, kEach = 50, kThrowingBatch = 20;
  Group group(16);
  Squares squares;
  std::atomic<int> batch_number{0};
  std::atomic<std::size_t> thrown_size{0};
  auto run = [&](Group::Batch batch) {
    if (batch_number++ == kThrowingBatch) {
      thrown_size = batch.size();
      throw std::runtime_error("bug");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));  // stands for the sync
    squares(batch);
  };
  std::atomic<int> right{0}, internal{0}, threw{0}, wrong{0};
  call_from_threads(kThreads, kEach, [&](int n) {
    try {
      auto out = group.submit(n, run);
      if (out.ok() && *out == n * n) {
        ++right;
      } else if (!out.ok() && out.error().code == Errc::internal) {
        ++internal;
      } else {
        ++wrong;
      }
    } catch (const std::runtime_error&) {
      ++threw;
    }
  });

  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(threw.load(), 1);
  ASSERT_GE(thrown_size.load(), 1u);
  EXPECT_EQ(static_cast<std::size_t>(internal.load()), thrown_size.load() - 1);
  EXPECT_EQ(static_cast<std::size_t>(right.load()), kThreads * kEach - thrown_size.load());
  EXPECT_EQ(squares.answered(), static_cast<std::size_t>(right.load()));
  EXPECT_EQ(group.waiting(), 0u);
}

}  // namespace
}  // namespace broadsheet::store::sqlite
