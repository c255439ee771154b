// The mail queue on every backend (testing/backends.hpp): what sign-ups and
// confirmations queue in their own transactions, how the sender's reads and settlements
// move rows, the leases by which several nodes' senders claim rows, and the listener
// that wakes the sender.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

constexpr UnixSeconds kHour = 3600;

class MailQueueTest : public testing::BackendTest {
 protected:
  SignupRequest request(const std::string& email, std::vector<Id> newsletter_ids) const {
    return signup_request(email, std::move(newsletter_ids));
  }

  Newsletter with(const std::string& slug, OptIn opt_in, const std::string& welcome_subject) {
    Newsletter n = newsletter(slug);
    NewsletterUpdate u;
    u.opt_in = opt_in;
    u.welcome_subject = welcome_subject;
    u.welcome_body = welcome_subject.empty() ? "" : "Hello.";
    auto updated = store_->update_newsletter(slug, u);
    EXPECT_TRUE(updated.ok());
    return updated.ok() ? *updated : n;
  }

  std::vector<QueuedMail> due() {
    auto rows = store_->due_mail(clock_.now(), 100);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    return rows.ok() ? *rows : std::vector<QueuedMail>{};
  }

  std::int64_t queued(const std::string& where = "TRUE") const {
    return scalar("SELECT count(*) FROM mail_queue WHERE " + where);
  }
};

TEST_P(MailQueueTest, ASignupQueuesOneConfirmationNamingItsNewsletters) {
  auto& store = open();
  Newsletter a = newsletter("a"), b = newsletter("b");
  auto out = store.record_signup(request("ann@example.org", {b.id, a.id}));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->emails_queued, 1u);

  auto rows = due();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].kind, QueuedMailKind::confirmation);
  EXPECT_EQ(rows[0].subscriber_id, out->subscriber_id);
  EXPECT_EQ(rows[0].newsletter_ids, (std::vector<Id>{b.id, a.id})) << "in the order chosen";
  EXPECT_EQ(rows[0].created_at, clock_.now());
  EXPECT_EQ(rows[0].attempts, 0);
  EXPECT_EQ(rows[0].email, "ann@example.org");
  EXPECT_EQ(rows[0].name, "Rea Der");
  EXPECT_FALSE(rows[0].blocked);
  // Its audit entry was written in the same transaction.
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'signup' AND "
                   "subject = 'ann@example.org' AND detail LIKE 'newsletters=%'"),
            1);
}

TEST_P(MailQueueTest, NoSecondConfirmationWithinTheResendWindow) {
  auto& store = open();
  Newsletter a = newsletter("a");
  ASSERT_TRUE(store.record_signup(request("ann@example.org", {a.id})).ok());
  auto again = store.record_signup(request("ann@example.org", {a.id}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->emails_queued, 0u);
  EXPECT_EQ(queued(), 1);
  clock_.advance(2 * kHour);
  again = store.record_signup(request("ann@example.org", {a.id}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->emails_queued, 1u);
  EXPECT_EQ(queued(), 2);
}

TEST_P(MailQueueTest, SingleOptInQueuesTheWelcomeOnlyWhenThereIsOne) {
  auto& store = open();
  Newsletter welcoming = with("w", OptIn::single_opt_in, "Welcome aboard");
  Newsletter plain = with("p", OptIn::single_opt_in, "");
  Newsletter doubled = with("d", OptIn::double_opt_in, "Welcome later");
  auto out = store.record_signup(request("ann@example.org", {welcoming.id, plain.id, doubled.id}));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->confirmed_now, (std::vector<Id>{welcoming.id, plain.id}));
  EXPECT_EQ(out->confirmation_due, (std::vector<Id>{doubled.id}));
  EXPECT_EQ(out->emails_queued, 2u);
  auto rows = due();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].kind, QueuedMailKind::confirmation);
  EXPECT_EQ(rows[0].newsletter_ids, (std::vector<Id>{doubled.id}));
  EXPECT_EQ(rows[1].kind, QueuedMailKind::welcome);
  EXPECT_EQ(rows[1].newsletter_ids, (std::vector<Id>{welcoming.id}));
}

TEST_P(MailQueueTest, ABlockedAddressIsQueuedNothing) {
  auto& store = open();
  Newsletter a = with("a", OptIn::single_opt_in, "Welcome");
  Subscriber s = subscriber("ann@example.org");
  ASSERT_EQ(scalar(fmt::format("SELECT count(*) FROM subscribers WHERE id = {}", s.id)), 1);
  // Blocked by another process (the CLI), as an operator would.
  execute("UPDATE subscribers SET status = 'blocked'");
  auto out = store.record_signup(request("ann@example.org", {a.id}));
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->blocked);
  EXPECT_EQ(out->emails_queued, 0u);
  EXPECT_EQ(queued(), 0);
}

