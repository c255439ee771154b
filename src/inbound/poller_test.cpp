#include "inbound/poller.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace broadsheet::inbound {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A mailbox in memory standing for the MailboxClient interface: what was fetched and
// removed, and failures on demand.
class MemoryMailbox : public MailboxClient {
 public:
  std::map<std::string, std::string> messages;     // id -> message, listed in id order
  std::map<std::string, std::size_t> listed_size;  // a size the server lists instead
  std::vector<std::string> fetched, removed;
  bool fail_list = false, fail_remove = false;
  std::string fail_fetch_of;

  Result<std::vector<MailboxEntry>> list() override {
    if (fail_list) return make_error(Errc::config, "inbound.mailbox_ca_file: not trusted");
    std::vector<MailboxEntry> out;
    for (const auto& [id, m] : messages) {
      auto size = listed_size.find(id);
      out.push_back({id, size == listed_size.end() ? m.size() : size->second});
    }
    return out;
  }
  Result<std::string> fetch(const MailboxEntry& e, std::size_t max_bytes) override {
    fetched.push_back(e.id);
    if (e.id == fail_fetch_of) return make_error(Errc::io, "inbound.mailbox: connection lost");
    const std::string& m = messages.at(e.id);
    if (m.size() > max_bytes) return make_error(Errc::invalid_argument, "larger");
    return m;
  }
  Status remove(const std::vector<std::string>& ids) override {
    if (fail_remove) return make_error(Errc::io, "inbound.mailbox: connection lost");
    removed.insert(removed.end(), ids.begin(), ids.end());
    return {};
  }
};

// The processor as a script: "bounce" is kept, "hello" ignored, "busy" not stored.
Result<bounce::Outcome> scripted(std::string_view raw) {
  if (raw == "busy") return make_error(Errc::database, "database is locked");
  bounce::Outcome o;
  if (raw == "bounce") {
    o.recorded = 1;
    o.actions.push_back("hard bounce of reader 3: suppressed");
  } else {
    o.ignored = "no delivery named";
  }
  return o;
}

const std::atomic<bool> kGoOn{false};

TEST(MailboxPoll, DeletesWhatWasHandledOrIgnoredAndWhatIsTooLarge) {
  MemoryMailbox box;
  box.messages = {{"1", "bounce"},
                  {"2", "hello"},
                  {"3", std::string(100, 'x')},
                  {"4", "bounce"},
                  {"5", "bounce"}};
  box.listed_size["4"] = 1000;  // listed too large: not even fetched
  box.listed_size["5"] = 10;    // listed small, larger when fetched
  box.messages["5"] = std::string(60, 'y');
  PollLimits limits;
  limits.max_bytes = 50;
  const auto r = poll_once(box, scripted, limits, kGoOn);
  EXPECT_EQ(r.failure, "");
  EXPECT_EQ(r.listed, 5u);
  EXPECT_EQ(r.processed, 2u);
  EXPECT_EQ(r.too_large, 3u);
  EXPECT_EQ(r.deleted, 5u);
  EXPECT_THAT(box.fetched, ElementsAre("1", "2", "5"));  // 3 and 4 listed too large
  EXPECT_THAT(box.removed, ElementsAre("1", "2", "3", "4", "5"));
  EXPECT_THAT(r.lines[0], HasSubstr("message 1: handled"));
  EXPECT_THAT(r.lines[3],
              HasSubstr("message 4: too large (1000 bytes, bounce.max_message_bytes is 50)"));
  EXPECT_EQ(r.summary(),
            "5 messages: 2 processed, 3 too large, 0 kept for the next poll, 5 deleted");
}

TEST(MailboxPoll, AMessageNotStoredStaysAndEndsThePoll) {
  MemoryMailbox box;
  box.messages = {{"1", "bounce"}, {"2", "busy"}, {"3", "bounce"}};
  const auto r = poll_once(box, scripted, {}, kGoOn);
  EXPECT_EQ(r.kept, 1u);
  EXPECT_THAT(r.failure,
              HasSubstr("message 2: not stored, kept for the next poll: database is locked"));
  EXPECT_THAT(box.fetched, ElementsAre("1", "2"));
  EXPECT_THAT(box.removed, ElementsAre("1"));  // 2 and 3 wait for the next poll
}

