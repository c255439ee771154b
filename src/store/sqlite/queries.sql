-- Every statement the SQLite backend runs, as named queries (see store/named_queries.hpp).
-- All are prepared when the store opens, so a mistake here fails the start.
-- Parameters are numbered (?1, ?2, ...) to mirror PostgreSQL's $1, $2, ...
-- Column lists are repeated on purpose: the C++ readers take columns by position, so
-- every query that returns one kind of row lists the same columns in the same order.

-- Transactions -----------------------------------------------------------------------

-- name: begin_immediate
-- Takes the write lock at once, so a transaction that writes never fails half-way
-- because another connection wrote first.
BEGIN IMMEDIATE;

-- name: begin_read
-- A consistent snapshot for methods that read more than one statement's worth.
BEGIN;

-- name: commit
COMMIT;

-- name: rollback
ROLLBACK;

-- One request inside a batch of them (group commit, see sqlite_signup.cpp): a request
-- that fails is undone to its savepoint while the others in the transaction stand.

-- name: savepoint_request
SAVEPOINT request;

-- name: release_request
RELEASE request;

-- name: rollback_to_request
ROLLBACK TO request;

-- Migrations and health --------------------------------------------------------------

-- name: create_schema_migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL
);

-- name: schema_version
SELECT coalesce(max(version), 0) FROM schema_migrations;

-- name: record_migration
INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2);

-- name: ping
SELECT 1;

-- Newsletters: id, slug, name, description, schedule, from_name, from_address,
-- is_public, opt_in, created_at, updated_at, welcome_subject, welcome_body,
-- archive_version ------------------------------------------------------------------

-- name: insert_newsletter
INSERT INTO newsletters (slug, name, description, schedule, from_name, from_address,
                         is_public, opt_in, created_at, updated_at, welcome_subject,
                         welcome_body)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)
RETURNING id;

-- name: list_newsletters
-- ?1: 1 to list only public newsletters.
SELECT id, slug, name, description, schedule, from_name, from_address,
       is_public, opt_in, created_at, updated_at,
       coalesce(welcome_subject, ''), coalesce(welcome_body, ''), archive_version
FROM newsletters
WHERE ?1 = 0 OR is_public = 1
ORDER BY name, slug;

-- name: newsletter_by_slug
SELECT id, slug, name, description, schedule, from_name, from_address,
       is_public, opt_in, created_at, updated_at,
       coalesce(welcome_subject, ''), coalesce(welcome_body, ''), archive_version
FROM newsletters
WHERE slug = ?1;

-- name: newsletter_exists
SELECT 1 FROM newsletters WHERE id = ?1;

-- name: newsletter_by_id
SELECT id, slug, name, description, schedule, from_name, from_address,
       is_public, opt_in, created_at, updated_at,
       coalesce(welcome_subject, ''), coalesce(welcome_body, ''), archive_version
FROM newsletters
WHERE id = ?1;

-- name: update_newsletter
-- ?1 slug; ?2..?8 new values, NULL for "leave as it is"; ?9 now.
UPDATE newsletters
SET name         = coalesce(?2, name),
    description  = coalesce(?3, description),
    schedule     = coalesce(?4, schedule),
    from_name    = coalesce(?5, from_name),
    from_address = coalesce(?6, from_address),
    is_public    = coalesce(?7, is_public),
    opt_in       = coalesce(?8, opt_in),
    updated_at   = ?9,
    welcome_subject = coalesce(?10, welcome_subject),
    welcome_body    = coalesce(?11, welcome_body),
    -- What the archive shows of the newsletter may have changed: its caches go stale.
    archive_version = archive_version + 1
WHERE slug = ?1
RETURNING id, slug, name, description, schedule, from_name, from_address,
          is_public, opt_in, created_at, updated_at,
          coalesce(welcome_subject, ''), coalesce(welcome_body, ''), archive_version;

-- name: delete_newsletter
DELETE FROM newsletters WHERE slug = ?1 RETURNING id;

