-- Named queries of the SQLite backend: the desk's readers and segments (the roles of
-- store/reader_directory.hpp and store/segments.hpp). Rules: see connection.sql.
--
-- A reader filter binds ?3..?9 in every query of it (NULL: any): ?3 newsletter, ?4
-- subscription status (in ?3, else in any newsletter), ?5 zone as the reader gave it,
-- ?6 and ?7 the sign-up range [from, until), ?8 the page of a consent record, ?9 the
-- attributes that must be equal, one JSON object ('{}': none). Erased readers are never
-- listed. Pages are keyset pages in id order: ?1 the last id seen, ?2 the page size.

-- name: filter_readers
-- The readers in id order, each probed for the filter: the plan of an unfiltered page
-- and of filters most readers pass.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id > ?1 AND s.erased_at IS NULL
  AND (?3 IS NULL AND (?4 IS NULL OR EXISTS (SELECT 1 FROM subscriptions AS x
                                             WHERE x.subscriber_id = s.id AND x.status = ?4))
       OR EXISTS (SELECT 1 FROM subscriptions AS x
                  WHERE x.subscriber_id = s.id AND x.newsletter_id = ?3
                    AND (?4 IS NULL OR x.status = ?4)))
  AND (?5 IS NULL OR s.timezone = ?5)
  AND (?6 IS NULL OR s.created_at >= ?6)
  AND (?7 IS NULL OR s.created_at < ?7)
  AND (?8 IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                             WHERE c.subscriber_id = s.id AND c.source_page = ?8))
  AND NOT EXISTS (SELECT 1 FROM json_each(?9) AS w
                  WHERE NOT EXISTS (SELECT 1 FROM json_each(s.attributes) AS a
                                    WHERE a.key = w.key AND a.value = w.value))
ORDER BY s.id
LIMIT ?2;

-- name: filter_readers_in_audience
-- Newsletter and status both given: the audience index (newsletter, status, id) in
-- id order, so a small newsletter's page never walks the other readers.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
WHERE x.newsletter_id = ?3 AND x.status = ?4 AND x.subscriber_id > ?1
  AND s.erased_at IS NULL
  AND (?5 IS NULL OR s.timezone = ?5)
  AND (?6 IS NULL OR s.created_at >= ?6)
  AND (?7 IS NULL OR s.created_at < ?7)
  AND (?8 IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                             WHERE c.subscriber_id = s.id AND c.source_page = ?8))
  AND NOT EXISTS (SELECT 1 FROM json_each(?9) AS w
                  WHERE NOT EXISTS (SELECT 1 FROM json_each(s.attributes) AS a
                                    WHERE a.key = w.key AND a.value = w.value))
ORDER BY x.subscriber_id
LIMIT ?2;

-- name: search_readers
-- ?10 a prefix (any case), ?11 the same followed by x'FF' (past every text that starts
-- with it): two range scans of the NOCASE indexes of migration 0016, the address's and
-- the name's, then the filter on the readers found.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id IN (SELECT id FROM subscribers
               WHERE email >= ?10 COLLATE NOCASE AND email < ?11 COLLATE NOCASE
               UNION
               SELECT id FROM subscribers
               WHERE name >= ?10 COLLATE NOCASE AND name < ?11 COLLATE NOCASE)
  AND s.id > ?1 AND s.erased_at IS NULL
  AND (?3 IS NULL AND (?4 IS NULL OR EXISTS (SELECT 1 FROM subscriptions AS x
                                             WHERE x.subscriber_id = s.id AND x.status = ?4))
       OR EXISTS (SELECT 1 FROM subscriptions AS x
                  WHERE x.subscriber_id = s.id AND x.newsletter_id = ?3
                    AND (?4 IS NULL OR x.status = ?4)))
  AND (?5 IS NULL OR s.timezone = ?5)
  AND (?6 IS NULL OR s.created_at >= ?6)
  AND (?7 IS NULL OR s.created_at < ?7)
  AND (?8 IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                             WHERE c.subscriber_id = s.id AND c.source_page = ?8))
  AND NOT EXISTS (SELECT 1 FROM json_each(?9) AS w
                  WHERE NOT EXISTS (SELECT 1 FROM json_each(s.attributes) AS a
                                    WHERE a.key = w.key AND a.value = w.value))
ORDER BY s.id
LIMIT ?2;

