-- Named queries of the PostgreSQL backend: the audit log (the role of store/audit_log.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Audit log: id, at, actor, action, subject, detail --------------------------------------

-- name: insert_audit
INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5);

-- name: recent_audit
SELECT id, at, actor, action, subject, detail
FROM audit_log
ORDER BY id DESC
LIMIT $1;