-- Subscribers: id, email, email_display, name, timezone, status, created_at,
-- updated_at ---------------------------------------------------------------------------

-- name: insert_subscriber
INSERT INTO subscribers (email, email_display, name, timezone, status, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
RETURNING id;

-- name: subscriber_by_email
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE email = ?1;

-- name: subscriber_exists
SELECT 1 FROM subscribers WHERE id = ?1;

-- name: subscriber_by_id
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE id = ?1;

-- name: set_subscriber_timezone
-- ?1 subscriber, ?2 time zone, ?3 now.
UPDATE subscribers SET timezone = ?2, updated_at = ?3 WHERE id = ?1 RETURNING id;

-- name: delete_subscriber
DELETE FROM subscribers WHERE email = ?1 RETURNING id;

-- Keyset pages of subscribers: ?1 last id seen, ?2 page size. The filtered forms walk
-- subscribers in id order and probe the subscriptions' primary key, so a page never
-- sorts the whole audience; the newsletter-and-status form reads the audience index.

-- name: list_subscribers
SELECT id, email, email_display, name, timezone, status, created_at, updated_at
FROM subscribers
WHERE id > ?1
ORDER BY id
LIMIT ?2;

-- name: list_subscribers_in_newsletter
-- ?3 newsletter id.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id > ?1
  AND EXISTS (SELECT 1 FROM subscriptions AS x
              WHERE x.subscriber_id = s.id AND x.newsletter_id = ?3)
ORDER BY s.id
LIMIT ?2;

-- name: list_subscribers_with_status
-- ?3 subscription status, in any newsletter.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscribers AS s
WHERE s.id > ?1
  AND EXISTS (SELECT 1 FROM subscriptions AS x
              WHERE x.subscriber_id = s.id AND x.status = ?3)
ORDER BY s.id
LIMIT ?2;

-- name: list_subscribers_in_newsletter_with_status
-- ?3 newsletter id, ?4 subscription status: the audience cursor.
SELECT s.id, s.email, s.email_display, s.name, s.timezone, s.status, s.created_at,
       s.updated_at
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
WHERE x.newsletter_id = ?3 AND x.status = ?4 AND x.subscriber_id > ?1
ORDER BY x.subscriber_id
LIMIT ?2;

-- Subscriptions: subscriber_id, newsletter_id, newsletter slug, status, source,
-- created_at, confirmed_at, unsubscribed_at ----------------------------------------------

-- name: subscriptions_of_subscriber
SELECT x.subscriber_id, x.newsletter_id, n.slug, x.status, x.source, x.created_at,
       x.confirmed_at, x.unsubscribed_at
FROM subscriptions AS x
JOIN newsletters AS n ON n.id = x.newsletter_id
WHERE x.subscriber_id = ?1
ORDER BY n.slug;

-- name: upsert_subscription
-- ?1 subscriber, ?2 newsletter, ?3 status, ?4 source, ?5 now.
-- Setting the status a subscription already has changes nothing, so a second click on
-- a confirmation link keeps the first confirmed_at. `source` says where the current
-- period of the subscription began: it is replaced only when an unsubscribed reader
-- comes back, not when a pending subscription is confirmed.
INSERT INTO subscriptions (subscriber_id, newsletter_id, status, source, created_at,
                           confirmed_at, unsubscribed_at)
VALUES (?1, ?2, ?3, ?4, ?5,
        CASE WHEN ?3 = 'confirmed' THEN ?5 END,
        CASE WHEN ?3 = 'unsubscribed' THEN ?5 END)
ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE
SET status          = excluded.status,
    source          = CASE WHEN subscriptions.status = 'unsubscribed'
                           THEN excluded.source ELSE subscriptions.source END,
    confirmed_at    = CASE excluded.status
                        WHEN 'confirmed' THEN excluded.created_at
                        WHEN 'unconfirmed' THEN NULL
                        ELSE subscriptions.confirmed_at END,
    unsubscribed_at = CASE WHEN excluded.status = 'unsubscribed'
                           THEN excluded.created_at END
WHERE subscriptions.status <> excluded.status;

-- name: count_subscriptions
SELECT count(*) FROM subscriptions WHERE newsletter_id = ?1 AND status = ?2;

-- name: confirm_subscriptions
-- ?1 subscriber, ?2 newsletter (0 for all of them), ?3 now. Returns those confirmed.
UPDATE subscriptions
SET status = 'confirmed', confirmed_at = ?3
WHERE subscriber_id = ?1 AND (?2 = 0 OR newsletter_id = ?2) AND status = 'unconfirmed'
RETURNING newsletter_id;

-- name: unsubscribe_subscriptions
-- ?1 subscriber, ?2 newsletter (0 for all of them), ?3 now, ?4 source (how the reader
-- left). confirmed_at stays: it is evidence of the consent the reader had given.
UPDATE subscriptions
SET status = 'unsubscribed', unsubscribed_at = ?3, source = ?4
WHERE subscriber_id = ?1 AND (?2 = 0 OR newsletter_id = ?2) AND status <> 'unsubscribed'
RETURNING newsletter_id;

-- Sign-up (record_signup, see sqlite_signup.cpp) ----------------------------------------

-- name: signup_refresh_subscriber
-- A known reader signs up again: ?1 subscriber, ?2 name (kept only where there was
-- none), ?3 time zone ('' for "not given"), ?4 now. Touches the row only when
-- something changes, so updated_at keeps meaning "last changed".
UPDATE subscribers
SET name       = CASE WHEN name = '' THEN ?2 ELSE name END,
    timezone   = CASE WHEN ?3 <> '' THEN ?3 ELSE timezone END,
    updated_at = ?4
WHERE id = ?1
  AND ((name = '' AND ?2 <> '') OR (?3 <> '' AND timezone <> ?3));

-- name: newsletter_opt_in
SELECT opt_in FROM newsletters WHERE id = ?1;

-- name: public_newsletter_opt_in
-- ?1 slug: the id and opt-in of the public newsletter with that slug; no row when none.
SELECT id, opt_in FROM newsletters WHERE slug = ?1 AND is_public = 1;

-- name: subscription_state
-- ?1 subscriber, ?2 newsletter: status, last_confirmation_sent_at.
SELECT status, last_confirmation_sent_at
FROM subscriptions
WHERE subscriber_id = ?1 AND newsletter_id = ?2;

-- name: stamp_confirmation_sent
-- ?1 subscriber, ?2 newsletter, ?3 now.
UPDATE subscriptions
SET last_confirmation_sent_at = ?3
WHERE subscriber_id = ?1 AND newsletter_id = ?2;

-- name: insert_consent
-- ?1 subscriber, ?2 newsletter or NULL, ?3 consent text version, ?4 kind, ?5 granted,
-- ?6 source page, ?7 client address, ?8 now.
INSERT INTO consent_ledger (subscriber_id, newsletter_id, consent_text_version, consent_kind,
                            granted, source_page, client_address, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);

-- Outgoing mail queue (mail_queue: migration 0003; the sender is src/send/mail_queue.hpp).
-- Rows are queued inside the transaction that makes an email due; see
-- sqlite_mail_queue.cpp. Columns of a queued email: id, kind, subscriber_id,
-- newsletter_ids, created_at, attempts, then the reader: email, name, status.

-- name: enqueue_mail
-- ?1 kind, ?2 subscriber, ?3 newsletter ids ("3,5"), ?4 now (queued, and due at once).
INSERT INTO mail_queue (kind, subscriber_id, newsletter_ids, created_at, next_attempt_at)
VALUES (?1, ?2, ?3, ?4, ?4);

-- name: enqueue_welcome
-- ?1 subscriber, ?2 newsletter, ?3 now. Queues the newsletter's welcome email when it
-- has one (a subject); returns a row when it did.
INSERT INTO mail_queue (kind, subscriber_id, newsletter_ids, created_at, next_attempt_at)
SELECT 'welcome', ?1, CAST(id AS TEXT), ?3, ?3
FROM newsletters
WHERE id = ?2 AND coalesce(welcome_subject, '') <> ''
RETURNING id;

-- name: due_mail
-- ?1 now, ?2 limit: the pending rows due, the earliest due first.
SELECT q.id, q.kind, q.subscriber_id, q.newsletter_ids, q.created_at, q.attempts,
       s.email, s.name, s.status
FROM mail_queue AS q
JOIN subscribers AS s ON s.id = q.subscriber_id
WHERE q.next_attempt_at IS NOT NULL AND q.next_attempt_at <= ?1
ORDER BY q.next_attempt_at, q.id
LIMIT ?2;

-- name: settle_mail
-- ?1 id, ?2 sent_at or NULL, ?3 next attempt or NULL (both NULL: given up), ?4 the
-- error ('' when sent). Counts the attempt. A row no longer pending is left alone.
UPDATE mail_queue
SET attempts = attempts + 1, sent_at = ?2, next_attempt_at = ?3, last_error = ?4
WHERE id = ?1 AND next_attempt_at IS NOT NULL;

-- name: mail_queue_state
-- How many rows are pending, and when the earliest is due (NULL when none).
SELECT count(*), min(next_attempt_at) FROM mail_queue WHERE next_attempt_at IS NOT NULL;

-- name: purge_mail_queue
-- ?1 instant, ?2 limit: drops up to ?2 rows done (sent or given up) and queued before
-- ?1, oldest first, so that one purge holds the write lock only briefly.
DELETE FROM mail_queue
WHERE id IN (SELECT id FROM mail_queue
             WHERE next_attempt_at IS NULL AND created_at < ?1
             ORDER BY id LIMIT ?2);

-- Bulk import (one transaction held by the import session; see sqlite_import.cpp) ------

-- name: import_high_water
-- The largest subscriber id before the import: every id above it is a reader the
-- import created, since it holds the write lock and ids only grow.
SELECT coalesce(max(id), 0) FROM subscribers;

-- name: import_subscribers_batch
-- 32 readers per statement: ?1..?128 are email, email_display, name and timezone of
-- each in turn, ?129 now. The session takes the batch size from the parameter count.
-- A known address is kept as it is: an import adds readers, it does not overwrite what
-- they told us.
INSERT INTO subscribers (email, email_display, name, timezone, status, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, 'active', ?129, ?129),
       (?5, ?6, ?7, ?8, 'active', ?129, ?129),
       (?9, ?10, ?11, ?12, 'active', ?129, ?129),
       (?13, ?14, ?15, ?16, 'active', ?129, ?129),
       (?17, ?18, ?19, ?20, 'active', ?129, ?129),
       (?21, ?22, ?23, ?24, 'active', ?129, ?129),
       (?25, ?26, ?27, ?28, 'active', ?129, ?129),
       (?29, ?30, ?31, ?32, 'active', ?129, ?129),
       (?33, ?34, ?35, ?36, 'active', ?129, ?129),
       (?37, ?38, ?39, ?40, 'active', ?129, ?129),
       (?41, ?42, ?43, ?44, 'active', ?129, ?129),
       (?45, ?46, ?47, ?48, 'active', ?129, ?129),
       (?49, ?50, ?51, ?52, 'active', ?129, ?129),
       (?53, ?54, ?55, ?56, 'active', ?129, ?129),
       (?57, ?58, ?59, ?60, 'active', ?129, ?129),
       (?61, ?62, ?63, ?64, 'active', ?129, ?129),
       (?65, ?66, ?67, ?68, 'active', ?129, ?129),
       (?69, ?70, ?71, ?72, 'active', ?129, ?129),
       (?73, ?74, ?75, ?76, 'active', ?129, ?129),
       (?77, ?78, ?79, ?80, 'active', ?129, ?129),
       (?81, ?82, ?83, ?84, 'active', ?129, ?129),
       (?85, ?86, ?87, ?88, 'active', ?129, ?129),
       (?89, ?90, ?91, ?92, 'active', ?129, ?129),
       (?93, ?94, ?95, ?96, 'active', ?129, ?129),
       (?97, ?98, ?99, ?100, 'active', ?129, ?129),
       (?101, ?102, ?103, ?104, 'active', ?129, ?129),
       (?105, ?106, ?107, ?108, 'active', ?129, ?129),
       (?109, ?110, ?111, ?112, 'active', ?129, ?129),
       (?113, ?114, ?115, ?116, 'active', ?129, ?129),
       (?117, ?118, ?119, ?120, 'active', ?129, ?129),
       (?121, ?122, ?123, ?124, 'active', ?129, ?129),
       (?125, ?126, ?127, ?128, 'active', ?129, ?129)
ON CONFLICT (email) DO NOTHING;

-- name: import_subscriber
-- The same for one reader: ?1 email, ?2 email_display, ?3 name, ?4 timezone, ?5 now.
INSERT INTO subscribers (email, email_display, name, timezone, status, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?5)
ON CONFLICT (email) DO NOTHING;

-- name: subscriber_id_by_email
SELECT id FROM subscribers WHERE email = ?1;

-- name: import_subscription
-- A reader who was known before the import: ?1 subscriber, ?2 newsletter, ?3 status,
-- ?4 source, ?5 now, ?6 confirmed_at or NULL.
INSERT INTO subscriptions (subscriber_id, newsletter_id, status, source, created_at,
                           confirmed_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (subscriber_id, newsletter_id) DO NOTHING;

-- name: import_new_subscriptions
-- Every reader the import created, in one statement: ?1 the high-water id, then as
-- import_subscription. (`WHERE` also tells the parser that ON CONFLICT belongs to
-- the INSERT.)
INSERT INTO subscriptions (subscriber_id, newsletter_id, status, source, created_at,
                           confirmed_at)
SELECT id, ?2, ?3, ?4, ?5, ?6
FROM subscribers
WHERE id > ?1
ORDER BY id
ON CONFLICT (subscriber_id, newsletter_id) DO NOTHING;

-- Articles: id, slug, title, standfirst, author, section, body, url, published_at ----

-- name: insert_article
INSERT INTO articles (slug, title, standfirst, author, section, body, url, published_at,
                      created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
RETURNING id;

-- name: latest_articles
SELECT id, slug, title, standfirst, author, section, body, url, published_at
FROM articles
ORDER BY published_at DESC, id DESC
LIMIT ?1;

-- name: article_by_slug
SELECT id, slug, title, standfirst, author, section, body, url, published_at
FROM articles
WHERE slug = ?1;

-- Audit log: id, at, actor, action, subject, detail --------------------------------------

-- name: insert_audit
INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5);

-- name: recent_audit
SELECT id, at, actor, action, subject, detail
FROM audit_log
ORDER BY id DESC
LIMIT ?1;

-- Users and API tokens ----------------------------------------------------------------

-- name: insert_user
INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)
RETURNING id;

-- name: user_by_name
SELECT id, username, password_hash, role, created_at FROM users WHERE username = ?1;

-- name: list_users
SELECT id, username, password_hash, role, created_at FROM users ORDER BY username;

-- name: insert_api_token
INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)
RETURNING id;

