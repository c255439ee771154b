// The public archive on every backend (testing/backends.hpp): which issues are public,
// newest first by when sending began, paged by a keyset cursor, one issue read whole
// only when public. The issues' states are set directly in the tables, as sending
// leaves them; sqlite/sqlite_archive_test.cpp drives them through sending on SQLite and
// checks its index and reader pool.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class ArchiveRoleTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    open();
    n_ = newsletter("morning");
    other_ = newsletter("evening");
    reader_ = subscriber("r@example.org").id;
  }

  // An issue of the newsletter left in `status`, sending begun at `started_at` (0: never),
  // with a copy sent to the reader when `copy`.
  Id issue(Id newsletter_id, const std::string& subject, const char* status, UnixSeconds started_at,
           bool copy = false) {
    Issue i;
    i.newsletter_id = newsletter_id;
    i.subject = subject;
    i.preheader = "About " + subject;
    i.body_markdown = "Body of " + subject;
    auto added = store_->add_issue(i);
    EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);
    if (!added) return 0;
    execute(fmt::format("UPDATE issues SET status = '{}', started_at = {} WHERE id = {}", status,
                        started_at ? std::to_string(started_at) : "NULL", added->id));
    if (copy) {
      execute(
          fmt::format("INSERT INTO deliveries (issue_id, subscriber_id, status, updated_at) "
                      "VALUES ({}, {}, 'sent', 1)",
                      added->id, reader_));
    }
    return added->id;
  }

  std::vector<Id> ids(const ArchiveQuery& q) {
    auto list = store_->archive_list(q);
    EXPECT_TRUE(list.ok()) << (list.ok() ? "" : list.error().message);
    std::vector<Id> out;
    if (list) {
      for (const auto& e : *list) out.push_back(e.id);
    }
    return out;
  }

  Newsletter n_, other_;
  Id reader_ = 0;
};

TEST_P(ArchiveRoleTest, ListsWhatReadersHaveNewestFirstBySendingDate) {
  Id sent = issue(n_.id, "sent", "sent", 100);
  Id sending = issue(n_.id, "sending", "sending", 200);
  Id paused_after = issue(n_.id, "paused after a copy", "paused", 300, true);
  issue(n_.id, "paused before any copy", "paused", 400);
  Id cancelled_after = issue(n_.id, "cancelled after a copy", "cancelled", 500, true);
  issue(n_.id, "cancelled before any copy", "cancelled", 600);
  issue(n_.id, "a draft", "draft", 0);
  issue(other_.id, "another newsletter's", "sent", 700);
  Id latest = issue(n_.id, "written first, sent last", "sending", 800);

  EXPECT_EQ(ids({n_.id, 0, 100}),
            (std::vector<Id>{latest, cancelled_after, paused_after, sending, sent}));
  auto list = store_->archive_list({n_.id, 0, 1});
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].subject, "written first, sent last");
  EXPECT_EQ((*list)[0].preheader, "About written first, sent last");
  EXPECT_EQ((*list)[0].published_at, 800);
}

TEST_P(ArchiveRoleTest, PagesThroughIssuesSentInTheSameSecondWithAKeysetCursor) {
  std::vector<Id> all;
  for (int i = 0; i < 7; ++i) {
    all.insert(all.begin(), issue(n_.id, "issue " + std::to_string(i), "sent", 100));
  }
  std::vector<Id> paged;
  Id before = 0;
  for (int page = 0; page < 10; ++page) {
    auto got = ids({n_.id, before, 3});
    if (got.empty()) break;
    paged.insert(paged.end(), got.begin(), got.end());
    before = got.back();
  }
  EXPECT_EQ(paged, all) << "every issue once, in order, though all share one started_at";
  Id theirs = issue(other_.id, "theirs", "sent", 100);
  EXPECT_TRUE(ids({n_.id, theirs, 10}).empty());
  EXPECT_TRUE(ids({n_.id, 999999, 10}).empty());
}

TEST_P(ArchiveRoleTest, ReadsAPublicIssueWholeAndNothingElse) {
  Id ours = issue(n_.id, "ours", "sent", 100);
  auto read = store_->archive_issue(n_.id, ours);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->subject, "ours");
  EXPECT_EQ(read->body_markdown, "Body of ours");
  EXPECT_EQ(read->newsletter_slug, "morning");
  EXPECT_EQ(read->status, IssueStatus::sent);
  EXPECT_EQ(read->started_at, 100);

  Id draft = issue(n_.id, "draft", "draft", 0);
  Id paused = issue(n_.id, "paused before any copy", "paused", 200);
  Id theirs = issue(other_.id, "theirs", "sent", 100);
  for (auto [newsletter, id] : {std::pair{n_.id, draft}, std::pair{n_.id, paused},
                                std::pair{n_.id, theirs}, std::pair{n_.id, Id{999999}}}) {
    auto hidden = store_->archive_issue(newsletter, id);
    ASSERT_FALSE(hidden.ok());
    EXPECT_EQ(hidden.error().code, Errc::not_found);
    EXPECT_EQ(hidden.error().message, fmt::format("issue {} is not in the archive", id));
  }
}

BROADSHEET_ON_EVERY_BACKEND(ArchiveRoleTest);

}  // namespace
}  // namespace broadsheet::store