-- name: count_readers
-- The readers of a filter (?3..?9), for a segment's count: one pass over the readers.
SELECT count(*) AS readers
FROM subscribers AS s
WHERE s.erased_at IS NULL
  AND (?3 IS NULL AND (?4 IS NULL OR EXISTS (SELECT 1 FROM subscriptions AS x
                                             WHERE x.subscriber_id = s.id AND x.status = ?4))
       OR EXISTS (SELECT 1 FROM subscriptions AS x
                  WHERE x.subscriber_id = s.id AND x.newsletter_id = ?3
                    AND (?4 IS NULL OR x.status = ?4)))
  AND (?5 IS NULL OR s.timezone = ?5)
  AND (?6 IS NULL OR s.created_at >= ?6)
  AND (?7 IS NULL OR s.created_at < ?7)
  AND (?8 IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                             WHERE c.subscriber_id = s.id AND c.source_page = ?8))
  AND NOT EXISTS (SELECT 1 FROM json_each(?9) AS w
                  WHERE NOT EXISTS (SELECT 1 FROM json_each(s.attributes) AS a
                                    WHERE a.key = w.key AND a.value = w.value));

-- One reader's record ------------------------------------------------------------------

-- name: reader_erased_at
SELECT erased_at FROM subscribers WHERE id = ?1;

-- name: consents_of_reader
-- ?1 reader, ?2 at most: newest first.
SELECT c.id, c.newsletter_id, coalesce(n.slug, '') AS newsletter_slug,
       c.consent_text_version, c.consent_kind, c.granted, c.source_page, c.client_address,
       c.created_at
FROM consent_ledger AS c
LEFT JOIN newsletters AS n ON n.id = c.newsletter_id
WHERE c.subscriber_id = ?1
ORDER BY c.id DESC
LIMIT ?2;

-- name: deliveries_of_reader
-- ?1 reader, ?2 at most: the copies of issues they were sent, newest issue first.
SELECT d.issue_id, i.subject, d.status, d.attempts, d.last_reply, d.updated_at
FROM deliveries AS d
JOIN issues AS i ON i.id = d.issue_id
WHERE d.subscriber_id = ?1
ORDER BY d.issue_id DESC
LIMIT ?2;

-- name: audit_of_reader
-- ?1 the reader's address, ?2 "subscriber:ID", ?3 at most: newest first.
SELECT id, at, actor, action, subject, detail
FROM audit_log
WHERE subject = ?1 OR subject = ?2
ORDER BY id DESC
LIMIT ?3;

-- name: set_reader_attributes
-- ?1 reader, ?2 the attributes as one JSON object, ?3 now.
UPDATE subscribers SET attributes = ?2, updated_at = ?3
WHERE id = ?1 AND erased_at IS NULL RETURNING id;

-- name: set_reader_status
-- ?1 reader, ?2 active or blocked, ?3 now.
UPDATE subscribers SET status = ?2, updated_at = ?3
WHERE id = ?1 AND erased_at IS NULL RETURNING id;

-- Erasure (GDPR), in one transaction: what identifies the person goes, the rows that
-- counts are made of stay. ?1 reader, ?2 now unless said. -------------------------------

-- name: reader_for_erasure
SELECT email, email_display, email_key FROM subscribers WHERE id = ?1 AND erased_at IS NULL;

-- name: erase_reader_row
-- The address becomes "erased:ID" (not an address: nothing can be sent to it), the
-- mailbox key goes (the suppression keeps only its hash), the reader is blocked.
UPDATE subscribers
SET email = 'erased:' || id, email_display = 'erased:' || id, email_key = NULL, name = '',
    timezone = '', attributes = '{}', status = 'blocked', erased_at = ?2, updated_at = ?2
WHERE id = ?1;

-- name: erase_reader_subscriptions
UPDATE subscriptions
SET status = 'unsubscribed', unsubscribed_at = coalesce(unsubscribed_at, ?2), source = 'erased'
WHERE subscriber_id = ?1 AND status <> 'unsubscribed';

-- name: erase_reader_consents
-- The evidence stays (what, when, where); the client's network address goes.
UPDATE consent_ledger SET client_address = '' WHERE subscriber_id = ?1;

-- name: erase_reader_mail
DELETE FROM mail_queue WHERE subscriber_id = ?1;

-- name: erase_reader_bounces
-- The events stay counted; the address and the diagnostic that quotes it go.
UPDATE bounce_events SET recipient = '', status = '' WHERE subscriber_id = ?1;

-- name: erase_reader_replies
-- The relay's replies may quote the address.
UPDATE deliveries SET last_reply = '' WHERE subscriber_id = ?1 AND last_reply <> '';

-- name: erase_reader_audit
-- ?1 reader, ?2 address, ?3 address as shown: the entries about them name them by id.
UPDATE audit_log
SET subject = 'subscriber:' || ?1,
    detail = replace(replace(detail, ?2, '[erased]'), ?3, '[erased]')
WHERE subject = ?2 OR subject = ?3 OR subject = 'subscriber:' || ?1;

