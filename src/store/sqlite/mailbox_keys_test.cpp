// One reader per mailbox in the SQLite backend: keys, the merge of readers a new rule
// makes one (from a database of schema version 4, as before the keys existed), and the
// suppression a removal leaves.
#include "store/sqlite/mailbox_keys.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::store::sqlite {
namespace {

using SqliteMailboxKeys = testing::SqliteTest;
using enum SubscriptionStatus;

// The rule the CLI passes (address::mailbox_key) folds ASCII case before the @; the
// store's tests stand in for it with a plain fold of the whole address.
MailboxKeys folding() {
  return {"test-fold", [](std::string_view email) {
            std::string key(email);
            for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return key;
          }};
}

Subscription sub(SubscriptionStatus status, UnixSeconds created,
                 std::optional<UnixSeconds> confirmed, std::optional<UnixSeconds> left,
                 std::string source = "s") {
  Subscription s;
  s.subscriber_id = 1;
  s.newsletter_id = 7;
  s.status = status;
  s.source = std::move(source);
  s.created_at = created;
  s.confirmed_at = confirmed;
  s.unsubscribed_at = left;
  return s;
}

TEST(MergeSubscription, AnUnsubscribeStandsUnlessTheOtherRowJoinedAfterIt) {
  // Left at 300; the other row confirmed at 250, before: still unsubscribed.
  auto m = merge_subscription(sub(unsubscribed, 100, 150, 300, "u"),
                              sub(confirmed, 200, 250, std::nullopt, "c"));
  EXPECT_EQ(m.status, unsubscribed);
  EXPECT_EQ(m.unsubscribed_at, 300);
  EXPECT_EQ(m.confirmed_at, 150);  // the earliest evidence of consent stays
  EXPECT_EQ(m.created_at, 100);
  EXPECT_EQ(m.source, "u");
  // The same seen from the other row.
  auto n = merge_subscription(sub(confirmed, 200, 250, std::nullopt, "c"),
                              sub(unsubscribed, 100, 150, 300, "u"));
  EXPECT_EQ(n.status, unsubscribed);
  EXPECT_EQ(n.unsubscribed_at, 300);
  EXPECT_EQ(n.subscriber_id, 1);

  // Confirmed at 400, after leaving at 300: subscribed again.
  auto later = merge_subscription(sub(unsubscribed, 100, 150, 300, "u"),
                                  sub(confirmed, 350, 400, std::nullopt, "c"));
  EXPECT_EQ(later.status, confirmed);
  EXPECT_EQ(later.confirmed_at, 150);
  EXPECT_EQ(later.unsubscribed_at, std::nullopt);
  EXPECT_EQ(later.source, "c");
}

TEST(MergeSubscription, ConfirmedWinsOverUnconfirmedAndTheLaterUnsubscribeIsKept) {
  auto m = merge_subscription(sub(unconfirmed, 100, std::nullopt, std::nullopt),
                              sub(confirmed, 200, 220, std::nullopt));
  EXPECT_EQ(m.status, confirmed);
  EXPECT_EQ(m.confirmed_at, 220);
  EXPECT_EQ(m.created_at, 100);
  auto both = merge_subscription(sub(unsubscribed, 100, 110, 300), sub(unsubscribed, 90, 95, 500));
  EXPECT_EQ(both.status, unsubscribed);
  EXPECT_EQ(both.unsubscribed_at, 500);
  EXPECT_EQ(both.confirmed_at, 95);
  // A pending sign-up after leaving is pending: no confirmed_at without a confirmation.
  auto pending = merge_subscription(sub(unsubscribed, 100, 110, 300),
                                    sub(unconfirmed, 400, std::nullopt, std::nullopt));
  EXPECT_EQ(pending.status, unconfirmed);
  EXPECT_EQ(pending.confirmed_at, std::nullopt);
}

TEST_F(SqliteMailboxKeys, MigrationMergesCaseDuplicatesKeepingTheEarliestConsent) {
  SqliteSql old = SqliteSql::embedded();
  old.migrations.resize(4);
  {
    auto s = SqliteStore::open(db_path(), clock_, old);
    // The v4 schema cannot run today's queries, so the open fails after migrating.
    EXPECT_FALSE(s.ok());
  }
  EXPECT_EQ(scalar("SELECT max(version) FROM schema_migrations"), 4);
  execute(R"(
    INSERT INTO newsletters (id, slug, name, created_at, updated_at) VALUES
      (1, 'morning', 'Morning', 1, 1), (2, 'evening', 'Evening', 1, 1), (3, 'weekly', 'Weekly', 1, 1);
    INSERT INTO subscribers (id, email, email_display, name, timezone, created_at, updated_at) VALUES
      (1, 'Deepak.Haddad11@outlook.com', 'Deepak.Haddad11@outlook.com', '', 'Asia/Kolkata', 100, 100),
      (2, 'DEEPAK.HADDAD11@outlook.com', 'DEEPAK.HADDAD11@outlook.com', 'Deepak', '', 200, 200),
      (3, 'deepak.haddad11@outlook.com', 'deepak.haddad11@outlook.com', 'D. H.', 'UTC', 300, 300),
      (4, 'other@outlook.com', 'other@outlook.com', '', '', 400, 400);
    -- morning: left at 500 as row 1; row 2 confirmed at 250, before: stays unsubscribed.
    -- evening: row 1 left at 500, row 3 confirmed at 600, after: subscribed.
    -- weekly: only row 2 has it, so it moves.
    INSERT INTO subscriptions (subscriber_id, newsletter_id, status, source, created_at,
                               confirmed_at, unsubscribed_at) VALUES
      (1, 1, 'unsubscribed', 'link', 100, 150, 500),
      (2, 1, 'confirmed', 'import', 200, 250, NULL),
      (1, 2, 'unsubscribed', 'link', 100, 150, 500),
      (3, 2, 'confirmed', 'signup:/', 550, 600, NULL),
      (2, 3, 'confirmed', 'import', 200, 200, NULL),
      (4, 1, 'confirmed', 'import', 400, 400, NULL);
    INSERT INTO consent_ledger (subscriber_id, newsletter_id, consent_text_version, consent_kind,
                                granted, created_at) VALUES
      (1, 1, 'v1', 'newsletter', 1, 100), (3, 2, 'v2', 'newsletter', 1, 550);
  )");

  auto& store = open(SqliteSql::embedded(), folding());
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM consent_ledger WHERE subscriber_id = 1"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'subscriber.merge'"), 2);
  auto reader = store.subscriber_by_email("deepak.haddad11@OUTLOOK.com");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->subscriber.id, 1);
  EXPECT_EQ(reader->subscriber.email, "Deepak.Haddad11@outlook.com");  // the earliest row's
  EXPECT_EQ(reader->subscriber.name, "Deepak");                        // filled in
  EXPECT_EQ(reader->subscriber.timezone, "Asia/Kolkata");              // kept
  EXPECT_EQ(reader->subscriber.created_at, 100);
  ASSERT_EQ(reader->subscriptions.size(), 3u);  // by slug: evening, morning, weekly
  const Subscription& evening = reader->subscriptions[0];
  EXPECT_EQ(evening.status, confirmed);
  EXPECT_EQ(evening.confirmed_at, 150);
  EXPECT_EQ(evening.created_at, 100);
  const Subscription& morning = reader->subscriptions[1];
  EXPECT_EQ(morning.status, unsubscribed);
  EXPECT_EQ(morning.unsubscribed_at, 500);
  EXPECT_EQ(morning.confirmed_at, 150);
  const Subscription& weekly = reader->subscriptions[2];
  EXPECT_EQ(weekly.newsletter_slug, "weekly");
  EXPECT_EQ(weekly.status, confirmed);
  EXPECT_EQ(weekly.confirmed_at, 200);

  // Reopening under the same rule changes nothing and merges nothing more.
  open(SqliteSql::embedded(), folding());
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'subscriber.merge'"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers WHERE email_key IS NULL"), 0);
}

