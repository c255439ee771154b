-- Named queries of the SQLite backend: subscribers and subscriptions (the role of store/readers.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Subscribers: id, email, email_display, name, timezone, status, created_at,
-- updated_at ---------------------------------------------------------------------------

-- name: insert_subscriber
INSERT INTO subscribers (email, email_display, name, timezone, status, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
RETURNING id;

-- name: subscriber_by_email
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE email = ?1;

-- name: attributes_of_subscriber
-- ?1 subscriber: their attributes (migration 0005), one row each, by key.
SELECT a.key AS key, a.value AS value
FROM subscribers AS s, json_each(s.attributes) AS a
WHERE s.id = ?1
ORDER BY a.key;

-- name: subscriber_exists
SELECT 1 FROM subscribers WHERE id = ?1;

-- name: subscriber_by_id
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE id = ?1;

-- name: set_subscriber_timezone
-- ?1 subscriber, ?2 time zone, ?3 now.
UPDATE subscribers SET timezone = ?2, updated_at = ?3 WHERE id = ?1 RETURNING id;

-- name: delete_subscriber
DELETE FROM subscribers WHERE email = ?1 RETURNING id;

-- Keyset pages of subscribers: ?1 last id seen, ?2 page size. The filtered forms walk
-- subscribers in id order and probe the subscriptions' primary key, so a page never
-- sorts the whole audience; the newsletter-and-status form reads the audience index.

-- name: list_subscribers
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE id > ?1
ORDER BY id
LIMIT ?2;

-- name: list_subscribers_in_newsletter
-- ?3 newsletter id.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id > ?1
  AND EXISTS (SELECT 1 FROM subscriptions AS x
              WHERE x.subscriber_id = s.id AND x.newsletter_id = ?3)
ORDER BY s.id
LIMIT ?2;

-- name: list_subscribers_with_status
-- ?3 subscription status, in any newsletter.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id > ?1
  AND EXISTS (SELECT 1 FROM subscriptions AS x
              WHERE x.subscriber_id = s.id AND x.status = ?3)
ORDER BY s.id
LIMIT ?2;

-- name: list_subscribers_in_newsletter_with_status
-- ?3 newsletter id, ?4 subscription status: the audience cursor.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
WHERE x.newsletter_id = ?3 AND x.status = ?4 AND x.subscriber_id > ?1
ORDER BY x.subscriber_id
LIMIT ?2;

-- Subscriptions: subscriber_id, newsletter_id, newsletter slug, status, source,
-- created_at, confirmed_at, unsubscribed_at ----------------------------------------------

-- name: subscriptions_of_subscriber
SELECT x.subscriber_id, x.newsletter_id, n.slug AS newsletter_slug, x.status, x.source, x.created_at,
       x.confirmed_at, x.unsubscribed_at
FROM subscriptions AS x
JOIN newsletters AS n ON n.id = x.newsletter_id
WHERE x.subscriber_id = ?1
ORDER BY n.slug;

-- name: upsert_subscription
-- ?1 subscriber, ?2 newsletter, ?3 status, ?4 source, ?5 now.
-- Setting the status a subscription already has changes nothing, so a second click on
-- a confirmation link keeps the first confirmed_at. `source` says where the current
-- period of the subscription began: it is replaced only when an unsubscribed reader
-- comes back, not when a pending subscription is confirmed.
INSERT INTO subscriptions (subscriber_id, newsletter_id, status, source, created_at,
                           confirmed_at, unsubscribed_at)
VALUES (?1, ?2, ?3, ?4, ?5,
        CASE WHEN ?3 = 'confirmed' THEN ?5 END,
        CASE WHEN ?3 = 'unsubscribed' THEN ?5 END)
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
SELECT count(*) FROM subscriptions WHERE newsletter_id = ?1 AND status = ?2;

-- name: confirm_subscriptions
-- ?1 subscriber, ?2 newsletter (0 for all of them), ?3 now. Returns those confirmed.
UPDATE subscriptions
SET status = 'confirmed', confirmed_at = ?3
WHERE subscriber_id = ?1 AND (?2 = 0 OR newsletter_id = ?2) AND status = 'unconfirmed'
RETURNING newsletter_id;

-- name: unsubscribe_subscriptions
-- ?1 subscriber, ?2 newsletter (0 for all of them), ?3 now, ?4 source (how the reader
-- left). confirmed_at stays: it is evidence of the consent the reader had given.
UPDATE subscriptions
SET status = 'unsubscribed', unsubscribed_at = ?3, source = ?4
WHERE subscriber_id = ?1 AND (?2 = 0 OR newsletter_id = ?2) AND status <> 'unsubscribed'
RETURNING newsletter_id;
