// Moving a data set from SQLite to PostgreSQL (`broadsheet migrate-store`, issue 15):
// every table of the SQLite database copied into an empty PostgreSQL database, in one
// transaction there, verified by counts before it commits.
//
// What it trusts: the SQLite file is read-only here and read in one snapshot (a server
// still writing to it does not tear the copy, it is just not in it). The target is
// trusted with nothing: it must be at no schema (it is then migrated by
// postgres/migrate.hpp) or at this build's schema with no rows. store_settings, which
// a store writes when it opens, may hold rows: they are replaced by the source's.
//
// The tables and their columns come from the schemas themselves (sqlite_master and
// pragma_table_info on one side, information_schema on the other), so a table added by
// a later migration is copied without a change here; a table or a column on one side
// only, or a column of a type the copy does not know, fails the move naming it. Only
// the statements naming those tables (COPY, count, LOCK) are built in C++, from quoted
// identifiers; the fixed ones are named queries (moving/queries/).
//
// The copy: tables in the order of their foreign keys (parents first), each by COPY
// FROM STDIN; SQLite integers (the 0/1 flags too) stay integers, JSON text becomes
// jsonb, blobs bytea, NULL stays NULL. The target's own triggers (bounce_totals,
// subscription_days) are disabled for the transaction: the counts they keep are copied
// with the rest. Each identity sequence is set past the largest id ever handed out
// (the table's largest id, or SQLite's AUTOINCREMENT high-water mark when larger, so
// an erased reader's id is not given again). Then every table's rows are counted on
// both sides; any difference rolls everything back.
//
// Errors: Errc::invalid_argument for a target that is not a postgresql:// URL,
// Errc::database for a failure to read or connect (libpq's words, never the URL),
// Errc::conflict for a target that is not empty, Errc::config for a schema this build
// does not know or a schema mismatch. On any error the target holds nothing of the
// source (a target at no schema may be left migrated, still empty).
// Not thread-safe; one move per process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet::store::moving {

struct MoveRequest {
  std::string sqlite_path;  // the data folder's database file
  std::string target;       // postgresql://... or postgres://...
  std::string password;     // "" leaves it to libpq (the URL, PGPASSWORD, ~/.pgpass)
};

struct TableCount {
  std::string table;
  std::int64_t source = 0;  // rows in SQLite
  std::int64_t target = 0;  // rows in PostgreSQL after the copy
};

struct MoveReport {
  int schema_version = 0;
  std::string target_name;          // "database NAME on HOST:PORT", never a password
  std::vector<TableCount> tables;   // in the order copied
  std::int64_t rows = 0;            // all tables together
};

// Told as a table is copied: its name, rows sent so far, rows it has. Called at the
// start and end of each table and every few tens of thousands of rows.
using MoveProgress =
    std::function<void(std::string_view table, std::int64_t done, std::int64_t total)>;

// Copies the SQLite database into the empty PostgreSQL database of `request`.
Result<MoveReport> move_to_postgres(const MoveRequest& request, const Clock& clock,
                                    const MoveProgress& progress = {});

// Whether `url` names a PostgreSQL database (postgresql:// or postgres://).
bool is_postgres_url(std::string_view url);

}  // namespace broadsheet::store::moving
