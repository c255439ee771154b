-- Named queries of the SQLite backend: bulk import (the role of store/imports.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Bulk import (one transaction held by the import session; see sqlite_import.cpp) ------

-- name: import_high_water
-- The largest subscriber id before the import: every id above it is a reader the
-- import created, since it holds the write lock and ids only grow.
SELECT coalesce(max(id), 0) FROM subscribers;

-- name: import_subscribers_batch
-- 32 readers per statement: ?1..?160 are email, email_display, name, timezone and
-- mailbox key of each in turn, ?161 now. The session takes the batch size from the
-- parameter count. A known mailbox (by its key, or the very address) is kept as it
-- is: an import adds readers, it does not overwrite what they told us.
INSERT INTO subscribers (email, email_display, name, timezone, email_key, status, created_at,
                         updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?161, ?161),
       (?6, ?7, ?8, ?9, ?10, 'active', ?161, ?161),
       (?11, ?12, ?13, ?14, ?15, 'active', ?161, ?161),
       (?16, ?17, ?18, ?19, ?20, 'active', ?161, ?161),
       (?21, ?22, ?23, ?24, ?25, 'active', ?161, ?161),
       (?26, ?27, ?28, ?29, ?30, 'active', ?161, ?161),
       (?31, ?32, ?33, ?34, ?35, 'active', ?161, ?161),
       (?36, ?37, ?38, ?39, ?40, 'active', ?161, ?161),
       (?41, ?42, ?43, ?44, ?45, 'active', ?161, ?161),
       (?46, ?47, ?48, ?49, ?50, 'active', ?161, ?161),
       (?51, ?52, ?53, ?54, ?55, 'active', ?161, ?161),
       (?56, ?57, ?58, ?59, ?60, 'active', ?161, ?161),
       (?61, ?62, ?63, ?64, ?65, 'active', ?161, ?161),
       (?66, ?67, ?68, ?69, ?70, 'active', ?161, ?161),
       (?71, ?72, ?73, ?74, ?75, 'active', ?161, ?161),
       (?76, ?77, ?78, ?79, ?80, 'active', ?161, ?161),
       (?81, ?82, ?83, ?84, ?85, 'active', ?161, ?161),
       (?86, ?87, ?88, ?89, ?90, 'active', ?161, ?161),
       (?91, ?92, ?93, ?94, ?95, 'active', ?161, ?161),
       (?96, ?97, ?98, ?99, ?100, 'active', ?161, ?161),
       (?101, ?102, ?103, ?104, ?105, 'active', ?161, ?161),
       (?106, ?107, ?108, ?109, ?110, 'active', ?161, ?161),
       (?111, ?112, ?113, ?114, ?115, 'active', ?161, ?161),
       (?116, ?117, ?118, ?119, ?120, 'active', ?161, ?161),
       (?121, ?122, ?123, ?124, ?125, 'active', ?161, ?161),
       (?126, ?127, ?128, ?129, ?130, 'active', ?161, ?161),
       (?131, ?132, ?133, ?134, ?135, 'active', ?161, ?161),
       (?136, ?137, ?138, ?139, ?140, 'active', ?161, ?161),
       (?141, ?142, ?143, ?144, ?145, 'active', ?161, ?161),
       (?146, ?147, ?148, ?149, ?150, 'active', ?161, ?161),
       (?151, ?152, ?153, ?154, ?155, 'active', ?161, ?161),
       (?156, ?157, ?158, ?159, ?160, 'active', ?161, ?161)
ON CONFLICT DO NOTHING;

-- name: import_subscriber
-- The same for one reader: ?1 email, ?2 email_display, ?3 name, ?4 timezone, ?5 now,
-- ?6 mailbox key.
INSERT INTO subscribers (email, email_display, name, timezone, email_key, status, created_at,
                         updated_at)
VALUES (?1, ?2, ?3, ?4, ?6, 'active', ?5, ?5)
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
