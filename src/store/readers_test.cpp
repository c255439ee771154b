// Subscribers and their subscriptions on every backend (testing/backends.hpp): round
// trips, unique mailboxes, subscription transitions, keyset pages, confirming and
// unsubscribing, many threads at once.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class ReadersTest : public testing::BackendTest {};

TEST_P(ReadersTest, RoundTripAndUniqueEmails) {
  auto& store = open();
  Subscriber s;
  s.email = "reader@xn--bcher-kva.example";
  s.email_display = "reader@bücher.example";
  s.name = "Rea Der";
  s.timezone = "Europe/Berlin";
  s.status = SubscriberStatus::blocked;
  auto added = store.add_subscriber(s);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_GT(added->id, 0);
  EXPECT_EQ(added->created_at, clock_.now());

  auto read = store.subscriber_by_email(s.email);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->subscriber.id, added->id);
  EXPECT_EQ(read->subscriber.email_display, "reader@bücher.example");
  EXPECT_EQ(read->subscriber.name, "Rea Der");
  EXPECT_EQ(read->subscriber.timezone, "Europe/Berlin");
  EXPECT_EQ(read->subscriber.status, SubscriberStatus::blocked);
  EXPECT_EQ(read->subscriber.updated_at, clock_.now());
  EXPECT_TRUE(read->subscriptions.empty());

  auto again = store.add_subscriber(s);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_EQ(again.error().message,
            "a subscriber with email 'reader@xn--bcher-kva.example' already exists");

  auto missing = store.subscriber_by_email("nobody@example.org");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message, "no subscriber with email 'nobody@example.org'");
}

TEST_P(ReadersTest, SubscriptionsComeOrderedBySlug) {
  auto& store = open();
  Newsletter z = newsletter("zeta");
  Newsletter a = newsletter("alpha");
  Subscriber s = subscriber("a@example.org");
  ASSERT_TRUE(store.set_subscription(s.id, z.id, SubscriptionStatus::confirmed, "cli").ok());
  ASSERT_TRUE(store.set_subscription(s.id, a.id, SubscriptionStatus::unconfirmed, "signup:x").ok());
  auto read = store.subscriber_by_email("a@example.org");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->subscriptions.size(), 2u);
  const Subscription& first = read->subscriptions[0];
  EXPECT_EQ(first.newsletter_slug, "alpha");
  EXPECT_EQ(first.newsletter_id, a.id);
  EXPECT_EQ(first.subscriber_id, s.id);
  EXPECT_EQ(first.status, SubscriptionStatus::unconfirmed);
  EXPECT_EQ(first.source, "signup:x");
  EXPECT_EQ(first.created_at, clock_.now());
  EXPECT_FALSE(first.confirmed_at);
  EXPECT_EQ(read->subscriptions[1].newsletter_slug, "zeta");
  EXPECT_EQ(read->subscriptions[1].confirmed_at, clock_.now());
}

TEST_P(ReadersTest, SetSubscriptionStampsTransitions) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Subscriber s = subscriber("a@example.org");
  auto state = [&] { return store.subscriber_by_email("a@example.org")->subscriptions.at(0); };
  const UnixSeconds t0 = clock_.now();

  ASSERT_TRUE(store.set_subscription(s.id, n.id, SubscriptionStatus::unconfirmed, "signup:a").ok());
  clock_.advance(10);
  ASSERT_TRUE(store.set_subscription(s.id, n.id, SubscriptionStatus::confirmed, "confirm").ok());
  EXPECT_EQ(state().confirmed_at, t0 + 10);
  EXPECT_EQ(state().source, "signup:a");  // confirming keeps where it began

  clock_.advance(10);  // a second click on the link changes nothing
  ASSERT_TRUE(store.set_subscription(s.id, n.id, SubscriptionStatus::confirmed, "confirm").ok());
  EXPECT_EQ(state().confirmed_at, t0 + 10);

  clock_.advance(10);
  ASSERT_TRUE(store.set_subscription(s.id, n.id, SubscriptionStatus::unsubscribed, "link").ok());
  EXPECT_EQ(state().status, SubscriptionStatus::unsubscribed);
  EXPECT_EQ(state().unsubscribed_at, t0 + 30);
  EXPECT_EQ(state().confirmed_at, t0 + 10);  // history kept
  EXPECT_EQ(state().source, "signup:a");

  clock_.advance(10);  // the reader comes back
  ASSERT_TRUE(store.set_subscription(s.id, n.id, SubscriptionStatus::unconfirmed, "signup:b").ok());
  EXPECT_EQ(state().status, SubscriptionStatus::unconfirmed);
  EXPECT_FALSE(state().confirmed_at);
  EXPECT_FALSE(state().unsubscribed_at);
  EXPECT_EQ(state().source, "signup:b");
  EXPECT_EQ(state().created_at, t0);
}

