// Issues in the SQLite backend: drafts are written, read back, listed, edited and
// removed; what has started sending stays as it was.
#include <gtest/gtest.h>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::store::sqlite {
namespace {

using testing::SqliteTest;

class IssuesTest : public SqliteTest {
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

TEST_F(IssuesTest, AddsADraftAndReadsItBack) {
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

TEST_F(IssuesTest, RefusesAnIssueOfAMissingNewsletter) {
  open();
  Issue i;
  i.newsletter_id = 999;
  i.subject = "x";
  auto added = store_->add_issue(i);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, Errc::not_found);
  EXPECT_EQ(scalar("SELECT count(*) FROM issues"), 0);
}

TEST_F(IssuesTest, ListsNewestFirstAndFilters) {
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

TEST_F(IssuesTest, EditsOnlyTheGivenFields) {
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

TEST_F(IssuesTest, WhatHasStartedSendingCannotChangeOrGo) {
  open();
  Newsletter n = newsletter("morning");
  Issue i = draft(n.id, "subject");
  // What the send engine does when it starts: the status moves on.
  scalar("SELECT 1");  // the file exists; now change it as another process would
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE issues SET status = 'sent'", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
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

TEST_F(IssuesTest, ASentIssueIsCorrectedWithItsHashesInTheAuditLogInOneTransaction) {
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
  auto log = store_->recent_audit(1);
  ASSERT_TRUE(log.ok() && log->size() == 1);
  EXPECT_EQ(log->front().actor, "api:ann/cms");
  EXPECT_EQ(log->front().action, "issue.correct");
  EXPECT_EQ(log->front().subject, std::to_string(i.id));
  EXPECT_EQ(log->front().detail.find("body_markdown sha256 "), 0u) << log->front().detail;
  EXPECT_NE(log->front().detail.find(" -> "), std::string::npos);
}

TEST_F(IssuesTest, RemovesADraft) {
  open();
  Newsletter n = newsletter("morning");
  Issue i = draft(n.id, "subject");
  ASSERT_TRUE(store_->remove_issue(i.id).ok());
  EXPECT_EQ(store_->issue_by_id(i.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->issue_status(i.id).error().code, Errc::not_found);
  EXPECT_EQ(store_->remove_issue(i.id).error().code, Errc::not_found);
}

}  // namespace
}  // namespace broadsheet::store::sqlite
