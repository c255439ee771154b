// Bulk import on every backend (testing/backends.hpp): counts of created, added,
// repeated, unconfirmed and queued; all or nothing; attributes and awkward text kept.
// sqlite/sqlite_import_test.cpp has what is SQLite's own (the write lock, the cache).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class ImportsTest : public testing::BackendTest {};

ImportRow row(const std::string& email) { return ImportRow{email, email, "Name", "", {}}; }

TEST_P(ImportsTest, CommitsAndCounts) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Subscriber known = subscriber("known@example.org");
  Subscriber both = subscriber("both@example.org");
  ASSERT_TRUE(store.set_subscription(both.id, n.id, SubscriptionStatus::confirmed, "cli").ok());

  auto session = store.begin_import(ImportOptions{n.id, false, "import:list.csv"});
  ASSERT_TRUE(session.ok()) << session.error().message;
  for (const char* email : {"new1@example.org", "new2@example.org", "new1@example.org",
                            "known@example.org", "both@example.org"}) {
    ASSERT_TRUE((*session)->add(row(email)).ok());
  }
  auto counts = (*session)->commit();
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->subscribers_created, 2u);  // new1, new2
  EXPECT_EQ(counts->subscriptions_added, 3u);  // new1, new2, known
  EXPECT_EQ(counts->duplicates_skipped, 2u);   // new1 again, both
  session->reset();

  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::unconfirmed), 3u);
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::confirmed), 1u);
  auto imported = store.subscriber_by_email("new1@example.org");
  ASSERT_TRUE(imported.ok());
  EXPECT_EQ(imported->subscriber.name, "Name");
  ASSERT_EQ(imported->subscriptions.size(), 1u);
  EXPECT_EQ(imported->subscriptions[0].source, "import:list.csv");
  EXPECT_FALSE(imported->subscriptions[0].confirmed_at);
  // An import adds readers; it leaves what is known of them alone.
  EXPECT_EQ(store.subscriber_by_email("known@example.org")->subscriber.name, known.name);
}

TEST_P(ImportsTest, CountsAcrossBatchesWithKnownAndRepeatedReaders) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Newsletter other = newsletter("evening");
  std::vector<Id> known;
  for (int k = 0; k < 10; ++k) {
    Subscriber s = subscriber(fmt::format("known{}@example.org", k));
    known.push_back(s.id);
    // Half are on this newsletter already, the other half only on another one.
    Id on = k < 5 ? n.id : other.id;
    ASSERT_TRUE(store.set_subscription(s.id, on, SubscriptionStatus::confirmed, "cli").ok());
  }
  // Enough rows for several full batches, with known readers and repeats scattered
  // through them, some within one batch and some across batches.
  std::vector<std::string> emails;
  for (int i = 0; i < 300; ++i) {
    emails.push_back(fmt::format("new{}@example.org", i));
    if (i % 7 == 3) emails.push_back(fmt::format("new{}@example.org", i - 3));
    if (i % 31 == 5) emails.push_back(fmt::format("new{}@example.org", i / 2));
    if (i % 29 == 0) emails.push_back(fmt::format("known{}@example.org", (i / 29) % 10));
  }
  auto session = store.begin_import(ImportOptions{n.id, false, "import"});
  ASSERT_TRUE(session.ok()) << session.error().message;
  for (const auto& e : emails) ASSERT_TRUE((*session)->add(row(e)).ok());
  auto counts = (*session)->commit();
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  session->reset();

  EXPECT_EQ(counts->subscribers_created, 300u);
  EXPECT_EQ(counts->subscriptions_added, 305u);  // 300 new, known5..known9
  EXPECT_EQ(counts->duplicates_skipped, emails.size() - 305);
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::unconfirmed), 305u);
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::confirmed), 5u);
  EXPECT_EQ(store.subscriber_by_email("known7@example.org")->subscriptions.size(), 2u);
  EXPECT_EQ(store.subscriber_by_email("new299@example.org")->subscriptions.size(), 1u);
  // The dashboard's day counts each subscription made once: the 10 known, the 305 new.
  auto days = store.activity_since(clock_.now() / 86400);
  ASSERT_TRUE(days.ok()) << days.error().message;
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].signups, 315);
  EXPECT_EQ((*days)[0].confirmations, 10);
}

TEST_P(ImportsTest, ConfirmedImportsStampConfirmation) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto session = store.begin_import(ImportOptions{n.id, true, "import"});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->add(row("a@example.org")).ok());
  ASSERT_TRUE((*session)->commit().ok());
  auto a = store.subscriber_by_email("a@example.org");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->subscriptions.at(0).status, SubscriptionStatus::confirmed);
  EXPECT_EQ(a->subscriptions.at(0).confirmed_at, clock_.now());
  auto days = store.activity_since(clock_.now() / 86400);
  ASSERT_TRUE(days.ok()) << days.error().message;
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].signups, 1);
  EXPECT_EQ((*days)[0].confirmations, 1);
}

TEST_P(ImportsTest, DroppingTheSessionLeavesNothingBehind) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  {
    auto session = store.begin_import(ImportOptions{n.id, false, "import"});
    ASSERT_TRUE(session.ok());
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE((*session)->add(row(fmt::format("r{}@example.org", i))).ok());
    }
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscriptions"), 0);
  EXPECT_TRUE(store.list_subscribers(SubscriberQuery{})->empty());
  // The store is free again and takes a new import.
  auto again = store.begin_import(ImportOptions{n.id, false, "import"});
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_TRUE((*again)->add(row("a@example.org")).ok());
  ASSERT_TRUE((*again)->commit().ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), 1);
}

