-- The source side of migrate-store (store/moving/moving.hpp): what the SQLite database
-- holds. Read in one read transaction; nothing here writes.

-- name: move_begin_read
BEGIN;

-- name: move_end_read
COMMIT;

-- name: move_source_tables
-- SQLite's own tables (sqlite_sequence, sqlite_stat1...) are not data.
SELECT name FROM sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY name;

-- name: move_source_columns
SELECT name, type FROM pragma_table_info(?1) ORDER BY cid;

-- name: move_source_version
SELECT coalesce(max(version), 0) AS version FROM schema_migrations;

-- name: move_source_has_sequences
SELECT count(*) AS present FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence';

-- name: move_source_sequences
-- AUTOINCREMENT's high-water marks: the largest id each table ever handed out.
SELECT name, seq FROM sqlite_sequence;
