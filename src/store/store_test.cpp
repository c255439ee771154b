// open_store: database URLs to backends.
#include "store/store.hpp"

#include "store/testing/backends.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace broadsheet::store {
namespace {

class OpenStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bs-open-store-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Error refused(const std::string& url) {
    auto s = open_store(url, dir_.string(), clock_);
    EXPECT_FALSE(s.ok()) << url;
    return s.ok() ? Error{Errc::internal, "opened"} : s.error();
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'700'000'000};
};

TEST_F(OpenStore, RelativeSqlitePathsAreTakenFromTheDataFolder) {
  auto s = open_store("sqlite:var/db/broadsheet.db", dir_.string(), clock_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->ping().ok());
  EXPECT_TRUE(std::filesystem::exists(dir_ / "var/db/broadsheet.db"));
}

TEST_F(OpenStore, AbsoluteSqlitePathsStayAsTheyAre) {
  std::string path = (dir_ / "abs.db").string();
  auto s = open_store("sqlite:" + path, "/nonexistent-base", clock_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(OpenStore, InMemoryDatabases) {
  auto s = open_store("sqlite::memory:", dir_.string(), clock_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE((*s)->schema_version().ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(OpenStore, PostgresqlUrlsOpenThePostgresqlBackend) {
  // No server listens on port 1: the backend was chosen and tried to connect, and its
  // error does not repeat the password.
  for (const char* scheme : {"postgresql", "postgres"}) {
    Error e = refused(std::string(scheme) + "://broadsheet:secret@127.0.0.1:1/broadsheet");
    EXPECT_EQ(e.code, Errc::database) << e.message;
    EXPECT_EQ(e.message.find("secret"), std::string::npos) << e.message;
  }
  const std::string server = testing::postgres_test_url();
  if (server.empty()) GTEST_SKIP() << "no PostgreSQL server (scripts/with-postgres)";
  const std::string database = "bs_open_store_" + std::to_string(::getpid());
  testing::pg_run(server, "CREATE DATABASE " + database);
  {
    auto s = open_store(testing::with_database(server, database), dir_.string(), clock_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto version = (*s)->schema_version();
    ASSERT_TRUE(version.ok()) << version.error().message;
    EXPECT_GE(*version, 17);
  }
  testing::pg_run(server, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
}

TEST_F(OpenStore, UnknownSchemesAreConfigErrorsWithoutTheSecret) {
  Error e = refused("mysql://user:secret@db/x");
  EXPECT_EQ(e.code, Errc::config);
  EXPECT_NE(e.message.find("'mysql'"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("secret"), std::string::npos) << e.message;
  EXPECT_EQ(refused("broadsheet.db").code, Errc::config);
  EXPECT_EQ(refused("sqlite:").code, Errc::config);
  EXPECT_EQ(refused("sqlite:///var/x.db").code, Errc::config);
}

TEST_F(OpenStore, UnopenableFilesAreDatabaseErrors) {
  std::filesystem::create_directories(dir_ / "a-folder.db");
  EXPECT_EQ(refused("sqlite:a-folder.db").code, Errc::database);
}

}  // namespace
}  // namespace broadsheet::store
