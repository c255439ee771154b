-- Named queries of the PostgreSQL backend: feeds (the role of store/feeds.hpp).
-- Rules for every file of this folder: see connection.sql.

-- name: insert_feed
INSERT INTO feeds (newsletter_id, url, section, interval_seconds, next_poll_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: feed_by_id
SELECT f.id, f.newsletter_id, n.slug AS newsletter_slug, f.url, f.section,
       f.interval_seconds, f.etag, f.last_modified, f.next_poll_at, f.last_poll_at,
       f.last_error, f.failures, f.created_at,
       (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS article_count
FROM feeds f JOIN newsletters n ON n.id = f.newsletter_id
WHERE f.id = $1;

-- name: lock_feed
-- Held by add_feed_articles for its transaction: one writer of a feed's articles at a
-- time, whichever node polls it (SQLite has one writer anyway).
SELECT id FROM feeds WHERE id = $1 FOR UPDATE;

-- name: list_feeds
SELECT f.id, f.newsletter_id, n.slug AS newsletter_slug, f.url, f.section,
       f.interval_seconds, f.etag, f.last_modified, f.next_poll_at, f.last_poll_at,
       f.last_error, f.failures, f.created_at,
       (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS article_count
FROM feeds f JOIN newsletters n ON n.id = f.newsletter_id
ORDER BY f.id;

-- name: due_feeds
SELECT f.id, f.newsletter_id, n.slug AS newsletter_slug, f.url, f.section,
       f.interval_seconds, f.etag, f.last_modified, f.next_poll_at, f.last_poll_at,
       f.last_error, f.failures, f.created_at,
       (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS article_count
FROM feeds f JOIN newsletters n ON n.id = f.newsletter_id
WHERE f.next_poll_at <= $1
ORDER BY f.next_poll_at, f.id
LIMIT $2;

-- name: delete_feed
DELETE FROM feeds WHERE id = $1
RETURNING id;

-- name: record_feed_poll
UPDATE feeds
SET last_poll_at = $2, next_poll_at = $3, etag = $4, last_modified = $5, last_error = $6,
    failures = $7
WHERE id = $1
RETURNING id;
