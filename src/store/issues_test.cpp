// Issues on every backend (testing/backends.hpp): drafts are written, read back, listed,
// edited and removed; what has started sending stays as it was.
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class IssuesTest : public testing::BackendTest {
 protected:
  Issue draft(Id newsletter_id, const std::string& subject) {
    Issue i;
    i.newsletter_id = newsletter_id;
    i.subject = subject;
    i.preheader = "Today in brief";
    i.body_markdown = "# Hello\n\nA *first* paragraph.\n";
    auto added = store_->add_issue(i);
    EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);
    return added.ok() ? *added : i;
  }
};

TEST_P(IssuesTest, AddsADraftAndReadsItBack) {
  open();
  Newsletter n = newsletter("morning");
  Issue added = draft(n.id, "Monday: the news");
  EXPECT_GT(added.id, 0);
  EXPECT_EQ(added.status, IssueStatus::draft);
  auto read = store_->issue_by_id(added.id);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->subject, "Monday: the news");
  EXPECT_EQ(read->preheader, "Today in brief");
  EXPECT_EQ(read->body_markdown, "# Hello\n\nA *first* paragraph.\n");
  EXPECT_EQ(read->newsletter_slug, "morning");
  EXPECT_EQ(read->created_at, clock_.now());
  EXPECT_FALSE(read->started_at.has_value());
  EXPECT_EQ(store_->issue_status(added.id).value(), IssueStatus::draft);
}

TEST_P(IssuesTest, RefusesAnIssueOfAMissingNewsletter) {
  open();
  Issue i;
  i.newsletter_id = 999;
  i.subject = "x";
  auto added = store_->add_issue(i);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, Errc::not_found);
  EXPECT_EQ(scalar("SELECT count(*) FROM issues"), 0);
}

TEST_P(IssuesTest, ListsNewestFirstAndFilters) {
  open();
  Newsletter a = newsletter("a");
  Newsletter b = newsletter("b");
  Issue first = draft(a.id, "first");
  clock_.advance(60);
  Issue second = draft(b.id, "second");
  clock_.advance(60);
  Issue third = draft(a.id, "third");
  auto all = store_->list_issues({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, third.id);
  EXPECT_EQ((*all)[2].id, first.id);
  EXPECT_EQ((*all)[0].subject, "third");
  EXPECT_EQ((*all)[0].body_markdown, "") << "lists do not read bodies";
  IssueQuery only_a;
  only_a.newsletter_id = a.id;
  auto of_a = store_->list_issues(only_a);
  ASSERT_TRUE(of_a.ok());
  ASSERT_EQ(of_a->size(), 2u);
  IssueQuery sent;
  sent.status = IssueStatus::sent;
  EXPECT_TRUE(store_->list_issues(sent)->empty());
  EXPECT_NE(second.id, 0);
}

TEST_P(IssuesTest, EditsOnlyTheGivenFields) {
  open();
  Newsletter n = newsletter("morning");
  Issue i = draft(n.id, "old subject");
  clock_.advance(5);
  IssueUpdate u;
  u.subject = "new subject";
  auto updated = store_->update_issue(i.id, u);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->subject, "new subject");
  EXPECT_EQ(updated->preheader, "Today in brief");
  EXPECT_EQ(updated->updated_at, clock_.now());
  auto missing = store_->update_issue(4242, u);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_P(IssuesTest, WhatHasStartedSendingCannotChangeOrGo) {
  open();
  Newsletter n = newsletter("morning");
  Issue i = draft(n.id, "subject");
  // What the send engine does when it starts: the status moves on.
  execute("UPDATE issues SET status = 'sent'");  // as another process would
  IssueUpdate u;
  u.subject = "rewritten";
  auto updated = store_->update_issue(i.id, u);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, Errc::conflict);
  EXPECT_NE(updated.error().message.find("sent"), std::string::npos);
  auto removed = store_->remove_issue(i.id);
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().code, Errc::conflict);
  EXPECT_EQ(store_->issue_by_id(i.id)->subject, "subject");
}

