// Health on every backend: both start a new database at the same schema version (the
// two migration series share numbers from PostgreSQL's baseline on) and answer a ping.
#include <gtest/gtest.h>

#include "store/migrations.hpp"
#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class HealthTest : public testing::BackendTest {};

TEST_P(HealthTest, ANewDatabaseIsAtTheLatestVersionOfEitherSeries) {
  Store& store = open();
  auto sqlite = parse_migrations(sqlite::SqliteSql::embedded().migrations);
  auto postgres = parse_migrations(postgres::PgSql::embedded().migrations);
  ASSERT_TRUE(sqlite.ok() && postgres.ok());
  ASSERT_EQ(sqlite->back().version, postgres->back().version)
      << "a migration was written for one backend only";
  auto v = store.schema_version();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, sqlite->back().version);
  EXPECT_TRUE(store.ping().ok());
}

BROADSHEET_ON_EVERY_BACKEND(HealthTest);

}  // namespace
}  // namespace broadsheet::store
