// The send engine against a real SQLite store and the real outbox, plus a scripted
// sender for the replies the outbox never gives (4xx, 5xx).
#include "send/engine.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "send/engine_test_support.hpp"
#include "transport/outbox.hpp"
#include "transport/outbox_testing.hpp"

namespace broadsheet::send {
namespace {

namespace fs = std::filesystem;
using transport::DeliveryResult;

using testing::plain;

class EngineTest : public testing::StoreFixture {
 protected:
  EngineTest() : StoreFixture("engine-test-") {}

  // `count` confirmed readers r0@a.example, r1@b.example, ... and an issue, begun.
  Id audience(int count) {
    for (int k = 0; k < count; ++k) {
      Subscriber s;
      s.email = "r" + std::to_string(k) + "@" + std::string(1, static_cast<char>('a' + k % 3)) +
                ".example";
      s.email_display = s.email;
      s.name = "Reader " + std::to_string(k);
      auto added = store_->add_subscriber(s);
      EXPECT_TRUE(added.ok());
      readers_.push_back(added->id);
      EXPECT_TRUE(
          store_->set_subscription(added->id, newsletter_.id, SubscriptionStatus::confirmed, "test")
              .ok());
    }
    Issue i;
    i.newsletter_id = newsletter_.id;
    i.subject = "Today";
    Id id = store_->add_issue(i)->id;
    auto queued = store_->begin_sending(id);
    EXPECT_TRUE(queued.ok());
    return id;
  }

  EngineOptions options() {
    EngineOptions o;
    o.owner = "test-owner";
    o.workers = 2;
    o.batch_size = 7;  // several batches even for small audiences
    o.in_flight = 5;
    o.backoff = {1};
    return o;
  }

  std::vector<Id> readers_;
};

// A transport that answers from a script: reader email -> replies in order of attempts;
// delivered once the script runs out. Counts what it was given.
class ScriptedSender : public transport::Transport {
 public:
  std::map<std::string, std::vector<DeliveryResult>> script;
  std::function<void(int)> after_each;  // called with the number of messages so far

  void submit(std::vector<transport::Mail> batch, Completion done) override {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::string& rcpt = batch[i].envelope.rcpt_to;
      DeliveryResult r{DeliveryResult::Kind::delivered, 250, "250 2.0.0 Ok"};
      int n;
      {
        std::lock_guard lock(mu_);
        auto& replies = script[rcpt];
        int& attempt = attempts_[rcpt];
        if (attempt < static_cast<int>(replies.size())) r = replies[attempt];
        ++attempt;
        if (r.kind == DeliveryResult::Kind::delivered) ++delivered_[rcpt];
        n = ++total_;
      }
      if (after_each) after_each(n);
      done(i, r);
    }
  }
  int delivered(const std::string& rcpt) {
    std::lock_guard lock(mu_);
    return delivered_[rcpt];
  }
  std::map<std::string, int> delivered_all() {
    std::lock_guard lock(mu_);
    return delivered_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> attempts_, delivered_;
  int total_ = 0;
};

TEST_F(EngineTest, DeliversToEveryReaderThroughTheOutboxAndFinishes) {
  Id issue = audience(40);
  auto outbox = transport::Outbox::open((dir_ / "outbox").string());
  ASSERT_TRUE(outbox.ok());
  SendEngine engine(engine_roles(), **outbox, plain(), options(), clock_);
  int reports = 0;
  auto summary = engine.run(issue, [&](const SendProgress&) { ++reports; });
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->outcome, RunOutcome::finished);
  EXPECT_EQ(summary->counts.sent, 40u);
  EXPECT_EQ(summary->counts.total(), 40u);
  EXPECT_GT(reports, 0);
  EXPECT_EQ(store_->issue_by_id(issue)->status, IssueStatus::sent);
  auto files = transport::testing::list_outbox((dir_ / "outbox").string(), 100);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 40u);
  std::set<std::string> recipients;
  for (const auto& f : *files) {
    auto text = transport::testing::read_outbox_message((dir_ / "outbox").string(), f.name);
    ASSERT_TRUE(text.ok());
    auto at = text->find("Delivered-To: ");
    recipients.insert(text->substr(at + 14, text->find("\r\n", at) - at - 14));
  }
  EXPECT_EQ(recipients.size(), 40u);
}

