// The desk's readers and segments on every backend (testing/backends.hpp):
// search and filters, keyset pages that never skip nor repeat under inserts, erasure
// that keeps the counts, segments and the audience of an issue sent to one.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class ReaderDirectoryTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    open();
    n_ = newsletter("morning");
    other_ = newsletter("evening");
  }

  Subscriber reader(const std::string& email, const std::string& name, const std::string& zone,
                    SubscriptionStatus status) {
    Subscriber s;
    s.email = email;
    s.email_display = email;
    s.name = name;
    s.timezone = zone;
    auto added = store_->add_subscriber(s);
    EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);
    EXPECT_TRUE(store_->set_subscription(added->id, n_.id, status, "test").ok());
    return *added;
  }

  std::vector<std::string> emails(const ReaderFilter& f, std::size_t limit = 100) {
    auto rows = store_->find_readers(f, 0, limit);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    std::vector<std::string> out;
    for (const auto& s : *rows) out.push_back(s.email);
    return out;
  }

  Newsletter n_, other_;
};

TEST_P(ReaderDirectoryTest, SearchIsAPrefixOfTheAddressOrTheNameInAnyCase) {
  reader("ann@example.org", "Zoe Ann", "Europe/Paris", SubscriptionStatus::confirmed);
  reader("bob@example.org", "Annette Bob", "", SubscriptionStatus::confirmed);
  reader("carl@example.org", "Carl", "", SubscriptionStatus::confirmed);
  ReaderFilter f;
  f.search = "ANN";
  EXPECT_EQ(emails(f), (std::vector<std::string>{"ann@example.org", "bob@example.org"}));
  f.search = "zoe a";
  EXPECT_EQ(emails(f), (std::vector<std::string>{"ann@example.org"}));
  f.search = "carl@";
  EXPECT_EQ(emails(f), (std::vector<std::string>{"carl@example.org"}));
  f.search = "nobody";
  EXPECT_TRUE(emails(f).empty());
}

