#include "store/postgres/migrate.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/postgres/query.hpp"

namespace broadsheet::store::postgres {
namespace {

// The bookkeeping queries run before the schema exists, so before any is prepared:
// their text, from queries/connection.sql.
std::string_view sql_of(const NamedQueries& queries, std::string_view name) {
  const NamedQuery* q = queries.find(name);
  return q ? std::string_view(q->sql) : std::string_view("SELECT 'missing named query'");
}

}  // namespace

Result<int> current_version(Connection& connection, const NamedQueries& queries) {
  auto exists = Query::text(connection, sql_of(queries, "schema_migrations_exist"));
  if (auto s = exists.expect_row("no row"); !s) return s.error();
  if (!exists.bool_at(0)) return 0;
  auto q = Query::text(connection, sql_of(queries, "schema_version"));
  if (auto s = q.expect_row("schema_version returned no row"); !s) return s.error();
  return static_cast<int>(q.int_at(0));
}

Result<int> migrate(Connection& connection, const NamedQueries& queries,
                    const std::vector<Migration>& migrations, UnixSeconds now) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  auto applied = current_version(connection, queries);
  if (!applied) return applied.error();
  for (const auto& m : migrations) {
    if (*applied >= m.version) continue;
    Transaction tx(connection);
    if (auto s = tx.begin(); !s) return s.error();
    if (auto s = connection.execute(sql_of(queries, "lock_migrations"), "lock the schema"); !s) return s.error();
    if (auto s = connection.execute(sql_of(queries, "create_schema_migrations"),
                                         "create schema_migrations"); !s) {
      return s.error();
    }
    // Read again under the lock: another node may have migrated meanwhile.
    applied = current_version(connection, queries);
    if (!applied) return applied.error();
    if (*applied >= m.version) continue;
    if (*applied != 0 && *applied + 1 != m.version) {
      return make_error(Errc::database,
                        fmt::format("the database is at schema version {}, which this build "
                                    "cannot migrate from (its first is {})",
                                    *applied, migrations.front().version));
    }
    if (auto s = connection.execute(m.sql, fmt::format("migration {} ({})", m.version, m.path));
        !s) {
      return s.error();
    }
    auto record = Query::text(connection, sql_of(queries, "record_migration"));
    if (auto s = record.bind_int(1, m.version).bind_int(2, now).run(); !s) return s.error();
    if (auto s = tx.commit(); !s) return s.error();
    applied = m.version;
    spdlog::info("database migrated to schema version {} ({})", m.version, m.path);
  }
  if (*applied > latest) {
    return make_error(Errc::database,
                      fmt::format("the database is at schema version {}, newer than this "
                                  "build of Broadsheet knows ({}); upgrade Broadsheet",
                                  *applied, latest));
  }
  return applied;
}

}  // namespace broadsheet::store::postgres