TEST_P(ReadersTest, SetSubscriptionNamesWhatIsMissing) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Subscriber s = subscriber("a@example.org");
  auto no_reader = store.set_subscription(s.id + 100, n.id, SubscriptionStatus::confirmed, "x");
  ASSERT_FALSE(no_reader.ok());
  EXPECT_EQ(no_reader.error().code, Errc::not_found);
  EXPECT_EQ(no_reader.error().message, fmt::format("no subscriber with id {}", s.id + 100));
  auto no_list = store.set_subscription(s.id, n.id + 100, SubscriptionStatus::confirmed, "x");
  ASSERT_FALSE(no_list.ok());
  EXPECT_EQ(no_list.error().code, Errc::not_found);
  EXPECT_EQ(no_list.error().message, fmt::format("no newsletter with id {}", n.id + 100));
}

TEST_P(ReadersTest, CountsSubscriptionsByStatus) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Newsletter other = newsletter("evening");
  for (int i = 0; i < 5; ++i) {
    Subscriber s = subscriber(fmt::format("r{}@example.org", i));
    auto status = i < 3 ? SubscriptionStatus::confirmed : SubscriptionStatus::unconfirmed;
    ASSERT_TRUE(store.set_subscription(s.id, n.id, status, "cli").ok());
    ASSERT_TRUE(store.set_subscription(s.id, other.id, SubscriptionStatus::confirmed, "cli").ok());
  }
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::confirmed), 3u);
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::unconfirmed), 2u);
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::unsubscribed), 0u);
  EXPECT_EQ(*store.count_subscriptions(other.id, SubscriptionStatus::confirmed), 5u);
}

// Reads every page of `q` and returns the emails in order, checking each page's size.
std::vector<std::string> all_pages(Store& store, SubscriberQuery q, std::size_t* pages) {
  std::vector<std::string> emails;
  *pages = 0;
  for (;;) {
    auto page = store.list_subscribers(q);
    EXPECT_TRUE(page.ok());
    if (!page.ok() || page->empty()) return emails;
    ++*pages;
    EXPECT_LE(page->size(), q.limit);
    for (const auto& s : *page) {
      EXPECT_GT(s.id, q.after_id);
      q.after_id = s.id;
      emails.push_back(s.email);
    }
  }
}