TEST_P(IssuesTest, ASentIssueIsCorrectedWithItsHashesInTheAuditLogInOneTransaction) {
  open();
  Newsletter n = newsletter("morning");
  Issue i = draft(n.id, "subject");
  IssueUpdate u;
  u.body_markdown = "fixed";
  auto early = store_->correct_issue(i.id, u, "cli");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Errc::conflict) << "a draft is updated, not corrected";
  const std::int64_t version = store_->newsletter_by_id(n.id)->archive_version;
  ASSERT_TRUE(store_->change_issue_status(i.id, {IssueStatus::draft}, IssueStatus::sent).ok());
  const std::int64_t sent_version = store_->newsletter_by_id(n.id)->archive_version;
  EXPECT_GT(sent_version, version);
  auto corrected = store_->correct_issue(i.id, u, "api:ann/cms");
  ASSERT_TRUE(corrected.ok()) << corrected.error().message;
  EXPECT_EQ(corrected->body_markdown, "fixed");
  EXPECT_EQ(corrected->status, IssueStatus::sent);
  EXPECT_EQ(corrected->subject, "subject");
  EXPECT_GT(store_->newsletter_by_id(n.id)->archive_version, sent_version);
  // Read in SQL rather than through recent_audit (AuditLog), so the test needs only Issues.
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE actor = 'api:ann/cms' AND "
                   "action = 'issue.correct' AND subject = '" +
                   std::to_string(i.id) + "' AND detail LIKE 'body_markdown sha256 % -> %'"),
            1);
}

TEST_P(IssuesTest, RemovesADraft) {
  open();
  Newsletter n = newsletter("morning");
  Issue i = draft(n.id, "subject");
  ASSERT_TRUE(store_->remove_issue(i.id).ok());
  EXPECT_EQ(store_->issue_by_id(i.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->issue_status(i.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->remove_issue(i.id).error().code, Errc::not_found);
}

TEST_P(IssuesTest, ADraftIsScheduledForAnEditionWithItsAuditEntry) {
  open();
  Newsletter n = newsletter("morning");
  Issue i = draft(n.id, "Tuesday");
  auto scheduled = store_->schedule_issue(i.id, IssueSchedule{"2026-12-08", std::nullopt}, "cli");
  ASSERT_TRUE(scheduled.ok()) << scheduled.error().message;
  EXPECT_EQ(scheduled->status, IssueStatus::scheduled);
  EXPECT_EQ(scheduled->edition, "2026-12-08");
  EXPECT_FALSE(scheduled->scheduled_at.has_value());
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log"), 1);
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_log WHERE action = 'issue.schedule' AND subject = '" +
             std::to_string(i.id) + "' AND detail = 'edition 2026-12-08'"),
      1);
  auto holder = store_->issue_of_edition(n.id, "2026-12-08");
  ASSERT_TRUE(holder.ok() && holder->has_value());
  EXPECT_EQ((*holder)->id, i.id);
  EXPECT_FALSE(store_->issue_of_edition(n.id, "2026-12-09")->has_value());
  auto listed = store_->list_issues(IssueQuery{});
  ASSERT_TRUE(listed.ok() && listed->size() == 1);
  EXPECT_EQ(listed->front().edition, "2026-12-08");
}

