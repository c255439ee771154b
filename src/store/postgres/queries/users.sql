-- Named queries of the PostgreSQL backend: users and API tokens (the role of
-- store/users.hpp and api_tokens.hpp), and desk sessions (sessions.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Users and API tokens ----------------------------------------------------------------

-- name: insert_user
INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: user_by_name
SELECT id, username, password_hash, role, created_at FROM users WHERE username = $1;

-- name: list_users
SELECT id, username, password_hash, role, created_at FROM users
ORDER BY username COLLATE "C";

-- name: set_user_role
-- Never the last admin to a lower role: no row then, like an unknown name (user_by_name
-- tells them apart). Several nodes share the database, and under READ COMMITTED two
-- statements would each count the other's admin: `admins` locks every admin row, in id
-- order so that two of them cannot deadlock, before the count. The second statement
-- waits for the first, then re-reads the rows it waited for (a demoted or removed admin
-- no longer counts), so two admins demoting each other cannot both succeed.
WITH admins AS (
  SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE
)
UPDATE users SET role = $2
WHERE username = $1
  AND ($2 = 'admin' OR role <> 'admin' OR (SELECT count(*) FROM admins) > 1)
RETURNING id, username, password_hash, role, created_at;

-- name: insert_api_token
INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: api_token_by_hash
SELECT t.id, t.user_id, u.username, u.role, t.name, t.token_hash, t.created_at,
       t.last_used_at, t.revoked_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1;

-- name: list_api_tokens
SELECT t.id, t.user_id, u.username, u.role, t.name, t.token_hash, t.created_at,
       t.last_used_at, t.revoked_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
ORDER BY t.id;

-- name: revoke_api_token
-- $1 token, $2 now. No row: no such token, or revoked before (api_token_exists tells).
UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL
RETURNING id;

-- name: api_token_exists
SELECT 1 AS present FROM api_tokens WHERE id = $1;

-- name: touch_api_token
UPDATE api_tokens SET last_used_at = $2 WHERE id = $1;

-- name: delete_user
-- Its tokens and sessions go with it (ON DELETE CASCADE). Never the last admin: no row
-- then, like an unknown name (user_by_name tells them apart). One statement that locks
-- every admin row before it counts them, as set_user_role, so two admins removing (or
-- demoting) each other on two nodes at once cannot both succeed.
WITH admins AS (
  SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE
)
DELETE FROM users
WHERE username = $1
  AND (role <> 'admin' OR (SELECT count(*) FROM admins) > 1)
RETURNING id;

-- name: set_password_hash
UPDATE users SET password_hash = $2 WHERE username = $1 RETURNING id;

-- name: delete_user_sessions
DELETE FROM sessions WHERE user_id = $1;

-- Desk sessions and the sign-in throttle ---------------------------------------------

-- name: insert_session
INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, client_address)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: session_by_hash
SELECT s.id_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.client_address,
       u.username, u.role
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_hash = $1;

-- name: touch_session
UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1;

-- name: delete_session
DELETE FROM sessions WHERE id_hash = $1;

-- name: purge_sessions
-- $1 idle before, $2 created before. A small table (one row per signed-in browser).
DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2;

-- name: purge_sign_in_failures
DELETE FROM sign_in_failures WHERE at < $1;

-- name: insert_sign_in_failure
INSERT INTO sign_in_failures (key, at) VALUES ($1, $2);

-- name: sign_in_failures
SELECT count(*) AS failures, coalesce(min(at), 0) AS oldest
FROM sign_in_failures WHERE key = $1 AND at > $2;

-- name: clear_sign_in_failures
DELETE FROM sign_in_failures WHERE key = $1;
