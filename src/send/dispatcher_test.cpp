// The dispatcher against a real SQLite store and engine, with control changes coming
// from several threads at once as they do from API clients: an issue paused and
// resumed in quick turns is handed from one sender thread to the next, never run by
// two at once, and every reader gets it once.
#include "send/dispatcher.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "send/engine_test_support.hpp"

namespace broadsheet::send {
namespace {

using namespace std::chrono_literals;

// Records every message it is given; each one takes a little while, so a send lasts
// longer than the churn below.
class CountingSink : public transport::Transport {
 public:
  void submit(std::vector<transport::Mail> batch, Completion done) override {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      std::this_thread::sleep_for(2ms);
      {
        std::lock_guard lock(mu_);
        ++delivered_[batch[i].envelope.rcpt_to];
      }
      done(i, {transport::DeliveryResult::Kind::delivered, 250, "250 2.0.0 Ok"});
    }
  }
  std::map<std::string, int> delivered() {
    std::lock_guard lock(mu_);
    return delivered_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> delivered_;
};

class DispatcherTest : public testing::StoreFixture {
 protected:
  DispatcherTest() : StoreFixture("dispatcher-test-") {}

  void SetUp() override {
    spdlog::set_level(spdlog::level::off);  // hundreds of "paused" lines
    StoreFixture::SetUp();
  }
  void TearDown() override {
    StoreFixture::TearDown();
    spdlog::set_level(spdlog::level::info);
  }

  // `count` confirmed readers and an issue to them, begun (status sending).
  Id sending_issue(int count) {
    auto session = store_->begin_import(store::ImportOptions{newsletter_.id, true, "test"});
    EXPECT_TRUE(session.ok());
    for (int k = 0; k < count; ++k) {
      const std::string email = "r" + std::to_string(k) + "@example.org";
      EXPECT_TRUE((*session)->add(store::ImportRow{email, email, "Reader", "", {}}).ok());
    }
    EXPECT_TRUE((*session)->commit().ok());
    Issue i;
    i.newsletter_id = newsletter_.id;
    i.subject = "Today";
    Id id = store_->add_issue(i)->id;
    EXPECT_EQ(*store_->begin_sending(id), static_cast<std::size_t>(count));
    return id;
  }

  EngineOptions options() {
    EngineOptions o;
    o.owner = "test-owner";
    o.workers = 2;
    o.batch_size = 20;
    o.in_flight = 8;
    return o;
  }

  // Waits (up to a minute) until the issue has status `want`.
  bool wait_for_status(Id issue, IssueStatus want) {
    for (int k = 0; k < 600; ++k) {
      if (*store_->issue_status(issue) == want) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // `clients` threads turn the issue paused and back to sending, poking the
  // dispatcher after each change as the API does, for `how_long`. Returns how many
  // changes were made.
  int churn(Id issue, SendDispatcher& dispatcher, int clients,
            std::chrono::steady_clock::duration how_long) {
    std::atomic<int> changes{0};
    std::vector<std::thread> threads;
    const auto until = std::chrono::steady_clock::now() + how_long;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        bool pause = c % 2 == 0;
        while (std::chrono::steady_clock::now() < until) {
          auto changed =
              pause
                  ? store_->change_issue_status(issue, {IssueStatus::sending}, IssueStatus::paused)
                  : store_->change_issue_status(issue, {IssueStatus::paused}, IssueStatus::sending);
          if (changed) ++changes;
          dispatcher.poke();
          pause = !pause;
          std::this_thread::sleep_for(std::chrono::microseconds(200 * (c + 1)));
        }
      });
    }
    for (auto& t : threads) t.join();
    return changes.load();
  }
};

TEST_F(DispatcherTest, PauseAndResumeInQuickTurnsHandTheIssueOverAndEveryoneGetsItOnce) {
  constexpr int kReaders = 3000;
  Id issue = sending_issue(kReaders);
  CountingSink sink;
  SendEngine engine(engine_roles(), sink, testing::plain(), options(), clock_);
  SendDispatcher dispatcher({*store_, *store_}, engine, "test-owner", 30, clock_);
  dispatcher.start();
  EXPECT_GT(churn(issue, dispatcher, 4, 3s), 100);
  // Whatever the last change was, the issue goes on to the end.
  (void)store_->change_issue_status(issue, {IssueStatus::paused}, IssueStatus::sending);
  dispatcher.poke();
  ASSERT_TRUE(wait_for_status(issue, IssueStatus::sent));
  dispatcher.stop();

  auto counts = store_->delivery_counts(issue);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->sent, static_cast<std::size_t>(kReaders));
  auto delivered = sink.delivered();
  EXPECT_EQ(delivered.size(), static_cast<std::size_t>(kReaders));
  for (const auto& [rcpt, n] : delivered) EXPECT_EQ(n, 1) << rcpt;
}

TEST_F(DispatcherTest, ACancelDuringTheTurnsEndsTheSendAndTheDispatcherStopsCleanly) {
  constexpr int kReaders = 3000;
  Id issue = sending_issue(kReaders);
  CountingSink sink;
  SendEngine engine(engine_roles(), sink, testing::plain(), options(), clock_);
  SendDispatcher dispatcher({*store_, *store_}, engine, "test-owner", 30, clock_);
  dispatcher.start();
  EXPECT_GT(churn(issue, dispatcher, 3, 1s), 10);
  ASSERT_TRUE(store_
                  ->change_issue_status(issue, {IssueStatus::sending, IssueStatus::paused},
                                        IssueStatus::cancelled)
                  .ok());
  dispatcher.poke();
  EXPECT_EQ(churn(issue, dispatcher, 2, 500ms), 0);  // a cancelled issue stays so
  dispatcher.stop();

  EXPECT_EQ(*store_->issue_status(issue), IssueStatus::cancelled);
  auto counts = store_->delivery_counts(issue);
  ASSERT_TRUE(counts.ok());
  EXPECT_LT(counts->sent, static_cast<std::size_t>(kReaders));
  for (const auto& [rcpt, n] : sink.delivered()) EXPECT_EQ(n, 1) << rcpt;
}

}  // namespace
}  // namespace broadsheet::send
