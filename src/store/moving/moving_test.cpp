// migrate-store's move (moving.hpp): a SQLite data set made through the store, moved into
// a fresh PostgreSQL database, read back there. Runs only where a PostgreSQL server is
// given (BROADSHEET_TEST_POSTGRES_URL, scripts/with-postgres), as */PostgreSQL tests.
#include "store/moving/moving.hpp"

#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store::moving {
namespace {

using testing::Backend;

std::vector<Backend> postgres_only() {
  std::vector<Backend> out;
  for (Backend b : testing::backends()) {
    if (b == Backend::postgres) out.push_back(b);
  }
  return out;
}

// The tables moved, for counting on both sides.
const char* const kTables[] = {
    "newsletters",  "subscribers", "subscriptions", "consent_ledger", "feeds",
    "articles",     "segments",    "issues",        "deliveries",     "cohort_releases",
    "edition_skips", "users",      "api_tokens",    "sessions",       "sign_in_failures",
    "audit_log",    "robot_spent", "mail_queue",    "store_settings", "suppressions",
    "bounce_events", "bounce_totals", "subscription_days", "node_locks", "nodes"};

class MoveStoreTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    source_dir_ = std::filesystem::temp_directory_path() /
                  ("bs-move-" + std::to_string(::getpid()) + "-" + database_);
    std::filesystem::remove_all(source_dir_);
    std::filesystem::create_directories(source_dir_);
    auto s = sqlite::SqliteStore::open(source_path(), clock_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    source_ = std::move(*s);
  }
  void TearDown() override {
    source_.reset();
    std::filesystem::remove_all(source_dir_);
    BackendTest::TearDown();
  }

  std::string source_path() const { return (source_dir_ / "broadsheet.db").string(); }

  // A data set with rows in the tables a publisher's would have them in.
  void fill_source() {
    Store& s = *source_;
    auto daily = testing::add_newsletter(s, "daily");
    auto weekly = testing::add_newsletter(s, "weekly", false);
    for (int i = 0; i < 30; ++i) {
      auto r = s.record_signup(
          testing::signup_request(clock_, "reader" + std::to_string(i) + "@mail.example.net",
                                  {daily.id, weekly.id}));
      ASSERT_TRUE(r.ok()) << r.error().message;
      if (i % 2 == 0) {
        ASSERT_TRUE(s.confirm(r->subscriber_id, daily.id).ok());
      }
    }
    User u;
    u.username = "editor";
    u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    u.role = UserRole::admin;
    auto user = s.add_user(u);
    ASSERT_TRUE(user.ok()) << user.error().message;
    ASSERT_TRUE(s.add_api_token(user->id, "ci", "tokenhash1").ok());
    ASSERT_TRUE(s.audit("cli", "test", "daily", "a=1").ok());
    source_sql(
        "UPDATE subscribers SET attributes = '{\"plan\":\"gold\",\"tab\":\"a\\tb\\\\c\"}' "
        "WHERE id = 1;"
        "INSERT INTO bounce_events (fingerprint, kind, subscriber_id, created_at) "
        "VALUES ('f1', 'hard', 2, 1700000000);"
        "INSERT INTO segments (name, attributes, created_at, updated_at) "
        "VALUES ('gold', '{\"plan\":\"gold\"}', 1, 1);");
  }

  void source_sql(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(source_path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_busy_timeout(db, 5000);
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message ? message : "");
    }
    sqlite3_free(message);
    sqlite3_close(db);
  }
  std::int64_t source_scalar(const std::string& sql) {
    return testing::sqlite_scalar(source_path(), sql);
  }
  std::string target(const std::string& sql) { return testing::pg_run(url_, sql); }

  Result<MoveReport> move(const std::string& to = "") {
    return move_to_postgres({source_path(), to.empty() ? url_ : to, ""}, clock_);
  }

  std::filesystem::path source_dir_;
  std::unique_ptr<Store> source_;
};

TEST_P(MoveStoreTest, CopiesEveryTableAndTheCountsMatch) {
  fill_source();
  source_.reset();
  auto r = move();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->schema_version, 17);
  EXPECT_EQ(r->tables.size(), std::size(kTables));
  for (const auto& t : r->tables) EXPECT_EQ(t.source, t.target) << t.table;
  for (const char* table : kTables) {
    std::string sql = std::string("SELECT count(*) FROM ") + table;
    EXPECT_EQ(std::to_string(source_scalar(sql)), target(sql)) << table;
  }
  EXPECT_EQ(target("SELECT count(*) FROM subscribers"), "30");
  EXPECT_EQ(target("SELECT count(*) FROM subscriptions WHERE status = 'confirmed'"), "15");
  // Parents before children.
  auto at = [&](const std::string& name) {
    for (std::size_t i = 0; i < r->tables.size(); ++i) {
      if (r->tables[i].table == name) return i;
    }
    return r->tables.size();
  };
  EXPECT_LT(at("newsletters"), at("subscriptions"));
  EXPECT_LT(at("subscribers"), at("deliveries"));
  EXPECT_LT(at("users"), at("api_tokens"));
  // JSON text became jsonb, with its escapes intact; the flags stayed 0/1.
  EXPECT_EQ(target("SELECT attributes->>'tab' FROM subscribers WHERE id = 1"), "a\tb\\c");
  EXPECT_EQ(target("SELECT jsonb_typeof(attributes) FROM segments"), "object");
  EXPECT_EQ(target("SELECT is_public FROM newsletters WHERE slug = 'weekly'"), "0");
  EXPECT_EQ(target("SELECT granted FROM consent_ledger ORDER BY id LIMIT 1"), "1");
  // The counters the triggers keep were copied, not counted again.
  EXPECT_EQ(target("SELECT total FROM bounce_totals WHERE kind = 'hard'"), "1");
  EXPECT_EQ(target("SELECT sum(signups) FROM subscription_days"),
            std::to_string(source_scalar("SELECT sum(signups) FROM subscription_days")));
  // The target still counts what comes after the move.
  target("INSERT INTO bounce_events (fingerprint, kind, subscriber_id, created_at) "
         "VALUES ('f2', 'hard', 3, 1700000100)");
  EXPECT_EQ(target("SELECT total FROM bounce_totals WHERE kind = 'hard'"), "2");
}

