-- Named queries of the PostgreSQL backend: bounces and the suppression list (the roles
-- of store/bounces.hpp). Rules for every file of this folder: see connection.sql.

-- name: insert_bounce_event
-- $1 fingerprint, $2 kind, $3 subscriber, $4 issue or NULL, $5 newsletter, $6 recipient,
-- $7 status, $8 source, $9 now. No row back: the same event was kept before.
INSERT INTO bounce_events (fingerprint, kind, subscriber_id, issue_id, newsletter_id,
                           recipient, status, source, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (fingerprint) DO NOTHING
RETURNING id;

-- name: set_bounce_action
UPDATE bounce_events SET action = $2 WHERE id = $1;

-- name: count_recent_bounces
-- $1 subscriber, $2 kind, $3 since.
SELECT count(*) AS count FROM bounce_events
WHERE subscriber_id = $1 AND kind = $2 AND created_at >= $3;

-- name: bounce_subscriber
-- $1 subscriber: the address and key the policy suppresses. The row stays locked to the
-- end of the bounce's transaction, so two nodes counting the same reader's soft
-- bounces take turns (SQLite's single writer gives this for free).
SELECT email, email_key FROM subscribers WHERE id = $1 FOR UPDATE;

-- name: upsert_suppression
-- $1 hash, $2 address, $3 key, $4 reason, $5 source, $6 now. A mailbox suppressed before
-- keeps its first date, and gains the address it lacked. `added`: the row is new (a row
-- inserted by this statement has no xmax; one updated carries this transaction's), one
-- statement so that two nodes suppressing the same mailbox agree on which added it.
INSERT INTO suppressions (address_hash, created_at, reason, address, email_key, source)
VALUES ($1, $6, $4, $2, $3, $5)
ON CONFLICT (address_hash) DO UPDATE
SET address = coalesce(suppressions.address, excluded.address),
    email_key = coalesce(suppressions.email_key, excluded.email_key)
RETURNING (xmax = 0) AS added;

-- name: unsubscribe_all
-- $1 subscriber, $2 now, $3 source.
UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $2, source = $3
WHERE subscriber_id = $1 AND status <> 'unsubscribed';

-- name: unsubscribe_one
-- $1 subscriber, $2 newsletter, $3 now, $4 source.
UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $3, source = $4
WHERE subscriber_id = $1 AND newsletter_id = $2 AND status <> 'unsubscribed';

-- name: bounce_events_of_issue
SELECT e.id, e.kind, e.subscriber_id, e.issue_id, e.newsletter_id, e.recipient, e.status,
       e.source, e.action, e.created_at
FROM bounce_events AS e WHERE e.issue_id = $1 ORDER BY e.id LIMIT $2;

-- name: bounce_events_of_subscriber
SELECT e.id, e.kind, e.subscriber_id, e.issue_id, e.newsletter_id, e.recipient, e.status,
       e.source, e.action, e.created_at
FROM bounce_events AS e WHERE e.subscriber_id = $1 ORDER BY e.id LIMIT $2;

-- name: bounce_totals
-- Kept by the baseline's trigger: one row per kind, no scan of the events.
SELECT kind, total AS count FROM bounce_totals;

-- name: issue_domain_counts
-- $1 issue, $2 limit. Per receiving domain of the issue's copies: those that left
-- (sent, or refused by the relay: failed), those refused, and the hard bounces and
-- complaints kept about them; the domains with most copies first.
SELECT d.domain AS domain, d.sent AS sent, d.failed AS failed,
       coalesce(b.hard, 0) AS hard, coalesce(b.complaints, 0) AS complaints
FROM (SELECT lower(substr(s.email, strpos(s.email, '@') + 1)) AS domain,
             count(*) FILTER (WHERE dl.status IN ('sent', 'failed')) AS sent,
             count(*) FILTER (WHERE dl.status = 'failed') AS failed
      FROM deliveries dl JOIN subscribers s ON s.id = dl.subscriber_id
      WHERE dl.issue_id = $1
      GROUP BY 1) d
LEFT JOIN (SELECT lower(substr(s.email, strpos(s.email, '@') + 1)) AS domain,
                  count(*) FILTER (WHERE e.kind = 'hard') AS hard,
                  count(*) FILTER (WHERE e.kind = 'complaint') AS complaints
           FROM bounce_events e JOIN subscribers s ON s.id = e.subscriber_id
           WHERE e.issue_id = $1
           GROUP BY 1) b ON b.domain = d.domain
WHERE d.sent > 0
ORDER BY d.sent DESC, d.domain COLLATE "C"
LIMIT $2;

-- name: list_suppressions
-- $1 after this hash (keyset), $2 limit.
SELECT address_hash, coalesce(address, '') AS address, reason, source, created_at
FROM suppressions WHERE address_hash > $1 ORDER BY address_hash
LIMIT $2;
