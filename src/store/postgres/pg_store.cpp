// The PostgreSQL backend: opening (migrate, prepare, pool), health, the mail listener.
#include "store/postgres/pg_store.hpp"

#include <fmt/format.h>

#include "store/postgres/migrate.hpp"
#include "store/postgres/query.hpp"

namespace broadsheet::store::postgres {
namespace {

constexpr std::string_view kQueriesPath = "src/store/postgres/queries/";
constexpr std::string_view kMigrationsPath = "src/store/postgres/migrations/";

}  // namespace

PgSql PgSql::embedded() {
  return PgSql{resources_under(kQueriesPath), resources_under(kMigrationsPath)};
}

Result<std::unique_ptr<PgStore>> PgStore::open(const std::string& conninfo, const Clock& clock,
                                               const PgSql& sql, MailboxKeys keys,
                                               std::size_t pool_size,
                                               const std::string& password) {
  auto queries = NamedQueries::parse_files(sql.queries, kQueriesPath);
  if (!queries) return make_error(Errc::database, queries.error().message);
  auto migrations = parse_migrations(sql.migrations);
  if (!migrations) return migrations.error();

  auto connection = Connection::open(conninfo, password);
  if (!connection) return connection.error();
  auto version = migrate(**connection, *queries, *migrations, clock.now());
  if (!version) return failed_to("migrate the PostgreSQL database", version.error());
  if (auto s = (*connection)->prepare_all(*queries); !s) return s.error();
  auto pool = std::make_unique<Pool>(conninfo, password, std::move(*queries), pool_size,
                                     std::move(*connection));
  return std::unique_ptr<PgStore>(new PgStore(std::move(pool), clock, std::move(keys)));
}

PgStore::PgStore(std::unique_ptr<Pool> pool, const Clock& clock, MailboxKeys keys)
    : pool_(std::move(pool)), clock_(clock), keys_(std::move(keys)) {}

Result<int> PgStore::schema_version() {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "schema_version");
  if (auto s = q.expect_row("schema_version returned no row"); !s) return s.error();
  return static_cast<int>(q.int_at(0));
}

Status PgStore::ping() {
  auto c = lease();
  if (!c) return c.error();
  return Query(**c, "ping").run();
}

void PgStore::set_mail_listener(std::function<void()> listener) {
  std::lock_guard lock(listener_mutex_);
  mail_listener_ = std::move(listener);
}

void PgStore::notify_mail() {
  std::function<void()> listener;
  {
    std::lock_guard lock(listener_mutex_);
    listener = mail_listener_;
  }
  if (listener) listener();
}

}  // namespace broadsheet::store::postgres