TEST_P(ReadersTest, ListsInKeysetPagesWithFilters) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Newsletter other = newsletter("evening");
  std::vector<std::string> every, in_n, confirmed_in_n, unsubscribed_anywhere;
  for (int i = 0; i < 25; ++i) {
    std::string email = fmt::format("r{:02}@example.org", i);
    Subscriber s = subscriber(email);
    every.push_back(email);
    if (i % 2 == 0) {
      auto status = i % 4 == 0 ? SubscriptionStatus::confirmed : SubscriptionStatus::unconfirmed;
      ASSERT_TRUE(store.set_subscription(s.id, n.id, status, "cli").ok());
      in_n.push_back(email);
      if (status == SubscriptionStatus::confirmed) confirmed_in_n.push_back(email);
    }
    if (i % 5 == 0) {
      ASSERT_TRUE(
          store.set_subscription(s.id, other.id, SubscriptionStatus::unsubscribed, "cli").ok());
      unsubscribed_anywhere.push_back(email);
    }
  }

  std::size_t pages = 0;
  SubscriberQuery q;
  q.limit = 10;
  EXPECT_EQ(all_pages(store, q, &pages), every);
  EXPECT_EQ(pages, 3u);

  q.newsletter_id = n.id;
  EXPECT_EQ(all_pages(store, q, &pages), in_n);
  EXPECT_EQ(pages, 2u);

  q.status = SubscriptionStatus::confirmed;
  q.limit = 3;
  EXPECT_EQ(all_pages(store, q, &pages), confirmed_in_n);
  EXPECT_EQ(pages, 3u);

  q.newsletter_id.reset();
  q.status = SubscriptionStatus::unsubscribed;
  EXPECT_EQ(all_pages(store, q, &pages), unsubscribed_anywhere);

  q = SubscriberQuery{};
  q.limit = 0;
  EXPECT_TRUE(store.list_subscribers(q)->empty());
}

TEST_P(ReadersTest, RemovingASubscriberTakesItsSubscriptions) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Subscriber s = subscriber("a@example.org");
  ASSERT_TRUE(store.set_subscription(s.id, n.id, SubscriptionStatus::confirmed, "cli").ok());
  ASSERT_TRUE(store.remove_subscriber("a@example.org").ok());
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::confirmed), 0u);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscriptions"), 0);
  auto again = store.remove_subscriber("a@example.org");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::not_found);
  EXPECT_EQ(again.error().message, "no subscriber with email 'a@example.org'");
  // An id is never handed out twice: old signed links must not reach a new reader.
  EXPECT_GT(subscriber("b@example.org").id, s.id);
}

TEST_P(ReadersTest, ReadsBackByIdAndNamesWhatIsMissing) {
  auto& store = open();
  Subscriber s = subscriber("a@example.org");
  auto read = store.subscriber_by_id(s.id);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->email, "a@example.org");
  EXPECT_EQ(read->name, s.name);
  EXPECT_EQ(read->timezone, "Europe/Berlin");
  auto missing = store.subscriber_by_id(s.id + 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message, fmt::format("no subscriber with id {}", s.id + 1));
}

