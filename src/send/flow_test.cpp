// The flow control of a send run, piece by piece: the bounded queue, the in-flight
// window, the counter of outstanding work, token buckets and the per-domain limits.
#include "send/flow.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace broadsheet::send {
namespace {

using namespace std::chrono_literals;

// True when `done` becomes true within `limit`.
template <typename F>
bool soon(F done, std::chrono::milliseconds limit = 5s) {
  const auto until = SteadyClock::now() + limit;
  while (!done()) {
    if (SteadyClock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(FlowTest, QueueKeepsOrderAndDrainsAfterClose) {
  BoundedQueue<int> q(4);
  EXPECT_TRUE(q.push(1));
  EXPECT_TRUE(q.push(2));
  EXPECT_EQ(q.pop(), 1);
  q.close();
  EXPECT_FALSE(q.push(3)) << "a closed queue takes nothing";
  EXPECT_FALSE(q.closed_and_empty());
  EXPECT_EQ(q.pop(), 2) << "what was queued before close is still popped";
  EXPECT_EQ(q.pop(), std::nullopt);
  EXPECT_TRUE(q.closed_and_empty());
}

TEST(FlowTest, FullQueueHoldsItsPusherUntilHalfIsTaken) {
  BoundedQueue<int> q(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.push(i));
  std::atomic<bool> pushed{false};
  std::thread pusher([&] {
    q.push(4);
    pushed = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(pushed) << "pushed into a full queue";
  EXPECT_EQ(q.pop(), 0);
  EXPECT_EQ(q.pop(), 1);  // half of it taken: the pusher is woken
  EXPECT_TRUE(soon([&] { return pushed.load(); }));
  pusher.join();
  auto rest = q.pop_all(0ms);
  EXPECT_EQ(rest, (std::vector<int>{2, 3, 4}));
}

TEST(FlowTest, PopAllWaitsForTheFirstItemOnly) {
  BoundedQueue<int> q(8);
  const auto began = SteadyClock::now();
  EXPECT_TRUE(q.pop_all(30ms).empty());
  EXPECT_GE(SteadyClock::now() - began, 25ms);
  std::thread later([&] {
    std::this_thread::sleep_for(20ms);
    q.push(7);
  });
  auto got = q.pop_all(5s);
  later.join();
  EXPECT_EQ(got, std::vector<int>{7});
}

TEST(FlowTest, CloseReleasesWaitingPoppersAndPushers) {
  BoundedQueue<int> empty(1);
  std::thread popper([&] { EXPECT_EQ(empty.pop(), std::nullopt); });
  BoundedQueue<int> full(1);
  full.push(1);
  std::thread pusher([&] { EXPECT_FALSE(full.push(2)); });
  std::this_thread::sleep_for(20ms);
  empty.close();
  full.close();
  popper.join();
  pusher.join();
}

TEST(FlowTest, WindowHoldsTheOneOverItsLimit) {
  Window window(2);
  window.acquire();
  window.acquire();
  std::atomic<bool> third{false};
  std::thread t([&] {
    window.acquire();
    third = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(third) << "a third message went out in a window of two";
  window.release(1);
  EXPECT_TRUE(soon([&] { return third.load(); }));
  t.join();
  window.release(5);  // more than is out: nothing underflows
  window.acquire();
  window.acquire();
}

TEST(FlowTest, WindowOfZeroStillLetsOneGo) {
  Window window(0);
  window.acquire();
  window.release(1);
}

TEST(FlowTest, CounterDrainsWhenEverythingIsReleased) {
  Counter counter;
  counter.drained();  // nothing given out: returns at once
  counter.add();
  counter.add();
  std::atomic<bool> drained{false};
  std::thread t([&] {
    counter.drained();
    drained = true;
  });
  counter.release(1);
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(drained);
  counter.release(1);
  EXPECT_TRUE(soon([&] { return drained.load(); }));
  t.join();
}

TEST(FlowTest, BucketGivesABurstThenPacesAtItsRate) {
  const auto t0 = SteadyClock::now();
  TokenBucket bucket(10, t0);  // 10 per second, burst of 10
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(bucket.wait(t0).count(), 0) << "token " << i << " of the burst";
    bucket.take();
  }
  const auto wait = bucket.wait(t0);
  EXPECT_GT(wait, 99ms);
  EXPECT_LT(wait, 101ms);
  EXPECT_EQ(bucket.wait(t0 + 100ms).count(), 0) << "one token a tenth of a second later";
  bucket.take();
  EXPECT_GT(bucket.wait(t0 + 100ms), 0ns);
  EXPECT_EQ(bucket.wait(t0 + 100s).count(), 0);
  for (int i = 0; i < 10; ++i) bucket.take();  // refilled to the burst, not beyond
  EXPECT_GT(bucket.wait(t0 + 100s), 0ns);
}

TEST(FlowTest, BucketOfNoRateNeverWaits) {
  TokenBucket bucket(0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(bucket.wait(SteadyClock::now()).count(), 0);
    bucket.take();
  }
}

TEST(FlowTest, SlowRateStillHasABurstOfOne) {
  const auto t0 = SteadyClock::now();
  TokenBucket bucket(0.5, t0);  // one every two seconds
  EXPECT_EQ(bucket.wait(t0).count(), 0);
  bucket.take();
  EXPECT_GT(bucket.wait(t0), 1900ms);
}

TEST(FlowTest, LimitsCapEachDomainInFlightApart) {
  Limits limits(0, 1, 0);
  limits.acquire("a.example");
  limits.acquire("b.example");  // another domain is not held back
  std::atomic<bool> second{false};
  std::thread t([&] {
    limits.acquire("a.example");
    second = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(second) << "two messages in flight to a domain capped at one";
  limits.release("a.example");
  EXPECT_TRUE(soon([&] { return second.load(); }));
  t.join();
  limits.release("a.example");
  limits.release("b.example");
  limits.release("c.example");  // never acquired: ignored
}

TEST(FlowTest, LimitsPaceTheGlobalRate) {
  Limits limits(100, 0, 0);  // a burst of 100, then one every 10 ms
  const auto began = SteadyClock::now();
  for (int i = 0; i < 120; ++i) {
    limits.acquire("a.example");
    limits.release("a.example");
  }
  const auto took = SteadyClock::now() - began;
  EXPECT_GE(took, 150ms) << "20 messages past the burst at 100/s take 200 ms";
}

TEST(FlowTest, DomainOfTakesWhatFollowsTheLastAt) {
  EXPECT_EQ(domain_of("ada@example.org"), "example.org");
  EXPECT_EQ(domain_of("\"a@b\"@example.org"), "example.org");
  EXPECT_EQ(domain_of("nobody"), "");
}

}  // namespace
}  // namespace broadsheet::send

namespace broadsheet::send {
namespace {

TEST(LimitsShare, ThreeNodesEachTakeAThirdOfTheRateAndOfTheDomainCap) {
  Limits limits(300, 4, 0);
  limits.share(3);  // 100 a second each: a burst of 100, then one every 10 ms
  const auto start = SteadyClock::now();
  for (int k = 0; k < 110; ++k) {
    limits.acquire("d" + std::to_string(k));
    limits.release("d" + std::to_string(k));
  }
  EXPECT_GE(SteadyClock::now() - start, std::chrono::milliseconds(80));
  // The cap of 4 in flight per domain over three nodes: 2 each (rounded up).
  limits.acquire("x.example");
  limits.acquire("x.example");
  std::atomic<bool> third{false};
  std::thread t([&] {
    limits.acquire("x.example");
    third = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(third.load());
  limits.release("x.example");
  t.join();
  EXPECT_TRUE(third.load());
}

}  // namespace
}  // namespace broadsheet::send
