// The SQLite edge: a prepared statement borrowed for one use, a transaction guard, and
// the one place where SQLite result codes become Errors.
// Not thread-safe: callers hold the store's connection (SqliteStore::Hold).
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/column_list.hpp"

namespace broadsheet::store::sqlite {

// SQLITE_CONSTRAINT_UNIQUE and _PRIMARYKEY become Errc::conflict, everything else
// Errc::database; the message is `what` followed by SQLite's own words.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

// Puts what the store was doing in front of a database failure ("cannot add newsletter
// 'x': disk I/O error"); other errors already carry a sentence of their own.
Error failed_to(std::string_view what, const Error& e);
// The same, but a taken unique key is told in the store's own words (`taken`: "a
// newsletter with slug 'x' already exists") rather than SQLite's.
Error failed_to(std::string_view what, const Error& e, std::string_view taken);

// A count for a LIMIT parameter; SQLite's integers are signed.
std::int64_t as_sql_limit(std::size_t n);

// A persistent prepared statement in use. Binds, steps and reads columns; on
// destruction it resets and clears its bindings so the next user finds it clean.
// Text is bound without copying (SQLITE_STATIC): the bound bytes must outlive the
// Query, which is why binding a temporary std::string does not compile.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Parameters are numbered from 1, as ?1 in the SQL.
  Query& bind_int(int index, std::int64_t value);
  Query& bind_bool(int index, bool value) { return bind_int(index, value ? 1 : 0); }
  Query& bind_text(int index, std::string_view value);
  Query& bind_text(int index, std::string&&) = delete;
  Query& bind_null(int index);
  Query& bind_opt_int(int index, const std::optional<std::int64_t>& value);
  Query& bind_opt_text(int index, const std::optional<std::string>& value);

  // Resolves the reader's columns against this statement's result columns (by the names
  // SQLite reports: the column, or the `AS` alias of an expression). Call before the
  // first step; `*_of(i)` then reads the column named `names[i]`. A name the statement
  // does not return makes the next step fail with Errc::internal naming the query and
  // the column, before any row is read.
  template <std::size_t N>
  Query& columns(const ColumnList<N>& list) {
    static_assert(N <= kMaxColumns, "raise Query::kMaxColumns");
    return resolve(list.span());
  }

  // True when a row is ready to read, false when the statement is done.
  Result<bool> step();
  // Steps to the end, discarding rows: for statements run for their effect. Stepping to
  // the end, rather than leaving it to the reset, is what makes an autocommit's own
  // failure (a full disk at COMMIT) reach the caller.
  Status run();
  // Steps once expecting a row; Errc::not_found with `missing` when there is none.
  // Read the row's columns, then run() to finish the statement.
  Status expect_row(std::string_view missing);
  // For a write that returns one row (RETURNING): lets `read()` take the row's
  // columns, then finishes the statement. Errc::not_found with `missing` when no row
  // comes back (nothing matched).
  template <typename F>
  Status returning_row(std::string_view missing, F&& read) {
    if (auto s = expect_row(missing); !s) return s;
    read();
    return run();
  }
  // Calls `read()` once per row, until the statement is done.
  template <typename F>
  Status each_row(F&& read) {
    for (;;) {
      auto row = step();
      if (!row) return row.error();
      if (!*row) return {};
      read();
    }
  }
  // The SQLite result code of the last step, for callers that tell failures apart
  // (a foreign key naming a row that does not exist).
  int last_code() const { return last_rc_; }

  std::int64_t int_at(int col) const;
  bool bool_at(int col) const { return int_at(col) != 0; }
  std::string text_at(int col) const;
  std::optional<std::int64_t> opt_int_at(int col) const;
  std::optional<std::string> opt_text_at(int col) const;  // nullopt for NULL

  // A column of the list given to columns(), by its place in that list.
  std::int64_t int_of(std::size_t i) const { return int_at(positions_[i]); }
  bool bool_of(std::size_t i) const { return bool_at(positions_[i]); }
  std::string text_of(std::size_t i) const { return text_at(positions_[i]); }
  std::optional<std::int64_t> opt_int_of(std::size_t i) const { return opt_int_at(positions_[i]); }
  std::optional<std::string> opt_text_of(std::size_t i) const { return opt_text_at(positions_[i]); }

  // The name of the query this statement was prepared from (Connection::prepare puts it
  // in front of the SQL), or the SQL's first line for a statement prepared elsewhere.
  std::string name() const;

  static constexpr std::size_t kMaxColumns = 24;

 private:
  Error error(int rc) const;
  Query& resolve(std::span<const std::string_view> names);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // first binding failure, reported by the next step
  int last_rc_ = SQLITE_OK;
  std::optional<Error> columns_error_;  // a missing column, reported by the next step
  std::array<int, kMaxColumns> positions_{};
};

// A transaction on the connection: begin() with a BEGIN statement, commit(), and a
// rollback on destruction unless committed, so an early return leaves nothing behind.
class Transaction {
 public:
  Transaction(sqlite3* db, sqlite3_stmt* commit, sqlite3_stmt* rollback)
      : db_(db), commit_(commit), rollback_(rollback) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status begin(sqlite3_stmt* begin_statement);
  Status commit();
  // Leaves the open transaction to someone else (an import session) to end.
  void release() { open_ = false; }

 private:
  sqlite3* db_;
  sqlite3_stmt* commit_;
  sqlite3_stmt* rollback_;
  bool open_ = false;
};

}  // namespace broadsheet::store::sqlite
