// The target of a move (moving.hpp): one PostgreSQL connection of its own (not a
// store's pool), with the statement timeout lifted for long COPYs. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/moving/schema.hpp"
#include "store/named_queries.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/query.hpp"

namespace broadsheet::store::moving {

class PgTarget {
 public:
  // Connects. Errc::database with libpq's reason (never the URL).
  static Result<std::unique_ptr<PgTarget>> connect(const std::string& url,
                                                    const std::string& password);
  ~PgTarget();

  // "database NAME on HOST:PORT".
  std::string name() const;
  // The version in schema_migrations, 0 when the database has no Broadsheet schema.
  Result<int> schema_version();
  // The last migration this build knows.
  Result<int> latest_version() const;
  // Runs the migrations this build has and the database lacks.
  Status migrate(const Clock& clock);
  // Prepares the move's own queries; after migrate() (one names store_settings).
  Status prepare();

  Result<Tables> tables();
  // Foreign keys as (child, parent).
  Result<std::vector<std::pair<std::string, std::string>>> references();
  // Tables with triggers of their own.
  Result<std::vector<std::string>> triggered_tables();
  // Of `tables`, those holding rows (store_settings never counts).
  Result<std::vector<std::string>> occupied(const Tables& tables);

  Status begin();
  Status commit();
  // Takes every table for the transaction: no one writes (or reads) them meanwhile.
  Status lock(const Tables& tables);
  Status set_triggers(const std::string& table, bool enabled);
  Status clear_settings();

  // One table's COPY FROM STDIN: start, send pieces, end (which tells the server's
  // verdict on the rows).
  Status copy_start(const std::string& table, const std::vector<Column>& columns);
  Status copy_send(const std::string& data);
  Status copy_end();

  Result<std::int64_t> count(const std::string& table);
  // Sets the column's identity sequence so that the next id is `highest` + 1 (1 when
  // nullopt).
  Status set_identity(const std::string& table, const std::string& column,
                      std::optional<std::int64_t> highest);
  Status analyze();

 private:
  PgTarget(std::unique_ptr<postgres::Connection> c, NamedQueries store, NamedQueries move)
      : connection_(std::move(c)), store_queries_(std::move(store)),
        move_queries_(std::move(move)) {}
  Status run(const std::string& sql, std::string_view what);

  std::unique_ptr<postgres::Connection> connection_;
  NamedQueries store_queries_;  // the backend's: migrations and their bookkeeping
  NamedQueries move_queries_;   // moving/queries/postgres.sql
  std::unique_ptr<postgres::Transaction> tx_;
  std::string copying_;  // the table whose COPY is under way, "" when none
};

}  // namespace broadsheet::store::moving
