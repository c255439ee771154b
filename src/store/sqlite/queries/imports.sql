-- Named queries of the SQLite backend: bulk import (the role of store/imports.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Bulk import (one transaction held by the import session; see sqlite_import.cpp) ------

-- name: import_high_water
-- The largest subscriber id before the import: every id above it is a reader the
-- import created, since it holds the write lock and ids only grow.
SELECT coalesce(max(id), 0) FROM subscribers;

-- name: import_subscribers_batch
-- 32 readers per statement: ?1..?192 are email, email_display, name, timezone, mailbox
-- key and attributes (a JSON object) of each in turn, ?193 now. The session takes the
-- batch size from the parameter count. A known mailbox (by its key, or the very
-- address) is kept as it is: an import adds readers, it does not overwrite what they
-- told us.
INSERT INTO subscribers (email, email_display, name, timezone, email_key, attributes, status,
                         created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?193, ?193),
       (?7, ?8, ?9, ?10, ?11, ?12, 'active', ?193, ?193),
       (?13, ?14, ?15, ?16, ?17, ?18, 'active', ?193, ?193),
       (?19, ?20, ?21, ?22, ?23, ?24, 'active', ?193, ?193),
       (?25, ?26, ?27, ?28, ?29, ?30, 'active', ?193, ?193),
       (?31, ?32, ?33, ?34, ?35, ?36, 'active', ?193, ?193),
       (?37, ?38, ?39, ?40, ?41, ?42, 'active', ?193, ?193),
       (?43, ?44, ?45, ?46, ?47, ?48, 'active', ?193, ?193),
       (?49, ?50, ?51, ?52, ?53, ?54, 'active', ?193, ?193),
       (?55, ?56, ?57, ?58, ?59, ?60, 'active', ?193, ?193),
       (?61, ?62, ?63, ?64, ?65, ?66, 'active', ?193, ?193),
       (?67, ?68, ?69, ?70, ?71, ?72, 'active', ?193, ?193),
       (?73, ?74, ?75, ?76, ?77, ?78, 'active', ?193, ?193),
       (?79, ?80, ?81, ?82, ?83, ?84, 'active', ?193, ?193),
       (?85, ?86, ?87, ?88, ?89, ?90, 'active', ?193, ?193),
       (?91, ?92, ?93, ?94, ?95, ?96, 'active', ?193, ?193),
       (?97, ?98, ?99, ?100, ?101, ?102, 'active', ?193, ?193),
       (?103, ?104, ?105, ?106, ?107, ?108, 'active', ?193, ?193),
       (?109, ?110, ?111, ?112, ?113, ?114, 'active', ?193, ?193),
       (?115, ?116, ?117, ?118, ?119, ?120, 'active', ?193, ?193),
       (?121, ?122, ?123, ?124, ?125, ?126, 'active', ?193, ?193),
       (?127, ?128, ?129, ?130, ?131, ?132, 'active', ?193, ?193),
       (?133, ?134, ?135, ?136, ?137, ?138, 'active', ?193, ?193),
       (?139, ?140, ?141, ?142, ?143, ?144, 'active', ?193, ?193),
       (?145, ?146, ?147, ?148, ?149, ?150, 'active', ?193, ?193),
       (?151, ?152, ?153, ?154, ?155, ?156, 'active', ?193, ?193),
       (?157, ?158, ?159, ?160, ?161, ?162, 'active', ?193, ?193),
       (?163, ?164, ?165, ?166, ?167, ?168, 'active', ?193, ?193),
       (?169, ?170, ?171, ?172, ?173, ?174, 'active', ?193, ?193),
       (?175, ?176, ?177, ?178, ?179, ?180, 'active', ?193, ?193),
       (?181, ?182, ?183, ?184, ?185, ?186, 'active', ?193, ?193),
       (?187, ?188, ?189, ?190, ?191, ?192, 'active', ?193, ?193)
ON CONFLICT DO NOTHING;

-- name: import_subscriber
-- The same for one reader: ?1 email, ?2 email_display, ?3 name, ?4 timezone, ?5 mailbox
-- key, ?6 attributes, ?7 now.
INSERT INTO subscribers (email, email_display, name, timezone, email_key, attributes, status,
                         created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7)
ON CONFLICT DO NOTHING;

-- name: subscriber_id_by_email
-- ?1 the mailbox key.
SELECT id FROM subscribers WHERE email_key = ?1;

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

-- Confirmations (import --send-confirmations) ---------------------------------------
-- The readers of the import whose subscription to the newsletter is unconfirmed are
-- owed a confirmation, as a sign-up's are (sqlite_signup.cpp plan_signup): one email
-- per reader through the mail queue, unless one went to them at or after the resend
-- window's start; none to a blocked reader. Both queries take the same parameters:
-- ?1..?2 the subscriber ids (the import's new readers, or one known reader), ?3 the
-- newsletter, ?4 now, ?5 the resend window's start. Queue first, then stamp.

-- name: import_queue_confirmations
INSERT INTO mail_queue (kind, subscriber_id, newsletter_ids, created_at, next_attempt_at)
SELECT 'confirmation', sub.subscriber_id, CAST(sub.newsletter_id AS TEXT), ?4, ?4
FROM subscriptions AS sub
JOIN subscribers AS r ON r.id = sub.subscriber_id
WHERE sub.newsletter_id = ?3 AND sub.status = 'unconfirmed'
  AND sub.subscriber_id BETWEEN ?1 AND ?2 AND r.status = 'active'
  AND (sub.last_confirmation_sent_at IS NULL OR sub.last_confirmation_sent_at < ?5)
ORDER BY sub.subscriber_id;

-- name: import_stamp_confirmations
UPDATE subscriptions
SET last_confirmation_sent_at = ?4
WHERE newsletter_id = ?3 AND status = 'unconfirmed'
  AND subscriber_id BETWEEN ?1 AND ?2
  AND subscriber_id IN (SELECT id FROM subscribers WHERE id BETWEEN ?1 AND ?2 AND status = 'active')
  AND (last_confirmation_sent_at IS NULL OR last_confirmation_sent_at < ?5);

-- name: import_count_unconfirmed
-- ?1..?2 subscriber ids, ?3 the newsletter: how many of them are unconfirmed on it.
SELECT count(*) FROM subscriptions
WHERE newsletter_id = ?3 AND status = 'unconfirmed' AND subscriber_id BETWEEN ?1 AND ?2;
