-- Named queries of the PostgreSQL backend: leases on sending issues (the role of
-- store/send_leases.hpp) and node locks (store/node_locks.hpp).
-- Rules for every file of this folder: see connection.sql.

-- name: claim_sending_issue
-- $1 owner, $2 now, $3 lease until, $4 issue id or 0 for any. Any: only issues nobody
-- holds (an owner's own issues are already running); a named one also when ours.
-- SKIP LOCKED: two nodes claiming at once take different issues, never wait for each other.
UPDATE issues SET lease_owner = $1, lease_expires_at = $3
WHERE id = (SELECT id FROM issues
            WHERE status = 'sending' AND ($4::bigint = 0 OR id = $4::bigint) AND
                  (lease_owner IS NULL OR lease_expires_at < $2::bigint OR
                   ($4::bigint <> 0 AND lease_owner = $1::text)) AND
                  -- an issue still releasing cohorts waits for the next release when
                  -- nothing of it is left to send
                  ($4::bigint <> 0 OR releasing = 0 OR
                   EXISTS (SELECT 1 FROM deliveries AS d
                           WHERE d.issue_id = issues.id AND d.status IN ('queued', 'deferred')))
            ORDER BY started_at, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED)
RETURNING id;

-- name: renew_lease
UPDATE issues SET lease_expires_at = $3 WHERE id = $1 AND lease_owner = $2 RETURNING id;

-- name: release_lease
UPDATE issues SET lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND lease_owner = $2;

-- name: release_delivery_leases
UPDATE deliveries SET lease_owner = NULL, lease_until = NULL
WHERE issue_id = $1 AND lease_owner = $2;

-- name: issues_with_claimable_work
-- $1 now: sending issues with deliveries some node may claim now, oldest send first.
SELECT i.id FROM issues AS i
WHERE i.status = 'sending' AND
      EXISTS (SELECT 1 FROM deliveries AS d
              WHERE d.issue_id = i.id AND
                    (d.status = 'queued' OR (d.status = 'deferred' AND d.next_attempt_at <= $1)) AND
                    (d.lease_owner IS NULL OR d.lease_until < $1))
ORDER BY i.started_at, i.id;

-- Locks with a lease (node_locks; store/node_locks.hpp) ---------------------------------

-- name: hold_node_lock
-- $1 name, $2 owner, $3 now, $4 until: takes the lock when it is free or ran out, or
-- renews it when it is the owner's; returns a row only then. One statement: ON CONFLICT
-- settles two nodes taking it at once.
INSERT INTO node_locks (name, owner, until) VALUES ($1, $2, $4)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until
WHERE node_locks.owner = excluded.owner OR node_locks.until < $3
RETURNING owner;

-- name: release_node_lock
DELETE FROM node_locks WHERE name = $1 AND owner = $2;

-- name: node_lock_holder
SELECT owner, until FROM node_locks WHERE name = $1;

-- name: node_heartbeat
-- $1 owner, $2 roles ("web,sender"), $3 now.
INSERT INTO nodes (owner, roles, seen_at) VALUES ($1, $2, $3)
ON CONFLICT (owner) DO UPDATE SET roles = excluded.roles, seen_at = excluded.seen_at;

-- name: node_gone
DELETE FROM nodes WHERE owner = $1;

-- name: free_node_deliveries
UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1;

-- name: free_node_mail
UPDATE mail_queue SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1;

-- name: free_node_locks
DELETE FROM node_locks WHERE owner = $1;

-- name: live_nodes
-- $1 seen since: the nodes whose heartbeat is that recent, by owner.
SELECT owner, roles, seen_at FROM nodes WHERE seen_at >= $1 ORDER BY owner;
