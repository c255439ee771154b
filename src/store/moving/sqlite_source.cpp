#include "store/moving/sqlite_source.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

#include "core/resources.hpp"
#include "store/postgres/copy_text.hpp"
#include "store/sqlite/query.hpp"

namespace broadsheet::store::moving {
namespace {

constexpr std::string_view kSourceQueries = "src/store/moving/queries/sqlite.sql";
constexpr std::size_t kPiece = 1 << 20;

// A statement built from the catalogue's names (moving.hpp), finalized when it ends.
class Dynamic {
 public:
  Dynamic(sqlite3* db, const std::string& sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Dynamic() { sqlite3_finalize(stmt_); }
  Dynamic(const Dynamic&) = delete;
  Dynamic& operator=(const Dynamic&) = delete;
  Status ready(std::string_view what) const {
    if (rc_ == SQLITE_OK) return {};
    return sqlite::sqlite_error(db_, rc_, what);
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

void append_integer(std::string& out, std::int64_t v) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, end);
}

void append_hex(std::string& out, const unsigned char* bytes, int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  // COPY's text unescapes "\\x" to the "\x" bytea's hex input starts with.
  out += "\\\\x";
  for (int i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
}

// One value of the current row, as `kind` wants it in COPY's text.
void append_value(std::string& out, sqlite3_stmt* stmt, int col, ValueKind kind) {
  switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_NULL:
      out += "\\N";
      return;
    case SQLITE_INTEGER:
      append_integer(out, sqlite3_column_int64(stmt, col));
      return;
    case SQLITE_FLOAT:
      out += fmt::format("{}", sqlite3_column_double(stmt, col));
      return;
    default: {
      // Text or blob: the bytes, hex for a bytea column, else as text (the server then
      // checks them as its type: UTF-8, JSON, a number).
      const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, col));
      int n = sqlite3_column_bytes(stmt, col);
      if (kind == ValueKind::bytes) {
        append_hex(out, bytes, n);
      } else {
        postgres::append_copy_field(
            out, std::string_view(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(n)));
      }
    }
  }
}

}  // namespace

std::optional<ValueKind> value_kind(std::string_view t) {
  if (t == "bigint" || t == "integer" || t == "smallint") return ValueKind::integer;
  if (t == "double precision" || t == "real" || t == "numeric") return ValueKind::real;
  if (t == "text" || t == "character varying") return ValueKind::text;
  if (t == "jsonb" || t == "json") return ValueKind::json;
  if (t == "bytea") return ValueKind::bytes;
  return std::nullopt;
}

std::string quote_identifier(std::string_view name) {
  std::string q = "\"";
  for (char ch : name) {
    if (ch == '"') q.push_back('"');
    q.push_back(ch);
  }
  q.push_back('"');
  return q;
}

Result<std::unique_ptr<SqliteSource>> SqliteSource::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return make_error(Errc::not_found, fmt::format("there is no database file at {}", path));
  }
  auto text = resource(kSourceQueries);
  if (!text) return make_error(Errc::internal, fmt::format("{} is not built in", kSourceQueries));
  auto queries = NamedQueries::parse(*text, kSourceQueries);
  if (!queries) return make_error(Errc::internal, queries.error().message);
  auto connection = sqlite::Connection::open_reader(path);
  if (!connection) return connection.error();
  return std::unique_ptr<SqliteSource>(
      new SqliteSource(std::move(*connection), std::move(*queries)));
}

Status SqliteSource::begin() {
  auto stmt = statement("move_begin_read");
  if (!stmt) return stmt.error();
  return sqlite::Query(connection_->db(), *stmt).run();
}

Result<int> SqliteSource::schema_version() {
  Dynamic probe(connection_->db(), "SELECT 1 FROM schema_migrations LIMIT 1");
  if (!probe.ready("")) {
    return make_error(Errc::config,
                      "the SQLite file has no schema_migrations table: it is not a "
                      "Broadsheet database");
  }
  auto stmt = statement("move_source_version");
  if (!stmt) return stmt.error();
  sqlite::Query q(connection_->db(), *stmt);
  if (auto s = q.expect_row("no schema version"); !s) return s.error();
  return static_cast<int>(q.int_at(0));
}