TEST_F(EngineTest, RetriesDeferredDeliveriesWithBackoffAndFailsOn5xx) {
  Id issue = audience(10);
  ScriptedSender sender;
  sender.script["r1@b.example"] = {{DeliveryResult::Kind::deferred, 451, "451 4.3.0 later"}};
  sender.script["r2@c.example"] = {{DeliveryResult::Kind::failed, 550, "550 5.1.1 unknown"}};
  SendEngine engine(engine_roles(), sender, plain(), options(), clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->outcome, RunOutcome::finished);
  EXPECT_EQ(summary->counts.sent, 9u);
  EXPECT_EQ(summary->counts.failed, 1u);
  EXPECT_EQ(sender.delivered("r1@b.example"), 1);
  auto retried = store_->delivery_of(issue, readers_[1]);
  EXPECT_EQ(retried->attempts, 2);
  auto failed = store_->delivery_of(issue, readers_[2]);
  EXPECT_EQ(failed->status, DeliveryStatus::failed);
  EXPECT_EQ(failed->reply, "550 5.1.1 unknown");
}

TEST_F(EngineTest, ATransportThatStopsStopsTheRunAndLeavesTheRowsAsTheyWere) {
  Id issue = audience(10);
  ScriptedSender sender;
  // The fourth reader's message comes back not sent: the transport is shutting down.
  sender.script["r3@a.example"] = {
      {DeliveryResult::Kind::not_sent, 0, "not sent: the SMTP pool stopped first"}};
  SendEngine engine(engine_roles(), sender, plain(), options(), clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->outcome, RunOutcome::stopped);
  auto row = store_->delivery_of(issue, readers_[3]);
  EXPECT_EQ(row->status, DeliveryStatus::queued);  // no attempt counted, no retry time
  EXPECT_EQ(row->attempts, 0);
  EXPECT_EQ(summary->counts.sent + summary->counts.queued, 10u);
  EXPECT_EQ(*store_->issue_status(issue), IssueStatus::sending);
  // The next run sends the rest, the stopped one included, once each.
  sender.script.clear();
  auto again = engine.run(issue);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->outcome, RunOutcome::finished);
  EXPECT_EQ(again->counts.sent, 10u);
  for (const auto& [rcpt, n] : sender.delivered_all()) EXPECT_EQ(n, 1) << rcpt;
}

TEST_F(EngineTest, GivesUpWhenTheNextRetryWouldBeTooLate) {
  Id issue = audience(3);
  ScriptedSender sender;
  sender.script["r0@a.example"] = std::vector<DeliveryResult>(
      10, DeliveryResult{DeliveryResult::Kind::deferred, 421, "421 busy"});
  auto o = options();
  o.give_up_after = 2;  // the first retry (1 s) fits, the third does not
  o.backoff = {1, 1, 5};
  SendEngine engine(engine_roles(), sender, plain(), o, clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->counts.failed, 1u);
  auto d = store_->delivery_of(issue, readers_[0]);
  EXPECT_EQ(d->status, DeliveryStatus::failed);
  EXPECT_NE(d->reply.find("gave up after"), std::string::npos) << d->reply;
  EXPECT_NE(d->reply.find("421 busy"), std::string::npos);
}

// As with cancel below: the producer may run ahead of the twentieth send by the work
// queue and the window, so the audience is far larger than that. With 60, a loaded
// machine under ASan let every copy leave before the pause was seen.
TEST_F(EngineTest, PauseStopsTheRunAndResumeSendsTheRestOnce) {
  Id issue = audience(200);
  ScriptedSender sender;
  sender.after_each = [&](int n) {
    if (n == 20) {
      ASSERT_TRUE(
          store_->change_issue_status(issue, {IssueStatus::sending}, IssueStatus::paused).ok());
    }
  };
  SendEngine engine(engine_roles(), sender, plain(), options(), clock_);
  auto first = engine.run(issue);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->outcome, RunOutcome::paused);
  EXPECT_GT(first->counts.queued, 0u);
  EXPECT_EQ(store_->issue_by_id(issue)->status, IssueStatus::paused);
  // A paused issue is not run.
  EXPECT_EQ(engine.run(issue).error().code, Errc::conflict);

  ASSERT_TRUE(store_->change_issue_status(issue, {IssueStatus::paused}, IssueStatus::sending).ok());
  sender.after_each = nullptr;
  auto second = engine.run(issue);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->outcome, RunOutcome::finished);
  EXPECT_EQ(second->counts.sent, 200u);
  auto delivered = sender.delivered_all();
  EXPECT_EQ(delivered.size(), 200u);
  for (const auto& [rcpt, n] : delivered) EXPECT_EQ(n, 1) << rcpt;
}

