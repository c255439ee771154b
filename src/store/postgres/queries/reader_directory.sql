-- Named queries of the PostgreSQL backend: the desk's readers and segments (the roles of
-- store/reader_directory.hpp and store/segments.hpp). Rules: see connection.sql.
--
-- A reader filter binds $1..$7 in every query of it (NULL: any), first so that the
-- count, which has no page, numbers them alike: $1 newsletter, $2 subscription status
-- (in $1, else in any newsletter), $3 zone as the reader gave it, $4 and $5 the sign-up
-- range [from, until), $6 the page of a consent record, $7 the attributes that must be
-- equal, one JSON object ('{}': none; jsonb containment). Erased readers are never
-- listed. Pages are keyset pages in id order: $8 the last id seen, $9 the page size.
-- (SQLite's file numbers the page first: ?1, ?2, then the filter ?3..?9.)

-- name: filter_readers
-- The readers in id order, each probed for the filter: the plan of an unfiltered page
-- and of filters most readers pass.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id > $8 AND s.erased_at IS NULL
  AND ($1::bigint IS NULL AND ($2::text IS NULL OR EXISTS (
         SELECT 1 FROM subscriptions AS x WHERE x.subscriber_id = s.id AND x.status = $2::text))
       OR EXISTS (SELECT 1 FROM subscriptions AS x
                  WHERE x.subscriber_id = s.id AND x.newsletter_id = $1::bigint
                    AND ($2::text IS NULL OR x.status = $2::text)))
  AND ($3::text IS NULL OR s.timezone = $3::text)
  AND ($4::bigint IS NULL OR s.created_at >= $4::bigint)
  AND ($5::bigint IS NULL OR s.created_at < $5::bigint)
  AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                                   WHERE c.subscriber_id = s.id AND c.source_page = $6::text))
  AND s.attributes @> $7::jsonb
ORDER BY s.id
LIMIT $9;

-- name: filter_readers_in_audience
-- Newsletter and status both given: the audience index (newsletter, status, id) in
-- id order, so a small newsletter's page never walks the other readers.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
WHERE x.newsletter_id = $1::bigint AND x.status = $2::text AND x.subscriber_id > $8
  AND s.erased_at IS NULL
  AND ($3::text IS NULL OR s.timezone = $3::text)
  AND ($4::bigint IS NULL OR s.created_at >= $4::bigint)
  AND ($5::bigint IS NULL OR s.created_at < $5::bigint)
  AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                                   WHERE c.subscriber_id = s.id AND c.source_page = $6::text))
  AND s.attributes @> $7::jsonb
ORDER BY x.subscriber_id
LIMIT $9;

-- name: search_readers
-- $10 a LIKE pattern: the lowered prefix, its % _ \ escaped, then '%'. Two range scans
-- of the lower(...) COLLATE "C" indexes (the baseline's subscribers_email_search and
-- subscribers_name_search), then the filter on the readers found.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id IN (SELECT id FROM subscribers WHERE lower(email) COLLATE "C" LIKE $10
               UNION
               SELECT id FROM subscribers WHERE lower(name) COLLATE "C" LIKE $10)
  AND s.id > $8 AND s.erased_at IS NULL
  AND ($1::bigint IS NULL AND ($2::text IS NULL OR EXISTS (
         SELECT 1 FROM subscriptions AS x WHERE x.subscriber_id = s.id AND x.status = $2::text))
       OR EXISTS (SELECT 1 FROM subscriptions AS x
                  WHERE x.subscriber_id = s.id AND x.newsletter_id = $1::bigint
                    AND ($2::text IS NULL OR x.status = $2::text)))
  AND ($3::text IS NULL OR s.timezone = $3::text)
  AND ($4::bigint IS NULL OR s.created_at >= $4::bigint)
  AND ($5::bigint IS NULL OR s.created_at < $5::bigint)
  AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                                   WHERE c.subscriber_id = s.id AND c.source_page = $6::text))
  AND s.attributes @> $7::jsonb
ORDER BY s.id
LIMIT $9;