TEST_P(ReaderDirectoryTest, PrefixSearchUsesTheNocaseIndexes) {
  if (on_postgres()) GTEST_SKIP() << "SQLite's query plan";
  // The plan of search_readers, as SQLite would run it: both ranges are index searches.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir_ / "test.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "EXPLAIN QUERY PLAN SELECT id FROM subscribers WHERE email >= 'a' COLLATE NOCASE AND "
      "email < 'a\xff' COLLATE NOCASE UNION SELECT id FROM subscribers WHERE name >= 'a' "
      "COLLATE NOCASE AND name < 'a\xff' COLLATE NOCASE";
  ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string plan;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    plan += "\n";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_NE(plan.find("subscribers_email_search"), std::string::npos) << plan;
  EXPECT_NE(plan.find("subscribers_name_search"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN subscribers"), std::string::npos) << plan;
}

TEST_P(ReaderDirectoryTest, FiltersCombine) {
  Subscriber a = reader("a@example.org", "A", "Europe/Paris", SubscriptionStatus::confirmed);
  Subscriber b = reader("b@example.org", "B", "Europe/Paris", SubscriptionStatus::unconfirmed);
  reader("c@example.org", "C", "", SubscriptionStatus::confirmed);
  clock_.advance(86400);
  Subscriber d = reader("d@example.org", "D", "Europe/Paris", SubscriptionStatus::confirmed);
  ASSERT_TRUE(store_->set_attributes(a.id, {{"country", "FR"}, {"plan", "paid"}}).ok());
  ASSERT_TRUE(store_->set_attributes(d.id, {{"country", "FR"}}).ok());
  ASSERT_TRUE(store_->set_subscription(b.id, other_.id, SubscriptionStatus::confirmed, "t").ok());

  ReaderFilter f;
  f.newsletter_id = n_.id;
  f.status = SubscriptionStatus::confirmed;
  EXPECT_EQ(emails(f).size(), 3u);
  f.zone = "Europe/Paris";
  EXPECT_EQ(emails(f), (std::vector<std::string>{"a@example.org", "d@example.org"}));
  f.attributes = {{"country", "FR"}};
  EXPECT_EQ(emails(f), (std::vector<std::string>{"a@example.org", "d@example.org"}));
  f.attributes = {{"country", "FR"}, {"plan", "paid"}};
  EXPECT_EQ(emails(f), (std::vector<std::string>{"a@example.org"}));
  f.attributes.clear();
  f.signed_up_from = clock_.now();
  EXPECT_EQ(emails(f), (std::vector<std::string>{"d@example.org"}));
  f.signed_up_from.reset();
  f.signed_up_until = clock_.now();
  EXPECT_EQ(emails(f), (std::vector<std::string>{"a@example.org"}));

  ReaderFilter any_confirmed;  // a status without a newsletter: in any newsletter
  any_confirmed.status = SubscriptionStatus::confirmed;
  EXPECT_EQ(emails(any_confirmed).size(), 4u);
  ReaderFilter empty_zone;
  empty_zone.zone = "";
  EXPECT_EQ(emails(empty_zone), (std::vector<std::string>{"c@example.org"}));
  auto count = store_->count_readers(f);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1u);
}

TEST_P(ReaderDirectoryTest, AnEmptyZoneSelectsTheReadersWhoGaveNone) {
  // The desk's "no zone": every query of a filter (the id walk, the audience index, the
  // prefix search, the count) and a segment kept with it, read back and sent to.
  reader("anna@example.org", "Anna", "", SubscriptionStatus::confirmed);
  reader("anne@example.org", "Anne", "Europe/Paris", SubscriptionStatus::confirmed);
  reader("bert@example.org", "Bert", "", SubscriptionStatus::unconfirmed);
  reader("carl@example.org", "Carl", "America/New_York", SubscriptionStatus::confirmed);
  const std::vector<std::string> no_zone{"anna@example.org", "bert@example.org"};

  ReaderFilter f;
  f.zone = "";
  EXPECT_EQ(emails(f), no_zone);
  EXPECT_EQ(*store_->count_readers(f), 2u);
  f.search = "ann";
  EXPECT_EQ(emails(f), (std::vector<std::string>{"anna@example.org"}));
  f.search.clear();
  f.newsletter_id = n_.id;
  f.status = SubscriptionStatus::confirmed;
  EXPECT_EQ(emails(f), (std::vector<std::string>{"anna@example.org"}));
  ReaderFilter any_zone;  // no condition: everyone
  EXPECT_EQ(emails(any_zone).size(), 4u);

  Segment g;
  g.name = "No zone";
  g.filter.zone = "";
  auto added = store_->add_segment(g);
  ASSERT_TRUE(added.ok()) << added.error().message;
  auto read = store_->segment_by_id(added->id);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->filter.zone.has_value()) << "an empty zone must not read back as none";
  EXPECT_EQ(*read->filter.zone, "");
  EXPECT_EQ(*store_->count_readers(read->filter), 2u);
  Issue i;
  i.newsletter_id = n_.id;
  i.subject = "For those without a zone";
  Issue issue = *store_->add_issue(i);
  ASSERT_TRUE(store_->set_issue_segment(issue.id, added->id).ok());
  auto queued = store_->begin_sending(issue.id);  // confirmed only: Anna
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(*queued, 1u);
}

