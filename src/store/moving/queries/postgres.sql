-- The target side of migrate-store (store/moving/moving.hpp): the PostgreSQL schema's
-- tables, columns, references and triggers as its catalogue tells them, and the
-- identity sequences set after the copy. Prepared on the move's own connection after
-- the target is migrated, not by the store.

-- name: move_target_columns
-- Every column of the schema's tables; is_identity for the ids whose sequence is set.
SELECT c.table_name AS table_name, c.column_name AS column_name, c.data_type AS data_type,
       (c.is_identity = 'YES') AS is_identity
FROM information_schema.columns c
JOIN information_schema.tables t
  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
ORDER BY c.table_name, c.ordinal_position;

-- name: move_target_references
-- Foreign keys, child table to parent table: the parent is copied first.
SELECT child.relname::text AS child, parent.relname::text AS parent
FROM pg_constraint k
JOIN pg_class child ON child.oid = k.conrelid
JOIN pg_class parent ON parent.oid = k.confrelid
JOIN pg_namespace n ON n.oid = k.connamespace
WHERE k.contype = 'f' AND n.nspname = current_schema();

-- name: move_target_triggers
-- Tables with triggers of their own (not the ones PostgreSQL makes for foreign keys).
SELECT DISTINCT c.relname::text AS table_name
FROM pg_trigger g
JOIN pg_class c ON c.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT g.tgisinternal AND n.nspname = current_schema();

-- name: move_clear_settings
-- What a store wrote when it opened the empty target; the source's settings replace it.
DELETE FROM store_settings;

-- name: move_set_identity
-- $3 the largest id handed out ($4 true), or 1 with $4 false when none was.
SELECT setval(pg_get_serial_sequence(quote_ident($1), $2), $3::bigint, $4::boolean) AS value;

-- name: move_no_timeout
-- A COPY of a large table is one statement: the connection's usual limit would end it.
SET statement_timeout = 0;

-- name: move_analyze
-- Statistics for the planner at once, rather than when autovacuum comes by.
ANALYZE;
