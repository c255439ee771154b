// Shared by the SQLite backend's tests: a fresh folder per test, a fake clock, a way to
// look at the database file with a second, raw connection, and a wait for other threads.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/testing/fixtures.hpp"

namespace broadsheet::store::sqlite::testing {

// Polls `done()` every millisecond; fails the test when it is still false after ten
// seconds. For waiting on another thread to reach a state the test can observe.
template <typename F>
void wait_until(F&& done) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "timed out";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("bs-store-") + info->test_suite_name() + "-" + info->name() + "-" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string db_path() const { return (dir_ / "test.db").string(); }

  // Opens (or reopens) the store on the test's file; fails the test if it cannot.
  SqliteStore& open(const SqliteSql& sql = SqliteSql::embedded(), MailboxKeys keys = {}) {
    store_.reset();
    auto s = SqliteStore::open(db_path(), clock_, sql, std::move(keys));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (s.ok()) store_ = std::move(*s);
    return *store_;
  }

  // One integer from `sql`, read over a separate connection, as another process would.
  std::int64_t scalar(const std::string& sql) const {
    sqlite3* db = nullptr;
    sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    std::int64_t value = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  // Runs `sql` over a separate connection, as another process (the CLI) would.
  void execute(const std::string& sql) const {
    sqlite3* db = nullptr;
    sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_busy_timeout(db, 5000);
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message ? message : sqlite3_errmsg(db));
    }
    sqlite3_free(message);
    sqlite3_close(db);
  }

  SignupRequest signup_request(const std::string& email, std::vector<Id> newsletter_ids) const {
    return store::testing::signup_request(clock_, email, std::move(newsletter_ids));
  }
  Newsletter newsletter(const std::string& slug, bool is_public = true) {
    return store::testing::add_newsletter(*store_, slug, is_public);
  }
  Subscriber subscriber(const std::string& email) {
    return store::testing::add_subscriber(*store_, email);
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'700'000'000};
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace broadsheet::store::sqlite::testing
