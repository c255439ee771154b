-- Named queries of the PostgreSQL backend: the public archive (the role of
-- store/archive.hpp). Rules for every file of this folder: see connection.sql.

-- The public archive (web/archive_pages.hpp) --------------------------------------------
-- An issue is public when its readers have it: it is sending or sent, or it was paused
-- or cancelled after a copy went out. Columns: id, subject, preheader, started_at.
-- Newest first, by when sending began.

-- name: archive_list
-- $1 newsletter id, $2 limit.
SELECT i.id, i.subject, i.preheader, i.started_at
FROM issues i
WHERE i.newsletter_id = $1 AND i.started_at IS NOT NULL
  AND (i.status = 'sending' OR i.status = 'sent' OR
       ((i.status = 'paused' OR i.status = 'cancelled') AND
        EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = i.id AND d.status = 'sent')))
ORDER BY i.started_at DESC, i.id DESC
LIMIT $2;

-- name: archive_list_before
-- $1 newsletter id, $2 limit, $3 an issue of the newsletter: only those older than it
-- (the keyset cursor). An unknown $3 lists nothing.
SELECT i.id, i.subject, i.preheader, i.started_at
FROM issues i
WHERE i.newsletter_id = $1 AND i.started_at IS NOT NULL
  AND (i.started_at, i.id) < (SELECT b.started_at, b.id FROM issues b
                              WHERE b.id = $3 AND b.newsletter_id = $1)
  AND (i.status = 'sending' OR i.status = 'sent' OR
       ((i.status = 'paused' OR i.status = 'cancelled') AND
        EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = i.id AND d.status = 'sent')))
ORDER BY i.started_at DESC, i.id DESC
LIMIT $2;

-- name: archive_issue
-- $1 newsletter id, $2 issue id: the issue as issue_by_id reads it, when it is public.
SELECT i.id, i.newsletter_id, n.slug AS newsletter_slug, i.subject, i.preheader, i.body_markdown,
       i.sponsor_markdown, i.status,
       i.edition, i.scheduled_at, i.started_at, i.finished_at, i.created_at, i.updated_at,
       coalesce(i.lease_owner, '') AS lease_owner, i.lease_expires_at, i.stopped_reason
FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
WHERE i.id = $2 AND i.newsletter_id = $1 AND i.started_at IS NOT NULL
  AND (i.status = 'sending' OR i.status = 'sent' OR
       ((i.status = 'paused' OR i.status = 'cancelled') AND
        EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = i.id AND d.status = 'sent')));