-- name: erase_suppressed_address
-- A suppression of the mailbox (a bounce's, the publisher's) keeps its hash only.
UPDATE suppressions SET address = NULL, email_key = NULL WHERE email_key = ?1;

-- Segments: id, name, newsletter_id, newsletter_slug, status, zone, signed_up_from,
-- signed_up_until, source_page, attributes, created_at, updated_at ----------------------

-- name: insert_segment
-- ?1 name, ?2 newsletter, ?3 status, ?4 zone, ?5 from, ?6 until, ?7 source page,
-- ?8 attributes, ?9 now.
INSERT INTO segments (name, newsletter_id, status, zone, signed_up_from, signed_up_until,
                      source_page, attributes, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
RETURNING id;

-- name: update_segment
-- ?10 segment; the rest as insert_segment.
UPDATE segments
SET name = ?1, newsletter_id = ?2, status = ?3, zone = ?4, signed_up_from = ?5,
    signed_up_until = ?6, source_page = ?7, attributes = ?8, updated_at = ?9
WHERE id = ?10
RETURNING id;

-- name: segment_by_id
SELECT g.id, g.name, g.newsletter_id, coalesce(n.slug, '') AS newsletter_slug, g.status,
       g.zone, g.signed_up_from, g.signed_up_until, g.source_page, g.attributes,
       g.created_at, g.updated_at
FROM segments AS g LEFT JOIN newsletters AS n ON n.id = g.newsletter_id
WHERE g.id = ?1;

-- name: segment_by_name
SELECT g.id, g.name, g.newsletter_id, coalesce(n.slug, '') AS newsletter_slug, g.status,
       g.zone, g.signed_up_from, g.signed_up_until, g.source_page, g.attributes,
       g.created_at, g.updated_at
FROM segments AS g LEFT JOIN newsletters AS n ON n.id = g.newsletter_id
WHERE g.name = ?1;

-- name: list_segments
SELECT g.id, g.name, g.newsletter_id, coalesce(n.slug, '') AS newsletter_slug, g.status,
       g.zone, g.signed_up_from, g.signed_up_until, g.source_page, g.attributes,
       g.created_at, g.updated_at
FROM segments AS g LEFT JOIN newsletters AS n ON n.id = g.newsletter_id
ORDER BY g.name;

-- name: delete_segment
DELETE FROM segments WHERE id = ?1 RETURNING id;

-- name: set_issue_segment
-- ?1 issue, ?2 segment or NULL (the whole newsletter), ?3 now: only before sending.
UPDATE issues SET segment_id = ?2, updated_at = ?3
WHERE id = ?1 AND (status = 'draft' OR status = 'scheduled')
RETURNING id;

-- name: issue_segment
SELECT segment_id FROM issues WHERE id = ?1;

-- name: queue_segment_audience
-- ?1 issue, ?2 newsletter, ?3 now, ?4 segment: queue_audience (delivery_log.sql) with
-- the segment's conditions besides; its status is not one of them, since an issue goes
-- only to confirmed readers, and its newsletter is the issue's (checked when it was
-- chosen).
INSERT INTO deliveries (issue_id, subscriber_id, status, attempts, last_reply, updated_at)
SELECT ?1, x.subscriber_id, 'queued', 0, '', ?3
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
JOIN segments AS g ON g.id = ?4
WHERE x.newsletter_id = ?2 AND x.status = 'confirmed' AND s.status = 'active' AND
      NOT EXISTS (SELECT 1 FROM suppressions AS p WHERE p.email_key = s.email_key)
  AND (g.zone IS NULL OR s.timezone = g.zone)
  AND (g.signed_up_from IS NULL OR s.created_at >= g.signed_up_from)
  AND (g.signed_up_until IS NULL OR s.created_at < g.signed_up_until)
  AND (g.source_page IS NULL OR EXISTS (SELECT 1 FROM consent_ledger AS c
                                        WHERE c.subscriber_id = s.id
                                          AND c.source_page = g.source_page))
  AND NOT EXISTS (SELECT 1 FROM json_each(g.attributes) AS w
                  WHERE NOT EXISTS (SELECT 1 FROM json_each(s.attributes) AS a
                                    WHERE a.key = w.key AND a.value = w.value))
ORDER BY x.subscriber_id;

-- name: segment_attributes
-- ?1 segment: its attribute conditions, one row each, by key.
SELECT a.key AS key, a.value AS value
FROM segments AS g, json_each(g.attributes) AS a
WHERE g.id = ?1
ORDER BY a.key;

-- name: segment_newsletter_of_issue
-- ?1 issue, ?2 segment: the issue's newsletter and the segment's (NULL: none).
SELECT i.newsletter_id AS issue_newsletter, g.newsletter_id AS segment_newsletter
FROM issues AS i, segments AS g
WHERE i.id = ?1 AND g.id = ?2;
