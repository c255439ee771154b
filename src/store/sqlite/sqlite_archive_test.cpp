// The public archive in the SQLite backend: which issues are public, newest first,
// paged by a keyset cursor, read from an index; the version its caches are keyed by;
// and its reads, on the reader pool, not waiting for the writer.
#include <gtest/gtest.h>

#include <future>

#include "store/named_queries.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::store::sqlite {
namespace {

using testing::SqliteTest;

class ArchiveTest : public SqliteTest {
 protected:
  void SetUp() override {
    SqliteTest::SetUp();
    open();
    n_ = newsletter("morning");
    other_ = newsletter("evening");
    for (int k = 0; k < 2; ++k) {
      Subscriber s = subscriber("r" + std::to_string(k) + "@example.org");
      readers_.push_back(s.id);
      EXPECT_TRUE(store_->set_subscription(s.id, n_.id, SubscriptionStatus::confirmed, "t").ok());
      EXPECT_TRUE(
          store_->set_subscription(s.id, other_.id, SubscriptionStatus::confirmed, "t").ok());
    }
  }

  Id draft(Id newsletter_id, const std::string& subject) {
    Issue i;
    i.newsletter_id = newsletter_id;
    i.subject = subject;
    i.preheader = "About " + subject;
    i.body_markdown = std::string(20000, 'x');  // a body in overflow pages
    auto added = store_->add_issue(i);
    EXPECT_TRUE(added.ok());
    return added.ok() ? added->id : 0;
  }

  // Begins sending; `copies` of the readers got it.
  Id sent(Id newsletter_id, const std::string& subject, int copies = 2) {
    Id id = draft(newsletter_id, subject);
    EXPECT_TRUE(store_->begin_sending(id).ok());
    std::vector<DeliveryUpdate> updates;
    for (int k = 0; k < copies; ++k) {
      updates.push_back({readers_[k], DeliveryStatus::sent, 1, 250, "250 ok", {}, false});
    }
    if (!updates.empty()) {
      EXPECT_TRUE(store_->record_deliveries(id, updates).ok());
    }
    return id;
  }

  void move(Id id, IssueStatus from, IssueStatus to) {
    auto moved = store_->change_issue_status(id, {from}, to);
    EXPECT_TRUE(moved.ok()) << (moved.ok() ? "" : moved.error().message);
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

  std::int64_t version() { return store_->newsletter_by_slug("morning")->archive_version; }

  Newsletter n_, other_;
  std::vector<Id> readers_;
};

TEST_F(ArchiveTest, ListsWhatReadersHaveNewestFirstBySendingDate) {
  Id written_first = draft(n_.id, "written first, sent last");
  clock_.advance(60);
  Id done = sent(n_.id, "sent");
  move(done, IssueStatus::sending, IssueStatus::sent);
  clock_.advance(60);
  Id sending = sent(n_.id, "sending");
  clock_.advance(60);
  Id paused_after = sent(n_.id, "paused after a copy", 1);
  move(paused_after, IssueStatus::sending, IssueStatus::paused);
  clock_.advance(60);
  Id paused_before = sent(n_.id, "paused before any copy", 0);
  move(paused_before, IssueStatus::sending, IssueStatus::paused);
  clock_.advance(60);
  Id cancelled_after = sent(n_.id, "cancelled after a copy", 1);
  move(cancelled_after, IssueStatus::sending, IssueStatus::cancelled);
  clock_.advance(60);
  Id cancelled_before = sent(n_.id, "cancelled before any copy", 0);
  move(cancelled_before, IssueStatus::sending, IssueStatus::cancelled);
  draft(n_.id, "a draft");
  sent(other_.id, "another newsletter's");
  clock_.advance(60);
  ASSERT_TRUE(store_->begin_sending(written_first).ok());

  EXPECT_EQ(ids({n_.id, 0, 100}),
            (std::vector<Id>{written_first, cancelled_after, paused_after, sending, done}));
  auto list = *store_->archive_list({n_.id, 0, 1});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].subject, "written first, sent last");
  EXPECT_EQ(list[0].preheader, "About written first, sent last");
  EXPECT_EQ(list[0].published_at, clock_.now());
}

TEST_F(ArchiveTest, PagesThroughIssuesSentInTheSameSecondWithAKeysetCursor) {
  std::vector<Id> all;
  for (int i = 0; i < 7; ++i) all.insert(all.begin(), sent(n_.id, "issue " + std::to_string(i)));
  std::vector<Id> paged;
  Id before = 0;
  for (int page = 0; page < 10; ++page) {
    auto got = ids({n_.id, before, 3});
    if (got.empty()) break;
    paged.insert(paged.end(), got.begin(), got.end());
    before = got.back();
  }
  EXPECT_EQ(paged, all) << "every issue once, in order, though all share one started_at";
}

TEST_F(ArchiveTest, ACursorThatIsNotAnIssueOfTheNewsletterListsNothing) {
  sent(n_.id, "ours");
  Id theirs = sent(other_.id, "theirs");
  EXPECT_TRUE(ids({n_.id, theirs, 10}).empty());
  EXPECT_TRUE(ids({n_.id, 999999, 10}).empty());
}

