#include "store/sqlite/migrate.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string>

#include "store/sqlite/query.hpp"

namespace broadsheet::store::sqlite {
Result<int> current_version(Connection& connection, const NamedQueries& queries) {
  auto stmt = connection.statement(queries, "schema_version");
  if (!stmt) return stmt.error();
  Query q(connection.db(), *stmt);
  if (auto s = q.expect_row("schema_version returned no row"); !s) return s.error();
  return static_cast<int>(q.int_at(0));
}

Result<int> migrate(Connection& connection, const NamedQueries& queries,
                    const std::vector<Migration>& migrations, UnixSeconds now) {
  sqlite3* db = connection.db();
  auto statement = [&](std::string_view name) { return connection.statement(queries, name); };

  auto create = statement("create_schema_migrations");
  if (!create) return create.error();
  if (auto s = Query(db, *create).run(); !s) return s.error();

  auto begin = statement("begin_immediate");
  auto commit = statement("commit");
  auto rollback = statement("rollback");
  auto record = statement("record_migration");
  for (auto* r : {&begin, &commit, &rollback, &record}) {
    if (!*r) return r->error();
  }

  const int latest = static_cast<int>(migrations.size());
  auto applied = current_version(connection, queries);
  if (!applied) return applied.error();
  for (const auto& m : migrations) {
    // Only a pending migration takes the write lock, so opening an up-to-date
    // database never waits for a writer in another process.
    if (*applied >= m.version) continue;
    Transaction tx(db, *commit, *rollback);
    if (auto s = tx.begin(*begin); !s) return s.error();
    // Read again inside the write lock: another process may have migrated meanwhile.
    applied = current_version(connection, queries);
    if (!applied) return applied.error();
    if (*applied >= m.version) continue;

    std::string sql(m.sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      return make_error(Errc::database,
                        fmt::format("migration {} ({}) failed: {}", m.version, m.path, text));
    }
    if (auto s = Query(db, *record).bind_int(1, m.version).bind_int(2, now).run(); !s) {
      return s.error();
    }
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

}  // namespace broadsheet::store::sqlite
