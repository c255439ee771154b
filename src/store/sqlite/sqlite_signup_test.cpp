// The SQLite backend's own side of sign-ups: the commit that syncs, and concurrent
// sign-ups sharing commits (group_commit.hpp). What a sign-up does on every backend is
// in store/signups_test.cpp.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::store::sqlite {
namespace {

using testing::wait_until;

constexpr UnixSeconds kOneHour = 3600;

class SqliteSignup : public testing::SqliteTest {
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

  // Holds the store's connection as an open import does, until the session is dropped.
  std::unique_ptr<ImportSession> hold_connection(Id newsletter_id) {
    ImportOptions o;
    o.newsletter_id = newsletter_id;
    auto import = store_->begin_import(o);
    EXPECT_TRUE(import.ok()) << (import.ok() ? "" : import.error().message);
    return import.ok() ? std::move(*import) : nullptr;
  }

  std::int64_t consents(const std::string& where = "1") const {
    return scalar("SELECT count(*) FROM consent_ledger WHERE " + where);
  }
};

TEST_F(SqliteSignup, TheConnectionSyncsEveryCommit) {
  auto connection = Connection::open(db_path());
  ASSERT_TRUE(connection.ok());
  auto synchronous = (*connection)->pragma_int("PRAGMA synchronous");
  ASSERT_TRUE(synchronous.ok());
  EXPECT_EQ(*synchronous, 2);  // FULL: a COMMIT returns after the WAL is on the disk
}

TEST_F(SqliteSignup, ConcurrentSignUpsShareCommits) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  Newsletter single = single_opt_in("alerts");
  constexpr int kThreads = 16, kEach = 13;  // 208 sign-ups
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto out = store.record_signup(
            request(fmt::format("t{}-{}@example.org", t, i), {n.id, single.id}));
        if (!out.ok() || out->confirmation_due != std::vector<Id>{n.id} ||
            out->confirmed_now != std::vector<Id>{single.id}) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  constexpr int kSignups = kThreads * kEach;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), kSignups);
  EXPECT_EQ(*store.count_subscriptions(n.id, SubscriptionStatus::unconfirmed), kSignups);
  EXPECT_EQ(*store.count_subscriptions(single.id, SubscriptionStatus::confirmed), kSignups);
  EXPECT_EQ(consents(), 3 * kSignups);
  const auto commits = store.signup_commits();
  std::cout << "[          ] " << kSignups << " sign-ups from " << kThreads << " threads in "
            << commits << " commits\n";
  RecordProperty("signups", kSignups);
  RecordProperty("commits", static_cast<int>(commits));
  EXPECT_LE(commits, static_cast<std::uint64_t>(kSignups / 4));
}

// An open import holds the connection, so the sign-ups queue up behind the first one
// (which leads, alone, and waits for the connection): once the import ends, all of them
// are one commit, and the one that names no real newsletter fails alone.
TEST_F(SqliteSignup, OneBadRequestFailsAloneInItsGroup) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto import = hold_connection(n.id);

  constexpr int kFollowers = 20, kBad = 7;
  std::vector<std::optional<Result<SignupOutcome>>> outcomes(kFollowers + 1);
  std::vector<std::thread> threads;
  auto sign_up = [&](int i) {
    Id newsletter_id = i == kBad ? n.id + 100 : n.id;
    outcomes[i] = store.record_signup(request(fmt::format("r{}@example.org", i), {newsletter_id}));
  };
  threads.emplace_back(sign_up, 0);
  wait_until([&] { return store.signup_commits() == 1; });  // the leader took its batch
  for (int i = 1; i <= kFollowers; ++i) threads.emplace_back(sign_up, i);
  wait_until([&] { return store.signups_waiting() == kFollowers; });
  import.reset();  // ends the import, giving the connection to the leader
  for (auto& t : threads) t.join();

  EXPECT_EQ(store.signup_commits(), 2u);
  for (int i = 0; i <= kFollowers; ++i) {
    ASSERT_TRUE(outcomes[i].has_value());
    const auto& out = *outcomes[i];
    if (i == kBad) {
      ASSERT_FALSE(out.ok());
      EXPECT_EQ(out.error().code, Errc::not_found);
    } else {
      EXPECT_TRUE(out.ok()) << i << ": " << out.error().message;
    }
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), kFollowers);
  EXPECT_EQ(
      scalar(fmt::format("SELECT count(*) FROM subscribers WHERE email = 'r{}@example.org'", kBad)),
      0);
  EXPECT_EQ(consents(), 2 * kFollowers);
}

TEST_F(SqliteSignup, TheThreadHoldingAnImportIsRefusedNotDeadlocked) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto import = hold_connection(n.id);
  auto out = store.record_signup(request("a@example.org", {n.id}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::internal);
  EXPECT_EQ(store.signup_commits(), 0u);
}

}  // namespace
}  // namespace broadsheet::store::sqlite
