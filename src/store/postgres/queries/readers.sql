-- Named queries of the PostgreSQL backend: subscribers and subscriptions (the role of
-- store/readers.hpp), the same names as sqlite/queries/readers.sql.
-- Rules for every file of this folder: see connection.sql.

-- Subscribers: id, email, email_display, name, timezone, status, created_at,
-- updated_at ---------------------------------------------------------------------------

-- name: insert_subscriber
-- $7 the mailbox key (store/mailbox_keys.hpp).
INSERT INTO subscribers (email, email_display, name, timezone, status, created_at, updated_at,
                         email_key)
VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
RETURNING id;

-- name: subscriber_by_email
-- $1 the mailbox key: any spelling of the reader's address finds them.
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE email_key = $1;

-- name: attributes_of_subscriber
-- $1 subscriber: their attributes (migration 0006), one row each, by key.
SELECT a.key AS key, a.value AS value
FROM subscribers AS s, jsonb_each_text(s.attributes) AS a
WHERE s.id = $1
ORDER BY a.key;

-- name: subscriber_exists
SELECT 1 AS present FROM subscribers WHERE id = $1;

-- name: subscriber_by_id
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE id = $1;

-- name: set_subscriber_timezone
-- $1 subscriber, $2 time zone, $3 now.
UPDATE subscribers SET timezone = $2, updated_at = $3 WHERE id = $1 RETURNING id;

-- name: set_subscriber_name
-- $1 subscriber, $2 name, $3 now.
UPDATE subscribers SET name = $2, updated_at = $3 WHERE id = $1 RETURNING id;

-- name: delete_subscriber
-- $1 the mailbox key.
DELETE FROM subscribers WHERE email_key = $1 RETURNING id;

-- Keyset pages of subscribers: $1 last id seen, $2 page size. The filtered forms walk
-- subscribers in id order and probe the subscriptions' primary key, so a page never
-- sorts the whole audience; the newsletter-and-status form reads the audience index.

-- name: list_subscribers
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE id > $1
ORDER BY id
LIMIT $2;

-- name: list_subscribers_in_newsletter
-- $3 newsletter id.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id > $1
  AND EXISTS (SELECT 1 FROM subscriptions AS x
              WHERE x.subscriber_id = s.id AND x.newsletter_id = $3)
ORDER BY s.id
LIMIT $2;

-- name: list_subscribers_with_status
-- $3 subscription status, in any newsletter.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id > $1
  AND EXISTS (SELECT 1 FROM subscriptions AS x
              WHERE x.subscriber_id = s.id AND x.status = $3)
ORDER BY s.id
LIMIT $2;

-- name: list_subscribers_in_newsletter_with_status
-- $3 newsletter id, $4 subscription status: the audience cursor.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
WHERE x.newsletter_id = $3 AND x.status = $4 AND x.subscriber_id > $1
ORDER BY x.subscriber_id
LIMIT $2;

-- Subscriptions: subscriber_id, newsletter_id, newsletter slug, status, source,
-- created_at, confirmed_at, unsubscribed_at ----------------------------------------------

-- name: subscriptions_of_subscriber
SELECT x.subscriber_id, x.newsletter_id, n.slug AS newsletter_slug, x.status, x.source,
       x.created_at, x.confirmed_at, x.unsubscribed_at
FROM subscriptions AS x
JOIN newsletters AS n ON n.id = x.newsletter_id
WHERE x.subscriber_id = $1
ORDER BY n.slug;

-- name: upsert_subscription
-- $1 subscriber, $2 newsletter, $3 status, $4 source, $5 now.
-- Setting the status a subscription already has changes nothing, so a second click on
-- a confirmation link keeps the first confirmed_at. `source` says where the current
-- period of the subscription began: it is replaced only when an unsubscribed reader
-- comes back, not when a pending subscription is confirmed. One statement: two nodes
-- setting the same subscription meet on its primary key, not in a read-then-write.
INSERT INTO subscriptions (subscriber_id, newsletter_id, status, source, created_at,
                           confirmed_at, unsubscribed_at)
VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::bigint,
        CASE WHEN $3::text = 'confirmed' THEN $5::bigint END,
        CASE WHEN $3::text = 'unsubscribed' THEN $5::bigint END)
ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE
SET status          = excluded.status,
    source          = CASE WHEN subscriptions.status = 'unsubscribed'
                           THEN excluded.source ELSE subscriptions.source END,
    confirmed_at    = CASE excluded.status
                        WHEN 'confirmed' THEN excluded.created_at
                        WHEN 'unconfirmed' THEN NULL
                        ELSE subscriptions.confirmed_at END,
    unsubscribed_at = CASE WHEN excluded.status = 'unsubscribed'
                           THEN excluded.created_at END
WHERE subscriptions.status <> excluded.status;

-- name: count_subscriptions
SELECT count(*) AS n FROM subscriptions WHERE newsletter_id = $1 AND status = $2;

-- name: confirm_subscriptions
-- $1 subscriber, $2 newsletter (0 for all of them), $3 now. Returns those confirmed.
UPDATE subscriptions
SET status = 'confirmed', confirmed_at = $3
WHERE subscriber_id = $1 AND ($2::bigint = 0 OR newsletter_id = $2::bigint)
  AND status = 'unconfirmed'
