-- Named queries of the PostgreSQL backend: the desk's dashboard (the role of
-- store/dashboard.hpp). Rules for every file of this folder: see connection.sql.

-- name: readers_per_newsletter
-- Each count is a range of the subscriptions_audience index (newsletter, status, ...).
SELECT n.id, n.slug, n.name,
       (SELECT count(*) FROM subscriptions s
        WHERE s.newsletter_id = n.id AND s.status = 'confirmed') AS confirmed,
       (SELECT count(*) FROM subscriptions s
        WHERE s.newsletter_id = n.id AND s.status = 'unconfirmed') AS unconfirmed
FROM newsletters n ORDER BY n.name COLLATE "C", n.id;

-- name: activity_since
-- $1 first day. A row per newsletter and day (subscription_days), summed.
SELECT day, sum(signups) AS signups, sum(confirmations) AS confirmations,
       sum(unsubscribes) AS unsubscribes
FROM subscription_days WHERE day >= $1 GROUP BY day ORDER BY day;

-- name: recent_delivery_failures
-- $1 limit. Only the deliveries of the 20 issues begun last are looked at, each by
-- the deliveries_due index (issue, status, ...).
SELECT d.issue_id, i.subject, s.email_display, d.last_reply, d.updated_at
FROM (SELECT id, subject FROM issues WHERE started_at IS NOT NULL
      ORDER BY started_at DESC LIMIT 20) AS i
JOIN deliveries d ON d.issue_id = i.id AND d.status = 'failed'
JOIN subscribers s ON s.id = d.subscriber_id
ORDER BY d.updated_at DESC LIMIT $1;

-- name: recent_stopped_issues
-- $1 limit.
SELECT id, subject, stopped_reason, updated_at FROM issues
WHERE stopped_reason <> '' ORDER BY updated_at DESC LIMIT $1;
