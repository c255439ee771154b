// Sign-ups on every backend (testing/backends.hpp): what record_signup does to readers,
// subscriptions, the consent ledger and the robot check's ledger, that it is durable
// when it returns, and that concurrent sign-ups of one reader decide one after another.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

constexpr UnixSeconds kOneHour = 3600;

class SignupsTest : public testing::BackendTest {
 protected:
  SignupRequest request(const std::string& email, std::vector<Id> newsletter_ids) const {
    return signup_request(email, std::move(newsletter_ids));
  }

  Newsletter single_opt_in(const std::string& slug) {
    Newsletter n = newsletter(slug);
    NewsletterUpdate u;
    u.opt_in = OptIn::single_opt_in;
    auto updated = store_->update_newsletter(slug, u);
    EXPECT_TRUE(updated.ok());
    return updated.ok() ? *updated : n;
  }

  Subscription subscription(const std::string& email, Id newsletter_id) {
    auto read = store_->subscriber_by_email(email);
    EXPECT_TRUE(read.ok());
    if (read.ok()) {
      for (const auto& s : read->subscriptions) {
        if (s.newsletter_id == newsletter_id) return s;
      }
    }
    ADD_FAILURE() << email << " has no subscription to " << newsletter_id;
    return {};
  }

  std::int64_t last_confirmation_sent(Id subscriber_id, Id newsletter_id) const {
    return scalar(
        fmt::format("SELECT coalesce(last_confirmation_sent_at, 0) FROM subscriptions "
                    "WHERE subscriber_id = {} AND newsletter_id = {}",
                    subscriber_id, newsletter_id));
  }

  std::int64_t consents(const std::string& where = "TRUE") const {
    return scalar("SELECT count(*) FROM consent_ledger WHERE " + where);
  }
};

TEST_P(SignupsTest, ANewReaderIsUnconfirmedAndOwedAConfirmation) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  SignupRequest r = request("new@example.org", {n.id});
  r.email_display = "New@Example.org";
  auto out = store.record_signup(r);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_GT(out->subscriber_id, 0);
  EXPECT_FALSE(out->blocked);
  EXPECT_EQ(out->confirmation_due, std::vector<Id>{n.id});
  EXPECT_TRUE(out->confirmed_now.empty());

  auto reader = store.subscriber_by_id(out->subscriber_id);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->email, "new@example.org");
  EXPECT_EQ(reader->email_display, "New@Example.org");
  EXPECT_EQ(reader->name, "Rea Der");
  EXPECT_EQ(reader->timezone, "Europe/Lisbon");
  EXPECT_EQ(reader->status, SubscriberStatus::active);

  Subscription s = subscription("new@example.org", n.id);
  EXPECT_EQ(s.status, SubscriptionStatus::unconfirmed);
  EXPECT_EQ(s.source, "signup:/articles/budget");
  EXPECT_EQ(s.created_at, clock_.now());
  EXPECT_FALSE(s.confirmed_at);
  EXPECT_EQ(last_confirmation_sent(out->subscriber_id, n.id), clock_.now());
}

TEST_P(SignupsTest, TheLedgerGetsARowPerNewsletterAndOneForMarketing) {
  auto& store = open();
  Newsletter a = newsletter("morning");
  Newsletter b = newsletter("evening");
  auto out = store.record_signup(request("a@example.org", {a.id, b.id}));
  ASSERT_TRUE(out.ok()) << out.error().message;
  const Id id = out->subscriber_id;
  EXPECT_EQ(consents(), 3);
  for (Id n : {a.id, b.id}) {
    EXPECT_EQ(consents(fmt::format(
                  "subscriber_id = {} AND newsletter_id = {} AND consent_kind = 'newsletter' "
                  "AND granted = 1 AND consent_text_version = 'consent-v3' "
                  "AND source_page = '/articles/budget' AND client_address = '192.0.2.0/24' "
                  "AND created_at = {}",
                  id, n, clock_.now())),
              1);
  }
  EXPECT_EQ(consents(fmt::format("subscriber_id = {} AND newsletter_id IS NULL AND "
                                 "consent_kind = 'marketing' AND granted = 0",
                                 id)),
            1);

  SignupRequest ticked = request("a@example.org", {a.id});
  ticked.marketing = true;
  ASSERT_TRUE(store.record_signup(ticked).ok());
  EXPECT_EQ(consents(), 5);
  EXPECT_EQ(consents("consent_kind = 'marketing' AND granted = 1"), 1);
}

