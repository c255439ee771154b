// Versioned schema migrations for the SQLite backend.
//
// Migrations are embedded files named NNNN_what.sql (sqlite/migrations/), numbered
// 1, 2, 3... without gaps. At open, each one newer than the database's version runs
// in its own transaction together with its row in schema_migrations(version,
// applied_at), so a failing migration leaves the database at the previous version.
// A database newer than the binary is refused rather than written by older code.
// Migration files hold plain DDL/DML: no BEGIN or COMMIT of their own.
#pragma once

#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/resources.hpp"
#include "core/result.hpp"
#include "store/migrations.hpp"
#include "store/named_queries.hpp"
#include "store/sqlite/connection.hpp"

namespace broadsheet::store::sqlite {

// Brings the database up to the last migration; returns the resulting version.
Result<int> migrate(Connection& connection, const NamedQueries& queries,
                    const std::vector<Migration>& migrations, UnixSeconds now);

// The version recorded in schema_migrations (0 for a new database).
Result<int> current_version(Connection& connection, const NamedQueries& queries);

}  // namespace broadsheet::store::sqlite