Result<Tables> SqliteSource::tables() {
  auto names_stmt = statement("move_source_tables");
  if (!names_stmt) return names_stmt.error();
  std::vector<std::string> names;
  {
    sqlite::Query q(connection_->db(), *names_stmt);
    if (auto s = q.each_row([&] { names.push_back(q.text_at(0)); }); !s) return s.error();
  }
  auto columns_stmt = statement("move_source_columns");
  if (!columns_stmt) return columns_stmt.error();
  Tables out;
  for (const auto& name : names) {
    if (name == kMigrationsTable) continue;
    auto& columns = out[name];
    sqlite::Query q(connection_->db(), *columns_stmt);
    q.bind_text(1, name);
    if (auto s = q.each_row([&] { columns.push_back({q.text_at(0), q.text_at(1), false}); }); !s) {
      return s.error();
    }
  }
  return out;
}

Result<std::map<std::string, std::int64_t>> SqliteSource::sequences() {
  std::map<std::string, std::int64_t> out;
  auto has = statement("move_source_has_sequences");
  if (!has) return has.error();
  {
    sqlite::Query q(connection_->db(), *has);
    if (auto s = q.expect_row("no row"); !s) return s.error();
    if (q.int_at(0) == 0) return out;
  }
  auto stmt = statement("move_source_sequences");
  if (!stmt) return stmt.error();
  sqlite::Query q(connection_->db(), *stmt);
  if (auto s = q.each_row([&] { out[q.text_at(0)] = q.int_at(1); }); !s) return s.error();
  return out;
}

Result<std::int64_t> SqliteSource::count(const std::string& table) {
  Dynamic q(connection_->db(), "SELECT count(*) FROM " + quote_identifier(table));
  if (auto s = q.ready(fmt::format("cannot count the rows of {}", table)); !s) return s.error();
  int rc = sqlite3_step(q.get());
  if (rc != SQLITE_ROW) {
    return sqlite::sqlite_error(connection_->db(), rc,
                                fmt::format("cannot count the rows of {}", table));
  }
  return sqlite3_column_int64(q.get(), 0);
}

Result<RowsWritten> SqliteSource::write_rows(const std::string& table,
                                             const std::vector<Column>& columns,
                                             const std::vector<ValueKind>& kinds, int identity,
                                             const std::function<Status(std::string&)>& sink,
                                             const std::function<void(std::int64_t)>& rows_done,
                                             std::int64_t every) {
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += quote_identifier(columns[i].name);
  }
  sql += " FROM " + quote_identifier(table);
  Dynamic q(connection_->db(), sql);
  const std::string what = fmt::format("cannot read the rows of {}", table);
  if (auto s = q.ready(what); !s) return s.error();
  RowsWritten out;
  std::string buffer;
  buffer.reserve(kPiece + 64 * 1024);
  const int n = static_cast<int>(columns.size());
  for (;;) {
    int rc = sqlite3_step(q.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite::sqlite_error(connection_->db(), rc, what);
    for (int c = 0; c < n; ++c) {
      if (c > 0) buffer.push_back('\t');
      append_value(buffer, q.get(), c, kinds[static_cast<std::size_t>(c)]);
    }
    buffer.push_back('\n');
    if (identity >= 0 && sqlite3_column_type(q.get(), identity) == SQLITE_INTEGER) {
      std::int64_t id = sqlite3_column_int64(q.get(), identity);
      if (!out.max_identity || id > *out.max_identity) out.max_identity = id;
    }
    ++out.rows;
    if (buffer.size() >= kPiece) {
      if (auto s = sink(buffer); !s) return s.error();
      buffer.clear();
    }
    if (rows_done && out.rows % every == 0) rows_done(out.rows);
  }
  if (!buffer.empty()) {
    if (auto s = sink(buffer); !s) return s.error();
  }
  return out;
}

}  // namespace broadsheet::store::moving