-- name: api_token_by_hash
SELECT t.id, t.user_id, u.username, u.role, t.name, t.token_hash, t.created_at,
       t.last_used_at, t.revoked_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = ?1;

-- name: list_api_tokens
SELECT t.id, t.user_id, u.username, u.role, t.name, t.token_hash, t.created_at,
       t.last_used_at, t.revoked_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
ORDER BY t.id;

-- name: revoke_api_token
-- ?1 token, ?2 now. No row: no such token, or revoked before (api_token_exists tells).
UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL
RETURNING id;

-- name: api_token_exists
SELECT 1 FROM api_tokens WHERE id = ?1;

-- name: touch_api_token
UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1;

-- Robot-check replay store ------------------------------------------------------------

-- name: spend_challenge
-- ?1 challenge id, ?2 its expiry, ?3 now. Returns a row when the id is newly spent: not
-- there before, or there but expired (then it is taken over, as purge would have
-- dropped it). An unexpired one returns nothing: a replay.
INSERT INTO robot_spent (challenge_hash, expires_at)
VALUES (?1, ?2)
ON CONFLICT (challenge_hash) DO UPDATE
SET expires_at = excluded.expires_at
WHERE robot_spent.expires_at <= ?3
RETURNING 1;

-- name: purge_spent_challenges
-- ?1 now.
DELETE FROM robot_spent WHERE expires_at <= ?1;

