// Starting and steering an issue, against a small fake of the three store roles it
// takes (issues, delivery log, audit log) instead of SQLite: what it asks of the store,
// what it writes to the audit log, and how it words a refusal. The real store's side
// of the same calls is tested in store/sqlite/.
#include "send/issue_control.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace broadsheet::send {
namespace {

// Issues by id, one audience size for all, and the audit log as lines.
class FakeIssueDesk final : public store::Issues,
                            public store::DeliveryLog,
                            public store::AuditLog {
 public:
  std::map<Id, Issue> issues;
  std::size_t audience = 3;
  store::DeliveryCounts counts;
  std::vector<std::string> audit_lines;  // "actor action subject detail"
  int begin_sending_calls = 0;
  std::size_t recent = 0;                // settled_since's answer
  UnixSeconds settled_since_asked = 0;  // and what it was asked

  Issue& add(Id id, IssueStatus status) {
    Issue& i = issues[id];
    i.id = id;
    i.status = status;
    return i;
  }

  // Issues
  Result<Issue> issue_by_id(Id id) override {
    auto it = issues.find(id);
    if (it == issues.end()) return make_error(Errc::not_found, "no such issue");
    return it->second;
  }
  Result<IssueStatus> issue_status(Id id) override {
    auto i = issue_by_id(id);
    if (!i) return i.error();
    return i->status;
  }
  Result<Issue> change_issue_status(Id id, std::vector<IssueStatus> from, IssueStatus to) override {
    auto it = issues.find(id);
    if (it == issues.end()) return make_error(Errc::not_found, "no such issue");
    if (std::find(from.begin(), from.end(), it->second.status) == from.end()) {
      return make_error(Errc::conflict,
                        std::string("issue is ") + std::string(to_string(it->second.status)));
    }
    it->second.status = to;
    return it->second;
  }
  Result<Issue> stop_issue(Id, const std::string&) override { return unused(); }
  Result<Issue> add_issue(const Issue&) override { return unused(); }
  Result<std::vector<Issue>> list_issues(const store::IssueQuery&) override { return unused(); }
  Result<Issue> update_issue(Id, const store::IssueUpdate&) override { return unused(); }
  Result<Issue> correct_issue(Id, const store::IssueUpdate&, const std::string&) override {
    return unused();
  }
  Status remove_issue(Id) override { return unused(); }
  Result<std::optional<Issue>> issue_of_edition(Id, const std::string&) override {
    return unused();
  }
  Result<Issue> schedule_issue(Id, const store::IssueSchedule&, const std::string&) override {
    return unused();
  }
  Result<Issue> unschedule_issue(Id, const std::string&) override { return unused(); }

  // DeliveryLog
  Result<std::size_t> begin_sending(Id id) override {
    ++begin_sending_calls;
    auto it = issues.find(id);
    if (it == issues.end()) return make_error(Errc::not_found, "no such issue");
    it->second.status = IssueStatus::sending;
    it->second.started_at = 1000;
    return audience;
  }
  Result<store::DeliveryCounts> delivery_counts(Id) override { return counts; }
  Result<bool> finish_sending(Id) override { return unused(); }
  Result<std::vector<store::PendingDelivery>> queued_deliveries(Id, Id, std::size_t) override {
    return unused();
  }
  Result<std::vector<store::PendingDelivery>> due_deliveries(Id, UnixSeconds, Id,
                                                             std::size_t) override {
    return unused();
  }
  Status record_deliveries(Id, const std::vector<store::DeliveryUpdate>&) override {
    return unused();
  }
  Result<std::vector<store::PendingDelivery>> claim_deliveries(Id, const std::string&, UnixSeconds,
                                                               UnixSeconds, Id,
                                                               std::size_t) override {
    return unused();
  }
  Status renew_delivery_leases(Id, const std::string&, UnixSeconds) override { return unused(); }
  Result<std::size_t> record_leased_deliveries(
      Id, const std::string&, const std::vector<store::DeliveryUpdate>&) override {
    return unused();
  }
  Result<std::optional<UnixSeconds>> next_retry_at(Id) override { return unused(); }
  Result<std::vector<store::DeferralReason>> deferral_reasons(Id, std::size_t) override {
    return std::vector<store::DeferralReason>{};
  }
  Result<store::DeliveryUpdate> delivery_of(Id, Id) override { return unused(); }
  Result<std::size_t> settled_since(Id, UnixSeconds since) override {
    settled_since_asked = since;
    return recent;
  }
  Result<store::DeliveryTotals> delivery_totals() override { return unused(); }

  // AuditLog
  Status audit(const std::string& actor, const std::string& action, const std::string& subject,
               const std::string& detail) override {
    audit_lines.push_back(actor + " " + action + " " + subject + " " + detail);
    return {};
  }
  Result<std::vector<AuditEntry>> recent_audit(std::size_t) override { return unused(); }

  IssueControlStore roles() { return {*this, *this, *this}; }

 private:
  static Error unused() { return make_error(Errc::internal, "not used by issue control"); }
};

TEST(IssueControl, ADraftBeginsSendingOnceAndIsAudited) {
  FakeIssueDesk desk;
  desk.add(7, IssueStatus::draft);
  auto started = start_send(desk.roles(), 7, "cli");
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started->queued, 3u);
  EXPECT_FALSE(started->resumed);
  EXPECT_EQ(started->issue.status, IssueStatus::sending) << "read back after it began";
  EXPECT_EQ(desk.audit_lines, (std::vector<std::string>{"cli issue.send 7 3 readers"}));