TEST_P(ReaderDirectoryTest, KeysetPagesNeverSkipNorRepeatUnderInserts) {
  for (int k = 0; k < 25; ++k) {
    reader(fmt::format("p{:02}@example.org", k), "", "", SubscriptionStatus::confirmed);
  }
  ReaderFilter f;
  f.newsletter_id = n_.id;
  std::vector<Id> seen;
  Id after = 0;
  int added = 0;
  while (true) {
    // Readers arrive between pages, as sign-ups do while someone pages through.
    if (added < 3) {
      reader(fmt::format("late{}@example.org", added++), "", "", SubscriptionStatus::confirmed);
    }
    auto page = store_->find_readers(f, after, 7);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& s : *page) seen.push_back(s.id);
    if (page->size() < 7) break;
    after = page->back().id;
  }
  std::set<Id> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a reader was listed twice";
  EXPECT_EQ(seen.size(), 28u) << "every reader, the late ones included, exactly once";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_P(ReaderDirectoryTest, RecordHoldsEverythingKept) {
  auto signed_up = store_->record_signup(signup_request("rec@example.org", {n_.id}));
  ASSERT_TRUE(signed_up.ok()) << signed_up.error().message;
  auto s = store_->subscriber_by_email("rec@example.org");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(store_->audit("cli", "subscriber.update", "rec@example.org", "name").ok());
  auto record = store_->reader_record(s->subscriber.id);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->reader.subscriber.email, "rec@example.org");
  ASSERT_EQ(record->reader.subscriptions.size(), 1u);
  ASSERT_FALSE(record->consents.empty());
  EXPECT_EQ(record->consents[0].source_page, "/articles/budget");
  EXPECT_EQ(record->consents[0].client_address, "192.0.2.0/24");
  EXPECT_FALSE(record->audit.empty());
  EXPECT_FALSE(record->suppressed_since);
  auto missing = store_->reader_record(999);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_P(ReaderDirectoryTest, ErasureRemovesThePersonAndKeepsTheCounts) {
  Subscriber gone = reader("gone@example.org", "Gone Person", "Europe/Paris",
                           SubscriptionStatus::confirmed);
  reader("stays@example.org", "Stays", "", SubscriptionStatus::confirmed);
  ASSERT_TRUE(store_->set_attributes(gone.id, {{"country", "FR"}}).ok());
  ASSERT_TRUE(store_->audit("cli", "subscriber.add", "gone@example.org", "by gone@example.org").ok());
  Issue i;
  i.newsletter_id = n_.id;
  i.subject = "Today";
  Issue issue = *store_->add_issue(i);
  ASSERT_EQ(*store_->begin_sending(issue.id), 2u);
  execute("UPDATE deliveries SET status = 'sent', last_reply = '250 ok'");
  execute("UPDATE deliveries SET last_reply = '250 ok gone@example.org' WHERE subscriber_id = " +
          std::to_string(gone.id));
  const auto before = store_->delivery_counts(issue.id);
  ASSERT_TRUE(before.ok());

  ASSERT_TRUE(store_->erase_reader(gone.id, "api:admin/t").ok());

  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers WHERE email LIKE '%gone%' OR name <> '' "
                   "AND id = " + std::to_string(gone.id)),
            0);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE subject LIKE '%gone@%' OR detail LIKE "
                   "'%gone@%'"),
            0);
  EXPECT_EQ(scalar("SELECT count(*) FROM deliveries WHERE last_reply LIKE '%gone@%'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers WHERE attributes <> '{}' AND id = " +
                   std::to_string(gone.id)),
            0);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'subscriber.erase' AND "
                   "subject = 'subscriber:" + std::to_string(gone.id) + "'"),
            1);
  const auto after = store_->delivery_counts(issue.id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->sent, before->sent);
  EXPECT_EQ(after->total(), before->total());
  // Gone from lists and lookups; the address stays suppressed, by its hash only.
  EXPECT_EQ(emails(ReaderFilter{}), (std::vector<std::string>{"stays@example.org"}));
  EXPECT_EQ(store_->reader_record(gone.id).error().code, Errc::not_found);
  auto since = store_->suppressed_since("gone@example.org");
  ASSERT_TRUE(since.ok());
  EXPECT_TRUE(since->has_value());
  EXPECT_EQ(scalar("SELECT count(*) FROM suppressions WHERE address IS NOT NULL"), 0);
  EXPECT_EQ(store_->erase_reader(gone.id, "cli").error().code, Errc::not_found);
}

