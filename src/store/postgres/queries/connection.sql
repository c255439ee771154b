-- Every statement the PostgreSQL backend runs, as named queries (see
-- store/named_queries.hpp), one file per role of the store (store/store.hpp), the same
-- files and names as sqlite/queries/ where the role has them; this one holds the
-- connection's own: migrations and health. Names are unique across the files.
-- All are prepared on every connection when it opens, so a mistake here fails the start,
-- except those named staged_*, which name a temporary table that only the connection
-- that made it has (imports.sql): that method prepares them after making it.
-- Parameters are $1, $2, ... (SQLite's files use ?1, ?2, ... to mirror them). Values are
-- sent as text; where the server cannot infer a parameter's type, cast it ($1::bigint).
-- The C++ readers take columns by NAME (postgres/query.hpp): an expression column needs
-- an `AS name` alias. Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is the
-- connection's, in postgres/query.cpp.

-- Migrations and health --------------------------------------------------------------

-- name: lock_migrations
-- Every node that migrates takes this lock for its transaction: "broadsheet" in ASCII.
SELECT pg_advisory_xact_lock(7089066396577952116);

-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    bigint PRIMARY KEY,
  applied_at bigint NOT NULL
);

-- name: schema_migrations_exist
SELECT to_regclass('schema_migrations') IS NOT NULL AS present;

-- name: schema_version
SELECT coalesce(max(version), 0) AS version FROM schema_migrations;

-- name: record_migration
INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2);

-- name: ping
SELECT 1 AS one;
