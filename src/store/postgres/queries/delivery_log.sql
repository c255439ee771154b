-- Named queries of the PostgreSQL backend: the delivery log (the role of
-- store/delivery_log.hpp) and its report (store/delivery_reports.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Sending: the delivery log -------------------------------------------------------------

-- name: start_issue
UPDATE issues SET status = 'sending', started_at = $2, updated_at = $2
WHERE id = $1 AND (status = 'draft' OR status = 'scheduled')
RETURNING newsletter_id;

-- name: queue_audience
-- $1 issue, $2 newsletter, $3 now: the audience is fixed when sending begins; a
-- suppressed address (bounces.sql) is never in it. An issue sent to a segment
-- (store/segments.hpp) queues only the segment's readers: SQLite's two queries
-- (queue_audience, queue_segment_audience) in one, the segment read from the issue;
-- its conditions are SQLite's queue_segment_audience's.
INSERT INTO deliveries (issue_id, subscriber_id, status, attempts, last_reply, updated_at)
SELECT $1, x.subscriber_id, 'queued', 0, '', $3
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
JOIN issues AS i ON i.id = $1
LEFT JOIN segments AS g ON g.id = i.segment_id
WHERE x.newsletter_id = $2 AND x.status = 'confirmed' AND s.status = 'active' AND
      NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key)
  AND (g.id IS NULL OR (
        (g.zone IS NULL OR s.timezone = g.zone)
    AND (g.signed_up_from IS NULL OR s.created_at >= g.signed_up_from)
    AND (g.signed_up_until IS NULL OR s.created_at < g.signed_up_until)
    AND (g.source_page IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                                          WHERE c.subscriber_id = s.id
                                            AND c.source_page = g.source_page))
    AND s.attributes @> g.attributes))
ORDER BY x.subscriber_id;

-- name: queued_deliveries
-- $1 issue, $2 after subscriber id, $3 limit. Columns: subscriber_id, email,
-- email_display, name, timezone, attempts, still_subscribed.
SELECT d.subscriber_id, s.email, s.email_display, s.name, s.timezone, d.attempts,
       coalesce((x.status = 'confirmed' AND s.status = 'active' AND
                 NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key))::int,
                0) AS still_subscribed
FROM deliveries AS d
JOIN issues AS i ON i.id = d.issue_id
JOIN subscribers AS s ON s.id = d.subscriber_id
LEFT JOIN subscriptions AS x
  ON x.subscriber_id = d.subscriber_id AND x.newsletter_id = i.newsletter_id
WHERE d.issue_id = $1 AND d.status = 'queued' AND d.subscriber_id > $2
ORDER BY d.subscriber_id
LIMIT $3;

-- name: due_deliveries
-- $1 issue, $2 now, $3 after subscriber id, $4 limit; the columns of queued_deliveries.
SELECT d.subscriber_id, s.email, s.email_display, s.name, s.timezone, d.attempts,
       coalesce((x.status = 'confirmed' AND s.status = 'active' AND
                 NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key))::int,
                0) AS still_subscribed
FROM deliveries AS d
JOIN issues AS i ON i.id = d.issue_id
JOIN subscribers AS s ON s.id = d.subscriber_id
LEFT JOIN subscriptions AS x
  ON x.subscriber_id = d.subscriber_id AND x.newsletter_id = i.newsletter_id
WHERE d.issue_id = $1 AND d.status = 'deferred' AND d.next_attempt_at <= $2 AND
      d.subscriber_id > $3
ORDER BY d.subscriber_id
LIMIT $4;

-- name: claim_deliveries
-- $1 issue, $2 now, $3 after subscriber id, $4 limit, $5 owner, $6 lease until: leases
-- queued deliveries, and deferred ones due, whose lease is free or ran out, in id order,
-- and returns them with the columns of queued_deliveries. One statement (SQLite's
-- claimable_deliveries then claim_deliveries): SKIP LOCKED lets several nodes claim at
-- once, each taking rows no other is taking.
WITH claimed AS (
  UPDATE deliveries SET lease_owner = $5, lease_until = $6
  WHERE issue_id = $1 AND subscriber_id IN (
    SELECT subscriber_id FROM deliveries
    WHERE issue_id = $1 AND subscriber_id > $3 AND
          (status = 'queued' OR (status = 'deferred' AND next_attempt_at <= $2)) AND
          (lease_owner IS NULL OR lease_until < $2)
    ORDER BY subscriber_id
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
  RETURNING subscriber_id, attempts)
SELECT d.subscriber_id, s.email, s.email_display, s.name, s.timezone, d.attempts,
       coalesce((x.status = 'confirmed' AND s.status = 'active' AND
                 NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key))::int,
                0) AS still_subscribed
