-- Named queries of the PostgreSQL backend: sign-ups and the robot check's replay ledger
-- (the role of store/signups.hpp), the same names as sqlite/queries/signups.sql.
-- Rules for every file of this folder: see connection.sql.

-- Sign-up (record_signup, see pg_signups.cpp) -----------------------------------------

-- name: newsletter_opt_in
SELECT opt_in FROM newsletters WHERE id = $1;

-- name: public_newsletter_opt_in
-- $1 slug: the id and opt-in of the public newsletter with that slug; no row when none.
SELECT id, opt_in FROM newsletters WHERE slug = $1 AND is_public = 1;

-- name: mailbox_held_back
-- $1 mailbox key: a row when the mailbox is on the suppression list by a bounce, a
-- complaint or the publisher (those rows keep the key; a removed reader's keeps only
-- its hash, and such a reader may sign up again).
SELECT 1 AS held FROM suppressions WHERE email_key = $1 LIMIT 1;

-- name: signup_reader
-- $1 mailbox key: the reader a sign-up is for, locked until the sign-up commits, so
-- that two nodes' sign-ups of one reader decide one after the other (no reader
-- confirmed, nor welcomed, twice).
SELECT id, status FROM subscribers WHERE email_key = $1 FOR UPDATE;

-- name: insert_signup_subscriber
-- As insert_subscriber, but a reader another node has just created is no error: no
-- row, and the caller locks theirs (signup_reader) once that node commits.
INSERT INTO subscribers (email, email_display, name, timezone, status, created_at, updated_at,
                         email_key)
VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: subscription_state
-- $1 subscriber, $2 newsletter: status, last_confirmation_sent_at.
SELECT status, last_confirmation_sent_at
FROM subscriptions
WHERE subscriber_id = $1 AND newsletter_id = $2;

-- name: stamp_confirmation_sent
-- $1 subscriber, $2 newsletter, $3 now.
UPDATE subscriptions
SET last_confirmation_sent_at = $3
WHERE subscriber_id = $1 AND newsletter_id = $2;

-- name: insert_consent
-- $1 subscriber, $2 newsletter or NULL, $3 consent text version, $4 kind, $5 granted,
-- $6 source page, $7 client address, $8 now.
INSERT INTO consent_ledger (subscriber_id, newsletter_id, consent_text_version, consent_kind,
                            granted, source_page, client_address, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: insert_signup_audit
-- $1 now, $2 actor, $3 action, $4 subject, $5 detail: a sign-up's audit entry,
-- written in the sign-up's transaction.
INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5);

-- Robot-check replay store ------------------------------------------------------------

-- name: spend_challenge
-- $1 challenge id, $2 its expiry, $3 now. Returns a row when the id is newly spent: not
-- there before, or there but expired (then it is taken over, as purge would have
-- dropped it). An unexpired one returns nothing: a replay. Two nodes spending one id
-- meet on its key: the second waits for the first and then finds it spent.
INSERT INTO robot_spent (challenge_hash, expires_at)
VALUES ($1, $2)
ON CONFLICT (challenge_hash) DO UPDATE
SET expires_at = excluded.expires_at
WHERE robot_spent.expires_at <= $3
RETURNING 1 AS spent;

-- name: purge_spent_challenges
-- $1 now.
DELETE FROM robot_spent WHERE expires_at <= $1;