  // Sending already: resumed as it is, nothing queued, nothing audited.
  auto again = start_send(desk.roles(), 7, "api:ada");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->resumed);
  EXPECT_EQ(again->queued, 0u);
  EXPECT_EQ(desk.begin_sending_calls, 1);
  EXPECT_EQ(desk.audit_lines.size(), 1u);
}

TEST(IssueControl, PausedSentAndMissingIssuesDoNotStart) {
  FakeIssueDesk desk;
  desk.add(1, IssueStatus::paused);
  desk.add(2, IssueStatus::sent);
  auto paused = start_send(desk.roles(), 1, "cli");
  ASSERT_FALSE(paused.ok());
  EXPECT_EQ(paused.error().code, Errc::conflict);
  EXPECT_EQ(paused.error().message, "issue 1 is paused; resume it to send the rest");
  auto sent = start_send(desk.roles(), 2, "cli");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().message, "issue 2 is sent; it cannot be sent again");
  auto missing = start_send(desk.roles(), 3, "cli");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(desk.begin_sending_calls, 0);
  EXPECT_TRUE(desk.audit_lines.empty());
}

TEST(IssueControl, SteeringMovesTheStatusAndSaysWhenItIsAlreadyThere) {
  FakeIssueDesk desk;
  desk.add(5, IssueStatus::sending);
  auto paused = steer_issue(desk.roles(), 5, IssueAction::pause, "cli");
  ASSERT_TRUE(paused.ok()) << paused.error().message;
  EXPECT_EQ(paused->status, IssueStatus::paused);
  auto twice = steer_issue(desk.roles(), 5, IssueAction::pause, "cli");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
  EXPECT_EQ(twice.error().message, "issue 5 is already paused");
  auto resumed = steer_issue(desk.roles(), 5, IssueAction::resume, "cli");
  ASSERT_TRUE(resumed.ok());
  auto cancelled = steer_issue(desk.roles(), 5, IssueAction::cancel, "cli");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->status, IssueStatus::cancelled);
  EXPECT_EQ(desk.audit_lines, (std::vector<std::string>{"cli issue.pause 5 ", "cli issue.resume 5 ",
                                                        "cli issue.cancel 5 "}))
      << "a refused change is not audited";
}

TEST(IssueControl, ProgressCountsTheRateFromStartToEnd) {
  FakeIssueDesk desk;
  Issue& i = desk.add(9, IssueStatus::sent);
  desk.counts.sent = 90;
  desk.counts.failed = 10;
  auto before = issue_progress(desk, i, 2000);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->rate) << "not started";
  i.started_at = 1000;
  i.finished_at = 1050;
  auto done = issue_progress(desk, i, 5000);
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(done->rate);
  EXPECT_DOUBLE_EQ(*done->rate, 2.0) << "100 messages in 50 s, not up to now";
  EXPECT_DOUBLE_EQ(*done->average, 2.0);
  EXPECT_FALSE(done->pending());
}

TEST(IssueControl, WhileSendingTheRateIsOverTheLastInterval) {
  FakeIssueDesk desk;
  Issue& i = desk.add(9, IssueStatus::sending);
  i.started_at = 1000;
  desk.counts.sent = 500;
  desk.recent = 40;  // settled in the last 10 s
  auto now = issue_progress(desk, i, 1100);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(desk.settled_since_asked, 1100 - kRateInterval + 1) << "the seconds 1091..1100";
  EXPECT_DOUBLE_EQ(*now->rate, 4.0);
  EXPECT_DOUBLE_EQ(*now->average, 5.0) << "500 in 100 s";
  EXPECT_FALSE(now->finished);
  // Less than an interval since it began: over what there is of it.
  auto early = issue_progress(desk, i, 1004);
  EXPECT_EQ(desk.settled_since_asked, 1000);
  EXPECT_DOUBLE_EQ(*early->rate, 8.0) << "40 in the 5 whole seconds 1000..1004";
  // Paused: still the last interval, which soon says nothing is going out.
  i.status = IssueStatus::paused;
  desk.recent = 0;
  EXPECT_DOUBLE_EQ(*issue_progress(desk, i, 1200)->rate, 0.0);
}

}  // namespace
}  // namespace broadsheet::send
