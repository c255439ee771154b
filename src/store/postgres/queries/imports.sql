-- Named queries of the PostgreSQL backend: bulk import (the role of store/imports.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Bulk import (one transaction held by the import session; see pg_import.cpp) ---------
-- The rows go by COPY into import_rows, a temporary table of the importing connection,
-- emptied at every commit or rollback; a few statements then move them into the
-- tables. Queries named staged_* name that table, so the session prepares them on its
-- connection once the table exists (Connection::prepare_all leaves them out).

-- name: import_create_staging
-- Kept for the connection's life, so its prepared statements stay valid; made outside
-- the import's transaction, so a rolled-back import keeps it too.
CREATE TEMPORARY TABLE IF NOT EXISTS import_rows (
  n             bigint NOT NULL,  -- the row's place in the file, from 1
  email         text   NOT NULL,
  email_display text   NOT NULL,
  name          text   NOT NULL,
  timezone      text   NOT NULL,
  email_key     text   NOT NULL,
  address_hash  text   NOT NULL,  -- of the mailbox key; '' when no mailbox is suppressed
  attributes    jsonb  NOT NULL,
  subscriber_id bigint
) ON COMMIT DELETE ROWS;

-- name: any_suppression
SELECT EXISTS (SELECT 1 FROM suppressions) AS any;

-- name: staged_import_copy
-- Text format, one line a row, fields in this order (pg_import.cpp escapes them).
COPY import_rows (n, email, email_display, name, timezone, email_key, address_hash, attributes)
FROM STDIN;

-- name: staged_import_drop_suppressed
-- Rows whose mailbox is suppressed (its reader was removed) are never imported.
DELETE FROM import_rows r USING suppressions s
WHERE r.address_hash <> '' AND s.address_hash = r.address_hash;

-- name: staged_import_subscribers
-- $1 now. The first row of each mailbox, in file order. A known mailbox (by its key,
-- or the very address) is kept as it is: an import adds readers, it does not overwrite
-- what they told us.
INSERT INTO subscribers (email, email_display, name, timezone, email_key, attributes, status,
                         created_at, updated_at)
SELECT email, email_display, name, timezone, email_key, attributes, 'active', $1::bigint,
       $1::bigint
FROM (SELECT DISTINCT ON (email_key) *
      FROM import_rows
      ORDER BY email_key, n) AS first_rows
ORDER BY n
ON CONFLICT DO NOTHING;

-- name: staged_import_resolve
-- Each row's reader, new or known.
UPDATE import_rows r SET subscriber_id = s.id
FROM subscribers s
WHERE s.email_key = r.email_key;

-- name: staged_import_subscriptions
-- $1 newsletter, $2 status, $3 source, $4 now, $5 confirmed_at or NULL: every reader of
-- the file subscribed once; an existing subscription stays as it is.
INSERT INTO subscriptions (subscriber_id, newsletter_id, status, source, created_at,
                           confirmed_at)
SELECT DISTINCT subscriber_id, $1::bigint, $2::text, $3::text, $4::bigint, $5::bigint
FROM import_rows
WHERE subscriber_id IS NOT NULL
ORDER BY subscriber_id
ON CONFLICT (subscriber_id, newsletter_id) DO NOTHING;

-- name: staged_import_count_unconfirmed
-- $1 newsletter: how many readers of the file are unconfirmed on it.
SELECT count(*) AS unconfirmed
FROM subscriptions
WHERE newsletter_id = $1 AND status = 'unconfirmed'
  AND subscriber_id IN (SELECT subscriber_id FROM import_rows);

-- name: staged_import_queue_confirmations
-- With --send-confirmations: the readers of the file unconfirmed on the newsletter are
-- owed a confirmation, as a sign-up's are: one email each through the mail queue,
-- unless one went to them at or after the resend window's start ($3); none to a
-- blocked reader. $1 newsletter, $2 now. Stamps and queues in one statement; the rows
-- written are the emails queued.
WITH owed AS (
  UPDATE subscriptions sub
  SET last_confirmation_sent_at = $2::bigint
  FROM subscribers r
  WHERE r.id = sub.subscriber_id AND r.status = 'active'
    AND sub.newsletter_id = $1::bigint AND sub.status = 'unconfirmed'
    AND sub.subscriber_id IN (SELECT subscriber_id FROM import_rows)
    AND (sub.last_confirmation_sent_at IS NULL OR sub.last_confirmation_sent_at < $3::bigint)
  RETURNING sub.subscriber_id
)
INSERT INTO mail_queue (kind, subscriber_id, newsletter_ids, created_at, next_attempt_at)
SELECT 'confirmation', subscriber_id, $1::bigint::text, $2::bigint, $2::bigint
FROM owed
ORDER BY subscriber_id;