-- Issues: id, newsletter_id, newsletter slug, subject, preheader, body_markdown, status,
-- scheduled_at, started_at, finished_at, created_at, updated_at, lease_owner,
-- lease_expires_at ----------------------------------------------------------------------

-- name: insert_issue
INSERT INTO issues (newsletter_id, subject, preheader, body_markdown, status, created_at,
                    updated_at)
VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?5)
RETURNING id;

-- name: issue_by_id
SELECT i.id, i.newsletter_id, n.slug, i.subject, i.preheader, i.body_markdown, i.status,
       i.scheduled_at, i.started_at, i.finished_at, i.created_at, i.updated_at,
       coalesce(i.lease_owner, ''), i.lease_expires_at
FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
WHERE i.id = ?1;

-- name: issue_status
SELECT status FROM issues WHERE id = ?1;

-- name: list_issues
-- ?1 newsletter id or NULL for all, ?2 status or NULL for any, ?3 limit. Without bodies
-- (up to 1 MiB each), which no list shows.
SELECT i.id, i.newsletter_id, n.slug, i.subject, i.preheader, '', i.status,
       i.scheduled_at, i.started_at, i.finished_at, i.created_at, i.updated_at,
       coalesce(i.lease_owner, ''), i.lease_expires_at
FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
WHERE (?1 IS NULL OR i.newsletter_id = ?1) AND (?2 IS NULL OR i.status = ?2)
ORDER BY coalesce(i.started_at, i.created_at) DESC, i.id DESC
LIMIT ?3;

