#include "store/postgres/query.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

namespace broadsheet::store::postgres {
namespace {

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

const char* kUniqueViolation = "23505";
const char* kNotUtf8 = "22021";  // character_not_in_repertoire: invalid byte sequence

}  // namespace

Error pg_error(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string words = primary ? primary : (conn ? PQerrorMessage(conn) : "no result");
  Errc code = (state && std::string_view(state) == kUniqueViolation) ? Errc::conflict
                                                                     : Errc::database;
  return make_error(code, fmt::format("{}: {}", what, one_line(words)));
}

Error failed_to(std::string_view what, const Error& e) {
  if (e.code != Errc::database) return e;
  return make_error(e.code, fmt::format("cannot {}: {}", what, e.message));
}

Error failed_to(std::string_view what, const Error& e, std::string_view taken) {
  if (e.code == Errc::conflict) return make_error(Errc::conflict, std::string(taken));
  return failed_to(what, e);
}

std::int64_t as_sql_limit(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
  return static_cast<std::int64_t>(n > kMax ? kMax : n);
}

Query::Query(Connection& connection, std::string_view name)
    : connection_(&connection), name_(name) {}

Query::Query(Connection& connection, std::string name, std::string sql)
    : connection_(&connection), name_(std::move(name)), sql_(std::move(sql)) {}

Query Query::text(Connection& connection, std::string_view sql) {
  return Query(connection, "", std::string(sql));
}

Query::Query(Query&& other) noexcept
    : connection_(other.connection_),
      name_(std::move(other.name_)),
      sql_(std::move(other.sql_)),
      params_(std::move(other.params_)),
      names_(std::move(other.names_)),
      positions_(other.positions_),
      res_(other.res_),
      row_(other.row_),
      sqlstate_(std::move(other.sqlstate_)) {
  other.res_ = nullptr;
}

Query::~Query() { PQclear(res_); }

Query& Query::bind(int index, std::optional<std::string> value) {
  if (index < 1) return *this;
  if (params_.size() < static_cast<std::size_t>(index)) params_.resize(index);
  params_[index - 1] = std::move(value);
  return *this;
}

Query& Query::bind_int(int index, std::int64_t value) { return bind(index, std::to_string(value)); }
Query& Query::bind_bool(int index, bool value) {
  return bind(index, std::string(value ? "1" : "0"));  // a 0/1 flag column, or a boolean
}
Query& Query::bind_text(int index, std::string_view value) {
  return bind(index, std::string(value));
}
Query& Query::bind_null(int index) { return bind(index, std::nullopt); }
Query& Query::bind_opt_int(int index, const std::optional<std::int64_t>& value) {
  return value ? bind_int(index, *value) : bind_null(index);
}
Query& Query::bind_opt_text(int index, const std::optional<std::string>& value) {
  return value ? bind_text(index, *value) : bind_null(index);
}

Status Query::execute() {
  PGconn* conn = connection_->raw();
  if (sql_.empty() && !connection_->prepared(name_)) {
    return make_error(Errc::internal, fmt::format("no query named '{}' is prepared", name_));
  }
  std::vector<const char*> values;
  values.reserve(params_.size());
  for (const auto& p : params_) values.push_back(p ? p->c_str() : nullptr);
  int n = static_cast<int>(values.size());
  res_ = sql_.empty()
             ? PQexecPrepared(conn, name_.c_str(), n, values.data(), nullptr, nullptr, 0)
             : PQexecParams(conn, sql_.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0);
  ExecStatusType status = res_ ? PQresultStatus(res_) : PGRES_FATAL_ERROR;
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
    sqlstate_.clear();
    std::size_t i = 0;
    for (auto column : names_) {
      int at = PQfnumber(res_, fmt::format("\"{}\"", column).c_str());
      if (at < 0) {
        return make_error(Errc::internal,
                          fmt::format("query '{}' returns no column '{}'", name_, column));
      }
      positions_[i++] = at;
    }
    return {};
  }
  const char* state = res_ ? PQresultErrorField(res_, PG_DIAG_SQLSTATE) : nullptr;
  sqlstate_ = state ? state : "";
  connection_->note_failure(sqlstate_);
  Error e = pg_error(conn, res_, name_.empty() ? std::string("SQL") : fmt::format("query '{}'", name_));
  PQclear(res_);
  res_ = nullptr;
  return e;
}

Result<bool> Query::step() {
  if (res_ == nullptr) {
    if (auto s = execute(); !s) return s.error();
    row_ = -1;
  }
  ++row_;
  return row_ < PQntuples(res_);
}

Status Query::run() {
  if (res_ == nullptr) return execute();
  return {};
}

Status Query::expect_row(std::string_view missing) {
  auto row = step();
  // A key that is not UTF-8 (a slug from a URL's %FF) is refused by the server as text,
  // but the database holds only UTF-8, so no row has it: not found, as on SQLite.
  if (!row && sqlstate_ == kNotUtf8) return make_error(Errc::not_found, std::string(missing));
  if (!row) return row.error();
  if (!*row) return make_error(Errc::not_found, std::string(missing));
  return {};
}

std::int64_t Query::affected() const {
  if (res_ == nullptr) return 0;
  const char* n = PQcmdTuples(res_);
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

std::int64_t Query::int_at(int col) const {
  if (is_null(col)) return 0;
  const char* v = PQgetvalue(res_, row_, col);
  if (v[0] == 't') return 1;  // a boolean read as a number
  if (v[0] == 'f') return 0;
  std::int64_t out = 0;
  std::from_chars(v, v + PQgetlength(res_, row_, col), out);
  return out;
}

bool Query::bool_at(int col) const { return int_at(col) != 0; }

double Query::double_at(int col) const {
  if (is_null(col)) return 0;
  return std::strtod(PQgetvalue(res_, row_, col), nullptr);
}

std::string Query::text_at(int col) const {
  if (is_null(col)) return {};
  return std::string(PQgetvalue(res_, row_, col), PQgetlength(res_, row_, col));
}

std::optional<std::int64_t> Query::opt_int_at(int col) const {
  if (is_null(col)) return std::nullopt;
  return int_at(col);
}

std::optional<std::string> Query::opt_text_at(int col) const {
  if (is_null(col)) return std::nullopt;
  return text_at(col);
}

Status Transaction::begin(std::string_view isolation) {
  std::string sql = isolation.empty() ? std::string("BEGIN")
                                      : fmt::format("BEGIN ISOLATION LEVEL {}", isolation);
  if (auto s = connection_.execute(sql, "begin a transaction"); !s) return s;
  open_ = true;
  return {};
}

Status Transaction::commit() {
  open_ = false;
  return connection_.execute("COMMIT", "commit");
}

Transaction::~Transaction() {
  if (open_) (void)connection_.execute("ROLLBACK", "roll back");
}

bool retryable(const std::string& sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

}  // namespace broadsheet::store::postgres
