// Users, API tokens and desk sessions on every backend (testing/backends.hpp): names are
// unique, tokens are found by their hash with their owner's role, revoking is once and
// for good, and an admin always remains, even when two stores (two nodes) race.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class UsersTest : public testing::BackendTest {
 protected:
  // A second store on the test's database, as another process or node would open it.
  std::unique_ptr<Store> second_store() {
    if (on_postgres()) {
      auto s = postgres::PgStore::open(url_, clock_);
      EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
      return s.ok() ? std::unique_ptr<Store>(std::move(*s)) : nullptr;
    }
    auto s = sqlite::SqliteStore::open((dir_ / "test.db").string(), clock_,
                                       sqlite::SqliteSql::embedded(), {});
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::unique_ptr<Store>(std::move(*s)) : nullptr;
  }

  User user(const std::string& name, UserRole role) {
    User u;
    u.username = name;
    u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    u.role = role;
    auto added = store_->add_user(u);
    EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);
    return added.ok() ? *added : u;
  }
};

TEST_P(UsersTest, AddsUsersWithUniqueNames) {
  open();
  User ada = user("ada", UserRole::admin);
  EXPECT_GT(ada.id, 0);
  EXPECT_EQ(ada.created_at, clock_.now());
  user("bob", UserRole::editor);
  User again;
  again.username = "ada";
  again.password_hash = "x";
  auto taken = store_->add_user(again);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, Errc::conflict);
  EXPECT_EQ(taken.error().message, "a user named 'ada' already exists");

  auto read = store_->user_by_name("ada");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->role, UserRole::admin);
  EXPECT_EQ(read->password_hash, ada.password_hash);
  EXPECT_EQ(store_->user_by_name("carol").error().code, Errc::not_found);
  auto all = store_->list_users();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].username, "ada");
  EXPECT_EQ((*all)[1].role, UserRole::editor);
}

TEST_P(UsersTest, FindsATokenByItsHashWithItsOwner) {
  open();
  User bob = user("bob", UserRole::editor);
  auto token = store_->add_api_token(bob.id, "newsroom CMS", "hash-1");
  ASSERT_TRUE(token.ok()) << token.error().message;
  auto found = store_->api_token_by_hash("hash-1");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, token->id);
  EXPECT_EQ(found->username, "bob");
  EXPECT_EQ(found->role, UserRole::editor);
  EXPECT_EQ(found->name, "newsroom CMS");
  EXPECT_FALSE(found->last_used_at.has_value());
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_EQ(store_->api_token_by_hash("hash-2").error().code, Errc::not_found);

  ASSERT_TRUE(store_->touch_api_token(token->id, 1234).ok());
  EXPECT_EQ(store_->api_token_by_hash("hash-1")->last_used_at, 1234);
  EXPECT_EQ(store_->add_api_token(bob.id, "again", "hash-1").error().code, Errc::conflict);
  EXPECT_EQ(store_->add_api_token(999, "nobody", "hash-3").error().code, Errc::not_found);
}

TEST_P(UsersTest, RevokesOnce) {
  open();
  User ada = user("ada", UserRole::admin);
  auto token = store_->add_api_token(ada.id, "deploys", "hash-1");
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(store_->revoke_api_token(token->id).ok());
  EXPECT_EQ(store_->api_token_by_hash("hash-1")->revoked_at, clock_.now());
  auto twice = store_->revoke_api_token(token->id);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
  EXPECT_EQ(store_->revoke_api_token(77).error().code, Errc::not_found);
  auto all = store_->list_api_tokens();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE((*all)[0].revoked_at.has_value());
}

TEST_P(UsersTest, RemovingTakesTokensAndSessionsButNeverTheLastAdmin) {
  open();
  user("ada", UserRole::admin);
  User bob = user("bob", UserRole::admin);
  user("eve", UserRole::editor);
  ASSERT_TRUE(store_->add_api_token(bob.id, "cms", "hash-bob").ok());
  ASSERT_TRUE(store_->remove_user("bob").ok());
  EXPECT_EQ(store_->api_token_by_hash("hash-bob").error().code, Errc::not_found);
  auto last = store_->remove_user("ada");
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, Errc::conflict);
  EXPECT_NE(last.error().message.find("last admin"), std::string::npos) << last.error().message;
  EXPECT_TRUE(store_->user_by_name("ada").ok());
  EXPECT_EQ(store_->remove_user("nobody").error().code, Errc::not_found);
  EXPECT_TRUE(store_->remove_user("eve").ok());  // not an admin: any number may go
}

