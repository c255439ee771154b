-- Named queries of the PostgreSQL backend: the outgoing mail queue (the role of
-- store/queued_mail.hpp), the same names as sqlite/queries/queued_mail.sql.
-- Rules for every file of this folder: see connection.sql.

-- Rows are queued inside the transaction that makes an email due (pg_signups.cpp).
-- Columns of a queued email: id, kind, subscriber_id, newsletter_ids, created_at,
-- attempts, then the reader: email, name, status.

-- name: enqueue_mail
-- $1 kind, $2 subscriber, $3 newsletter ids ("3,5"), $4 now (queued, and due at once).
INSERT INTO mail_queue (kind, subscriber_id, newsletter_ids, created_at, next_attempt_at)
VALUES ($1, $2, $3, $4, $4);

-- name: enqueue_welcome
-- $1 subscriber, $2 newsletter, $3 now. Queues the newsletter's welcome email when it
-- has one (a subject); returns a row when it did.
INSERT INTO mail_queue (kind, subscriber_id, newsletter_ids, created_at, next_attempt_at)
SELECT 'welcome', $1::bigint, id::text, $3::bigint, $3::bigint
FROM newsletters
WHERE id = $2 AND coalesce(welcome_subject, '') <> ''
RETURNING id;

-- name: due_mail
-- $1 now, $2 limit: the pending rows due, the earliest due first. A suppressed
-- address reads as blocked: its mail is given up, never sent.
SELECT q.id, q.kind, q.subscriber_id, q.newsletter_ids, q.created_at, q.attempts,
       s.email, s.name,
       CASE WHEN EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key)
            THEN 'blocked' ELSE s.status END AS status
FROM mail_queue AS q
JOIN subscribers AS s ON s.id = q.subscriber_id
WHERE q.next_attempt_at IS NOT NULL AND q.next_attempt_at <= $1
ORDER BY q.next_attempt_at, q.id
LIMIT $2;

-- name: claimable_mail
-- $1 now, $2 limit, $3 owner, $4 until: leases due_mail's rows whose lease is free,
-- ran out, or is the owner's, in one statement. Rows another node is claiming at this
-- moment are skipped (SKIP LOCKED), not waited for, so nodes never take the same row.
-- Returns the columns of due_mail.
WITH claimed AS (
  SELECT q.id
  FROM mail_queue AS q
  WHERE q.next_attempt_at IS NOT NULL AND q.next_attempt_at <= $1 AND
        (q.lease_owner IS NULL OR q.lease_until < $1 OR q.lease_owner = $3)
  ORDER BY q.next_attempt_at, q.id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), leased AS (
  UPDATE mail_queue AS q SET lease_owner = $3, lease_until = $4
  FROM claimed
  WHERE q.id = claimed.id
  RETURNING q.id, q.kind, q.subscriber_id, q.newsletter_ids, q.created_at, q.attempts,
            q.next_attempt_at
)
SELECT l.id, l.kind, l.subscriber_id, l.newsletter_ids, l.created_at, l.attempts,
       s.email, s.name,
       CASE WHEN EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key)
            THEN 'blocked' ELSE s.status END AS status
FROM leased AS l
JOIN subscribers AS s ON s.id = l.subscriber_id
ORDER BY l.next_attempt_at, l.id;

-- name: settle_mail
-- $1 id, $2 sent_at or NULL, $3 next attempt or NULL (both NULL: given up), $4 the
-- error ('' when sent). Counts the attempt. A row no longer pending is left alone.
UPDATE mail_queue
SET attempts = attempts + 1, sent_at = $2, next_attempt_at = $3, last_error = $4,
    lease_owner = NULL, lease_until = NULL
WHERE id = $1 AND next_attempt_at IS NOT NULL;

-- name: mail_queue_state
-- How many rows are pending, and when the earliest is due (NULL when none).
SELECT count(*) AS pending, min(next_attempt_at) AS next_due_at
FROM mail_queue WHERE next_attempt_at IS NOT NULL;

-- name: purge_mail_queue
-- $1 instant, $2 limit: drops up to $2 rows done (sent or given up) and queued before
-- $1, oldest first, so that one purge stays short.
DELETE FROM mail_queue
WHERE id IN (SELECT id FROM mail_queue
             WHERE next_attempt_at IS NULL AND created_at < $1
             ORDER BY id LIMIT $2);
