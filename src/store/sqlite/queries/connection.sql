-- Every statement the SQLite backend runs, as named queries (see store/named_queries.hpp),
-- one file per role of the store (store/store.hpp); this one holds the connection's own:
-- transactions, migrations, health. Names are unique across the files.
-- All are prepared when the store opens, so a mistake here fails the start.
-- Parameters are numbered (?1, ?2, ...) to mirror PostgreSQL's $1, $2, ...
-- Column lists are repeated on purpose: every query that returns one kind of row lists
-- the same columns. The C++ readers take columns by NAME (Query::columns, query.hpp),
-- resolved once per execution, so order does not matter but names do: an expression
-- column needs an `AS name` alias, and a reader's column missing from a query fails that
-- query with Errc::internal before any row is read.

-- Transactions -----------------------------------------------------------------------

-- name: begin_immediate
-- Takes the write lock at once, so a transaction that writes never fails half-way
-- because another connection wrote first.
BEGIN IMMEDIATE;

-- name: begin_read
-- A consistent snapshot for methods that read more than one statement's worth.
BEGIN;

-- name: commit
COMMIT;

-- name: rollback
ROLLBACK;

-- One request inside a batch of them (group commit, see sqlite_signup.cpp): a request
-- that fails is undone to its savepoint while the others in the transaction stand.

-- name: savepoint_request
SAVEPOINT request;

-- name: release_request
RELEASE request;

-- name: rollback_to_request
ROLLBACK TO request;

-- Migrations and health --------------------------------------------------------------

-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL
);

-- name: schema_version
SELECT coalesce(max(version), 0) FROM schema_migrations;

-- name: record_migration
INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2);

-- name: ping
SELECT 1;