TEST_P(UsersTest, TheLastAdminKeepsTheRole) {
  open();
  user("ada", UserRole::admin);
  user("eve", UserRole::editor);
  auto last = store_->set_user_role("ada", UserRole::editor);
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, Errc::conflict);
  EXPECT_NE(last.error().message.find("last admin"), std::string::npos) << last.error().message;
  EXPECT_EQ(store_->user_by_name("ada")->role, UserRole::admin);
  EXPECT_TRUE(store_->set_user_role("ada", UserRole::admin).ok());  // the same role: no loss
  EXPECT_EQ(store_->set_user_role("nobody", UserRole::viewer).error().code, Errc::not_found);
  EXPECT_EQ(store_->set_user_role("eve", UserRole::viewer)->role, UserRole::viewer);
  ASSERT_TRUE(store_->set_user_role("eve", UserRole::admin).ok());  // now two admins
  auto demoted = store_->set_user_role("ada", UserRole::audience);
  ASSERT_TRUE(demoted.ok()) << demoted.error().message;
  EXPECT_EQ(demoted->role, UserRole::audience);
  EXPECT_EQ(store_->set_user_role("eve", UserRole::viewer).error().code, Errc::conflict);
}

TEST_P(UsersTest, OfTwoAdminsDemotingEachOtherAtOnceOneIsRefused) {
  // Two stores on one file, as two processes (serve and the CLI, or two nodes): each
  // demotes the other admin at the same moment, round after round. One statement
  // checks and changes, so exactly one of them wins every time and an admin remains.
  open();
  user("ada", UserRole::admin);
  user("bob", UserRole::admin);
  auto other = second_store();
  ASSERT_TRUE(other);
  Store* stores[2] = {store_.get(), other.get()};
  const std::string names[2] = {"ada", "bob"};
  for (int round = 0; round < 50; ++round) {
    ASSERT_TRUE(store_->set_user_role("ada", UserRole::admin).ok());
    ASSERT_TRUE(store_->set_user_role("bob", UserRole::admin).ok());
    std::atomic<int> ready{0};
    Result<User> results[2] = {make_error(Errc::io, "not run"), make_error(Errc::io, "not run")};
    std::vector<std::thread> threads;
    for (int k = 0; k < 2; ++k) {
      threads.emplace_back([&, k] {
        ready.fetch_add(1);
        while (ready.load() < 2) {
        }
        results[k] = stores[k]->set_user_role(names[k], UserRole::editor);
      });
    }
    for (auto& t : threads) t.join();
    const int won = (results[0].ok() ? 1 : 0) + (results[1].ok() ? 1 : 0);
    ASSERT_EQ(won, 1) << "round " << round;
    for (const auto& r : results) {
      if (!r.ok()) {
        EXPECT_EQ(r.error().code, Errc::conflict) << r.error().message;
      }
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM users WHERE role = 'admin'"), 1) << "round " << round;
  }
}

TEST_P(UsersTest, OfTwoAdminsRemovingEachOtherAtOnceOneIsRefused) {
  // As above, with removals, and with a demotion racing a removal: the rule is checked
  // and applied in one statement, so one of the two wins and an admin remains.
  open();
  auto other = second_store();
  ASSERT_TRUE(other);
  Store* stores[2] = {store_.get(), other.get()};
  std::string survivor;  // the admin left by the round before
  for (int round = 0; round < 30; ++round) {
    const std::string names[2] = {fmt::format("ada{}", round), fmt::format("bob{}", round)};
    user(names[0], UserRole::admin);
    user(names[1], UserRole::admin);
    // Exactly the two racing admins hold the role.
    if (!survivor.empty()) {
      ASSERT_TRUE(store_->set_user_role(survivor, UserRole::viewer).ok());
    }
    std::atomic<int> ready{0};
    Status results[2] = {make_error(Errc::io, "not run"), make_error(Errc::io, "not run")};
    std::vector<std::thread> threads;
    for (int k = 0; k < 2; ++k) {
      threads.emplace_back([&, k] {
        ready.fetch_add(1);
        while (ready.load() < 2) {
        }
        if (k == 1 && round % 2 == 1) {
          auto r = stores[k]->set_user_role(names[k], UserRole::viewer);
          results[k] = r.ok() ? Status{} : Status{r.error()};
        } else {
          results[k] = stores[k]->remove_user(names[k]);
        }
      });
    }
    for (auto& t : threads) t.join();
    const int won = (results[0].ok() ? 1 : 0) + (results[1].ok() ? 1 : 0);
    ASSERT_EQ(won, 1) << "round " << round;
    for (int k = 0; k < 2; ++k) {
      if (results[k].ok()) continue;
      EXPECT_EQ(results[k].error().code, Errc::conflict) << results[k].error().message;
      EXPECT_NE(results[k].error().message.find("last admin"), std::string::npos)
          << results[k].error().message;
      survivor = names[k];
    }
    ASSERT_EQ(scalar("SELECT count(*) FROM users WHERE role = 'admin'"), 1) << "round " << round;
    EXPECT_EQ(store_->user_by_name(survivor)->role, UserRole::admin) << "round " << round;
  }
}

TEST_P(UsersTest, ChangingThePasswordEndsTheUsersSessions) {
  open();
  User ada = user("ada", UserRole::admin);
  User bob = user("bob", UserRole::editor);
  DeskSession s{.id_hash = "hash-a", .user_id = ada.id, .csrf_token = "csrf-a",
                .created_at = 100, .last_seen_at = 100, .client_address = "192.0.2.1"};
  ASSERT_TRUE(store_->add_session(s).ok());
  DeskSession t = s;
  t.id_hash = "hash-b";
  t.user_id = bob.id;
  ASSERT_TRUE(store_->add_session(t).ok());
  auto read = store_->session_by_hash("hash-a");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->username, "ada");
  EXPECT_EQ(read->role, UserRole::admin);
  EXPECT_EQ(read->session.csrf_token, "csrf-a");
  EXPECT_EQ(read->session.client_address, "192.0.2.1");
  EXPECT_EQ(store_->session_by_hash("nope").error().code, Errc::not_found);
  s.id_hash = "hash-c";
  s.user_id = 999;
  EXPECT_EQ(store_->add_session(s).error().code, Errc::not_found);

  ASSERT_TRUE(store_->touch_session("hash-a", 150).ok());
  EXPECT_EQ(store_->session_by_hash("hash-a")->session.last_seen_at, 150);
  ASSERT_TRUE(store_->set_password_hash("ada", "$argon2id$new").ok());
  EXPECT_EQ(store_->user_by_name("ada")->password_hash, "$argon2id$new");
  EXPECT_EQ(store_->session_by_hash("hash-a").error().code, Errc::not_found);
  EXPECT_TRUE(store_->session_by_hash("hash-b").ok());
  EXPECT_EQ(store_->set_password_hash("nobody", "x").error().code, Errc::not_found);
  ASSERT_TRUE(store_->remove_session("hash-b").ok());
  EXPECT_EQ(store_->session_by_hash("hash-b").error().code, Errc::not_found);
}

