// Users and API tokens in the SQLite backend: names are unique, tokens are found by
// their hash with their owner's role, and revoking is once and for good.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::store::sqlite {
namespace {

using testing::SqliteTest;

class UsersTest : public SqliteTest {
 protected:
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

TEST_F(UsersTest, AddsUsersWithUniqueNames) {
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

TEST_F(UsersTest, FindsATokenByItsHashWithItsOwner) {
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

TEST_F(UsersTest, RevokesOnce) {
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

TEST_F(UsersTest, RemovingTakesTokensAndSessionsButNeverTheLastAdmin) {
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

TEST_F(UsersTest, TheLastAdminKeepsTheRole) {
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

TEST_F(UsersTest, OfTwoAdminsDemotingEachOtherAtOnceOneIsRefused) {
  // Two stores on one file, as two processes (serve and the CLI, or two nodes): each
  // demotes the other admin at the same moment, round after round. One statement
  // checks and changes, so exactly one of them wins every time and an admin remains.
  open();
  user("ada", UserRole::admin);
  user("bob", UserRole::admin);
  auto other = SqliteStore::open(db_path(), clock_, SqliteSql::embedded(), {});
  ASSERT_TRUE(other.ok()) << other.error().message;
  SqliteStore* stores[2] = {store_.get(), other->get()};
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

}  // namespace
}  // namespace broadsheet::store::sqlite
