// The move itself (moving.hpp): checks on both sides, then one transaction on the
// target that copies every table, sets the sequences and compares the counts.
#include "store/moving/moving.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "store/migrations.hpp"
#include "store/moving/pg_target.hpp"
#include "store/moving/sqlite_source.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::moving {
namespace {

// How often a large table's copy is told (MoveProgress).
constexpr std::int64_t kProgressEvery = 50'000;

// The schemas must be one: the same tables, the same columns, each of a type the copy
// knows. Errc::config names the first thing that differs.
Status compare_schemas(const Tables& source, const Tables& target) {
  for (const auto& [table, columns] : source) {
    if (!target.contains(table)) {
      return make_error(Errc::config,
                        fmt::format("table {} of the SQLite database has no counterpart in the "
                                    "PostgreSQL schema; nothing was copied",
                                    table));
    }
  }
  for (const auto& [table, columns] : target) {
    auto it = source.find(table);
    if (it == source.end()) {
      return make_error(Errc::config,
                        fmt::format("table {} of the PostgreSQL schema has no counterpart in the "
                                    "SQLite database; nothing was copied",
                                    table));
    }
    std::set<std::string> theirs, ours;
    for (const auto& c : it->second) theirs.insert(c.name);
    for (const auto& c : columns) {
      ours.insert(c.name);
      if (!theirs.contains(c.name)) {
        return make_error(Errc::config,
                          fmt::format("column {}.{} of the PostgreSQL schema is missing from the "
                                      "SQLite database; nothing was copied",
                                      table, c.name));
      }
      if (!value_kind(c.type)) {
        return make_error(Errc::config,
                          fmt::format("column {}.{} has the type {}, which migrate-store cannot "
                                      "fill; nothing was copied",
                                      table, c.name, c.type));
      }
    }
    for (const auto& c : it->second) {
      if (!ours.contains(c.name)) {
        return make_error(Errc::config,
                          fmt::format("column {}.{} of the SQLite database is missing from the "
                                      "PostgreSQL schema; nothing was copied",
                                      table, c.name));
      }
    }
  }
  return {};
}

// The tables with every parent before its children (a table's self-reference aside);
// among the tables free to go, by name. Errc::config for a cycle.
Result<std::vector<std::string>> copy_order(
    const Tables& tables, const std::vector<std::pair<std::string, std::string>>& references) {
  std::map<std::string, std::set<std::string>> parents;
  for (const auto& [table, columns] : tables) parents[table];
  for (const auto& [child, parent] : references) {
    if (child != parent && tables.contains(child) && tables.contains(parent)) {
      parents[child].insert(parent);
    }
  }
  std::vector<std::string> order;
  std::set<std::string> done;
  while (order.size() < parents.size()) {
    bool moved = false;
    for (const auto& [table, needs] : parents) {
      if (done.contains(table)) continue;
      if (std::all_of(needs.begin(), needs.end(), [&](auto& p) { return done.contains(p); })) {
        order.push_back(table);
        done.insert(table);
        moved = true;
        break;
      }
    }
    if (!moved) {
      return make_error(Errc::config,
                        "the PostgreSQL schema's foreign keys form a cycle; migrate-store "
                        "cannot order the tables");
    }
  }
  return order;
}

Result<int> latest_sqlite_version() {
  auto migrations = parse_migrations(sqlite::SqliteSql::embedded().migrations);
  if (!migrations) return migrations.error();
  return migrations->empty() ? 0 : migrations->back().version;
}

// The target must hold no rows: Errc::conflict naming the tables that do.
Status check_empty(PgTarget& target, const Tables& tables) {
  auto occupied = target.occupied(tables);
  if (!occupied) return occupied.error();
  if (occupied->empty()) return {};
  return make_error(Errc::conflict,
                    fmt::format("the target {} is not empty ({} hold rows): migrate-store "
                                "copies only into an empty database; nothing was changed",
                                target.name(), fmt::join(*occupied, ", ")));
}

// One table: COPY from the source's rows, then the identity sequence.
Result<std::int64_t> copy_table(SqliteSource& source, PgTarget& target, const std::string& table,
                                const std::vector<Column>& columns,
                                const std::map<std::string, std::int64_t>& sequences,
                                std::int64_t total, const MoveProgress& progress) {
  std::vector<ValueKind> kinds;
  int identity = -1;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    kinds.push_back(*value_kind(columns[i].type));
    if (columns[i].identity) identity = static_cast<int>(i);
  }
  if (progress) progress(table, 0, total);
  if (auto s = target.copy_start(table, columns); !s) return s.error();
  auto written = source.write_rows(
      table, columns, kinds, identity, [&](std::string& piece) { return target.copy_send(piece); },
      [&](std::int64_t done) {
        if (progress) progress(table, done, total);
      },
      kProgressEvery);
  if (!written) return written.error();
  if (auto s = target.copy_end(); !s) return s.error();
  if (progress) progress(table, written->rows, total);
  if (identity >= 0) {
    std::optional<std::int64_t> highest = written->max_identity;
    if (auto it = sequences.find(table); it != sequences.end() && it->second > 0) {
      highest = std::max(highest.value_or(0), it->second);
    }
    if (auto s = target.set_identity(table, columns[static_cast<std::size_t>(identity)].name,
                                     highest);
        !s) {
      return s.error();
    }
  }
  return written->rows;
}

}  // namespace

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

