-- Named queries of the SQLite backend: sign-ups and the robot check's replay ledger (the role of store/signups.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Sign-up (record_signup, see sqlite_signup.cpp) ----------------------------------------

-- name: newsletter_opt_in
SELECT opt_in FROM newsletters WHERE id = ?1;

-- name: public_newsletter_opt_in
-- ?1 slug: the id and opt-in of the public newsletter with that slug; no row when none.
SELECT id, opt_in FROM newsletters WHERE slug = ?1 AND is_public = 1;

-- name: mailbox_held_back
-- ?1 mailbox key: a row when the mailbox is on the suppression list by a bounce, a
-- complaint or the publisher (those rows keep the key; a removed reader's keeps only
-- its hash, and such a reader may sign up again).
SELECT 1 FROM suppressions WHERE email_key = ?1 LIMIT 1;

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