-- The public archive (web/archive_pages.hpp) --------------------------------------------
-- An issue is public when its readers have it: it is sending or sent, or it was paused
-- or cancelled after a copy went out. The lists read the covering index issues_archive
-- (migration 4) and, for paused and cancelled issues only, one entry of
-- deliveries_due: never an issue's row with its body. Columns: id, subject, preheader,
-- started_at. Newest first, by when sending began.

-- name: archive_list
-- ?1 newsletter id, ?2 limit.
SELECT i.id, i.subject, i.preheader, i.started_at
FROM issues i
WHERE i.newsletter_id = ?1 AND i.started_at IS NOT NULL
  AND (i.status = 'sending' OR i.status = 'sent' OR
       ((i.status = 'paused' OR i.status = 'cancelled') AND
        EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = i.id AND d.status = 'sent')))
ORDER BY i.started_at DESC, i.id DESC
LIMIT ?2;

-- name: archive_list_before
-- ?1 newsletter id, ?2 limit, ?3 an issue of the newsletter: only those older than it
-- (the keyset cursor). An unknown ?3 lists nothing.
SELECT i.id, i.subject, i.preheader, i.started_at
FROM issues i
WHERE i.newsletter_id = ?1 AND i.started_at IS NOT NULL
  AND (i.started_at, i.id) < (SELECT b.started_at, b.id FROM issues b
                              WHERE b.id = ?3 AND b.newsletter_id = ?1)
  AND (i.status = 'sending' OR i.status = 'sent' OR
       ((i.status = 'paused' OR i.status = 'cancelled') AND
        EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = i.id AND d.status = 'sent')))
