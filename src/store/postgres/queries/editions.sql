-- Named queries of the PostgreSQL backend: editions skipped (the role of
-- store/editions.hpp). Rules for every file of this folder: see connection.sql.

-- name: insert_edition_skip
-- $1 newsletter, $2 edition, $3 reason, $4 now. No row returned: already recorded.
INSERT INTO edition_skips (newsletter_id, edition, reason, skipped_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
RETURNING edition;

-- name: edition_skips
-- $1 newsletter, $2 first edition, $3 last edition (inclusive).
SELECT edition, reason, skipped_at
FROM edition_skips
WHERE newsletter_id = $1 AND edition BETWEEN $2 AND $3
ORDER BY edition;