// The producer may run ahead of the fifth send by the work queue and the window (about
// 25 readers here), so the audience is far larger than that: with 30, a slow scheduler
// (TSan) let every copy leave before the cancel was seen.
TEST_F(EngineTest, CancelEndsTheRunAndLeavesTheRestUnsent) {
  Id issue = audience(200);
  ScriptedSender sender;
  sender.after_each = [&](int n) {
    if (n == 5) {
      ASSERT_TRUE(store_
                      ->change_issue_status(issue, {IssueStatus::sending, IssueStatus::paused},
                                            IssueStatus::cancelled)
                      .ok());
    }
  };
  SendEngine engine(engine_roles(), sender, plain(), options(), clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->outcome, RunOutcome::cancelled);
  EXPECT_LT(summary->counts.sent, 200u);
  EXPECT_EQ(store_->issue_by_id(issue)->status, IssueStatus::cancelled);
}

TEST_F(EngineTest, AReaderWhoLeftAfterTheStartIsNotSent) {
  Id issue = audience(5);
  ASSERT_TRUE(store_->unsubscribe(readers_[3], newsletter_.id, "test").ok());
  ScriptedSender sender;
  SendEngine engine(engine_roles(), sender, plain(), options(), clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->counts.sent, 4u);
  EXPECT_EQ(summary->counts.total(), 4u);
  EXPECT_EQ(sender.delivered("r3@a.example"), 0);
}

TEST_F(EngineTest, AnIssueLeasedByAnotherSenderIsRefused) {
  Id issue = audience(2);
  ASSERT_TRUE(store_->claim_sending_issue("someone-else", issue, clock_.now() + 60)->has_value());
  ScriptedSender sender;
  SendEngine engine(engine_roles(), sender, plain(), options(), clock_);
  auto summary = engine.run(issue);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code, Errc::conflict);
  EXPECT_NE(summary.error().message.find("another process"), std::string::npos);
}

TEST_F(EngineTest, ARateLimitSpacesTheMessages) {
  Id issue = audience(6);
  ScriptedSender sender;
  auto o = options();
  o.rate = 20;  // a burst of 20, so 6 go at once; the domain rate below spaces them
  o.domain_rate = 10;
  o.domain_in_flight = 1;
  SendEngine engine(engine_roles(), sender, plain(), o, clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->counts.sent, 6u);
}

// A relay that refuses the configuration (no STARTTLS, AUTH refused, the sender
// refused) stops the run at once: the issue is paused with the reason, its readers
// stay deferred and due, without an attempt counted, and a resume sends to them.
TEST_F(EngineTest, AConfigurationFailureStopsTheRunAndPausesWithTheReason) {
  // As in the pause and cancel tests, the audience is far larger than what the producer
  // can put ahead of the sends (work queue plus window), even on a loaded machine.
  constexpr int kReaders = 300;
  Id issue = audience(kReaders);
  ScriptedSender sender;
  const std::string why =
      "relay 127.0.0.1:2525 does not offer STARTTLS: set smtp.tls = \"none\" or \"tls\", or "
      "use a relay that offers it";
  for (int k = 0; k < kReaders; ++k) {
    const std::string email = "r" + std::to_string(k) + "@" +
                              std::string(1, static_cast<char>('a' + k % 3)) + ".example";
    sender.script[email] = {DeliveryResult{DeliveryResult::Kind::deferred, 0, why, true}};
  }
  SendEngine engine(engine_roles(), sender, plain(), options(), clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->outcome, RunOutcome::relay_refused);
  EXPECT_EQ(summary->stopped_reason, why);
  EXPECT_EQ(summary->counts.sent, 0u);
  EXPECT_EQ(summary->counts.failed, 0u);
  EXPECT_LT(summary->counts.deferred, static_cast<unsigned>(kReaders));  // stopped, not tried on everyone
  auto stopped = store_->issue_by_id(issue);
  EXPECT_EQ(stopped->status, IssueStatus::paused);
  EXPECT_EQ(stopped->stopped_reason, why);
  // Which readers were tried before the stop depends on the workers' timing: look at one
  // that was (its row is deferred), not at a fixed one.
  std::optional<store::DeliveryUpdate> row;
  for (Id reader : readers_) {
    auto r = store_->delivery_of(issue, reader);
    ASSERT_TRUE(r.ok());
    if (r->status == DeliveryStatus::deferred) {
      row = *r;
      break;
    }
  }
  ASSERT_TRUE(row.has_value()) << "no reader was tried";
  EXPECT_EQ(row->attempts, 0);
  EXPECT_LE(*row->next_attempt_at, clock_.now());
  auto reasons = store_->deferral_reasons(issue, 3);
  ASSERT_TRUE(reasons.ok());
  ASSERT_EQ(reasons->size(), 1u);
  EXPECT_EQ((*reasons)[0].reply, why);

  // Resumed after the fix (the relay now accepts), everyone gets it once.
  sender.script.clear();
  ASSERT_TRUE(store_->change_issue_status(issue, {IssueStatus::paused}, IssueStatus::sending).ok());
  EXPECT_EQ(store_->issue_by_id(issue)->stopped_reason, "");
  auto second = engine.run(issue);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->outcome, RunOutcome::finished);
  EXPECT_EQ(second->counts.sent, static_cast<unsigned>(kReaders));
}