ORDER BY i.started_at DESC, i.id DESC
LIMIT ?2;

-- name: archive_issue
-- ?1 newsletter id, ?2 issue id: the issue as issue_by_id reads it, when it is public.
SELECT i.id, i.newsletter_id, n.slug, i.subject, i.preheader, i.body_markdown, i.status,
       i.scheduled_at, i.started_at, i.finished_at, i.created_at, i.updated_at,
       coalesce(i.lease_owner, ''), i.lease_expires_at
FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
WHERE i.id = ?2 AND i.newsletter_id = ?1 AND i.started_at IS NOT NULL
  AND (i.status = 'sending' OR i.status = 'sent' OR
       ((i.status = 'paused' OR i.status = 'cancelled') AND
        EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = i.id AND d.status = 'sent')));

-- name: update_issue
-- Only drafts and scheduled issues change; the caller has checked the status in the
-- same transaction, the WHERE keeps it true.
UPDATE issues
SET subject = coalesce(?2, subject),
    preheader = coalesce(?3, preheader),
    body_markdown = coalesce(?4, body_markdown),
    updated_at = ?5
WHERE id = ?1 AND (status = 'draft' OR status = 'scheduled')
RETURNING id;

-- name: delete_issue
DELETE FROM issues WHERE id = ?1 AND (status = 'draft' OR status = 'scheduled')
RETURNING id;