Result<MoveReport> move_to_postgres(const MoveRequest& request, const Clock& clock,
                                    const MoveProgress& progress) {
  if (!is_postgres_url(request.target)) {
    return make_error(Errc::invalid_argument,
                      "the target must be a postgresql://USER@HOST/DATABASE URL");
  }
  // The source first: a file this build cannot read is refused before the target is
  // touched.
  auto source = SqliteSource::open(request.sqlite_path);
  if (!source) return source.error();
  if (auto s = (*source)->begin(); !s) return s.error();
  auto version = (*source)->schema_version();
  if (!version) return version.error();
  auto known = latest_sqlite_version();
  if (!known) return known.error();
  if (*version != *known) {
    return make_error(
        Errc::config,
        *version < *known
            ? fmt::format("the SQLite database is at schema version {}, older than this build's "
                          "{}: run any command on the data folder once (e.g. `broadsheet "
                          "newsletter list`) to upgrade it, then move it",
                          *version, *known)
            : fmt::format("the SQLite database is at schema version {}, newer than this build "
                          "knows ({}); upgrade Broadsheet",
                          *version, *known));
  }
  auto source_tables = (*source)->tables();
  if (!source_tables) return source_tables.error();

  auto target = PgTarget::connect(request.target, request.password);
  if (!target) return target.error();
  PgTarget& to = **target;
  auto latest = to.latest_version();
  if (!latest) return latest.error();
  if (*latest != *known) {
    return make_error(Errc::internal,
                      fmt::format("this build's schemas differ: SQLite's is at version {}, "
                                  "PostgreSQL's at {}",
                                  *known, *latest));
  }
  auto target_version = to.schema_version();
  if (!target_version) return target_version.error();
  if (*target_version > *latest) {
    return make_error(Errc::config,
                      fmt::format("the target {} is at schema version {}, newer than this build "
                                  "knows ({}); nothing was changed",
                                  to.name(), *target_version, *latest));
  }
  if (*target_version > 0) {
    // A Broadsheet schema already: refuse it with rows before migrating it further.
    if (auto s = to.prepare(); !s) return s.error();
    auto existing = to.tables();
    if (!existing) return existing.error();
    if (auto s = check_empty(to, *existing); !s) return s.error();
  }
  if (auto s = to.migrate(clock); !s) return s.error();
  if (auto s = to.prepare(); !s) return s.error();
  auto target_tables = to.tables();
  if (!target_tables) return target_tables.error();
  if (auto s = compare_schemas(*source_tables, *target_tables); !s) return s.error();
  auto references = to.references();
  if (!references) return references.error();
  auto order = copy_order(*target_tables, *references);
  if (!order) return order.error();
  auto triggered = to.triggered_tables();
  if (!triggered) return triggered.error();
  auto sequences = (*source)->sequences();
  if (!sequences) return sequences.error();

  MoveReport report;
  report.schema_version = *version;
  report.target_name = to.name();
  std::map<std::string, std::int64_t> source_counts;
  for (const auto& table : *order) {
    auto n = (*source)->count(table);
    if (!n) return n.error();
    source_counts[table] = *n;
  }

  if (auto s = to.begin(); !s) return s.error();
  if (auto s = to.lock(*target_tables); !s) return s.error();
  // Again under the lock: a server may have written since the first look.
  if (auto s = check_empty(to, *target_tables); !s) return s.error();
  // The target's triggers would count again what their tables' copies already count.
  for (const auto& table : *triggered) {
    if (auto s = to.set_triggers(table, false); !s) return s.error();
  }
  if (auto s = to.clear_settings(); !s) return s.error();
  for (const auto& table : *order) {
    // Columns in the target's order; the source is read by name.
    auto copied = copy_table(**source, to, table, target_tables->at(table), *sequences,
                             source_counts[table], progress);
    if (!copied) return copied.error();
  }
  for (const auto& table : *triggered) {
    if (auto s = to.set_triggers(table, true); !s) return s.error();
  }
  bool differ = false;
  for (const auto& table : *order) {
    auto n = to.count(table);
    if (!n) return n.error();
    report.tables.push_back({table, source_counts[table], *n});
    report.rows += *n;
    differ = differ || *n != source_counts[table];
  }
  if (differ) {
    std::vector<std::string> lines;
    for (const auto& t : report.tables) {
      if (t.source != t.target) {
        lines.push_back(fmt::format("{} {} in SQLite, {} in PostgreSQL", t.table, t.source,
                                    t.target));
      }
    }
    return make_error(Errc::database,
                      fmt::format("the counts differ after the copy ({}); it was rolled back",
                                  fmt::join(lines, "; ")));
  }
  if (auto s = to.commit(); !s) return s.error();
  // After the commit: statistics for the planner. Not worth failing the move over.
  (void)to.analyze();
  return report;
}

}  // namespace broadsheet::store::moving
