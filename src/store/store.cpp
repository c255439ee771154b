// open_store: from a database URL to a Store backend.
//
//   sqlite:PATH        the embedded SQLite backend; a relative PATH is taken from the
//                      data folder, missing folders on the way are created
//   sqlite::memory:    a private in-memory database (tests, demos)
//   postgresql://...   the PostgreSQL backend (postgres/pg_store.hpp); postgres://
//                      is the same
//
// Errors never repeat a URL whole: a PostgreSQL URL may carry a password.
#include "store/store.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "store/postgres/pg_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite:";
constexpr std::string_view kMemory = ":memory:";

Result<std::string> sqlite_path(std::string_view rest, const std::string& base_dir) {
  if (rest.empty()) {
    return make_error(Errc::config, "the database URL 'sqlite:' names no file");
  }
  if (rest.starts_with("//")) {
    return make_error(Errc::config,
                      "write the database URL as sqlite:PATH (for example "
                      "sqlite:var/broadsheet.db), not sqlite://...");
  }
  if (rest == kMemory) return std::string(rest);
  std::filesystem::path path(rest);
  if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return make_error(Errc::database,
                      fmt::format("cannot create the folder '{}' for the database: {}",
                                  path.parent_path().string(), ec.message()));
  }
  return path.string();
}

}  // namespace

std::string database_file(const std::string& url, const std::string& base_dir) {
  std::string_view u = url;
  if (!u.starts_with(kSqliteScheme)) return "";
  std::string_view rest = u.substr(kSqliteScheme.size());
  if (rest.empty() || rest == kMemory || rest.starts_with("//")) return "";
  std::filesystem::path path(rest);
  if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
  return path.string();
}

Result<std::unique_ptr<Store>> open_store(const std::string& url, const std::string& base_dir,
                                          const Clock& clock, MailboxKeys keys,
                                          const std::string& password) {
  std::string_view u = url;
  if (u.starts_with("postgresql://") || u.starts_with("postgres://")) {
    static_assert(postgres::PgStore::kComplete, "every role of the Store is on PostgreSQL");
    auto store = postgres::PgStore::open(url, clock, postgres::PgSql::embedded(),
                                         std::move(keys), postgres::PgStore::kPoolSize, password);
    if (!store) return store.error();
    return std::unique_ptr<Store>(std::move(*store));
  }
  if (!u.starts_with(kSqliteScheme)) {
    std::size_t colon = u.find(':');
    std::string scheme = colon == std::string_view::npos ? "" : std::string(u.substr(0, colon));
    return make_error(
        Errc::config,
        fmt::format(
            "the database URL {}; expected sqlite:PATH or "
            "postgresql://...",
            scheme.empty() ? "has no scheme" : fmt::format("has the unknown scheme '{}'", scheme)));
  }
  auto path = sqlite_path(u.substr(kSqliteScheme.size()), base_dir);
  if (!path) return path.error();
  auto store =
      sqlite::SqliteStore::open(*path, clock, sqlite::SqliteSql::embedded(), std::move(keys));
  if (!store) return store.error();
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace broadsheet::store

namespace broadsheet::store {

std::string_view to_string(CohortOutcome o) {
  return o == CohortOutcome::skipped ? "skipped" : "released";
}

}  // namespace broadsheet::store
