// Versioned schema migrations for the PostgreSQL backend (store/migrations.hpp).
//
// PostgreSQL's series begins at 0017 with a baseline, the whole schema as SQLite has it
// after its 17th migration; from 0018 on both backends get each migration under the same
// number. At open, each migration newer than the database runs in its own transaction
// with its row in schema_migrations(version, applied_at), under a transaction-scoped
// advisory lock, so nodes starting together migrate once and wait for each other.
// A database newer than the binary is refused rather than written by older code.
#pragma once

#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/migrations.hpp"
#include "store/named_queries.hpp"
#include "store/postgres/connection.hpp"

namespace broadsheet::store::postgres {

// Brings the database up to the last migration; returns the resulting version.
// `queries`: the backend's named queries (the bookkeeping ones run as text, before the
// schema exists).
Result<int> migrate(Connection& connection, const NamedQueries& queries,
                    const std::vector<Migration>& migrations, UnixSeconds now);

// The version recorded in schema_migrations (0 for a new database).
Result<int> current_version(Connection& connection, const NamedQueries& queries);

}  // namespace broadsheet::store::postgres
