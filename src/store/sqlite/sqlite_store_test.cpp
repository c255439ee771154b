// The SQLite backend against real database files: opening and migrations. Newsletters,
// articles and the audit log run on every backend (newsletters_test.cpp,
// articles_test.cpp); subscribers and imports have test files of their own.
#include "store/sqlite/sqlite_store.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::store::sqlite {
namespace {

using testing::SqliteTest;

// The embedded SQL with one piece of text replaced; fails the test if it is absent.
SqliteSql sql_with(std::string_view from, std::string_view to, std::string& storage) {
  SqliteSql sql = SqliteSql::embedded();
  for (Resource& file : sql.queries) {
    auto at = file.content.find(from);
    if (at == std::string_view::npos) continue;
    storage = std::string(file.content);
    storage.replace(at, from.size(), to);
    file.content = storage;
    return sql;
  }
  ADD_FAILURE() << from;
  return sql;
}

int latest_version() { return static_cast<int>(SqliteSql::embedded().migrations.size()); }

// The path of a migration numbered `latest_version() + ahead`.
std::string next_migration(const char* name, int ahead = 1) {
  return fmt::format("src/store/sqlite/migrations/{:04}_{}.sql", latest_version() + ahead, name);
}

TEST_F(SqliteTest, OpensANewFileAtTheLatestVersion) {
  ASSERT_GE(latest_version(), 1);
  auto& store = open();
  auto version = store.schema_version();
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, latest_version());
  EXPECT_TRUE(store.ping().ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), latest_version());
  EXPECT_EQ(scalar("SELECT applied_at FROM schema_migrations WHERE version = 1"), clock_.now());
}

TEST_F(SqliteTest, UsesWalAndForeignKeys) {
  open();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteTest, ReopeningMigratesNothingAndKeepsData) {
  open();
  newsletter("morning");
  clock_.advance(3600);
  auto& store = open();
  EXPECT_EQ(*store.schema_version(), latest_version());
  EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), latest_version());
  EXPECT_EQ(scalar("SELECT max(applied_at) FROM schema_migrations"), clock_.now() - 3600);
  EXPECT_TRUE(store.newsletter_by_slug("morning").ok());
}

TEST_F(SqliteTest, ABrokenQueryFailsTheOpenNamingIt) {
  std::string text;
  auto sql =
      sql_with("FROM newsletters\nWHERE slug = ?1;", "FROM newsleters\nWHERE slug = ?1;", text);
  auto s = SqliteStore::open(db_path(), clock_, sql);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::database);
  EXPECT_NE(s.error().message.find("'newsletter_by_slug'"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("no such table: newsleters"), std::string::npos)
      << s.error().message;
}

// Readers take columns by name (Query::columns): a query that no longer returns one
// fails, naming the query and the column, before any row is read.
TEST_F(SqliteTest, AQueryMissingAReadersColumnFailsNamingIt) {
  std::string text;
  auto sql = sql_with("-- name: newsletter_by_slug\nSELECT id, slug, name,",
                      "-- name: newsletter_by_slug\nSELECT id, slug AS handle, name,", text);
  auto& store = open(sql);
  newsletter("morning");
  auto read = store.newsletter_by_slug("morning");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, Errc::internal);
  EXPECT_EQ(read.error().message, "query 'newsletter_by_slug' returns no column 'slug'");
  // The other queries of the same reader still read.
  auto all = store.list_newsletters(false);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->size(), 1u);
}

// The order of a query's columns is free: readers find them by name.
TEST_F(SqliteTest, AReorderedSelectListReadsTheSame) {
  std::string text;
  auto sql = sql_with(
      "-- name: newsletter_by_slug\n"
      "SELECT id, slug, name, description, schedule, from_name, from_address,\n"
      "       is_public, opt_in, created_at, updated_at,\n"
      "       coalesce(welcome_subject, '') AS welcome_subject,\n"
      "       coalesce(welcome_body, '') AS welcome_body, archive_version,\n"
      "       coalesce(default_timezone, '') AS default_timezone,\n"
      "       draft_from_feeds, draft_items, draft_sections, draft_lead, draft_on_cutoff\n",
      "-- name: newsletter_by_slug\n"
      "SELECT draft_on_cutoff, draft_lead, draft_sections, draft_items, draft_from_feeds,\n"
      "       coalesce(default_timezone, '') AS default_timezone,\n"
      "       archive_version, coalesce(welcome_body, '') AS welcome_body,\n"
      "       coalesce(welcome_subject, '') AS welcome_subject, updated_at, created_at,\n"
      "       opt_in, is_public, from_address, from_name, schedule, description, name,\n"
      "       slug, id\n",
      text);
  auto& store = open(sql);
  Newsletter n;
  n.slug = "morning";
  n.name = "Morning Briefing";
  n.is_public = false;
  n.description = "The day ahead.";
  n.schedule = "mon-fri 06:00";
  n.from_name = "The Desk";
  n.from_address = "desk@example.org";
  n.opt_in = OptIn::single_opt_in;
  n.welcome_subject = "Welcome";
  n.welcome_body = "Hello.";
  ASSERT_TRUE(store.add_newsletter(n).ok());
  auto listed = store.list_newsletters(false);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  const Newsletter& want = listed->front();
  auto read = store.newsletter_by_slug("morning");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->id, want.id);
  EXPECT_EQ(read->slug, "morning");
  EXPECT_EQ(read->name, want.name);
  EXPECT_EQ(read->description, "The day ahead.");
  EXPECT_EQ(read->schedule, "mon-fri 06:00");
  EXPECT_EQ(read->from_name, "The Desk");
  EXPECT_EQ(read->from_address, "desk@example.org");
  EXPECT_FALSE(read->is_public);
  EXPECT_EQ(read->opt_in, OptIn::single_opt_in);
  EXPECT_EQ(read->created_at, want.created_at);
  EXPECT_EQ(read->updated_at, want.updated_at);
  EXPECT_EQ(read->welcome_subject, "Welcome");
  EXPECT_EQ(read->welcome_body, "Hello.");
  EXPECT_EQ(read->archive_version, want.archive_version);
}