TEST_P(MailQueueTest, ConfirmingQueuesTheWelcomeInTheSameTransaction) {
  auto& store = open();
  Newsletter w = with("w", OptIn::double_opt_in, "Welcome aboard");
  Newsletter p = with("p", OptIn::double_opt_in, "");
  auto out = store.record_signup(request("ann@example.org", {w.id, p.id}));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(queued(), 1);  // the confirmation
  auto confirmed = store.confirm(out->subscriber_id, 0);
  ASSERT_TRUE(confirmed.ok()) << confirmed.error().message;
  EXPECT_EQ(confirmed->size(), 2u);
  EXPECT_EQ(queued("kind = 'welcome'"), 1);
  EXPECT_EQ(queued(fmt::format("kind = 'welcome' AND newsletter_ids = '{}'", w.id)), 1);
  // Confirming again changes nothing and queues nothing.
  confirmed = store.confirm(out->subscriber_id, 0);
  ASSERT_TRUE(confirmed.ok());
  EXPECT_TRUE(confirmed->empty());
  EXPECT_EQ(queued("kind = 'welcome'"), 1);
  EXPECT_EQ(store.confirm(999, 0).error().code, Errc::not_found);
}

TEST_P(MailQueueTest, TheListenerHearsOfEveryCommitThatQueuedMail) {
  auto& store = open();
  Newsletter w = with("w", OptIn::double_opt_in, "Welcome aboard");
  std::atomic<int> heard{0};
  store.set_mail_listener([&] { ++heard; });
  auto out = store.record_signup(request("ann@example.org", {w.id}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(heard.load(), 1);
  ASSERT_TRUE(store.record_signup(request("ann@example.org", {w.id})).ok());
  EXPECT_EQ(heard.load(), 1) << "nothing queued within the resend window";
  ASSERT_TRUE(store.confirm(out->subscriber_id, 0).ok());
  EXPECT_EQ(heard.load(), 2);
  ASSERT_TRUE(store.confirm(out->subscriber_id, 0).ok());
  EXPECT_EQ(heard.load(), 2);

  // Concurrent sign-ups sharing commits: at least one call per commit that queued.
  constexpr int kThreads = 16;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      EXPECT_TRUE(store.record_signup(request(fmt::format("r{}@example.org", t), {w.id})).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(heard.load(), 3);
  EXPECT_EQ(queued("kind = 'confirmation'"), 1 + kThreads);

  store.set_mail_listener({});
  ASSERT_TRUE(store.record_signup(request("bob@example.org", {w.id})).ok());
}

TEST_P(MailQueueTest, SettlingMovesRowsOutOfTheDueSet) {
  auto& store = open();
  Newsletter a = newsletter("a");
  for (const char* who : {"a@example.org", "b@example.org", "c@example.org"}) {
    ASSERT_TRUE(store.record_signup(request(who, {a.id})).ok());
  }
  auto rows = due();
  ASSERT_EQ(rows.size(), 3u);
  auto state = store.mail_queue_state();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->pending, 3u);
  EXPECT_EQ(state->next_due_at, clock_.now());

  const UnixSeconds now = clock_.now();
  ASSERT_TRUE(store
                  .settle_mail({{rows[0].id, now, std::nullopt, ""},
                                {rows[1].id, std::nullopt, now + 60, "outbox: disk full"},
                                {rows[2].id, std::nullopt, std::nullopt, "550 no such user"}})
                  .ok());
  EXPECT_TRUE(due().empty());
  state = store.mail_queue_state();
  EXPECT_EQ(state->pending, 1u);
  EXPECT_EQ(state->next_due_at, now + 60);
  EXPECT_EQ(queued(fmt::format("id = {} AND sent_at = {} AND attempts = 1 AND last_error = ''",
                               rows[0].id, now)),
            1);
  EXPECT_EQ(queued(fmt::format("id = {} AND sent_at IS NULL AND attempts = 1 AND "
                               "last_error = 'outbox: disk full'",
                               rows[1].id)),
            1);
  EXPECT_EQ(queued(fmt::format("id = {} AND sent_at IS NULL AND next_attempt_at IS NULL AND "
                               "last_error = '550 no such user'",
                               rows[2].id)),
            1);

  // Settling a row that is no longer pending changes nothing.
  ASSERT_TRUE(store.settle_mail({{rows[0].id, now + 5, std::nullopt, ""}}).ok());
  EXPECT_EQ(queued(fmt::format("id = {} AND sent_at = {} AND attempts = 1", rows[0].id, now)), 1);

  clock_.advance(60);
  rows = due();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].attempts, 1);
  EXPECT_EQ(rows[0].email, "b@example.org");
}