TEST_P(ReaderDirectoryTest, SegmentsSaveTheirFilterAndNarrowTheAudience) {
  Subscriber fr = reader("fr@example.org", "", "Europe/Paris", SubscriptionStatus::confirmed);
  reader("uk@example.org", "", "Europe/London", SubscriptionStatus::confirmed);
  Subscriber fr2 = reader("fr2@example.org", "", "Europe/Paris", SubscriptionStatus::unconfirmed);
  ASSERT_TRUE(store_->set_attributes(fr.id, {{"country", "FR"}}).ok());
  ASSERT_TRUE(store_->set_attributes(fr2.id, {{"country", "FR"}}).ok());

  Segment g;
  g.name = "France";
  g.filter.newsletter_id = n_.id;
  g.filter.attributes = {{"country", "FR"}};
  auto added = store_->add_segment(g);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->newsletter_slug, "morning");
  ASSERT_EQ(added->filter.attributes.size(), 1u);
  EXPECT_EQ(*store_->count_readers(added->filter), 2u);
  EXPECT_EQ(store_->add_segment(g).error().code, Errc::conflict);

  Issue i;
  i.newsletter_id = n_.id;
  i.subject = "For France";
  Issue issue = *store_->add_issue(i);
  ASSERT_TRUE(store_->set_issue_segment(issue.id, added->id).ok());
  EXPECT_EQ(**store_->issue_segment(issue.id), added->id);
  // Only confirmed readers of the segment: fr2 has not confirmed.
  auto queued = store_->begin_sending(issue.id);
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(*queued, 1u);
  EXPECT_EQ(scalar("SELECT subscriber_id FROM deliveries WHERE issue_id = " +
                   std::to_string(issue.id)),
            fr.id);
  // An issue that began sending keeps its audience; a segment in use stays.
  EXPECT_EQ(store_->set_issue_segment(issue.id, std::nullopt).error().code, Errc::conflict);
  EXPECT_EQ(store_->remove_segment(added->id).error().code, Errc::conflict);

  Segment elsewhere;
  elsewhere.name = "Evening";
  elsewhere.filter.newsletter_id = other_.id;
  auto evening = store_->add_segment(elsewhere);
  ASSERT_TRUE(evening.ok());
  Issue j = *store_->add_issue(i);
  EXPECT_EQ(store_->set_issue_segment(j.id, evening->id).error().code, Errc::conflict);
  ASSERT_TRUE(store_->remove_segment(evening->id).ok());
  EXPECT_EQ(store_->segment_by_id(evening->id).error().code, Errc::not_found);
}