-- name: count_readers
-- The readers of a filter ($1..$7), for a segment's count: one pass over the readers.
SELECT count(*) AS readers
FROM subscribers AS s
WHERE s.erased_at IS NULL
  AND ($1::bigint IS NULL AND ($2::text IS NULL OR EXISTS (
         SELECT 1 FROM subscriptions AS x WHERE x.subscriber_id = s.id AND x.status = $2::text))
       OR EXISTS (SELECT 1 FROM subscriptions AS x
                  WHERE x.subscriber_id = s.id AND x.newsletter_id = $1::bigint
                    AND ($2::text IS NULL OR x.status = $2::text)))
  AND ($3::text IS NULL OR s.timezone = $3::text)
  AND ($4::bigint IS NULL OR s.created_at >= $4::bigint)
  AND ($5::bigint IS NULL OR s.created_at < $5::bigint)
  AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                                   WHERE c.subscriber_id = s.id AND c.source_page = $6::text))
  AND s.attributes @> $7::jsonb;

-- One reader's record ------------------------------------------------------------------

-- name: reader_erased_at
SELECT erased_at FROM subscribers WHERE id = $1;

-- name: consents_of_reader
-- $1 reader, $2 at most: newest first.
SELECT c.id, c.newsletter_id, coalesce(n.slug, '') AS newsletter_slug,
       c.consent_text_version, c.consent_kind, c.granted, c.source_page, c.client_address,
       c.created_at
FROM consent_ledger AS c
LEFT JOIN newsletters AS n ON n.id = c.newsletter_id
WHERE c.subscriber_id = $1
ORDER BY c.id DESC
LIMIT $2;

-- name: deliveries_of_reader
-- $1 reader, $2 at most: the copies of issues they were sent, newest issue first.
SELECT d.issue_id, i.subject, d.status, d.attempts, d.last_reply, d.updated_at
FROM deliveries AS d
JOIN issues AS i ON i.id = d.issue_id
WHERE d.subscriber_id = $1
ORDER BY d.issue_id DESC
LIMIT $2;

-- name: audit_of_reader
-- $1 the reader's address, $2 "subscriber:ID", $3 at most: newest first.
SELECT id, at, actor, action, subject, detail
FROM audit_log
WHERE subject = $1 OR subject = $2
ORDER BY id DESC
LIMIT $3;

-- name: set_reader_attributes
-- $1 reader, $2 the attributes as one JSON object, $3 now.
UPDATE subscribers SET attributes = $2::jsonb, updated_at = $3
WHERE id = $1 AND erased_at IS NULL RETURNING id;

-- name: set_reader_status
-- $1 reader, $2 active or blocked, $3 now.
UPDATE subscribers SET status = $2, updated_at = $3
WHERE id = $1 AND erased_at IS NULL RETURNING id;

-- Erasure (GDPR), in one transaction: what identifies the person goes, the rows that
-- counts are made of stay. $1 reader, $2 now unless said. -------------------------------

-- name: reader_for_erasure
-- The row stays locked to the end of the erasure, so no other node changes the reader
-- half-way through it.
SELECT email, email_display, email_key FROM subscribers
WHERE id = $1 AND erased_at IS NULL FOR UPDATE;

-- name: erase_reader_row
-- The address becomes "erased:ID" (not an address: nothing can be sent to it), the
-- mailbox key goes (the suppression keeps only its hash), the reader is blocked.
UPDATE subscribers
SET email = 'erased:' || id, email_display = 'erased:' || id, email_key = NULL, name = '',
    timezone = '', attributes = '{}', status = 'blocked', erased_at = $2, updated_at = $2
WHERE id = $1;

-- name: erase_reader_subscriptions
UPDATE subscriptions
SET status = 'unsubscribed', unsubscribed_at = coalesce(unsubscribed_at, $2), source = 'erased'
WHERE subscriber_id = $1 AND status <> 'unsubscribed';

-- name: erase_reader_consents
-- The evidence stays (what, when, where); the client's network address goes.
UPDATE consent_ledger SET client_address = '' WHERE subscriber_id = $1;

-- name: erase_reader_mail
DELETE FROM mail_queue WHERE subscriber_id = $1;

-- name: erase_reader_bounces
-- The events stay counted; the address and the diagnostic that quotes it go.
UPDATE bounce_events SET recipient = '', status = '' WHERE subscriber_id = $1;

-- name: erase_reader_replies
-- The relay's replies may quote the address.
UPDATE deliveries SET last_reply = '' WHERE subscriber_id = $1 AND last_reply <> '';

-- name: erase_reader_audit
-- $1 reader, $2 address, $3 address as shown: the entries about them name them by id.
UPDATE audit_log
SET subject = 'subscriber:' || $1::bigint,
    detail = replace(replace(detail, $2, '[erased]'), $3, '[erased]')