TEST_P(ImportsTest, RefusesAnUnknownNewsletterAndUseAfterCommit) {
  auto& store = open();
  auto none = store.begin_import(ImportOptions{42, false, "import"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::not_found);
  EXPECT_EQ(none.error().message, "no newsletter with id 42");

  Newsletter n = newsletter("morning");
  auto session = store.begin_import(ImportOptions{n.id, false, "import"});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->commit().ok());
  EXPECT_FALSE((*session)->add(row("late@example.org")).ok());
  EXPECT_FALSE((*session)->commit().ok());
}

TEST_P(ImportsTest, CanEndOnAnotherThread) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto session = store.begin_import(ImportOptions{n.id, false, "import"});
  ASSERT_TRUE(session.ok());
  std::thread([&] {
    EXPECT_TRUE((*session)->add(row("a@example.org")).ok());
    session->reset();  // rolls back and frees the store from this thread
  }).join();
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::unconfirmed), 0u);
}

TEST_P(ImportsTest, KeepsAttributesOfTheReadersItCreates) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Subscriber known = subscriber("known@example.org");
  auto session = store.begin_import(ImportOptions{n.id, false, "import", false, 0});
  ASSERT_TRUE(session.ok());
  ImportRow a = row("a@example.org");
  a.attributes = {{"Country", "Korea, \"South\""}, {"Notes", "line\\break"}};
  ImportRow k = row("known@example.org");
  k.attributes = {{"Country", "FR"}};
  ASSERT_TRUE((*session)->add(a).ok());
  ASSERT_TRUE((*session)->add(k).ok());
  ASSERT_TRUE((*session)->add(row("b@example.org")).ok());
  ASSERT_TRUE((*session)->commit().ok());
  session->reset();

  auto got = store.subscriber_by_email("a@example.org");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->attributes.size(), 2u);
  EXPECT_EQ(got->attributes[0].key, "Country");
  EXPECT_EQ(got->attributes[0].value, "Korea, \"South\"");
  EXPECT_EQ(got->attributes[1].value, "line\\break");
  EXPECT_TRUE(store.subscriber_by_email("b@example.org")->attributes.empty());
  // A known reader keeps what they have, as with their name.
  EXPECT_TRUE(store.subscriber_by_email("known@example.org")->attributes.empty());
}

TEST_P(ImportsTest, CountsTheUnconfirmedAndQueuesTheirConfirmationsOnce) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Subscriber earlier = subscriber("earlier@example.org");
  ASSERT_TRUE(
      store.set_subscription(earlier.id, n.id, SubscriptionStatus::unconfirmed, "cli").ok());
  Subscriber confirmed = subscriber("confirmed@example.org");
  ASSERT_TRUE(
      store.set_subscription(confirmed.id, n.id, SubscriptionStatus::confirmed, "cli").ok());

  auto import = [&](bool send, UnixSeconds resend_after) {
    auto session = store.begin_import(ImportOptions{n.id, false, "import", send, resend_after});
    EXPECT_TRUE(session.ok());
    for (const char* e : {"new1@example.org", "new2@example.org", "new1@example.org",
                          "earlier@example.org", "confirmed@example.org"}) {
      EXPECT_TRUE((*session)->add(row(e)).ok());
    }
    auto counts = (*session)->commit();
    EXPECT_TRUE(counts.ok());
    return *counts;
  };
  ImportCounts first = import(false, 0);
  EXPECT_EQ(first.unconfirmed, 3u);  // new1, new2, earlier
  EXPECT_EQ(first.confirmations_queued, 0u);
  EXPECT_EQ(store.mail_queue_state()->pending, 0u);

  const UnixSeconds now = clock_.now();
  ImportCounts second = import(true, now - 600);
  EXPECT_EQ(second.unconfirmed, 3u);
  EXPECT_EQ(second.confirmations_queued, 3u);
  auto due = store.due_mail(now + 1, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 3u);
  for (const auto& m : *due) {
    EXPECT_EQ(m.kind, QueuedMailKind::confirmation);
    EXPECT_EQ(m.newsletter_ids, std::vector<Id>{n.id});
    EXPECT_NE(m.email, "confirmed@example.org");
  }
  // Within the resend window: nothing more.
  ImportCounts third = import(true, now - 600);
  EXPECT_EQ(third.unconfirmed, 3u);
  EXPECT_EQ(third.confirmations_queued, 0u);
  EXPECT_EQ(store.mail_queue_state()->pending, 3u);
}

// What COPY's text format escapes comes back as it went in.
TEST_P(ImportsTest, KeepsTabsBackslashesAndLineBreaksInText) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto session = store.begin_import(ImportOptions{n.id, false, "import\\list\tA"});
  ASSERT_TRUE(session.ok()) << session.error().message;
  ImportRow r = row("odd@example.org");
  r.name = "Tab\there, back\\slash\\N, line\nbreak\r";
  r.attributes = {{"Note", "\\N\t\n"}};
  ASSERT_TRUE((*session)->add(r).ok());
  auto counts = (*session)->commit();
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->subscribers_created, 1u);
  auto got = store.subscriber_by_email("odd@example.org");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->subscriber.name, r.name);
  ASSERT_EQ(got->attributes.size(), 1u);
  EXPECT_EQ(got->attributes[0].value, "\\N\t\n");
  ASSERT_EQ(got->subscriptions.size(), 1u);
  EXPECT_EQ(got->subscriptions[0].source, "import\\list\tA");
}

BROADSHEET_ON_EVERY_BACKEND(ImportsTest);

}  // namespace
}  // namespace broadsheet::store
