-- Named queries of the SQLite backend: users and API tokens (the role of store/users.hpp and api_tokens.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Users and API tokens ----------------------------------------------------------------

-- name: insert_user
INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)
RETURNING id;

-- name: user_by_name
SELECT id, username, password_hash, role, created_at FROM users WHERE username = ?1;

-- name: list_users
SELECT id, username, password_hash, role, created_at FROM users ORDER BY username;

-- name: set_user_role
UPDATE users SET role = ?2 WHERE username = ?1
RETURNING id, username, password_hash, role, created_at;

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
