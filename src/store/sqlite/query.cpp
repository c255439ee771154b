#include "store/sqlite/query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace broadsheet::store::sqlite {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  // The connection's message is only about this failure when it reported this code.
  std::string detail =
      (db && sqlite3_extended_errcode(db) == rc) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  Errc code = (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                  ? Errc::conflict
                  : Errc::database;
  if (what.empty()) return make_error(code, detail);
  return make_error(code, fmt::format("{}: {}", what, detail));
}

Error failed_to(std::string_view what, const Error& e) {
  if (e.code != Errc::database) return e;
  return make_error(Errc::database, fmt::format("cannot {}: {}", what, e.message));
}

Error failed_to(std::string_view what, const Error& e, std::string_view taken) {
  if (e.code == Errc::conflict) return make_error(Errc::conflict, std::string(taken));
  return failed_to(what, e);
}

std::int64_t as_sql_limit(std::size_t n) {
  constexpr auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(n, max));
}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::bind_int(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind_text(int index, std::string_view value) {
  // A non-null pointer even for "": a null one would bind NULL, not an empty text.
  const char* data = value.data() ? value.data() : "";
  int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::bind_opt_int(int index, const std::optional<std::int64_t>& value) {
  return value ? bind_int(index, *value) : bind_null(index);
}

Query& Query::bind_opt_text(int index, const std::optional<std::string>& value) {
  return value ? bind_text(index, *value) : bind_null(index);
}

Query& Query::resolve(std::span<const std::string_view> names) {
  const int count = sqlite3_column_count(stmt_);
  for (std::size_t i = 0; i < names.size() && i < kMaxColumns; ++i) {
    int found = -1;
    for (int col = 0; col < count && found < 0; ++col) {
      const char* name = sqlite3_column_name(stmt_, col);
      if (name && names[i] == name) found = col;
    }
    if (found < 0) {
      if (!columns_error_) {
        columns_error_ = make_error(
            Errc::internal, fmt::format("query '{}' returns no column '{}'", name(), names[i]));
      }
      found = 0;  // never read: the next step fails
    }
    positions_[i] = found;
  }
  return *this;
}

std::string Query::name() const {
  constexpr std::string_view kMarker = "-- name: ";
  const char* sql = sqlite3_sql(stmt_);
  std::string_view text = sql ? sql : "";
  if (text.starts_with(kMarker)) text.remove_prefix(kMarker.size());
  return std::string(text.substr(0, text.find('\n')));
}

Result<bool> Query::step() {
  if (columns_error_) return *columns_error_;
  if (bind_rc_ != SQLITE_OK) return error(bind_rc_);
  int rc = sqlite3_step(stmt_);
  last_rc_ = rc;
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return error(rc);
}

Status Query::run() {
  return each_row([] {});
}

Status Query::expect_row(std::string_view missing) {
  auto row = step();
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, std::string(missing));
  return {};
}

std::int64_t Query::int_at(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Query::text_at(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (!text) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::int64_t> Query::opt_int_at(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

std::optional<std::string> Query::opt_text_at(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return text_at(col);
}

Error Query::error(int rc) const { return sqlite_error(db_, rc, ""); }

Transaction::~Transaction() {
  if (!open_) return;
  // Nothing useful can be done with a failed rollback here; SQLite rolls back on its
  // own when the connection closes.
  sqlite3_step(rollback_);
  sqlite3_reset(rollback_);
}

Status Transaction::begin(sqlite3_stmt* begin_statement) {
  Query q(db_, begin_statement);
  if (auto s = q.run(); !s) return s;
  open_ = true;
  return {};
}

Status Transaction::commit() {
  Query q(db_, commit_);
  if (auto s = q.run(); !s) return s;
  open_ = false;
  return {};
}

}  // namespace broadsheet::store::sqlite
