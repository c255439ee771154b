-- Named queries of the PostgreSQL backend: newsletters (the role of store/newsletters.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Newsletters: id, slug, name, description, schedule, from_name, from_address,
-- is_public, opt_in, created_at, updated_at, welcome_subject, welcome_body,
-- archive_version, default_timezone, draft_from_feeds, draft_items, draft_sections,
-- draft_lead, draft_on_cutoff ------------------------------------------------------------------

-- name: insert_newsletter
-- Every field at once, so a newsletter is whole from its first row. $12: a zone, or ''
-- for the publication's; $13..$17: the drafts from feeds.
INSERT INTO newsletters (slug, name, description, schedule, from_name, from_address,
                         is_public, opt_in, created_at, updated_at, welcome_subject,
                         welcome_body, default_timezone, draft_from_feeds, draft_items,
                         draft_sections, draft_lead, draft_on_cutoff)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, nullif($12, ''), $13, $14, $15,
        $16, $17)
RETURNING id;

-- name: list_newsletters
-- $1: 1 to list only public newsletters.
SELECT id, slug, name, description, schedule, from_name, from_address,
       is_public, opt_in, created_at, updated_at,
       coalesce(welcome_subject, '') AS welcome_subject,
       coalesce(welcome_body, '') AS welcome_body, archive_version,
       coalesce(default_timezone, '') AS default_timezone,
       draft_from_feeds, draft_items, draft_sections, draft_lead, draft_on_cutoff
FROM newsletters
WHERE $1::bigint = 0 OR is_public = 1
ORDER BY name, slug;

-- name: newsletter_by_slug
SELECT id, slug, name, description, schedule, from_name, from_address,
       is_public, opt_in, created_at, updated_at,
       coalesce(welcome_subject, '') AS welcome_subject,
       coalesce(welcome_body, '') AS welcome_body, archive_version,
       coalesce(default_timezone, '') AS default_timezone,
       draft_from_feeds, draft_items, draft_sections, draft_lead, draft_on_cutoff
FROM newsletters
WHERE slug = $1;

-- name: newsletter_exists
SELECT 1 FROM newsletters WHERE id = $1;

-- name: newsletter_by_id
SELECT id, slug, name, description, schedule, from_name, from_address,
       is_public, opt_in, created_at, updated_at,
       coalesce(welcome_subject, '') AS welcome_subject,
       coalesce(welcome_body, '') AS welcome_body, archive_version,
       coalesce(default_timezone, '') AS default_timezone,
       draft_from_feeds, draft_items, draft_sections, draft_lead, draft_on_cutoff
FROM newsletters
WHERE id = $1;

-- name: update_newsletter
-- $1 slug; $2..$8, $10..$17 new values, NULL for "leave as it is"; $9 now.
UPDATE newsletters
SET name         = coalesce($2, name),
    description  = coalesce($3, description),
    schedule     = coalesce($4, schedule),
    from_name    = coalesce($5, from_name),
    from_address = coalesce($6, from_address),
    is_public    = coalesce($7, is_public),
    opt_in       = coalesce($8, opt_in),
    updated_at   = $9,
    welcome_subject = coalesce($10, welcome_subject),
    welcome_body    = coalesce($11, welcome_body),
    -- $12: a zone, '' to go back to the publication's, NULL to leave it.
    default_timezone = CASE WHEN $12::text IS NULL THEN default_timezone ELSE nullif($12::text, '') END,
    -- $13..$17: the drafts from feeds (0013_drafts.sql), NULL to leave each.
    draft_from_feeds = coalesce($13, draft_from_feeds),
    draft_items      = coalesce($14, draft_items),
    draft_sections   = coalesce($15, draft_sections),
    draft_lead       = coalesce($16, draft_lead),
    draft_on_cutoff  = coalesce($17, draft_on_cutoff),
    -- What the archive shows of the newsletter may have changed: its caches go stale.
    archive_version = archive_version + 1
WHERE slug = $1
RETURNING id, slug, name, description, schedule, from_name, from_address,
          is_public, opt_in, created_at, updated_at,
          coalesce(welcome_subject, '') AS welcome_subject,
       coalesce(welcome_body, '') AS welcome_body, archive_version,
       coalesce(default_timezone, '') AS default_timezone,
       draft_from_feeds, draft_items, draft_sections, draft_lead, draft_on_cutoff;

-- name: delete_newsletter
DELETE FROM newsletters WHERE slug = $1 RETURNING id;
