-- Named queries of the SQLite backend: bulk import (the role of store/imports.hpp).
-- Rules for every file of this folder: see connection.sql.

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
