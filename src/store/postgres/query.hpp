// The PostgreSQL edge: a prepared statement run once, a transaction guard, and the one
// place where SQLSTATEs become Errors. Mirrors sqlite/query.hpp, so the two backends'
// role code reads alike: parameters are numbered from 1 ($1 in the SQL, ?1 in SQLite's),
// columns are read by name through a ColumnList resolved once per execution.
// Not thread-safe: callers hold a connection of the pool (pool.hpp).
#pragma once

#include <libpq-fe.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/column_list.hpp"
#include "store/postgres/connection.hpp"

namespace broadsheet::store::postgres {

// SQLSTATE 23505 (unique_violation) becomes Errc::conflict, everything else
// Errc::database; the message is `what` followed by the server's own words (or
// libpq's, when the connection failed).
Error pg_error(PGconn* conn, const PGresult* res, std::string_view what);

// Puts what the store was doing in front of a database failure; a taken unique key is
// told in the store's own words (`taken`) rather than the server's.
Error failed_to(std::string_view what, const Error& e);
Error failed_to(std::string_view what, const Error& e, std::string_view taken);

// A count for a LIMIT parameter.
std::int64_t as_sql_limit(std::size_t n);

// One execution of a named, prepared query (or, for migrations and tests, of SQL text).
// Bind, then step()/run()/each_row(): the first step sends the statement and receives
// its whole result; later steps move through its rows. Values travel as text.
class Query {
 public:
  // The prepared query `name` (Connection::prepare_all). A name not prepared fails the
  // first step with Errc::internal.
  Query(Connection& connection, std::string_view name);
  // SQL text, not prepared: for migrations and the store's own bookkeeping.
  static Query text(Connection& connection, std::string_view sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query(Query&&) noexcept;
  Query& operator=(Query&&) = delete;

  Query& bind_int(int index, std::int64_t value);
  Query& bind_bool(int index, bool value);
  Query& bind_text(int index, std::string_view value);
  Query& bind_null(int index);
  Query& bind_opt_int(int index, const std::optional<std::int64_t>& value);
  Query& bind_opt_text(int index, const std::optional<std::string>& value);

  template <std::size_t N>
  Query& columns(const ColumnList<N>& list) {
    static_assert(N <= kMaxColumns, "raise Query::kMaxColumns");
    names_.assign(list.span().begin(), list.span().end());
    return *this;
  }

  // True when a row is ready to read, false when the result is done.
  Result<bool> step();
  // Sends the statement, discarding rows: for statements run for their effect.
  Status run();
  // Steps once expecting a row; Errc::not_found with `missing` when there is none.
  Status expect_row(std::string_view missing);
  template <typename F>
  Status returning_row(std::string_view missing, F&& read) {
    if (auto s = expect_row(missing); !s) return s;
    read();
    return {};
  }
  template <typename F>
  Status each_row(F&& read) {
    for (;;) {
      auto row = step();
      if (!row) return row.error();
      if (!*row) return {};
      read();
    }
  }
  // Rows the statement wrote (INSERT, UPDATE, DELETE), after run() or a step.
  std::int64_t affected() const;
  // Rows in the result, after the first step.
  int rows() const { return res_ ? PQntuples(res_) : 0; }
  // The SQLSTATE of a failure ("23505"), "" after success: for callers that tell
  // failures apart.
  const std::string& sqlstate() const { return sqlstate_; }

  bool is_null(int col) const { return PQgetisnull(res_, row_, col) != 0; }
  std::int64_t int_at(int col) const;
  bool bool_at(int col) const;
  double double_at(int col) const;
  std::string text_at(int col) const;
  std::optional<std::int64_t> opt_int_at(int col) const;
  std::optional<std::string> opt_text_at(int col) const;

  std::int64_t int_of(std::size_t i) const { return int_at(positions_[i]); }
  bool bool_of(std::size_t i) const { return bool_at(positions_[i]); }
  double double_of(std::size_t i) const { return double_at(positions_[i]); }
  std::string text_of(std::size_t i) const { return text_at(positions_[i]); }
  std::optional<std::int64_t> opt_int_of(std::size_t i) const { return opt_int_at(positions_[i]); }
  std::optional<std::string> opt_text_of(std::size_t i) const { return opt_text_at(positions_[i]); }

  const std::string& name() const { return name_; }

  static constexpr std::size_t kMaxColumns = 24;

 private:
  Query(Connection& connection, std::string name, std::string sql);
  Status execute();
  Query& bind(int index, std::optional<std::string> value);

  Connection* connection_;
  std::string name_;  // the prepared statement's name; "" for SQL text
  std::string sql_;   // the SQL text, when not prepared
  std::vector<std::optional<std::string>> params_;
  std::vector<std::string_view> names_;  // the reader's columns, by name
  std::array<int, kMaxColumns> positions_{};
  PGresult* res_ = nullptr;
  int row_ = -1;
  std::string sqlstate_;
};

// A transaction on the connection: BEGIN at begin(), commit(), and a ROLLBACK on
// destruction unless committed, so an early return leaves nothing behind.
class Transaction {
 public:
  explicit Transaction(Connection& connection) : connection_(connection) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // `isolation` "" for the default (READ COMMITTED), or "REPEATABLE READ" for a
  // consistent snapshot across several statements, or "SERIALIZABLE".
  Status begin(std::string_view isolation = "");
  Status commit();

 private:
  Connection& connection_;
  bool open_ = false;
};

// SQLSTATE 23503: a row names another that does not exist (or no longer does).
inline constexpr std::string_view kForeignKeyViolation = "23503";

// SQLSTATEs a transaction may be run again for: serialization failure, deadlock
// (retry.hpp runs them again).
bool retryable(const std::string& sqlstate);

}  // namespace broadsheet::store::postgres