// In the foreground, a run ends when nothing is left but retries not yet due.
TEST_F(EngineTest, EndWhenWaitingEndsARunThatOnlyHasRetriesLeft) {
  Id issue = audience(3);
  ScriptedSender sender;
  for (const char* email : {"r0@a.example", "r1@b.example", "r2@c.example"}) {
    sender.script[email] = {DeliveryResult{DeliveryResult::Kind::deferred, 421, "421 later"}};
  }
  auto o = options();
  o.backoff = {60};
  o.end_when_waiting = true;
  SendEngine engine(engine_roles(), sender, plain(), o, clock_);
  const auto began = std::chrono::steady_clock::now();
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(10));
  EXPECT_EQ(summary->outcome, RunOutcome::waiting);
  EXPECT_EQ(summary->counts.deferred, 3u);
  EXPECT_EQ(store_->issue_by_id(issue)->status, IssueStatus::sending);
  auto reasons = store_->deferral_reasons(issue, 3);
  ASSERT_TRUE(reasons.ok());
  ASSERT_EQ(reasons->size(), 1u);
  EXPECT_EQ((*reasons)[0].count, 3u);
  EXPECT_EQ((*reasons)[0].reply, "421 later");
}

}  // namespace
}  // namespace broadsheet::send

namespace broadsheet::send {
namespace {

// Several sender nodes (issue 15 item 3): runs that share an issue by their row leases.
class SharedEngineTest : public EngineTest {
 protected:
  EngineOptions node(const std::string& owner) {
    EngineOptions o = options();
    o.owner = owner;
    o.share = true;
    return o;
  }
};

TEST_F(SharedEngineTest, TwoNodesShareAnIssueAndEveryReaderGetsItOnce) {
  Id issue = audience(120);
  ScriptedSender a, b;
  auto slow = [](int) { std::this_thread::sleep_for(std::chrono::milliseconds(1)); };
  a.after_each = slow;
  b.after_each = slow;
  SendEngine engine_a(engine_roles(), a, plain(), node("node-a"), clock_);
  SendEngine engine_b(engine_roles(), b, plain(), node("node-b"), clock_);
  Result<RunSummary> summary_b = make_error(Errc::internal, "not run");
  std::thread other([&] { summary_b = engine_b.run(issue); });
  auto summary_a = engine_a.run(issue);
  other.join();
  ASSERT_TRUE(summary_a.ok()) << summary_a.error().message;
  ASSERT_TRUE(summary_b.ok()) << summary_b.error().message;
  EXPECT_EQ(summary_a->outcome, RunOutcome::finished);
  EXPECT_EQ(summary_b->outcome, RunOutcome::finished);
  EXPECT_EQ(store_->issue_by_id(issue)->status, IssueStatus::sent);
  std::map<std::string, int> all = a.delivered_all();
  int from_b = 0;
  for (const auto& [rcpt, n] : b.delivered_all()) {
    all[rcpt] += n;
    from_b += n;
  }
  EXPECT_EQ(all.size(), 120u);
  for (const auto& [rcpt, n] : all) EXPECT_EQ(n, 1) << rcpt;
  EXPECT_GT(from_b, 0);
  EXPECT_LT(from_b, 120);
}

TEST_F(SharedEngineTest, ASharingRunJoinsAnIssueAnotherNodeHolds) {
  Id issue = audience(4);
  ASSERT_TRUE(store_->claim_sending_issue("someone-else", issue, clock_.now() + 60)->has_value());
  ScriptedSender sender;
  SendEngine engine(engine_roles(), sender, plain(), node("node-a"), clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->outcome, RunOutcome::finished);
  EXPECT_EQ(summary->counts.sent, 4u);
}

TEST_F(SharedEngineTest, RowsOfANodeThatDiedAreTakenOverWhenTheirLeasesRunOut) {
  Id issue = audience(10);
  // A node claimed three rows and died: its leases run out two seconds from now.
  auto dead = store_->claim_deliveries(issue, "dead-node", clock_.now(), clock_.now() + 2, 0, 3);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 3u);
  ScriptedSender sender;
  SendEngine engine(engine_roles(), sender, plain(), node("node-a"), clock_);
  auto summary = engine.run(issue);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->outcome, RunOutcome::finished);
  EXPECT_EQ(summary->counts.sent, 10u);
  for (const auto& r : *dead) EXPECT_EQ(sender.delivered(r.email), 1) << r.email;
  EXPECT_EQ(sender.delivered_all().size(), 10u);
}

}  // namespace
}  // namespace broadsheet::send
