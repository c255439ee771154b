#include "web/page_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <semaphore>
#include <thread>
#include <vector>

namespace broadsheet::web {
namespace {

constexpr UnixSeconds kTtl = 60;
constexpr std::size_t kRenders = 4;

// A render that counts its calls and returns `text`.
PageCache::Render counted(std::string text, int& calls) {
  return [text = std::move(text), &calls]() -> Result<std::string> {
    ++calls;
    return text;
  };
}

std::string get_text(PageCache& cache, const std::string& slot, std::int64_t version,
                     std::string text) {
  int calls = 0;
  auto page = cache.get(slot, version, counted(std::move(text), calls));
  EXPECT_TRUE(page.ok());
  return page ? **page : std::string();
}

// Polls `done()`; fails when it is still false after ten seconds.
template <typename F>
void wait_until(F&& done) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "timed out";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST(PageCache, KeepsAPageUnderItsSlotAndVersion) {
  FakeClock clock(1000);
  PageCache cache(1 << 20, kTtl, clock, kRenders);
  int calls = 0;
  auto first = cache.get("issue/1/7", 3, counted("seven", calls));
  auto again = cache.get("issue/1/7", 3, counted("other", calls));
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(**again, "seven");
  EXPECT_EQ(first->get(), again->get()) << "the same bytes, shared, not a copy";
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(get_text(cache, "issue/1/8", 3, "eight"), "eight") << "another slot";
}

TEST(PageCache, AnotherVersionIsMadeAgainAndReplacesTheOldPage) {
  FakeClock clock(1000);
  PageCache cache(1 << 20, kTtl, clock, kRenders);
  EXPECT_EQ(get_text(cache, "list/1/0", 3, "old"), "old");
  EXPECT_EQ(get_text(cache, "list/1/0", 4, "new"), "new");
  EXPECT_EQ(cache.stats().entries, 1u) << "one page per slot";
  // A render of an older version finishing late does not bring the old page back.
  EXPECT_EQ(get_text(cache, "list/1/0", 3, "late"), "late");
  EXPECT_EQ(get_text(cache, "list/1/0", 4, "not asked"), "new");
}

TEST(PageCache, APageOlderThanTheTtlIsMadeAgain) {
  FakeClock clock(1000);
  PageCache cache(1 << 20, kTtl, clock, kRenders);
  EXPECT_EQ(get_text(cache, "feed/1", 3, "first"), "first");
  clock.advance(kTtl - 1);
  EXPECT_EQ(get_text(cache, "feed/1", 3, "second"), "first");
  clock.advance(1);
  EXPECT_EQ(get_text(cache, "feed/1", 3, "second"), "second");
}

TEST(PageCache, HoldsAtMostItsBudgetInBytesDroppingTheLeastRecentlyUsed) {
  FakeClock clock(1000);
  const std::size_t page_size = 1000;
  const std::size_t entry = page_size + std::string("issue/1/1").size() + PageCache::kEntryOverhead;
  PageCache cache(3 * entry, kTtl, clock, kRenders);
  for (int i = 1; i <= 3; ++i) {
    get_text(cache, "issue/1/" + std::to_string(i), 0, std::string(page_size, 'a' + i));
  }
  EXPECT_EQ(cache.stats().entries, 3u);
  EXPECT_EQ(cache.stats().bytes, 3 * entry);
  get_text(cache, "issue/1/1", 0, "");  // 1 is now the most recently used
  get_text(cache, "issue/1/4", 0, std::string(page_size, 'e'));
  EXPECT_EQ(cache.stats().entries, 3u);
  EXPECT_LE(cache.stats().bytes, 3 * entry);
  int calls = 0;
  EXPECT_TRUE(cache.get("issue/1/2", 0, counted("two again", calls)).ok());
  EXPECT_EQ(calls, 1) << "2 was used least recently, so it went";
  // Pages of 1 MiB against a budget of 4 MiB: never more than four of them, whatever
  // their number (the count-bounded cache held 64).
  PageCache big(4 << 20, kTtl, clock, kRenders);
  for (int i = 0; i < 70; ++i) {
    get_text(big, "issue/1/" + std::to_string(i), 0, std::string(1 << 20, 'x'));
    ASSERT_LE(big.stats().bytes, std::size_t{4} << 20);
  }
  EXPECT_EQ(big.stats().entries, 3u) << "three 1 MiB pages and their overhead fit in 4 MiB";
}

TEST(PageCache, APageLargerThanTheBudgetIsServedButNotKept) {
  FakeClock clock(1000);
  PageCache cache(100, kTtl, clock, kRenders);
  EXPECT_EQ(get_text(cache, "issue/1/1", 0, std::string(200, 'x')), std::string(200, 'x'));
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
  PageCache none(0, kTtl, clock, kRenders);
  int calls = 0;
  EXPECT_TRUE(none.get("feed/1", 0, counted("a", calls)).ok());
  EXPECT_TRUE(none.get("feed/1", 0, counted("a", calls)).ok());
  EXPECT_EQ(calls, 2) << "a budget of 0 keeps nothing";
}

TEST(PageCache, APageHandedOutOutlivesItsEviction) {
  FakeClock clock(1000);
  PageCache cache(PageCache::kEntryOverhead + 20, kTtl, clock, kRenders);
  int calls = 0;
  auto held = cache.get("issue/1/1", 0, counted("one", calls));
  get_text(cache, "issue/1/2", 0, "two");
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(**held, "one");
  EXPECT_TRUE(cache.get("issue/1/1", 0, counted("one", calls)).ok());
  EXPECT_EQ(calls, 2) << "it was evicted";
}

TEST(PageCache, AFailedRenderIsReturnedAndNotKept) {
  FakeClock clock(1000);
  PageCache cache(1 << 20, kTtl, clock, kRenders);
  auto failed = cache.get("issue/1/9", 0, []() -> Result<std::string> {
    return make_error(Errc::not_found, "no such issue");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::not_found);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(get_text(cache, "issue/1/9", 0, "now it exists"), "now it exists");
}

TEST(PageCache, ConcurrentMissesOfOnePageRenderItOnce) {
  FakeClock clock(1000);
  PageCache cache(1 << 20, kTtl, clock, kRenders);
  std::binary_semaphore release{0};
  std::atomic<bool> rendering{false};
  std::atomic<int> calls{0};
  auto slow = [&]() -> Result<std::string> {
    ++calls;
    rendering = true;
    release.acquire();
    return std::string("page");
  };
  constexpr int kCallers = 6;
  std::vector<PageCache::Page> got(kCallers);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { got[0] = *cache.get("list/1/0", 5, slow); });
  wait_until([&] { return rendering.load(); });
  for (int i = 1; i < kCallers; ++i) {
    threads.emplace_back([&, i] { got[i] = *cache.get("list/1/0", 5, slow); });
  }
  wait_until([&] { return cache.stats().waiting == kCallers - 1; });
  release.release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(cache.stats().renders, 1u);
  for (const auto& page : got) {
    ASSERT_NE(page, nullptr);
    EXPECT_EQ(page.get(), got[0].get()) << "everyone shares the one rendering";
  }
}

TEST(PageCache, ThoseWaitingForAFailedRenderGetItsError) {
  FakeClock clock(1000);
  PageCache cache(1 << 20, kTtl, clock, kRenders);
  std::binary_semaphore release{0};
  std::atomic<bool> rendering{false};
  auto failing = [&]() -> Result<std::string> {
    rendering = true;
    release.acquire();
    return make_error(Errc::database, "disk I/O error");
  };
  std::optional<Result<PageCache::Page>> first, second;
  std::thread a([&] { first = cache.get("feed/1", 1, failing); });
  wait_until([&] { return rendering.load(); });
  std::thread b([&] { second = cache.get("feed/1", 1, failing); });
  wait_until([&] { return cache.stats().waiting == 1; });
  release.release();
  a.join();
  b.join();
  ASSERT_FALSE(first->ok());
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->error().code, Errc::database);
  EXPECT_EQ(cache.stats().renders, 1u);
}

TEST(PageCache, RendersAtMostItsLimitOfPagesAtOnce) {
  FakeClock clock(1000);
  PageCache cache(1 << 20, kTtl, clock, 1);
  std::binary_semaphore release{0};
  std::atomic<bool> first_rendering{false}, second_rendered{false};
  std::thread a([&] {
    auto page = cache.get("issue/1/1", 0, [&]() -> Result<std::string> {
      first_rendering = true;
      release.acquire();
      return std::string("one");
    });
    EXPECT_TRUE(page.ok());
  });
  wait_until([&] { return first_rendering.load(); });
  std::thread b([&] {
    auto page = cache.get("issue/1/2", 0, [&]() -> Result<std::string> {
      second_rendered = true;
      return std::string("two");
    });
    EXPECT_TRUE(page.ok());
  });
  wait_until([&] { return cache.stats().queued == 1; });
  EXPECT_FALSE(second_rendered.load()) << "another page waits for its turn";
  release.release();
  a.join();
  b.join();
  EXPECT_TRUE(second_rendered.load());
  EXPECT_EQ(cache.stats().queued, 0u);
}

TEST(PageCache, ManyThreadsAtOnceStayWithinTheBudget) {
  FakeClock clock(1000);
  const std::size_t budget = 8 * (100 + PageCache::kEntryOverhead + 12);
  PageCache cache(budget, kTtl, clock, kRenders);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const int id = (i * 7 + t) % 20;
        const std::string text(100, static_cast<char>('a' + id));
        auto page = cache.get("issue/1/" + std::to_string(id), 1,
                              [&]() -> Result<std::string> { return text; });
        if (!page || **page != text) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.stats().bytes, budget);
}

}  // namespace
}  // namespace broadsheet::web
