-- Named queries of the PostgreSQL backend: issues (the role of store/issues.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Issues: id, newsletter_id, newsletter slug, subject, preheader, body_markdown,
-- sponsor_markdown, status, edition, scheduled_at, started_at, finished_at, created_at,
-- updated_at, lease_owner, lease_expires_at, stopped_reason ----------------------------

-- name: insert_issue
-- $7: the edition a draft is made for (issue draft, the scheduler's drafts), or NULL;
-- the unique index issues_edition refuses a second issue of an edition.
INSERT INTO issues (newsletter_id, subject, preheader, body_markdown, sponsor_markdown, status,
                    created_at, updated_at, edition)
VALUES ($1, $2, $3, $4, $6, 'draft', $5, $5, $7)
RETURNING id;

-- name: issue_by_id
SELECT i.id, i.newsletter_id, n.slug AS newsletter_slug, i.subject, i.preheader, i.body_markdown,
       i.sponsor_markdown, i.status,
       i.edition, i.scheduled_at, i.started_at, i.finished_at, i.created_at, i.updated_at,
       coalesce(i.lease_owner, '') AS lease_owner, i.lease_expires_at, i.stopped_reason
FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
WHERE i.id = $1;

-- name: issue_by_id_for_update
-- issue_by_id, locking the issue's row until the caller's transaction ends: what a
-- method reads of it stays true while it writes (SQLite's single writer gave that).
SELECT i.id, i.newsletter_id, n.slug AS newsletter_slug, i.subject, i.preheader, i.body_markdown,
       i.sponsor_markdown, i.status,
       i.edition, i.scheduled_at, i.started_at, i.finished_at, i.created_at, i.updated_at,
       coalesce(i.lease_owner, '') AS lease_owner, i.lease_expires_at, i.stopped_reason
FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
WHERE i.id = $1
FOR UPDATE OF i;

-- name: issue_status
SELECT status FROM issues WHERE id = $1;

-- name: list_issues
-- $1 newsletter id or NULL for all, $2 status or NULL for any, $3 limit. Without bodies
-- (up to 1 MiB each) or sponsor blocks, which no list shows.
SELECT i.id, i.newsletter_id, n.slug AS newsletter_slug, i.subject, i.preheader, '' AS body_markdown,
       '' AS sponsor_markdown, i.status,
       i.edition, i.scheduled_at, i.started_at, i.finished_at, i.created_at, i.updated_at,
       coalesce(i.lease_owner, '') AS lease_owner, i.lease_expires_at, i.stopped_reason
FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
WHERE ($1::bigint IS NULL OR i.newsletter_id = $1::bigint) AND
      ($2::text IS NULL OR i.status = $2::text)
ORDER BY i.created_at DESC, i.id DESC
LIMIT $3;

-- name: correct_issue
-- An issue readers have got; the caller has checked the status in the same
-- transaction. Its archive pages go stale (the newsletter's archive_version).
UPDATE issues
SET subject = coalesce($2, subject),
    preheader = coalesce($3, preheader),
    body_markdown = coalesce($4, body_markdown),
    sponsor_markdown = coalesce($6, sponsor_markdown),
    updated_at = $5
WHERE id = $1 AND status IN ('sent', 'paused', 'cancelled')
RETURNING id;

-- name: bump_archive_version
UPDATE newsletters SET archive_version = archive_version + 1 WHERE id = $1;

-- name: issue_audit
-- audit_log.sql's insert_audit, for the issue methods that audit in their own
-- transaction: $1 at, $2 actor, $3 action, $4 subject, $5 detail.
INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5);

-- name: update_issue
-- Only drafts and scheduled issues change; the caller has checked the status in the
-- same transaction, the WHERE keeps it true.
UPDATE issues
SET subject = coalesce($2, subject),
    preheader = coalesce($3, preheader),
    body_markdown = coalesce($4, body_markdown),
    sponsor_markdown = coalesce($6, sponsor_markdown),
    updated_at = $5
WHERE id = $1 AND (status = 'draft' OR status = 'scheduled')
RETURNING id;

-- name: delete_issue
DELETE FROM issues WHERE id = $1 AND (status = 'draft' OR status = 'scheduled')
RETURNING id;

-- name: issue_of_edition
-- $1 newsletter id, $2 edition 'YYYY-MM-DD': the issue tied to it, if any.
SELECT id, status FROM issues WHERE newsletter_id = $1 AND edition = $2;

-- name: schedule_issue
-- $1 issue id, $2 edition or NULL, $3 instant or NULL, $4 now. Only a draft is
-- scheduled; the caller has checked the status in the same transaction.
UPDATE issues
SET status = 'scheduled', edition = $2, scheduled_at = $3, updated_at = $4
WHERE id = $1 AND status = 'draft'
RETURNING id;

-- name: unschedule_issue
-- Back to a draft, still tied to its edition (if any); the instant is forgotten.
UPDATE issues
SET status = 'draft', scheduled_at = NULL, updated_at = $2
WHERE id = $1 AND status = 'scheduled'
RETURNING id;

-- name: set_issue_status
-- $3 1: stamp finished_at (sent, cancelled); $5 why it stopped by itself, '' for a
-- change asked for (which clears an earlier reason).
UPDATE issues
SET status = $2, updated_at = $4,
    finished_at = CASE WHEN $3::bigint = 1 THEN $4 ELSE finished_at END,
    stopped_reason = $5
WHERE id = $1
RETURNING id;