-- Sending: the delivery log -------------------------------------------------------------

-- name: start_issue
UPDATE issues SET status = 'sending', started_at = ?2, updated_at = ?2
WHERE id = ?1 AND (status = 'draft' OR status = 'scheduled')
RETURNING newsletter_id;

-- name: queue_audience
-- ?1 issue, ?2 newsletter, ?3 now: the audience is fixed when sending begins.
INSERT INTO deliveries (issue_id, subscriber_id, status, attempts, last_reply, updated_at)
SELECT ?1, x.subscriber_id, 'queued', 0, '', ?3
FROM subscriptions AS x
JOIN subscribers AS s ON s.id = x.subscriber_id
WHERE x.newsletter_id = ?2 AND x.status = 'confirmed' AND s.status = 'active'
ORDER BY x.subscriber_id;

-- name: set_issue_status
-- ?3 true: stamp finished_at (sent, cancelled).
UPDATE issues
SET status = ?2, updated_at = ?4,
    finished_at = CASE WHEN ?3 THEN ?4 ELSE finished_at END
WHERE id = ?1
RETURNING id;

-- name: claim_sending_issue
-- ?1 owner, ?2 now, ?3 lease until, ?4 issue id or 0 for any. Any: only issues nobody
-- holds (an owner's own issues are already running); a named one also when ours.
UPDATE issues SET lease_owner = ?1, lease_expires_at = ?3
WHERE id = (SELECT id FROM issues
            WHERE status = 'sending' AND (?4 = 0 OR id = ?4) AND
                  (lease_owner IS NULL OR lease_expires_at < ?2 OR
                   (?4 <> 0 AND lease_owner = ?1))
            ORDER BY started_at, id
            LIMIT 1)
RETURNING id;

-- name: renew_lease
UPDATE issues SET lease_expires_at = ?3 WHERE id = ?1 AND lease_owner = ?2 RETURNING id;

-- name: release_lease
UPDATE issues SET lease_owner = NULL, lease_expires_at = NULL
WHERE id = ?1 AND lease_owner = ?2;

-- name: queued_deliveries
-- ?1 issue, ?2 after subscriber id, ?3 limit. Columns: subscriber id, email,
-- email_display, name, timezone, attempts, still subscribed.
SELECT d.subscriber_id, s.email, s.email_display, s.name, s.timezone, d.attempts,
       coalesce(x.status = 'confirmed' AND s.status = 'active', 0)
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
       coalesce(x.status = 'confirmed' AND s.status = 'active', 0)
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
SELECT status, count(*) FROM deliveries WHERE issue_id = ?1 GROUP BY status;

-- name: next_retry_at
SELECT min(next_attempt_at) FROM deliveries WHERE issue_id = ?1 AND status = 'deferred';

-- name: delivery_of
SELECT subscriber_id, status, attempts, last_reply, next_attempt_at
FROM deliveries WHERE issue_id = ?1 AND subscriber_id = ?2;