TEST_F(SqliteTest, AMissingQueryFailsTheOpen) {
  std::string text;
  auto sql = sql_with("-- name: ping\nSELECT 1;", "", text);
  auto s = SqliteStore::open(db_path(), clock_, sql);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::database);
  EXPECT_NE(s.error().message.find("query 'ping' is missing"), std::string::npos)
      << s.error().message;
}

TEST_F(SqliteTest, TwoStatementsInOneQueryFailTheOpen) {
  std::string text;
  auto sql = sql_with("-- name: ping\nSELECT 1;", "-- name: ping\nSELECT 1; SELECT 2;", text);
  auto s = SqliteStore::open(db_path(), clock_, sql);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("'ping'"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("more than one statement"), std::string::npos);
}

TEST_F(SqliteTest, AMalformedQueryFileFailsTheOpen) {
  std::string text;
  auto sql = sql_with("-- name: ping\n", "-- name: commit\n", text);
  auto s = SqliteStore::open(db_path(), clock_, sql);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::database);
  EXPECT_NE(s.error().message.find("duplicate query name 'commit'"), std::string::npos);
}

TEST_F(SqliteTest, AFailingMigrationLeavesThePreviousVersion) {
  SqliteSql sql = SqliteSql::embedded();
  const std::string path = next_migration("broken");
  sql.migrations.push_back({path, "CREATE TABLE extra (x INTEGER);\nINSERT INTO missing VALUES (1);\n"});
  auto s = SqliteStore::open(db_path(), clock_, sql);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::database);
  EXPECT_NE(s.error().message.find(fmt::format("migration {}", latest_version() + 1)),
            std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("no such table: missing"), std::string::npos);
  EXPECT_EQ(scalar("SELECT max(version) FROM schema_migrations"), latest_version());
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE name = 'extra'"), 0);
  EXPECT_EQ(*open().schema_version(), latest_version());
}

TEST_F(SqliteTest, ANewMigrationRunsOnceAndNewerDatabasesAreRefused) {
  open();
  SqliteSql sql = SqliteSql::embedded();
  const std::string path = next_migration("extra");
  sql.migrations.push_back({path, "CREATE TABLE extra (x INTEGER);"});
  EXPECT_EQ(*open(sql).schema_version(), latest_version() + 1);
  EXPECT_EQ(*open(sql).schema_version(), latest_version() + 1);
  store_.reset();
  auto old = SqliteStore::open(db_path(), clock_);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, Errc::database);
  EXPECT_NE(old.error().message.find("newer"), std::string::npos) << old.error().message;
}

TEST_F(SqliteTest, MisnumberedMigrationsAreABuildError) {
  const std::string gap = next_migration("gap", 2);
  std::string wrong_type = next_migration("x");
  wrong_type.replace(wrong_type.size() - 4, 4, ".txt");
  for (std::string_view path : {std::string_view(gap),
                                std::string_view("src/store/sqlite/migrations/2_short.sql"),
                                std::string_view(wrong_type)}) {
    SqliteSql sql = SqliteSql::embedded();
    sql.migrations.push_back({path, "SELECT 1;"});
    auto s = SqliteStore::open(db_path(), clock_, sql);
    ASSERT_FALSE(s.ok()) << path;
    EXPECT_EQ(s.error().code, Errc::internal) << path;
  }
}

TEST_F(SqliteTest, AFileThatIsNotADatabaseIsRefused) {
  std::ofstream(db_path()) << std::string(4096, 'x');
  auto s = SqliteStore::open(db_path(), clock_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::database);
  EXPECT_NE(s.error().message.find(db_path()), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace broadsheet::store::sqlite