TEST(MailboxPoll, AtMostMaxMessagesAPoll) {
  MemoryMailbox box;
  for (int i = 1; i <= 5; ++i) box.messages[std::to_string(i)] = "bounce";
  PollLimits limits;
  limits.max_messages = 2;
  const auto r = poll_once(box, scripted, limits, kGoOn);
  EXPECT_THAT(box.removed, ElementsAre("1", "2"));
  EXPECT_EQ(r.lines.back(), "3 more messages wait for the next poll");
}

TEST(MailboxPoll, ClientFailuresEndThePollWithTheirLine) {
  MemoryMailbox box;
  box.messages = {{"1", "bounce"}, {"2", "bounce"}, {"3", "bounce"}};
  box.fail_list = true;
  auto r = poll_once(box, scripted, {}, kGoOn);
  EXPECT_EQ(r.failure, "inbound.mailbox_ca_file: not trusted");
  EXPECT_TRUE(box.fetched.empty());

  box.fail_list = false;
  box.fail_fetch_of = "2";
  r = poll_once(box, scripted, {}, kGoOn);
  EXPECT_EQ(r.failure, "inbound.mailbox: connection lost");
  EXPECT_THAT(box.removed, ElementsAre("1"));  // what was handled still goes

  box.removed.clear();
  box.fail_fetch_of.clear();
  box.fail_remove = true;
  r = poll_once(box, scripted, {}, kGoOn);
  EXPECT_EQ(r.deleted, 0u);
  EXPECT_THAT(r.failure, HasSubstr("deleting the 3 messages handled failed"));
}

TEST(MailboxPoll, AStopEndsThePollAndDeletesNothing) {
  MemoryMailbox box;
  box.messages = {{"1", "bounce"}, {"2", "bounce"}};
  std::atomic<bool> stop{false};
  auto process = [&stop](std::string_view raw) {
    stop = true;  // SIGTERM while the first message is processed
    return scripted(raw);
  };
  const auto r = poll_once(box, process, {}, stop);
  EXPECT_TRUE(r.stopped);
  EXPECT_THAT(box.fetched, ElementsAre("1"));
  EXPECT_TRUE(box.removed.empty());  // seen again next time, counted once
}

TEST(MailboxPoller, PollsUntilStopped) {
  std::atomic<int> polls{0};
  std::mutex mu;
  std::condition_variable cv;
  Poller poller(
      [](const std::atomic<bool>&) -> Result<std::unique_ptr<MailboxClient>> {
        auto box = std::make_unique<MemoryMailbox>();
        box->messages = {{"1", "bounce"}};
        return std::unique_ptr<MailboxClient>(std::move(box));
      },
      scripted, {}, std::chrono::milliseconds(1),
      [&](const PollReport& r) {
        EXPECT_EQ(r.deleted, 1u);
        ++polls;
        cv.notify_all();
      });
  poller.start();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return polls >= 3; }));
  }
  poller.stop();
  const int after = polls;
  EXPECT_EQ(polls, after);
}

TEST(MailboxPoller, StopsAtOnceBetweenPolls) {
  std::atomic<int> polls{0};
  Poller poller(
      [](const std::atomic<bool>&) -> Result<std::unique_ptr<MailboxClient>> {
        return make_error(Errc::io, "inbound.mailbox: cannot connect to mx:993");
      },
      scripted, {}, std::chrono::hours(1),
      [&](const PollReport& r) {
        EXPECT_EQ(r.failure, "inbound.mailbox: cannot connect to mx:993");
        ++polls;
      });
  poller.start();
  const auto began = std::chrono::steady_clock::now();
  while (polls == 0 && std::chrono::steady_clock::now() - began < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  poller.stop();  // mid-wait of an hour
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(30));
  EXPECT_EQ(polls, 1);
}

}  // namespace
}  // namespace broadsheet::inbound