TEST_F(SqliteMailboxKeys, RemovalLeavesAHashedSuppressionThatAddsAndImportsRespect) {
  auto& store = open(SqliteSql::embedded(), folding());
  Newsletter n = newsletter("morning");
  Subscriber s = subscriber("Gone@example.org");
  ASSERT_TRUE(store.set_subscription(s.id, n.id, unsubscribed, "link").ok());
  clock_.advance(60);
  ASSERT_TRUE(store.remove_subscriber("gone@example.org").ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM suppressions"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM suppressions WHERE address_hash LIKE '%gone%'"), 0);
  auto since = store.suppressed_since("GONE@example.org");
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(*since, clock_.now());

  Subscriber back;
  back.email = back.email_display = "gone@example.org";
  auto added = store.add_subscriber(back);
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, Errc::conflict);
  EXPECT_NE(added.error().message.find("suppressed"), std::string::npos);

  auto session = store.begin_import(ImportOptions{n.id, true, "import"});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->add(ImportRow{"GONE@example.org", "GONE@example.org", "", "", {}}).ok());
  ASSERT_TRUE((*session)->add(ImportRow{"new@example.org", "new@example.org", "", "", {}}).ok());
  ASSERT_TRUE((*session)->add(ImportRow{"NEW@example.org", "NEW@example.org", "", "", {}}).ok());
  auto counts = (*session)->commit();
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->suppressed_skipped, 1u);
  EXPECT_EQ(counts->subscribers_created, 1u);
  EXPECT_EQ(counts->duplicates_skipped, 1u);
  EXPECT_EQ(store.subscriber_by_email("gone@example.org").error().code, Errc::not_found);
}

}  // namespace
}  // namespace broadsheet::store::sqlite
