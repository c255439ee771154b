// The SQLite backend's bulk import, against real database files: what is SQLite's own
// (the write lock held for the session, the page cache given back). The rest runs on
// every backend in store/imports_test.cpp.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::store::sqlite {
namespace {

using SqliteImport = testing::SqliteTest;

ImportRow row(const std::string& email) { return ImportRow{email, email, "Name", "", {}}; }

TEST_F(SqliteImport, DroppingTheSessionGivesBackTheCache) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  {
    auto session = store.begin_import(ImportOptions{n.id, false, "import"});
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE((*session)->add(row("a@example.org")).ok());
  }
  EXPECT_EQ(scalar("PRAGMA cache_size"), -2000);  // default of a fresh connection
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), 0);
}

TEST_F(SqliteImport, HoldsTheStoreUntilItEnds) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto session = store.begin_import(ImportOptions{n.id, false, "import"});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->add(row("a@example.org")).ok());

  // The importing thread itself gets an error instead of waiting for itself forever.
  auto self = store.ping();
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, Errc::internal);

  // Another thread waits, then sees the committed import whole.
  auto other = std::async(std::launch::async, [&] {
    return store.count_subscriptions(n.id, SubscriptionStatus::unconfirmed);
  });
  EXPECT_EQ(other.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  ASSERT_TRUE((*session)->add(row("b@example.org")).ok());
  ASSERT_TRUE((*session)->commit().ok());
  auto count = other.get();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2u);
  EXPECT_TRUE(store.ping().ok());
}

}  // namespace
}  // namespace broadsheet::store::sqlite
