-- Named queries of the SQLite backend: the delivery log (the role of store/delivery_log.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Sending: the delivery log -------------------------------------------------------------

-- name: start_issue
UPDATE issues SET status = 'sending', started_at = ?2, updated_at = ?2
WHERE id = ?1 AND (status = 'draft' OR status = 'scheduled')
RETURNING newsletter_id;

-- name: queue_audience
-- ?1 issue, ?2 newsletter, ?3 now: the audience is fixed when sending begins; a
-- suppressed address (bounces.sql) is never in it.
INSERT INTO deliveries (issue_id, subscriber_id, status, attempts, last_reply, updated_at)
SELECT ?1, x.subscriber_id, 'queued', 0, '', ?3
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
WHERE x.newsletter_id = ?2 AND x.status = 'confirmed' AND s.status = 'active' AND
      NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key)
ORDER BY x.subscriber_id;

-- name: set_issue_status
-- ?3 true: stamp finished_at (sent, cancelled); ?5 why it stopped by itself, '' for a
-- change asked for (which clears an earlier reason).
UPDATE issues
SET status = ?2, updated_at = ?4,
    finished_at = CASE WHEN ?3 THEN ?4 ELSE finished_at END,
    stopped_reason = ?5
WHERE id = ?1
RETURNING id;

-- name: queued_deliveries
-- ?1 issue, ?2 after subscriber id, ?3 limit. Columns: subscriber_id, email,
-- email_display, name, timezone, attempts, still_subscribed.
SELECT d.subscriber_id, s.email, s.email_display, s.name, s.timezone, d.attempts,
       coalesce(x.status = 'confirmed' AND s.status = 'active' AND
                NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key),
                0) AS still_subscribed
FROM deliveries AS d
JOIN issues AS i ON i.id = d.issue_id
JOIN subscribers AS s ON s.id = d.subscriber_id
LEFT JOIN subscriptions AS x
  ON x.subscriber_id = d.subscriber_id AND x.newsletter_id = i.newsletter_id
WHERE d.issue_id = ?1 AND d.status = 'queued' AND d.subscriber_id > ?2
ORDER BY d.subscriber_id
LIMIT ?3;

-- name: due_deliveries
-- ?1 issue, ?2 now, ?3 after subscriber id, ?4 limit; the columns of queued_deliveries.
SELECT d.subscriber_id, s.email, s.email_display, s.name, s.timezone, d.attempts,
       coalesce(x.status = 'confirmed' AND s.status = 'active' AND
                NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key),
                0) AS still_subscribed
FROM deliveries AS d
JOIN issues AS i ON i.id = d.issue_id
JOIN subscribers AS s ON s.id = d.subscriber_id
LEFT JOIN subscriptions AS x
  ON x.subscriber_id = d.subscriber_id AND x.newsletter_id = i.newsletter_id
WHERE d.issue_id = ?1 AND d.status = 'deferred' AND d.next_attempt_at <= ?2 AND
      d.subscriber_id > ?3
ORDER BY d.subscriber_id
LIMIT ?4;

-- name: update_delivery
UPDATE deliveries
SET status = ?3, attempts = ?4, last_reply = ?5, next_attempt_at = ?6, updated_at = ?7
WHERE issue_id = ?1 AND subscriber_id = ?2;

-- name: delete_delivery
DELETE FROM deliveries WHERE issue_id = ?1 AND subscriber_id = ?2;

-- name: count_bounce
UPDATE subscribers SET bounce_count = bounce_count + 1, updated_at = ?2 WHERE id = ?1;

-- name: delivery_counts
SELECT status, count(*) AS count FROM deliveries WHERE issue_id = ?1 GROUP BY status;

-- name: deferral_reasons
-- ?1 issue, ?2 limit: the last replies of its deferred deliveries, the most common first.
SELECT last_reply AS reply, count(*) AS count
FROM deliveries
WHERE issue_id = ?1 AND status = 'deferred'
GROUP BY last_reply
ORDER BY count DESC, reply
LIMIT ?2;

-- name: settled_since
-- ?1 issue, ?2 since: reads the issue's rows only (the primary key's prefix).
SELECT count(*) AS count FROM deliveries
WHERE issue_id = ?1 AND (status = 'sent' OR status = 'failed') AND updated_at >= ?2;

-- name: delivery_totals
-- Every row's attempts were deferred but the last one of a row that ended sent or failed.
SELECT coalesce(sum(status = 'sent'), 0) AS sent, coalesce(sum(status = 'failed'), 0) AS failed,
       coalesce(sum(attempts), 0) - coalesce(sum(status = 'sent' OR status = 'failed'), 0)
         AS deferred
FROM deliveries;

-- name: next_retry_at
SELECT min(next_attempt_at) FROM deliveries WHERE issue_id = ?1 AND status = 'deferred';

-- name: delivery_of
SELECT subscriber_id, status, attempts, last_reply, next_attempt_at
FROM deliveries WHERE issue_id = ?1 AND subscriber_id = ?2;

-- The delivery report (store/delivery_reports.hpp) ---------------------------------------

-- name: delivery_buckets
-- ?1 issue, ?2 bucket width in seconds, ?3 limit: copies settled per interval.
SELECT (updated_at / ?2) * ?2 AS start,
       sum(status = 'sent') AS sent, sum(status = 'failed') AS failed
FROM deliveries
WHERE issue_id = ?1 AND (status = 'sent' OR status = 'failed')
GROUP BY start
ORDER BY start
LIMIT ?3;

-- name: failed_deliveries
-- ?1 issue, ?2 after subscriber id, ?3 limit.
SELECT d.subscriber_id, s.email, d.attempts, d.last_reply, d.updated_at
FROM deliveries AS d
JOIN subscribers AS s ON s.id = d.subscriber_id
WHERE d.issue_id = ?1 AND d.status = 'failed' AND d.subscriber_id > ?2
ORDER BY d.subscriber_id
LIMIT ?3;
