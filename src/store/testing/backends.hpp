// Store tests on every backend: a test suite derived from BackendTest runs once on SQLite
// and, when BROADSHEET_TEST_POSTGRES_URL names a PostgreSQL server (scripts/with-postgres
// starts a throwaway one and sets it), once more on PostgreSQL, each run on a fresh
// database of its own:
//
//   class UsersTest : public testing::BackendTest {};
//   TEST_P(UsersTest, AddsUsers) { Store& s = open(); ... }
//   BROADSHEET_ON_EVERY_BACKEND(UsersTest);
//
// The URL must let its user create and drop databases.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/testing/fixtures.hpp"

namespace broadsheet::store::testing {

enum class Backend { sqlite, postgres };

// The server the PostgreSQL runs use, "" when there is none (they are then left out).
inline std::string postgres_test_url() {
  const char* url = std::getenv("BROADSHEET_TEST_POSTGRES_URL");
  return url ? url : "";
}

inline std::vector<Backend> backends() {
  std::vector<Backend> all{Backend::sqlite};
  if (!postgres_test_url().empty()) all.push_back(Backend::postgres);
  return all;
}

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

// `url` with its database name replaced by `database`.
inline std::string with_database(const std::string& url, const std::string& database) {
  std::size_t scheme = url.find("://");
  std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::size_t query = url.find('?');
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  std::string head = slash == std::string::npos ? url.substr(0, query) : url.substr(0, slash);
  return head + "/" + database + tail;
}

// Runs `sql` on the server at `url`; the first column of the first row, "" when none.
// Fails the test when the statement fails.
// One integer from `sql` on the SQLite file at `path`, opened read-only over a connection
// of its own; -1 (and a test failure) when the query gives no row.
inline std::int64_t sqlite_scalar(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
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

inline std::string pg_run(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string value;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to the test server: " << PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(res);
    if (status == PGRES_TUPLES_OK && PQntuples(res) > 0 && PQnfields(res) > 0) {
      value = PQgetvalue(res, 0, 0);
    } else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(res);
    }
    PQclear(res);
  }
  PQfinish(conn);
  return value;
}

class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    std::string unique = std::to_string(::getpid()) + "_" + std::to_string(++counter);
    if (on_postgres()) {
      database_ = "bs_test_" + unique;
      pg_run(postgres_test_url(), "CREATE DATABASE " + database_);
      url_ = with_database(postgres_test_url(), database_);
    } else {
      dir_ = std::filesystem::temp_directory_path() /
             ("bs-store-" + unique);
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
    }
  }
  void TearDown() override {
    store_.reset();
    if (on_postgres()) {
      pg_run(postgres_test_url(), "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
    } else {
      std::filesystem::remove_all(dir_);
    }
  }

  bool on_postgres() const { return GetParam() == Backend::postgres; }

  // Opens (or reopens) the store on the test's database; fails the test if it cannot.
  Store& open(MailboxKeys keys = {}) {
    store_.reset();
    if (on_postgres()) {
      auto s = postgres::PgStore::open(url_, clock_, postgres::PgSql::embedded(), std::move(keys));
      EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
      if (s.ok()) store_ = std::move(*s);
    } else {
      auto s = sqlite::SqliteStore::open((dir_ / "test.db").string(), clock_,
                                         sqlite::SqliteSql::embedded(), std::move(keys));
      EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
      if (s.ok()) store_ = std::move(*s);
    }
    return *store_;
  }

  // One integer from `sql`, read over a separate connection, as another process would.
  // The SQL must be valid on both backends.
  std::int64_t scalar(const std::string& sql) const {
    if (on_postgres()) {
      std::string v = pg_run(url_, sql);
      return v.empty() ? -1 : (v == "t" ? 1 : (v == "f" ? 0 : std::stoll(v)));
    }
    return sqlite_scalar((dir_ / "test.db").string(), sql);
  }

  // Runs `sql` over a separate connection, as another process (the CLI) would.
  void execute(const std::string& sql) const {
    if (on_postgres()) {
      pg_run(url_, sql);
      return;
    }
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir_ / "test.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_busy_timeout(db, 5000);
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message ? message : "");
    }
    sqlite3_free(message);
    sqlite3_close(db);
  }

  SignupRequest signup_request(const std::string& email, std::vector<Id> newsletter_ids) const {
    return testing::signup_request(clock_, email, std::move(newsletter_ids));
  }
  Newsletter newsletter(const std::string& slug, bool is_public = true) {
    return testing::add_newsletter(*store_, slug, is_public);
  }
  Subscriber subscriber(const std::string& email) { return testing::add_subscriber(*store_, email); }

  FakeClock clock_{1'700'000'000};
  std::unique_ptr<Store> store_;
  std::filesystem::path dir_;
  std::string database_;  // PostgreSQL: the test's own database
  std::string url_;       // PostgreSQL: its URL
};

}  // namespace broadsheet::store::testing

#define BROADSHEET_ON_EVERY_BACKEND(Suite)                                         \
  INSTANTIATE_TEST_SUITE_P(On, Suite,                                              \
                           ::testing::ValuesIn(::broadsheet::store::testing::backends()), \
                           ::broadsheet::store::testing::backend_name)