TEST_P(MailQueueTest, DueRowsComeEarliestFirstWithinTheLimit) {
  auto& store = open();
  Newsletter a = newsletter("a");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store.record_signup(request(fmt::format("r{}@example.org", i), {a.id})).ok());
    clock_.advance(1);
  }
  auto two = store.due_mail(clock_.now(), 2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].email, "r0@example.org");
  EXPECT_EQ((*two)[1].email, "r1@example.org");
  // Queued at t, t+1, ... t+4; the clock is at t+5.
  EXPECT_EQ(store.due_mail(clock_.now() - 4, 100)->size(), 2u) << "only those due by then";
}

TEST_P(MailQueueTest, PurgeDropsOnlyOldRowsThatAreDone) {
  auto& store = open();
  Newsletter a = newsletter("a");
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(store.record_signup(request(fmt::format("r{}@example.org", i), {a.id})).ok());
  }
  auto rows = due();
  ASSERT_EQ(rows.size(), 4u);
  const UnixSeconds now = clock_.now();
  ASSERT_TRUE(store
                  .settle_mail({{rows[0].id, now, std::nullopt, ""},
                                {rows[1].id, now, std::nullopt, ""},
                                {rows[2].id, std::nullopt, std::nullopt, "given up"}})
                  .ok());
  EXPECT_EQ(*store.purge_mail_queue(now, 100), 0u) << "queued at `now`, not before";
  EXPECT_EQ(*store.purge_mail_queue(now + 1, 1), 1u);
  EXPECT_EQ(*store.purge_mail_queue(now + 1, 100), 2u);
  EXPECT_EQ(queued(), 1);
  EXPECT_EQ(queued(fmt::format("id = {}", rows[3].id)), 1) << "the pending row stays";
}

TEST_P(MailQueueTest, RemovingASubscriberRemovesTheirQueuedMail) {
  auto& store = open();
  Newsletter a = newsletter("a");
  ASSERT_TRUE(store.record_signup(request("ann@example.org", {a.id})).ok());
  ASSERT_EQ(queued(), 1);
  ASSERT_TRUE(store.remove_subscriber("ann@example.org").ok());
  EXPECT_EQ(queued(), 0);
}

TEST_P(MailQueueTest, NodesClaimRowsWithLeases) {
  auto& store = open();
  constexpr UnixSeconds kLease = 30;
  Newsletter welcome = newsletter("welcome");
  for (const char* who : {"m1@example.org", "m2@example.org", "m3@example.org"}) {
    ASSERT_TRUE(store.record_signup(request(who, {welcome.id})).ok());
  }
  const UnixSeconds t = clock_.now();
  auto a = store.claim_mail("node-a", t, t + kLease, 2);
  auto b = store.claim_mail("node-b", t, t + kLease, 5);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 2u);
  EXPECT_EQ(b->size(), 1u);
  EXPECT_NE((*a)[0].id, (*b)[0].id);
  EXPECT_NE((*a)[1].id, (*b)[0].id);
  EXPECT_EQ((*a)[0].email, "m1@example.org") << "the earliest due first";
  // Its own rows again (not sent: the transport stopped), nobody else's.
  EXPECT_EQ(store.claim_mail("node-a", t, t + kLease, 5)->size(), 2u);
  EXPECT_TRUE(store.claim_mail("node-c", t, t + kLease, 5)->empty());
  ASSERT_TRUE(store.settle_mail({{(*b)[0].id, t, std::nullopt, ""}}).ok());
  clock_.advance(kLease + 1);  // node-a died: its rows go to the next claimer
  EXPECT_EQ(store.claim_mail("node-c", clock_.now(), clock_.now() + kLease, 5)->size(), 2u);
}

TEST_P(MailQueueTest, ConcurrentClaimersNeverTakeTheSameRow) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  constexpr int kRows = 60;
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE(store.record_signup(request(fmt::format("r{}@example.org", i), {n.id})).ok());
  }
  const UnixSeconds t = clock_.now();
  std::vector<std::vector<Id>> taken(4);
  std::vector<std::thread> nodes;
  std::atomic<int> failures{0};
  for (int k = 0; k < 4; ++k) {
    nodes.emplace_back([&, k] {
      for (;;) {
        auto rows = store.claim_mail(fmt::format("node-{}", k), t, t + 60, 3);
        if (!rows.ok()) {
          ++failures;
          return;
        }
        if (rows->empty()) return;
        std::vector<MailSettlement> done;
        for (const auto& m : *rows) {
          taken[k].push_back(m.id);
          done.push_back({m.id, t, std::nullopt, ""});
        }
        if (!store.settle_mail(done).ok()) ++failures;
      }
    });
  }
  for (auto& node : nodes) node.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<Id> all;
  for (const auto& ids : taken) all.insert(all.end(), ids.begin(), ids.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kRows));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a row claimed twice";
  EXPECT_EQ(queued("sent_at IS NOT NULL"), kRows);
}

BROADSHEET_ON_EVERY_BACKEND(MailQueueTest);

}  // namespace
}  // namespace broadsheet::store