TEST_P(MoveStoreTest, NewRowsGetIdsPastEveryIdHandedOut) {
  fill_source();
  // The last reader removed: SQLite's AUTOINCREMENT still remembers the id.
  ASSERT_TRUE(source_->remove_subscriber("reader29@mail.example.net").ok());
  ASSERT_EQ(source_scalar("SELECT max(id) FROM subscribers"), 29);
  source_.reset();
  auto r = move();
  ASSERT_TRUE(r.ok()) << r.error().message;
  Store& pg = open();
  Subscriber fresh;
  fresh.email = "new@mail.example.net";
  fresh.email_display = "new@mail.example.net";
  auto added = pg.add_subscriber(fresh);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->id, 31);
  auto n = testing::add_newsletter(pg, "monthly");
  EXPECT_EQ(n.id, 3);
  // A table that was empty starts at 1.
  EXPECT_EQ(target("SELECT nextval(pg_get_serial_sequence('feeds', 'id'))"), "1");
  // What the store reads back is the source's.
  auto reader = pg.subscriber_by_email("reader1@mail.example.net");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->subscriber.id, 2);
  EXPECT_EQ(reader->subscriptions.size(), 2u);
}

TEST_P(MoveStoreTest, RefusesATargetWithRowsAndChangesNothing) {
  fill_source();
  source_.reset();
  testing::add_newsletter(open(), "theirs");
  store_.reset();
  auto r = move();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_NE(r.error().message.find("is not empty (newsletters hold rows)"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(target("SELECT count(*) FROM newsletters"), "1");
  EXPECT_EQ(target("SELECT count(*) FROM subscribers"), "0");
}

TEST_P(MoveStoreTest, MovesIntoAFreshlyMigratedTarget) {
  fill_source();
  source_.reset();
  open();  // migrates, and writes store_settings
  store_.reset();
  auto r = move();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(target("SELECT count(*) FROM subscribers"), "30");
  EXPECT_EQ(target("SELECT count(*) FROM store_settings"),
            std::to_string(source_scalar("SELECT count(*) FROM store_settings")));
}

TEST_P(MoveStoreTest, ATableTheTargetLacksFailsTheMoveNamingIt) {
  fill_source();
  source_sql("CREATE TABLE scrapbook (id INTEGER PRIMARY KEY, note TEXT)");
  source_.reset();
  auto r = move();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::config);
  EXPECT_NE(r.error().message.find("table scrapbook of the SQLite database"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(target("SELECT count(*) FROM subscribers"), "0");
}

TEST_P(MoveStoreTest, AColumnOnOneSideOnlyFailsTheMoveNamingIt) {
  fill_source();
  source_sql("ALTER TABLE subscribers ADD COLUMN nickname TEXT");
  source_.reset();
  auto r = move();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("column subscribers.nickname"), std::string::npos)
      << r.error().message;
}

TEST_P(MoveStoreTest, RefusesASourceAtAnotherSchemaVersionBeforeTouchingTheTarget) {
  fill_source();
  source_sql("INSERT INTO schema_migrations (version, applied_at) VALUES (18, 0)");
  source_.reset();
  auto r = move();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::config);
  EXPECT_NE(r.error().message.find("schema version 18, newer"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(target("SELECT to_regclass('schema_migrations') IS NULL"), "t");
}

TEST_P(MoveStoreTest, AValueTheTargetRefusesRollsEverythingBack) {
  fill_source();
  // SQLite keeps text its INTEGER column cannot convert; PostgreSQL's bigint refuses it.
  source_sql("UPDATE subscribers SET bounce_count = 'many' WHERE id = 7");
  source_.reset();
  auto r = move();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cannot copy the rows of subscribers"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("many"), std::string::npos) << r.error().message;
  EXPECT_EQ(target("SELECT count(*) FROM newsletters"), "0");
  // The target is still empty: a second move after the fix goes through.
  source_sql("UPDATE subscribers SET bounce_count = 0 WHERE id = 7");
  auto again = move();
  ASSERT_TRUE(again.ok()) << again.error().message;
}

TEST_P(MoveStoreTest, AnUnreachableServerIsADatabaseError) {
  source_.reset();
  auto r = move("postgresql://broadsheet@127.0.0.1:1/nowhere");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::database);
  EXPECT_NE(r.error().message.find("cannot connect to PostgreSQL"), std::string::npos)
      << r.error().message;
}

TEST(MoveStore, RefusesATargetThatIsNotAPostgresUrl) {
  FakeClock clock{1'700'000'000};
  auto r = move_to_postgres({"/nonexistent.db", "sqlite:other.db", ""}, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST(MoveStore, AMissingSourceFileIsNotFound) {
  FakeClock clock{1'700'000'000};
  auto r = move_to_postgres({"/nonexistent/broadsheet.db", "postgresql://x@127.0.0.1:1/y", ""},
                            clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
}

INSTANTIATE_TEST_SUITE_P(On, MoveStoreTest, ::testing::ValuesIn(postgres_only()),
                         testing::backend_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(MoveStoreTest);

}  // namespace
}  // namespace broadsheet::store::moving