TEST_F(ArchiveTest, GivesOneIssueWithItsBodyOnlyWhenItIsPublic) {
  Id ours = sent(n_.id, "ours");
  Id unsent = draft(n_.id, "draft");
  Id stalled = sent(n_.id, "stalled", 0);
  move(stalled, IssueStatus::sending, IssueStatus::paused);
  auto issue = store_->archive_issue(n_.id, ours);
  ASSERT_TRUE(issue.ok()) << issue.error().message;
  EXPECT_EQ(issue->subject, "ours");
  EXPECT_EQ(issue->body_markdown.size(), 20000u);
  EXPECT_EQ(issue->newsletter_slug, "morning");
  for (auto [newsletter, id] : {std::pair{n_.id, unsent}, std::pair{n_.id, stalled},
                                std::pair{other_.id, ours}, std::pair{n_.id, Id{999999}}}) {
    auto hidden = store_->archive_issue(newsletter, id);
    ASSERT_FALSE(hidden.ok()) << id;
    EXPECT_EQ(hidden.error().code, Errc::not_found) << id;
  }
}

TEST_F(ArchiveTest, TheVersionChangesWithEveryStatusChangeAndEveryEdit) {
  const auto v0 = version();
  Id id = draft(n_.id, "draft");
  EXPECT_EQ(version(), v0) << "a new draft shows nowhere";
  ASSERT_TRUE(store_->update_issue(id, IssueUpdate{std::string("edited"), {}, {}, {}}).ok());
  EXPECT_EQ(version(), v0) << "nor does an edited draft";
  ASSERT_TRUE(store_->begin_sending(id).ok());
  const auto v1 = version();
  EXPECT_GT(v1, v0);
  move(id, IssueStatus::sending, IssueStatus::paused);
  const auto v2 = version();
  EXPECT_GT(v2, v1);
  // Another process (the CLI) changing a status is seen too.
  execute("UPDATE issues SET status = 'sending' WHERE id = " + std::to_string(id));
  const auto v3 = version();
  EXPECT_GT(v3, v2);
  NewsletterUpdate rename;
  rename.name = "The Early Edition";
  ASSERT_TRUE(store_->update_newsletter("morning", rename).ok());
  EXPECT_GT(version(), v3) << "clock unchanged: updated_at alone would not tell";
  const auto evening = store_->newsletter_by_slug("evening")->archive_version;
  EXPECT_EQ(evening, 0) << "the other newsletter's pages stay";
}

TEST_F(ArchiveTest, TheListIsReadFromTheIndexAloneNotFromTheIssuesRows) {
  auto queries = NamedQueries::parse_files(SqliteSql::embedded().queries, "queries/");
  ASSERT_TRUE(queries.ok());
  for (const char* name : {"archive_list", "archive_list_before"}) {
    const NamedQuery* q = queries->find(name);
    ASSERT_NE(q, nullptr) << name;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    const std::string explain = "EXPLAIN QUERY PLAN " + q->sql;
    ASSERT_EQ(sqlite3_prepare_v2(db, explain.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string plan;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      plan += "\n";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    EXPECT_NE(plan.find("SEARCH i USING COVERING INDEX issues_archive"), std::string::npos)
        << name << ":\n"
        << plan;
    EXPECT_EQ(plan.find("SCAN"), std::string::npos) << name << ":\n" << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << "no sort: " << name << plan;
  }
}

TEST_F(ArchiveTest, ReadsDoNotWaitForTheWriter) {
  Id id = sent(n_.id, "out");
  // An import holds the writer until it commits; the public side reads meanwhile.
  auto session = store_->begin_import(ImportOptions{n_.id, false, "import"});
  ASSERT_TRUE(session.ok());
  ImportRow row{"new@example.org", "new@example.org", "New", "", {}};
  ASSERT_TRUE((*session)->add(row).ok());
  auto reads = std::async(std::launch::async, [&] {
    bool ok = store_->newsletter_by_slug("morning").ok();
    ok = ok && store_->archive_list({n_.id, 0, 10}).ok();
    ok = ok && store_->archive_issue(n_.id, id).ok();
    ok = ok && store_->list_newsletters(true).ok();
    ok = ok && store_->ping().ok();
    ok = ok && store_->schema_version().ok();
    return ok;
  });
  const bool done = reads.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  EXPECT_TRUE(done) << "the reads waited for the import to end";
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers WHERE email = 'new@example.org'"), 0);
  ASSERT_TRUE((*session)->commit().ok());
  EXPECT_TRUE(reads.get());
  // A write that returned is seen by the next read.
  ASSERT_TRUE(store_->begin_sending(draft(n_.id, "next")).ok());
  EXPECT_EQ(ids({n_.id, 0, 10}).size(), 2u);
}

TEST_F(ArchiveTest, ManyThreadsReadAtOnceWhileOneWrites) {
  for (int i = 0; i < 5; ++i) sent(n_.id, "issue " + std::to_string(i));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto list = store_->archive_list({n_.id, 0, 100});
        if (!list || list->size() < 5) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) sent(n_.id, "more " + std::to_string(i));
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ids({n_.id, 0, 100}).size(), 25u);
}

}  // namespace
}  // namespace broadsheet::store::sqlite
