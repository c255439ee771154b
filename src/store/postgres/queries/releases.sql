-- Named queries of the PostgreSQL backend: the scheduler's releases (store/releases.hpp).
-- Rules for every file of this folder: see connection.sql.

-- name: release_candidates
SELECT i.id AS issue_id, i.newsletter_id, n.slug AS newsletter_slug, n.schedule,
       coalesce(i.edition, '') AS edition, i.scheduled_at,
       coalesce(n.default_timezone, '') AS default_timezone, i.status
FROM issues AS i JOIN newsletters AS n ON n.id = i.newsletter_id
WHERE i.status = 'scheduled' OR (i.status = 'sending' AND i.releasing = 1)
ORDER BY i.id;

-- name: reader_zones
-- One index step per distinct zone (subscribers_timezone), not a scan of the readers.
WITH RECURSIVE z(zone) AS (
  SELECT min(timezone) FROM subscribers
  UNION ALL
  SELECT (SELECT min(timezone) FROM subscribers WHERE timezone > z.zone)
  FROM z WHERE z.zone IS NOT NULL
)
SELECT zone FROM z WHERE zone IS NOT NULL;

-- name: cohort_releases_of
SELECT zone, release_at, decided_at, outcome, readers
FROM cohort_releases WHERE issue_id = $1
ORDER BY release_at, zone;

-- name: cohort_recorded
SELECT 1 AS recorded FROM cohort_releases WHERE issue_id = $1 AND zone = $2;

-- name: releasing_state
-- Locks the issue's row for the caller's transaction: two schedulers never both begin.
SELECT status, releasing, newsletter_id FROM issues WHERE id = $1 FOR UPDATE;

-- name: begin_releasing
-- $1 issue, $2 now: the first release of a scheduled issue.
UPDATE issues SET status = 'sending', releasing = 1, started_at = coalesce(started_at, $2),
                  updated_at = $2
WHERE id = $1 AND status = 'scheduled';

-- name: zone_batch_end
-- $1 zone, $2 after subscriber id, $3 batch size: the last id of the next batch.
SELECT max(id) AS last FROM (SELECT id FROM subscribers
                             WHERE timezone = $1 AND id > $2 ORDER BY id LIMIT $3) AS b;

-- name: queue_zone_batch
-- $1 issue, $2 newsletter, $3 zone, $4 after id, $5 through id, $6 now. An issue sent to a
-- segment releases only its readers (the conditions of delivery_log.sql's queue_audience).
INSERT INTO deliveries (issue_id, subscriber_id, status, attempts, last_reply, updated_at)
SELECT $1, s.id, 'queued', 0, '', $6
FROM subscribers AS s
JOIN subscriptions AS x ON x.subscriber_id = s.id AND x.newsletter_id = $2
JOIN issues AS i ON i.id = $1
LEFT JOIN segments AS g ON g.id = i.segment_id
WHERE s.timezone = $3 AND s.id > $4 AND s.id <= $5 AND s.status = 'active' AND
      x.status = 'confirmed' AND
      NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key)
  AND (g.id IS NULL OR (
        (g.zone IS NULL OR s.timezone = g.zone)
    AND (g.signed_up_from IS NULL OR s.created_at >= g.signed_up_from)
    AND (g.signed_up_until IS NULL OR s.created_at < g.signed_up_until)
    AND (g.source_page IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                                          WHERE c.subscriber_id = s.id
                                            AND c.source_page = g.source_page))
    AND s.attributes @> g.attributes))
ON CONFLICT DO NOTHING;

-- name: audience_batch_end
-- $1 newsletter, $2 after subscriber id, $3 batch size.
SELECT max(subscriber_id) AS last
FROM (SELECT subscriber_id FROM subscriptions
      WHERE newsletter_id = $1 AND status = 'confirmed' AND subscriber_id > $2
      ORDER BY subscriber_id LIMIT $3) AS b;

-- name: queue_audience_batch
-- $1 issue, $2 newsletter, $3 after id, $4 through id, $5 now.
INSERT INTO deliveries (issue_id, subscriber_id, status, attempts, last_reply, updated_at)
SELECT $1, x.subscriber_id, 'queued', 0, '', $5
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
JOIN issues AS i ON i.id = $1
LEFT JOIN segments AS g ON g.id = i.segment_id
WHERE x.newsletter_id = $2 AND x.status = 'confirmed' AND x.subscriber_id > $3 AND
      x.subscriber_id <= $4 AND s.status = 'active' AND
      NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key)
  AND (g.id IS NULL OR (
        (g.zone IS NULL OR s.timezone = g.zone)
    AND (g.signed_up_from IS NULL OR s.created_at >= g.signed_up_from)
    AND (g.signed_up_until IS NULL OR s.created_at < g.signed_up_until)
    AND (g.source_page IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                                          WHERE c.subscriber_id = s.id
                                            AND c.source_page = g.source_page))
    AND s.attributes @> g.attributes))
ON CONFLICT DO NOTHING;

-- name: record_cohort
-- $1 issue, $2 zone, $3 release_at, $4 now, $5 outcome, $6 readers.
INSERT INTO cohort_releases (issue_id, zone, release_at, decided_at, outcome, readers)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING issue_id;

-- name: released_count
SELECT count(*) AS released FROM cohort_releases WHERE issue_id = $1 AND outcome = 'released';

-- name: end_releasing
-- $1 issue, $2 now, $3 1: nothing was released, the issue is cancelled.
UPDATE issues
SET releasing = 0, updated_at = $2,
    status = CASE WHEN $3::bigint = 1 THEN 'cancelled' ELSE status END,
    finished_at = CASE WHEN $3::bigint = 1 THEN $2 ELSE finished_at END
WHERE id = $1 AND (releasing = 1 OR status = 'scheduled')
RETURNING status;

-- name: skipped_cohorts_total
SELECT count(*) AS skipped FROM cohort_releases WHERE outcome = 'skipped';

-- name: readers_by_zone
SELECT s.timezone AS zone, count(*) AS readers
FROM subscriptions AS x JOIN subscribers AS s ON s.id = x.subscriber_id
WHERE x.newsletter_id = $1 AND x.status = 'confirmed' AND s.status = 'active'
GROUP BY s.timezone ORDER BY s.timezone;