TEST_P(SignupsTest, SingleOptInConfirmsAtOnceAndOwesNoConfirmation) {
  auto& store = open();
  Newsletter single = single_opt_in("alerts");
  Newsletter twice = newsletter("morning");
  auto out = store.record_signup(request("a@example.org", {single.id, twice.id}));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->confirmed_now, std::vector<Id>{single.id});
  EXPECT_EQ(out->confirmation_due, std::vector<Id>{twice.id});
  Subscription s = subscription("a@example.org", single.id);
  EXPECT_EQ(s.status, SubscriptionStatus::confirmed);
  EXPECT_EQ(s.confirmed_at, clock_.now());
  EXPECT_EQ(last_confirmation_sent(out->subscriber_id, single.id), 0);
  EXPECT_EQ(subscription("a@example.org", twice.id).status, SubscriptionStatus::unconfirmed);

  // Confirmed already: nothing more to confirm or send.
  clock_.advance(10);
  auto again = store.record_signup(request("a@example.org", {single.id}));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->confirmed_now.empty());
  EXPECT_TRUE(again->confirmation_due.empty());
  EXPECT_EQ(subscription("a@example.org", single.id).confirmed_at, clock_.now() - 10);
}

TEST_P(SignupsTest, AConfirmationIsResentOnlyOutsideTheWindow) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  const UnixSeconds first = clock_.now();
  auto out = store.record_signup(request("a@example.org", {n.id}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->confirmation_due, std::vector<Id>{n.id});

  clock_.advance(kOneHour - 1);  // sent 59:59 ago: still inside the hour
  auto soon = store.record_signup(request("a@example.org", {n.id}));
  ASSERT_TRUE(soon.ok());
  EXPECT_TRUE(soon->confirmation_due.empty());
  EXPECT_EQ(last_confirmation_sent(out->subscriber_id, n.id), first);
  EXPECT_EQ(subscription("a@example.org", n.id).status, SubscriptionStatus::unconfirmed);

  clock_.advance(1);  // sent exactly an hour ago: `resend_after` itself counts as inside
  ASSERT_TRUE(store.record_signup(request("a@example.org", {n.id}))->confirmation_due.empty());

  clock_.advance(1);
  auto later = store.record_signup(request("a@example.org", {n.id}));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->confirmation_due, std::vector<Id>{n.id});
  EXPECT_EQ(last_confirmation_sent(out->subscriber_id, n.id), clock_.now());
  EXPECT_EQ(consents("consent_kind = 'newsletter'"), 4);  // every sign-up is evidence
}

TEST_P(SignupsTest, AKnownReaderKeepsTheirNameAndConfirmedSubscriptions) {
  auto& store = open();
  Newsletter confirmed = newsletter("confirmed");
  Newsletter left = newsletter("left");
  Subscriber known = subscriber("a@example.org");  // named, in Europe/Berlin
  ASSERT_TRUE(
      store.set_subscription(known.id, confirmed.id, SubscriptionStatus::confirmed, "cli").ok());
  ASSERT_TRUE(store.set_subscription(known.id, left.id, SubscriptionStatus::confirmed, "cli").ok());
  ASSERT_TRUE(store.unsubscribe(known.id, left.id, "link").ok());
  const UnixSeconds before = clock_.now();
  clock_.advance(100);

  SignupRequest r = request("a@example.org", {confirmed.id, left.id});
  r.name = "Someone Else";
  r.email_display = "A@example.org";
  auto out = store.record_signup(r);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->subscriber_id, known.id);
  EXPECT_EQ(out->confirmation_due, std::vector<Id>{left.id});

  auto reader = store.subscriber_by_id(known.id);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->name, known.name);
  EXPECT_EQ(reader->email_display, "a@example.org");
  EXPECT_EQ(reader->timezone, known.timezone);
  EXPECT_EQ(reader->updated_at, known.updated_at);

  Subscription kept = subscription("a@example.org", confirmed.id);
  EXPECT_EQ(kept.status, SubscriptionStatus::confirmed);
  EXPECT_EQ(kept.confirmed_at, before);
  EXPECT_EQ(kept.source, "cli");
  Subscription back = subscription("a@example.org", left.id);
  EXPECT_EQ(back.status, SubscriptionStatus::unconfirmed);
  EXPECT_EQ(back.source, "signup:/articles/budget");
  EXPECT_FALSE(back.confirmed_at);
  EXPECT_FALSE(back.unsubscribed_at);
  EXPECT_EQ(consents("consent_kind = 'newsletter'"), 2);
}