TEST_P(UsersTest, PurgingEndsIdleAndOldSessionsAndForgetsOldFailures) {
  open();
  User ada = user("ada", UserRole::admin);
  auto session = [&](const std::string& hash, UnixSeconds created, UnixSeconds seen) {
    DeskSession s{.id_hash = hash, .user_id = ada.id, .csrf_token = "c",
                  .created_at = created, .last_seen_at = seen, .client_address = ""};
    ASSERT_TRUE(store_->add_session(s).ok());
  };
  session("idle", 1000, 1000);
  session("old", 500, 1900);
  session("fresh", 1500, 1900);
  ASSERT_TRUE(store_->add_sign_in_failure("ip:192.0.2.1", 100).ok());
  ASSERT_TRUE(store_->add_sign_in_failure("ip:192.0.2.1", 300).ok());
  ASSERT_TRUE(store_->add_sign_in_failure("ip:192.0.2.1", 400).ok());
  ASSERT_TRUE(store_->add_sign_in_failure("user:ada", 400).ok());
  auto counted = store_->sign_in_failures("ip:192.0.2.1", 150);
  ASSERT_TRUE(counted.ok()) << counted.error().message;
  EXPECT_EQ(counted->count, 2);
  EXPECT_EQ(counted->oldest, 300);
  auto none = store_->sign_in_failures("ip:198.51.100.7", 0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->count, 0);
  EXPECT_EQ(none->oldest, 0);

  ASSERT_TRUE(store_->purge_sessions(1200, 800, 350).ok());
  EXPECT_EQ(store_->session_by_hash("idle").error().code, Errc::not_found);
  EXPECT_EQ(store_->session_by_hash("old").error().code, Errc::not_found);
  EXPECT_TRUE(store_->session_by_hash("fresh").ok());
  EXPECT_EQ(store_->sign_in_failures("ip:192.0.2.1", 0)->count, 1);
  ASSERT_TRUE(store_->clear_sign_in_failures("ip:192.0.2.1").ok());
  EXPECT_EQ(store_->sign_in_failures("ip:192.0.2.1", 0)->count, 0);
  EXPECT_EQ(store_->sign_in_failures("user:ada", 0)->count, 1);
}

BROADSHEET_ON_EVERY_BACKEND(UsersTest);

}  // namespace
}  // namespace broadsheet::store