TEST_P(IssuesTest, AnEditionHasOneIssueNamedWhenASecondAsks) {
  open();
  Newsletter n = newsletter("morning");
  Newsletter other = newsletter("evening");
  Issue first = draft(n.id, "first");
  Issue second = draft(n.id, "second");
  Issue elsewhere = draft(other.id, "elsewhere");
  ASSERT_TRUE(store_->schedule_issue(first.id, {"2026-12-08", std::nullopt}, "cli").ok());
  auto refused = store_->schedule_issue(second.id, {"2026-12-08", std::nullopt}, "cli");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_NE(refused.error().message.find("issue " + std::to_string(first.id)), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(store_->issue_status(second.id).value(), IssueStatus::draft);
  // Another newsletter's edition of the same day is its own.
  EXPECT_TRUE(store_->schedule_issue(elsewhere.id, {"2026-12-08", std::nullopt}, "cli").ok());
  // The unique index holds even against a writer that skips the check.
  if (on_postgres()) {
    PGconn* conn = PQconnectdb(url_.c_str());
    PGresult* res =
        PQexec(conn, "UPDATE issues SET edition = '2026-12-08' WHERE subject = 'second'");
    EXPECT_EQ(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    PQfinish(conn);
  } else {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "test.db").c_str(), &db), SQLITE_OK);
    EXPECT_NE(sqlite3_exec(db, "UPDATE issues SET edition = '2026-12-08' WHERE subject = 'second'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
}

TEST_P(IssuesTest, OnlyADraftIsScheduledAndOnlyAScheduledIssueIsUnscheduled) {
  open();
  Newsletter n = newsletter("breaking");
  Issue i = draft(n.id, "flash");
  auto not_yet = store_->unschedule_issue(i.id, "cli");
  ASSERT_FALSE(not_yet.ok());
  EXPECT_EQ(not_yet.error().code, Errc::conflict);
  auto at = store_->schedule_issue(i.id, {std::nullopt, 1796709600}, "api:ann/cms");
  ASSERT_TRUE(at.ok()) << at.error().message;
  EXPECT_EQ(at->scheduled_at, 1796709600);
  EXPECT_FALSE(at->edition.has_value());
  auto again = store_->schedule_issue(i.id, {std::nullopt, 1796709600}, "cli");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("scheduled"), std::string::npos);
  auto back = store_->unschedule_issue(i.id, "cli");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->status, IssueStatus::draft);
  EXPECT_FALSE(back->scheduled_at.has_value());
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'issue.unschedule'"), 1);
  ASSERT_TRUE(store_->schedule_issue(i.id, {std::nullopt, 1796709600}, "cli").ok());
  ASSERT_TRUE(
      store_->change_issue_status(i.id, {IssueStatus::scheduled}, IssueStatus::sending).ok());
  auto late = store_->unschedule_issue(i.id, "cli");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Errc::conflict);
  EXPECT_NE(late.error().message.find("sending"), std::string::npos);
}

TEST_P(IssuesTest, UnschedulingKeepsTheEditionAndSchedulingElsewhereMovesIt) {
  open();
  Newsletter n = newsletter("morning");
  Issue i = draft(n.id, "Tuesday");
  ASSERT_TRUE(store_->schedule_issue(i.id, {"2026-12-08", std::nullopt}, "cli").ok());
  auto back = store_->unschedule_issue(i.id, "cli");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->edition, "2026-12-08");
  ASSERT_TRUE(store_->schedule_issue(i.id, {"2026-12-08", std::nullopt}, "cli").ok())
      << "its own edition is not taken";
  ASSERT_TRUE(store_->unschedule_issue(i.id, "cli").ok());
  ASSERT_TRUE(store_->schedule_issue(i.id, {"2026-12-09", std::nullopt}, "cli").ok());
  EXPECT_FALSE(store_->issue_of_edition(n.id, "2026-12-08")->has_value());
}

TEST_P(IssuesTest, ANewsletterKeepsADefaultZoneUntilCleared) {
  open();
  Newsletter n = newsletter("morning");
  EXPECT_EQ(n.default_timezone, "");
  NewsletterUpdate u;
  u.default_timezone = "Europe/London";
  auto set = store_->update_newsletter("morning", u);
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->default_timezone, "Europe/London");
  EXPECT_EQ(store_->newsletter_by_slug("morning")->default_timezone, "Europe/London");
  NewsletterUpdate other;
  other.name = "Morning";
  EXPECT_EQ(store_->update_newsletter("morning", other)->default_timezone, "Europe/London");
  NewsletterUpdate clear;
  clear.default_timezone = "";
  EXPECT_EQ(store_->update_newsletter("morning", clear)->default_timezone, "");
  EXPECT_EQ(scalar("SELECT count(*) FROM newsletters WHERE default_timezone IS NULL"), 1);
}

BROADSHEET_ON_EVERY_BACKEND(IssuesTest);

}  // namespace
}  // namespace broadsheet::store