WHERE subject = $2 OR subject = $3 OR subject = 'subscriber:' || $1::bigint;

-- name: erase_suppressed_address
-- A suppression of the mailbox (a bounce's, the publisher's) keeps its hash only.
UPDATE suppressions SET address = NULL, email_key = NULL WHERE email_key = $1;

-- Segments: id, name, newsletter_id, newsletter_slug, status, zone, signed_up_from,
-- signed_up_until, source_page, attributes, created_at, updated_at. The audience of an
-- issue sent to one is queued by delivery_log.sql's queue_audience. -----------------

-- name: insert_segment
-- $1 name, $2 newsletter, $3 status, $4 zone, $5 from, $6 until, $7 source page,
-- $8 attributes (one JSON object), $9 now.
INSERT INTO segments (name, newsletter_id, status, zone, signed_up_from, signed_up_until,
                      source_page, attributes, created_at, updated_at)
VALUES ($1, $2::bigint, $3::text, $4::text, $5::bigint, $6::bigint, $7::text, $8::jsonb,
        $9::bigint, $9::bigint)
RETURNING id;

-- name: update_segment
-- $10 segment; the rest as insert_segment.
UPDATE segments
SET name = $1, newsletter_id = $2::bigint, status = $3::text, zone = $4::text,
    signed_up_from = $5::bigint, signed_up_until = $6::bigint, source_page = $7::text,
    attributes = $8::jsonb, updated_at = $9::bigint
WHERE id = $10
RETURNING id;

-- name: segment_by_id
SELECT g.id, g.name, g.newsletter_id, coalesce(n.slug, '') AS newsletter_slug, g.status,
       g.zone, g.signed_up_from, g.signed_up_until, g.source_page, g.attributes,
       g.created_at, g.updated_at
FROM segments AS g LEFT JOIN newsletters AS n ON n.id = g.newsletter_id
WHERE g.id = $1;

-- name: segment_by_name
SELECT g.id, g.name, g.newsletter_id, coalesce(n.slug, '') AS newsletter_slug, g.status,
       g.zone, g.signed_up_from, g.signed_up_until, g.source_page, g.attributes,
       g.created_at, g.updated_at
FROM segments AS g LEFT JOIN newsletters AS n ON n.id = g.newsletter_id
WHERE g.name = $1;

-- name: list_segments
SELECT g.id, g.name, g.newsletter_id, coalesce(n.slug, '') AS newsletter_slug, g.status,
       g.zone, g.signed_up_from, g.signed_up_until, g.source_page, g.attributes,
       g.created_at, g.updated_at
FROM segments AS g LEFT JOIN newsletters AS n ON n.id = g.newsletter_id
ORDER BY g.name;

-- name: delete_segment
DELETE FROM segments WHERE id = $1 RETURNING id;

-- name: segment_attributes
-- $1 segment: its attribute conditions, one row each, by key.
SELECT a.key AS key, a.value AS value
FROM segments AS g, jsonb_each_text(g.attributes) AS a
WHERE g.id = $1
ORDER BY a.key;

-- name: all_segment_attributes
-- Every segment's attribute conditions, one row each, by segment and key: the list's.
SELECT g.id AS segment_id, a.key AS key, a.value AS value
FROM segments AS g, jsonb_each_text(g.attributes) AS a
ORDER BY g.id, a.key;

-- name: issue_segment
SELECT segment_id FROM issues WHERE id = $1;

-- name: issue_segment_for_update
-- The issue's row stays locked to the end of set_issue_segment's transaction, so no
-- other node begins sending it (or changes its segment) between the checks and the
-- change.
SELECT segment_id FROM issues WHERE id = $1 FOR UPDATE;

-- name: segment_newsletter_of_issue
-- $1 issue, $2 segment: the issue's newsletter and the segment's (NULL: none). The
-- segment's row is shared-locked to the end of the transaction, so its newsletter
-- cannot change, nor the segment go, before the issue names it.
SELECT i.newsletter_id AS issue_newsletter, g.newsletter_id AS segment_newsletter
FROM issues AS i, segments AS g
WHERE i.id = $1 AND g.id = $2
FOR SHARE OF g;

-- name: set_issue_segment
-- $1 issue, $2 segment or NULL (the whole newsletter), $3 now: only before sending.
UPDATE issues SET segment_id = $2::bigint, updated_at = $3
WHERE id = $1 AND (status = 'draft' OR status = 'scheduled')
RETURNING id;
