// `broadsheet migrate-store --to postgresql://...`: the data folder's SQLite database
// copied into an empty PostgreSQL database (store/moving/moving.hpp), for a publisher
// who outgrows one machine. The folder is left as it was; its broadsheet.toml is then
// pointed at the new database by the operator (the command says how).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "core/clock.hpp"
#include "store/moving/moving.hpp"

namespace broadsheet::cli {
namespace {

// A libpq URL longer than this is a mistake, not a database.
constexpr std::size_t kMaxUrl = 4096;
// Without a connect_timeout of its own, a server that does not answer is waited for
// this long (seconds) rather than for ever.
constexpr const char* kConnectTimeout = "15";

struct MoveArgs {
  std::string to;
};

// The count table: each table's rows on both sides.
void print_counts(const store::moving::MoveReport& r) {
  auto tables = r.tables;  // by name, for a reader to find one
  std::sort(tables.begin(), tables.end(),
            [](const auto& a, const auto& b) { return a.table < b.table; });
  std::size_t width = 5;
  for (const auto& t : tables) width = std::max(width, t.table.size());
  std::cout << fmt::format("{:<{}}  {:>12}  {:>12}\n", "table", width, "SQLite", "PostgreSQL");
  for (const auto& t : tables) {
    std::cout << fmt::format("{:<{}}  {:>12}  {:>12}\n", t.table, width, thousands(t.source),
                             thousands(t.target));
  }
}

int run_migrate_store(const std::string& data, const MoveArgs& a) {
  if (a.to.size() > kMaxUrl) return fail(fmt::format("--to is longer than {} bytes", kMaxUrl));
  if (!store::moving::is_postgres_url(a.to)) {
    return fail("--to must be a PostgreSQL URL, postgresql://USER@HOST[:PORT]/DATABASE");
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(data) / "broadsheet.toml", ec)) {
    return fail(fmt::format("{} is not a Broadsheet data folder (no broadsheet.toml)", data));
  }
  auto config = load_config(data, process_env());
  if (!config) return fail(config.error());
  const std::string file = store::database_file(config->database, data);
  if (file.empty()) {
    return fail(fmt::format("the data folder's database is not a SQLite file ({}): "
                            "migrate-store moves a SQLite database into PostgreSQL",
                            store::moving::is_postgres_url(config->database) ? "it is PostgreSQL"
                                                                            : config->database));
  }
  auto password = database_password(*config, data);
  if (!password) return fail(password.error());
  ::setenv("PGCONNECT_TIMEOUT", kConnectTimeout, /*overwrite=*/0);

  std::unique_ptr<Progress> bar;
  std::string current;
  auto started = std::chrono::steady_clock::now();
  auto table_started = started;
  auto on_progress = [&](std::string_view table, std::int64_t done, std::int64_t total) {
    if (table != current) {
      current = table;
      table_started = std::chrono::steady_clock::now();
      bar = std::make_unique<Progress>(fmt::format("copying {}", table),
                                       static_cast<std::size_t>(total));
    }
    if (!bar) return;  // this table is done
    bar->update(static_cast<std::size_t>(done), static_cast<std::size_t>(done));
    if (done == total) {
      bar.reset();
      // A line per large table on stderr, terminal or not: a long move shows it moves.
      if (total >= 10'000) {
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                 table_started).count();
        std::cerr << fmt::format("copied {}: {} rows in {:.1f} s\n", table,
                                 thousands(static_cast<std::size_t>(total)), s);
      }
    }
  };
  store::moving::MoveRequest request{file, a.to, *password};
  auto report = store::moving::move_to_postgres(request, SystemClock::instance(), on_progress);
  bar.reset();
  if (!report) return fail(report.error());
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_counts(*report);
  std::cout << fmt::format(
      "moved {} rows in {} tables from {} (schema version {}) to {} in {:.1f} s; every "
      "count matches\n",
      thousands(static_cast<std::size_t>(report->rows)), report->tables.size(), file,
      report->schema_version, report->target_name, seconds);
  std::cout << fmt::format(
      "next: stop `broadsheet serve`, set database = \"<the --to URL>\" in {}/broadsheet.toml "
      "(a password goes in a 0600 file named by database_password_file), and start it "
      "again; {} stays as it was\n",
      data, file);
  return kExitOk;
}

}  // namespace

void add_store_commands(CLI::App& app, Invocation& invocation) {
  static MoveArgs a;
  auto* move = app.add_subcommand(
      "migrate-store",
      "Copy the data folder's SQLite database into an empty PostgreSQL database, verified by "
      "counts (the SQLite file is left as it is)");
  auto& data = add_data_option(move);
  move->add_option("--to", a.to,
                   "The PostgreSQL database: postgresql://USER@HOST[:PORT]/DATABASE; its "
                   "password from the URL, database_password_file or libpq's PGPASSWORD and "
                   "~/.pgpass")
      ->required();
  move->callback([&] { invocation.exit_code = run_migrate_store(data, a); });
}

}  // namespace broadsheet::cli
