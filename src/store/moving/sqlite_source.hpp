// The source of a move (moving.hpp): the SQLite database file, opened read-only and
// read in one snapshot from begin() on. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/moving/schema.hpp"
#include "store/named_queries.hpp"
#include "store/sqlite/connection.hpp"

namespace broadsheet::store::moving {

// What a table's rows came to while they were written out.
struct RowsWritten {
  std::int64_t rows = 0;
  std::optional<std::int64_t> max_identity;  // the largest value of the identity column
};

class SqliteSource {
 public:
  // Opens the file read-only. Errc::not_found when there is no file, Errc::database
  // when it is not a SQLite database in WAL mode.
  static Result<std::unique_ptr<SqliteSource>> open(const std::string& path);

  // Starts the read transaction every later read shares.
  Status begin();
  // The schema version in schema_migrations; Errc::config when the file has no such
  // table (not a Broadsheet database).
  Result<int> schema_version();
  // Every table but SQLite's own and schema_migrations.
  Result<Tables> tables();
  // AUTOINCREMENT's high-water mark per table (none for a table without one).
  Result<std::map<std::string, std::int64_t>> sequences();
  Result<std::int64_t> count(const std::string& table);

  // Writes the rows of `table`'s `columns` in COPY's text format, each value as
  // `kinds` says, handing the text to `sink` in pieces of about a mebibyte, and
  // `rows_done` the count every `every` rows. `identity`: the index of the column
  // whose largest value is wanted, or -1.
  Result<RowsWritten> write_rows(const std::string& table, const std::vector<Column>& columns,
                                 const std::vector<ValueKind>& kinds, int identity,
                                 const std::function<Status(std::string&)>& sink,
                                 const std::function<void(std::int64_t)>& rows_done,
                                 std::int64_t every);

 private:
  SqliteSource(std::unique_ptr<sqlite::Connection> c, NamedQueries q)
      : connection_(std::move(c)), queries_(std::move(q)) {}
  Result<sqlite3_stmt*> statement(std::string_view name) {
    return connection_->statement(queries_, name);
  }

  std::unique_ptr<sqlite::Connection> connection_;
  NamedQueries queries_;
};

}  // namespace broadsheet::store::moving