// The defect: a stranger's sign-up gave a known reader a name (into their To: header)
// and moved their time zone (the hour of their briefing).
TEST_P(SignupsTest, ASignUpNeverChangesAKnownReader) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Subscriber s;
  s.email = s.email_display = "a@example.org";
  s.timezone = "Asia/Tokyo";
  ASSERT_TRUE(store.add_subscriber(s).ok());
  auto before = store.subscriber_by_email("a@example.org");
  ASSERT_TRUE(before.ok());
  clock_.advance(5);
  SignupRequest r = request("a@example.org", {n.id});  // named, in Europe/Lisbon
  ASSERT_TRUE(store.record_signup(r).ok());
  auto reader = store.subscriber_by_email("a@example.org");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->subscriber.name, "");
  EXPECT_EQ(reader->subscriber.timezone, "Asia/Tokyo");
  EXPECT_EQ(reader->subscriber.email_display, before->subscriber.email_display);
  EXPECT_EQ(reader->subscriber.status, before->subscriber.status);
  EXPECT_EQ(reader->subscriber.updated_at, before->subscriber.updated_at);
}

TEST_P(SignupsTest, ABlockedReaderChangesNothing) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Subscriber s;
  s.email = s.email_display = "blocked@example.org";
  s.status = SubscriberStatus::blocked;
  s.timezone = "Asia/Tokyo";
  auto blocked = store.add_subscriber(s);
  ASSERT_TRUE(blocked.ok());
  auto out = store.record_signup(request("blocked@example.org", {n.id}));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(out->blocked);
  EXPECT_EQ(out->subscriber_id, blocked->id);
  EXPECT_TRUE(out->confirmation_due.empty());
  EXPECT_TRUE(out->confirmed_now.empty());
  EXPECT_EQ(scalar("SELECT count(*) FROM subscriptions"), 0);
  EXPECT_EQ(consents(), 0);
  auto reader = store.subscriber_by_id(blocked->id);
  EXPECT_EQ(reader->timezone, "Asia/Tokyo");
  EXPECT_EQ(reader->name, "");
}

TEST_P(SignupsTest, AnUnknownNewsletterWritesNothing) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto out = store.record_signup(request("a@example.org", {n.id, n.id + 100}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::not_found);
  EXPECT_EQ(out.error().message, fmt::format("no newsletter with id {}", n.id + 100));
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscriptions"), 0);
  EXPECT_EQ(consents(), 0);

  auto none = store.record_signup(request("a@example.org", {}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::invalid_argument);
}

TEST_P(SignupsTest, ANewsletterNamedTwiceCountsOnce) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto out = store.record_signup(request("a@example.org", {n.id, n.id}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->confirmation_due, std::vector<Id>{n.id});
  EXPECT_EQ(consents("consent_kind = 'newsletter'"), 1);
}

TEST_P(SignupsTest, IsDurableWhenItReturns) {
  open();
  Newsletter n = newsletter("morning");
  ASSERT_TRUE(store_->record_signup(request("a@example.org", {n.id})).ok());
  // Another connection sees it at once, and so does the store opened afresh.
  EXPECT_EQ(scalar("SELECT count(*) FROM subscriptions WHERE status = 'unconfirmed'"), 1);
  auto& reopened = open();
  auto read = reopened.subscriber_by_email("a@example.org");
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->subscriptions.size(), 1u);
  EXPECT_EQ(read->subscriptions[0].newsletter_id, n.id);
}

TEST_P(SignupsTest, NewslettersNamedBySlugAreReadInTheTransaction) {
  auto& store = open();
  Newsletter a = newsletter("a"), b = newsletter("b");
  newsletter("staff", false);
  SignupRequest r = request("ann@example.org", {});
  r.newsletter_slugs = {"b", "a", "b"};
  r.challenge_id = "challenge-1";
  r.challenge_expires_at = clock_.now() + kOneHour;
  auto out = store.record_signup(r);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->confirmation_due, (std::vector<Id>{b.id, a.id})) << "each once, in order";

  // A slug of a private or unknown newsletter refuses the whole request: nothing is
  // recorded and its robot check is not spent.
  for (std::string bad : {"staff", "nope"}) {
    SignupRequest refused = request("bob@example.org", {});
    refused.newsletter_slugs = {"a", bad};
    refused.challenge_id = "challenge-2";
    refused.challenge_expires_at = clock_.now() + kOneHour;
    auto no = store.record_signup(refused);
    ASSERT_FALSE(no.ok()) << bad;
    EXPECT_EQ(no.error().code, Errc::not_found) << bad;
    EXPECT_NE(no.error().message.find(bad), std::string::npos) << no.error().message;
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers WHERE email = 'bob@example.org'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM robot_spent"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM mail_queue"), 1);
}