RETURNING newsletter_id;

-- name: unsubscribe_subscriptions
-- $1 subscriber, $2 newsletter (0 for all of them), $3 now, $4 source (how the reader
-- left). confirmed_at stays: it is evidence of the consent the reader had given.
UPDATE subscriptions
SET status = 'unsubscribed', unsubscribed_at = $3, source = $4
WHERE subscriber_id = $1 AND ($2::bigint = 0 OR newsletter_id = $2::bigint)
  AND status <> 'unsubscribed'
RETURNING newsletter_id;

-- Suppressions: mailboxes of removed readers, by hash (store/mailbox_keys.hpp) --------

-- name: insert_suppression
-- $1 hash, $2 now, $3 reason. A mailbox suppressed before keeps its first date; a
-- removed reader's row keeps only the hash (a bounce's address and key are forgotten).
INSERT INTO suppressions (address_hash, created_at, reason, source)
VALUES ($1, $2, $3, 'removed')
ON CONFLICT (address_hash) DO UPDATE SET address = NULL, email_key = NULL;

-- name: suppression_of
-- $1 hash: when it was suppressed; no row when it is not.
SELECT created_at FROM suppressions WHERE address_hash = $1;

-- name: delete_suppression
DELETE FROM suppressions WHERE address_hash = $1;

-- name: count_suppressions
SELECT count(*) AS n FROM suppressions;

-- name: subscriber_mailbox_key
SELECT email_key FROM subscribers WHERE id = $1;

-- Mailbox keys remade under a new rule (sqlite/mailbox_keys.hpp), in one transaction --

-- name: lock_mailbox_keys
-- Every node that opens the store may remake the keys: one at a time, for the
-- transaction. "mailkeys" in ASCII.
SELECT pg_advisory_xact_lock(7881696737254275443);

-- name: mailbox_key_rule
SELECT value FROM store_settings WHERE name = 'mailbox_key_rule';

-- name: set_mailbox_key_rule
INSERT INTO store_settings (name, value) VALUES ('mailbox_key_rule', $1)
ON CONFLICT (name) DO UPDATE SET value = excluded.value;

-- name: all_subscriber_addresses
SELECT id, email FROM subscribers ORDER BY id;

-- name: clear_mailbox_keys
UPDATE subscribers SET email_key = NULL;

-- name: set_mailbox_key
-- $1 subscriber, $2 key.
UPDATE subscribers SET email_key = $2 WHERE id = $1;

-- name: merge_reader_fields
-- $1 the reader kept (the earliest), $2 a later row of the same mailbox: what the kept
-- one lacks is taken from it; a block on either stays; bounces add up.
UPDATE subscribers AS k
SET name         = CASE WHEN k.name = '' THEN d.name ELSE k.name END,
    timezone     = CASE WHEN k.timezone = '' THEN d.timezone ELSE k.timezone END,
    status       = CASE WHEN d.status = 'blocked' THEN 'blocked' ELSE k.status END,
    bounce_count = k.bounce_count + d.bounce_count,
    created_at   = least(k.created_at, d.created_at),
    updated_at   = greatest(k.updated_at, d.updated_at)
FROM subscribers AS d
WHERE k.id = $1 AND d.id = $2;

-- name: overwrite_subscription
-- $1 subscriber, $2 newsletter, $3 status, $4 source, $5 created_at, $6 confirmed_at,
-- $7 unsubscribed_at: a subscription merged from two rows of one mailbox.
UPDATE subscriptions
SET status = $3, source = $4, created_at = $5, confirmed_at = $6, unsubscribed_at = $7
WHERE subscriber_id = $1 AND newsletter_id = $2;

-- name: move_subscriptions
-- $1 kept, $2 merged: the subscriptions only the merged row has (shared ones were
-- merged by overwrite_subscription and go with the merged row).
UPDATE subscriptions AS x SET subscriber_id = $1
WHERE x.subscriber_id = $2
  AND NOT EXISTS (SELECT 1 FROM subscriptions AS k
                  WHERE k.subscriber_id = $1 AND k.newsletter_id = x.newsletter_id);

-- name: move_consents
-- The evidence of consent of both rows stays, under the reader kept.
UPDATE consent_ledger SET subscriber_id = $1 WHERE subscriber_id = $2;

-- name: move_queued_mail
UPDATE mail_queue SET subscriber_id = $1 WHERE subscriber_id = $2;

-- name: move_deliveries
-- An issue both rows got keeps the kept reader's delivery.
UPDATE deliveries AS x SET subscriber_id = $1
WHERE x.subscriber_id = $2
  AND NOT EXISTS (SELECT 1 FROM deliveries AS k
                  WHERE k.subscriber_id = $1 AND k.issue_id = x.issue_id);

-- name: insert_merge_audit
-- $1 now, $2 actor, $3 action, $4 subject, $5 detail: the audit entry of a merge.
INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5);

-- name: delete_subscriber_by_id
DELETE FROM subscribers WHERE id = $1;
