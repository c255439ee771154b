#include "store/sqlite/connection.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "store/sqlite/query.hpp"

namespace broadsheet::store::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// True when nothing but white space and comments is left of a query's text.
Result<bool> only_comments_left(sqlite3* db, const char* tail) {
  sqlite3_stmt* extra = nullptr;
  int rc = sqlite3_prepare_v2(db, tail, -1, &extra, nullptr);
  sqlite3_finalize(extra);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "text after the first statement");
  return extra == nullptr;
}

// The journal mode the database at `db` is in; the first statement reads the file, so
// it is where "not a database" shows up. `pragma` sets the mode or only reads it.
Result<std::string> journal_mode(sqlite3* db, const std::string& path, const char* pragma) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, pragma, -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    Error e = sqlite_error(db, rc, fmt::format("cannot use database '{}'", path));
    sqlite3_finalize(stmt);
    return make_error(Errc::database, e.message);
  }
  std::string m = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  return m;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open_reader(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: the store's reader pool hands a connection to one thread at a time.
  int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, fmt::format("cannot open database '{}' to read", path));
    sqlite3_close_v2(db);
    return make_error(Errc::database, e.message);
  }
  std::unique_ptr<Connection> c(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  // A reader waits only while another connection recovers or resets the WAL.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  auto mode = journal_mode(db, path, "PRAGMA journal_mode");
  if (!mode) return mode.error();
  // Without WAL a reader would block the writer (and be blocked by it).
  if (*mode != "wal") {
    return make_error(Errc::database,
                      fmt::format("database '{}' is not in WAL mode (journal_mode is {}), so "
                                  "it cannot be read beside the writer",
                                  path, *mode));
  }
  return c;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path) {
  // SQLite would create the file 0644 less the umask, and gives its -wal and -shm files
  // the database file's mode: made here first, all of them hold readers' addresses and
  // password hashes for the owner alone.
  if (path != ":memory:" && !path.starts_with("file:")) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  sqlite3* db = nullptr;
  // NOMUTEX: the store already serialises every use of the connection (its Hold).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, fmt::format("cannot open database '{}'", path));
    sqlite3_close_v2(db);
    return make_error(Errc::database, e.message);
  }
  std::unique_ptr<Connection> c(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  auto mode = journal_mode(db, path, "PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  // An in-memory database (tests) has no journal file to put in WAL mode.
  if (*mode != "wal" && *mode != "memory") {
    return make_error(
        Errc::database,
        fmt::format("database '{}' refused WAL mode (journal_mode is {})", path, *mode));
  }
  for (const char* p : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL",
                        // After a large import the WAL is cut back to 64 MiB, not kept
                        // at its largest size forever.
                        "PRAGMA journal_size_limit = 67108864"}) {
    if (auto s = c->pragma(p); !s) return s.error();
  }
  return c;
}

Connection::~Connection() {
  for (auto& [name, stmt] : prepared_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<sqlite3_stmt*> Connection::prepare(const NamedQuery& query) {
  auto fail = [&](const Error& e) {
    return make_error(Errc::database, fmt::format("query '{}' ({} line {}): {}", query.name,
                                                  query.origin, query.line, e.message));
  };
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  // The name goes in front as a comment, for Query::name() to tell in messages.
  const std::string text = fmt::format("-- name: {}\n{}", query.name, query.sql);
  int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size() + 1),
                              SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db_, rc, "");
    sqlite3_finalize(stmt);
    return fail(e);
  }
  if (!stmt) return fail(make_error(Errc::database, "holds no statement"));
  auto single = only_comments_left(db_, tail);
  if (!single || !*single) {
    sqlite3_finalize(stmt);
    return fail(single ? make_error(Errc::database, "holds more than one statement")
                       : single.error());
  }
  return stmt;
}

Result<sqlite3_stmt*> Connection::statement(const NamedQueries& queries, std::string_view name) {
  if (auto it = prepared_.find(name); it != prepared_.end()) return it->second;
  const NamedQuery* query = queries.find(name);
  if (!query) {
    return make_error(Errc::database,
                      fmt::format("query '{}' is missing from {}", name, queries.origin()));
  }
  auto stmt = prepare(*query);
  if (!stmt) return stmt.error();
  prepared_.emplace(query->name, *stmt);
  return *stmt;
}

Status Connection::prepare_all(const NamedQueries& queries) {
  for (const auto& q : queries.all()) {
    if (auto s = statement(queries, q.name); !s) return s.error();
  }
#define BROADSHEET_SQLITE_LOOKUP(name)         \
  if (auto s = statement(queries, #name); s) { \
    statements_.name = *s;                     \
  } else {                                     \
    return s.error();                          \
  }
  BROADSHEET_SQLITE_QUERIES(BROADSHEET_SQLITE_LOOKUP)
#undef BROADSHEET_SQLITE_LOOKUP
  return {};
}

Status Connection::pragma(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return make_error(Errc::database, fmt::format("{}: {}", sql, text));
}

Result<std::int64_t> Connection::pragma_int(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    Error e = sqlite_error(db_, rc, sql);
    sqlite3_finalize(stmt);
    return make_error(Errc::database, e.message);
  }
  std::int64_t value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

}  // namespace broadsheet::store::sqlite