FROM claimed AS d
JOIN issues AS i ON i.id = $1
JOIN subscribers AS s ON s.id = d.subscriber_id
LEFT JOIN subscriptions AS x
  ON x.subscriber_id = d.subscriber_id AND x.newsletter_id = i.newsletter_id
ORDER BY d.subscriber_id;

-- name: renew_delivery_leases
-- $1 issue, $2 owner, $3 until: the owner's leases on rows still to send.
UPDATE deliveries SET lease_until = $3
WHERE issue_id = $1 AND lease_owner = $2;

-- name: record_leased_delivery
-- $1 issue, $2 subscriber, $3 status, $4 attempts, $5 reply, $6 next attempt, $7 now,
-- $8 the lease owner that sent it: recorded only while the row is still leased to it
-- (a row taken over by another node is that node's now); the lease is given back.
UPDATE deliveries
SET status = $3, attempts = $4, last_reply = $5, next_attempt_at = $6, updated_at = $7,
    lease_owner = NULL, lease_until = NULL
WHERE issue_id = $1 AND subscriber_id = $2 AND lease_owner = $8;

-- name: delete_leased_delivery
DELETE FROM deliveries WHERE issue_id = $1 AND subscriber_id = $2 AND lease_owner = $3;

-- name: update_delivery
UPDATE deliveries
SET status = $3, attempts = $4, last_reply = $5, next_attempt_at = $6, updated_at = $7
WHERE issue_id = $1 AND subscriber_id = $2;

-- name: delete_delivery
DELETE FROM deliveries WHERE issue_id = $1 AND subscriber_id = $2;

-- name: count_bounce
UPDATE subscribers SET bounce_count = bounce_count + 1, updated_at = $2 WHERE id = $1;

-- name: delivery_counts
SELECT status, count(*) AS count FROM deliveries WHERE issue_id = $1 GROUP BY status;

-- name: deferral_reasons
-- $1 issue, $2 limit: the last replies of its deferred deliveries, the most common first.
SELECT last_reply AS reply, count(*) AS count
FROM deliveries
WHERE issue_id = $1 AND status = 'deferred'
GROUP BY last_reply
ORDER BY count DESC, reply
LIMIT $2;

-- name: settled_since
-- $1 issue, $2 since: reads the issue's rows only (the primary key's prefix).
SELECT count(*) AS count FROM deliveries
WHERE issue_id = $1 AND (status = 'sent' OR status = 'failed') AND updated_at >= $2;

-- name: delivery_totals
-- Every row's attempts were deferred but the last one of a row that ended sent or failed.
SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       coalesce(sum(attempts), 0) - count(*) FILTER (WHERE status = 'sent' OR status = 'failed')
         AS deferred
FROM deliveries;

-- name: next_retry_at
SELECT min(next_attempt_at) FROM deliveries WHERE issue_id = $1 AND status = 'deferred';

-- name: delivery_of
SELECT subscriber_id, status, attempts, last_reply, next_attempt_at
FROM deliveries WHERE issue_id = $1 AND subscriber_id = $2;

-- name: finish_sending
-- $1 issue, $2 now: sent, unless cohorts remain to be released.
UPDATE issues SET status = 'sent', finished_at = $2, updated_at = $2
WHERE id = $1 AND status = 'sending' AND releasing = 0
RETURNING id;

-- The delivery report (store/delivery_reports.hpp) ---------------------------------------

-- name: delivery_buckets
-- $1 issue, $2 bucket width in seconds, $3 limit: copies settled per interval.
SELECT (updated_at / $2::bigint) * $2::bigint AS start,
       count(*) FILTER (WHERE status = 'sent') AS sent,
       count(*) FILTER (WHERE status = 'failed') AS failed
FROM deliveries
WHERE issue_id = $1 AND (status = 'sent' OR status = 'failed')
GROUP BY start
ORDER BY start
LIMIT $3;

-- name: failed_deliveries
-- $1 issue, $2 after subscriber id, $3 limit.
SELECT d.subscriber_id, s.email, d.attempts, d.last_reply, d.updated_at
FROM deliveries AS d
JOIN subscribers AS s ON s.id = d.subscriber_id
WHERE d.issue_id = $1 AND d.status = 'failed' AND d.subscriber_id > $2
ORDER BY d.subscriber_id
LIMIT $3;