TEST_P(SignupsTest, AReplayedRobotCheckRecordsNothingAndSaysSo) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  SignupRequest first = request("ann@example.org", {n.id});
  first.challenge_id = "challenge-1";
  first.challenge_expires_at = clock_.now() + kOneHour;
  auto out = store.record_signup(first);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_FALSE(out->challenge_spent_before);

  SignupRequest replay = request("bob@example.org", {n.id});
  replay.challenge_id = "challenge-1";
  replay.challenge_expires_at = clock_.now() + kOneHour;
  auto again = store.record_signup(replay);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->challenge_spent_before);
  EXPECT_EQ(again->subscriber_id, 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers WHERE email = 'bob@example.org'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM mail_queue"), 1);
}

TEST_P(SignupsTest, AnExpiredRobotCheckIsTakenOver) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  const UnixSeconds expiry = clock_.now() + kOneHour;
  auto with_challenge = [&](const std::string& email, const std::string& id, UnixSeconds until) {
    SignupRequest r = request(email, {n.id});
    r.challenge_id = id;
    r.challenge_expires_at = until;
    return store.record_signup(r);
  };
  auto spent_before = [&](const std::string& email, const std::string& id, UnixSeconds until) {
    auto out = with_challenge(email, id, until);
    EXPECT_TRUE(out.ok()) << out.error().message;
    return out.ok() && out->challenge_spent_before;
  };
  EXPECT_FALSE(spent_before("a@example.org", "c1", expiry));
  EXPECT_TRUE(spent_before("b@example.org", "c1", expiry));

  // Expired: a row purge would have dropped counts as not spent, and is taken over.
  clock_.set(expiry);
  EXPECT_FALSE(spent_before("c@example.org", "c1", expiry + kOneHour));
  EXPECT_TRUE(spent_before("d@example.org", "c1", expiry + kOneHour));
  EXPECT_EQ(scalar("SELECT expires_at FROM robot_spent WHERE challenge_hash = 'c1'"),
            expiry + kOneHour);
}

TEST_P(SignupsTest, PurgeDropsSpentChallengesThatHaveExpired) {
  auto& store = open();
  const UnixSeconds now = clock_.now();
  execute(fmt::format(
      "INSERT INTO robot_spent (challenge_hash, expires_at) VALUES ('old', {}), ('edge', {}), "
      "('live', {})",
      now - 1, now, now + 1));
  ASSERT_TRUE(store.purge_spent_challenges(now).ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM robot_spent"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM robot_spent WHERE challenge_hash = 'live'"), 1);
}

TEST_P(SignupsTest, ConcurrentSignUpsOfOneReaderDecideInTurn) {
  auto& store = open();
  single_opt_in("alerts");
  NewsletterUpdate u;
  u.welcome_subject = "Welcome";
  u.welcome_body = "Hello.";
  auto single = store.update_newsletter("alerts", u);
  ASSERT_TRUE(single.ok());
  Newsletter n = newsletter("morning");
  constexpr int kThreads = 8;
  std::atomic<int> failures{0}, confirmed{0}, confirmations{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto out = store.record_signup(request("same@example.org", {n.id, single->id}));
      if (!out.ok()) {
        ++failures;
        return;
      }
      confirmed += static_cast<int>(out->confirmed_now.size());
      confirmations += static_cast<int>(out->confirmation_due.size());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), 1);
  EXPECT_EQ(confirmed.load(), 1) << "confirmed, and welcomed, once";
  EXPECT_EQ(confirmations.load(), 1) << "one confirmation within the resend window";
  EXPECT_EQ(scalar("SELECT count(*) FROM mail_queue WHERE kind = 'welcome'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM mail_queue WHERE kind = 'confirmation'"), 1);
  EXPECT_EQ(consents(), 3 * kThreads) << "every sign-up's consent is evidence";
}

BROADSHEET_ON_EVERY_BACKEND(SignupsTest);

}  // namespace
}  // namespace broadsheet::store