TEST_P(ReaderDirectoryTest, SegmentsAreReadByNameUpdatedAndListedByName) {
  Segment g;
  g.name = "Paris";
  g.filter.zone = "Europe/Paris";
  g.filter.status = SubscriptionStatus::confirmed;
  g.filter.signed_up_from = 100;
  g.filter.signed_up_until = 200;
  g.filter.source_page = "/join";
  g.filter.attributes = {{"plan", "pro"}, {"country", "FR"}};
  auto paris = store_->add_segment(g);
  ASSERT_TRUE(paris.ok()) << paris.error().message;
  EXPECT_EQ(paris->newsletter_slug, "");
  EXPECT_EQ(paris->created_at, paris->updated_at);
  Segment a;
  a.name = "Any";
  ASSERT_TRUE(store_->add_segment(a).ok());

  auto by_name = store_->segment_by_name("Paris");
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_EQ(by_name->id, paris->id);
  EXPECT_EQ(by_name->filter.status, SubscriptionStatus::confirmed);
  EXPECT_EQ(by_name->filter.signed_up_from, 100);
  EXPECT_EQ(by_name->filter.signed_up_until, 200);
  EXPECT_EQ(by_name->filter.source_page, "/join");
  ASSERT_EQ(by_name->filter.attributes.size(), 2u);  // by key
  EXPECT_EQ(by_name->filter.attributes[0].key, "country");
  EXPECT_EQ(by_name->filter.attributes[0].value, "FR");
  EXPECT_EQ(by_name->filter.attributes[1].key, "plan");
  auto missing = store_->segment_by_name("Lyon");
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("no segment named 'Lyon'"), std::string::npos)
      << missing.error().message;

  Segment changed = *by_name;
  changed.name = "Zurich";
  changed.filter = ReaderFilter{};
  changed.filter.newsletter_id = n_.id;
  changed.filter.attributes = {{"plan", "free"}};
  auto updated = store_->update_segment(changed);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->name, "Zurich");
  EXPECT_EQ(updated->newsletter_slug, "morning");
  EXPECT_FALSE(updated->filter.zone.has_value());
  EXPECT_FALSE(updated->filter.status.has_value());
  ASSERT_EQ(updated->filter.attributes.size(), 1u);
  EXPECT_EQ(updated->filter.attributes[0].value, "free");

  auto all = store_->list_segments();
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "Any");
  EXPECT_TRUE((*all)[0].filter.attributes.empty());
  EXPECT_EQ((*all)[1].name, "Zurich");
  ASSERT_EQ((*all)[1].filter.attributes.size(), 1u);
  EXPECT_EQ((*all)[1].filter.attributes[0].key, "plan");

  // The errors a desk shows: a taken name, an unknown newsletter, an unknown segment.
  changed.name = "Any";
  auto taken = store_->update_segment(changed);
  EXPECT_EQ(taken.error().code, Errc::conflict);
  EXPECT_NE(taken.error().message.find("a segment named 'Any' already exists"), std::string::npos)
      << taken.error().message;
  Segment stray;
  stray.name = "Stray";
  stray.filter.newsletter_id = 9999;
  auto no_newsletter = store_->add_segment(stray);
  EXPECT_EQ(no_newsletter.error().code, Errc::not_found);
  EXPECT_EQ(no_newsletter.error().message, "no newsletter with id 9999");
  stray.id = 9999;
  stray.filter.newsletter_id.reset();
  EXPECT_EQ(store_->update_segment(stray).error().code, Errc::not_found);
  EXPECT_EQ(store_->remove_segment(9999).error().code, Errc::not_found);
  EXPECT_EQ(store_->segment_by_id(9999).error().code, Errc::not_found);
  EXPECT_EQ(store_->issue_segment(9999).error().code, Errc::not_found);
  EXPECT_EQ(store_->set_issue_segment(9999, std::nullopt).error().code, Errc::not_found);
  Issue i;
  i.newsletter_id = n_.id;
  i.subject = "Nobody yet";
  Issue issue = *store_->add_issue(i);
  EXPECT_FALSE(store_->issue_segment(issue.id)->has_value());
  auto unknown = store_->set_issue_segment(issue.id, 9999);
  EXPECT_EQ(unknown.error().code, Errc::not_found);
  EXPECT_NE(unknown.error().message.find("no segment with id 9999"), std::string::npos)
      << unknown.error().message;
  // A segment of no newsletter fits any issue; taking it off sends to everyone again.
  ASSERT_TRUE(store_->set_issue_segment(issue.id, paris->id).ok());
  EXPECT_EQ(**store_->issue_segment(issue.id), paris->id);
  ASSERT_TRUE(store_->set_issue_segment(issue.id, std::nullopt).ok());
  EXPECT_FALSE(store_->issue_segment(issue.id)->has_value());
  ASSERT_TRUE(store_->remove_segment(paris->id).ok());
  EXPECT_EQ(store_->list_segments()->size(), 1u);
}

BROADSHEET_ON_EVERY_BACKEND(ReaderDirectoryTest);

}  // namespace
}  // namespace broadsheet::store