TEST_P(ReadersTest, SubscriptionsOfComeOrderedBySlug) {
  auto& store = open();
  Newsletter z = newsletter("zeta");
  Newsletter a = newsletter("alpha");
  Subscriber s = subscriber("a@example.org");
  Subscriber idle = subscriber("idle@example.org");
  ASSERT_TRUE(store.set_subscription(s.id, z.id, SubscriptionStatus::confirmed, "cli").ok());
  ASSERT_TRUE(store.set_subscription(s.id, a.id, SubscriptionStatus::unconfirmed, "cli").ok());
  auto list = store.subscriptions_of(s.id);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].newsletter_slug, "alpha");
  EXPECT_EQ((*list)[0].status, SubscriptionStatus::unconfirmed);
  EXPECT_EQ((*list)[1].newsletter_slug, "zeta");
  EXPECT_EQ((*list)[1].confirmed_at, clock_.now());

  auto none = store.subscriptions_of(idle.id);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto missing = store.subscriptions_of(idle.id + 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_P(ReadersTest, ConfirmTakesOnlyWhatWasPending) {
  auto& store = open();
  Newsletter a = newsletter("a");
  Newsletter b = newsletter("b");
  Newsletter c = newsletter("c");
  Newsletter d = newsletter("d");
  Subscriber s = subscriber("a@example.org");
  const UnixSeconds t0 = clock_.now();
  ASSERT_TRUE(store.set_subscription(s.id, a.id, SubscriptionStatus::unconfirmed, "x").ok());
  ASSERT_TRUE(store.set_subscription(s.id, b.id, SubscriptionStatus::unconfirmed, "x").ok());
  ASSERT_TRUE(store.set_subscription(s.id, c.id, SubscriptionStatus::confirmed, "x").ok());
  ASSERT_TRUE(store.set_subscription(s.id, d.id, SubscriptionStatus::unsubscribed, "x").ok());
  clock_.advance(60);

  auto one = store.confirm(s.id, b.id);
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, std::vector<Id>{b.id});
  auto rest = store.confirm(s.id, 0);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, std::vector<Id>{a.id});
  EXPECT_TRUE(store.confirm(s.id, 0)->empty());
  EXPECT_TRUE(store.confirm(s.id, d.id + 100)->empty());

  auto list = *store.subscriptions_of(s.id);
  EXPECT_EQ(list[0].status, SubscriptionStatus::confirmed);
  EXPECT_EQ(list[0].confirmed_at, t0 + 60);
  EXPECT_EQ(list[0].source, "x");
  EXPECT_EQ(list[2].confirmed_at, t0);  // confirmed before: left as it was
  EXPECT_EQ(list[3].status, SubscriptionStatus::unsubscribed);

  auto missing = store.confirm(s.id + 1, 0);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_P(ReadersTest, UnsubscribeReportsWhatChangedAndHow) {
  auto& store = open();
  Newsletter a = newsletter("a");
  Newsletter b = newsletter("b");
  Newsletter c = newsletter("c");
  Subscriber s = subscriber("a@example.org");
  const UnixSeconds t0 = clock_.now();
  ASSERT_TRUE(store.set_subscription(s.id, a.id, SubscriptionStatus::confirmed, "x").ok());
  ASSERT_TRUE(store.set_subscription(s.id, b.id, SubscriptionStatus::unconfirmed, "x").ok());
  ASSERT_TRUE(store.set_subscription(s.id, c.id, SubscriptionStatus::unsubscribed, "x").ok());
  clock_.advance(60);

  auto one = store.unsubscribe(s.id, a.id, "list-unsubscribe");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, std::vector<Id>{a.id});
  auto all = store.unsubscribe(s.id, 0, "preferences");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, std::vector<Id>{b.id});
  EXPECT_TRUE(store.unsubscribe(s.id, 0, "preferences")->empty());

  auto list = *store.subscriptions_of(s.id);
  EXPECT_EQ(list[0].status, SubscriptionStatus::unsubscribed);
  EXPECT_EQ(list[0].source, "list-unsubscribe");
  EXPECT_EQ(list[0].unsubscribed_at, t0 + 60);
  EXPECT_EQ(list[0].confirmed_at, t0);  // evidence of the consent once given
  EXPECT_EQ(list[1].source, "preferences");
  EXPECT_EQ(list[2].unsubscribed_at, t0);  // already gone: untouched
  EXPECT_EQ(list[2].source, "x");

  auto missing = store.unsubscribe(s.id + 1, 0, "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_P(ReadersTest, SetsTheTimeZone) {
  auto& store = open();
  Subscriber s = subscriber("a@example.org");
  clock_.advance(5);
  ASSERT_TRUE(store.set_timezone(s.id, "America/Chicago").ok());
  auto read = store.subscriber_by_id(s.id);
  EXPECT_EQ(read->timezone, "America/Chicago");
  EXPECT_EQ(read->updated_at, clock_.now());
  auto missing = store.set_timezone(s.id + 1, "UTC");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST_P(ReadersTest, ServesManyThreadsAtOnce) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Subscriber s;
        s.email = s.email_display = fmt::format("t{}-{}@example.org", t, i);
        auto added = store.add_subscriber(s);
        if (!added.ok() ||
            !store.set_subscription(added->id, n.id, SubscriptionStatus::confirmed, "x").ok() ||
            !store.subscriber_by_email(s.email).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::confirmed),
            static_cast<std::size_t>(kThreads * kEach));
}

BROADSHEET_ON_EVERY_BACKEND(ReadersTest);

}  // namespace
}  // namespace broadsheet::store
