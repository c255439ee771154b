-- Named queries of the SQLite backend: leases on sending issues (the role of store/send_leases.hpp).
-- Rules for every file of this folder: see connection.sql.

-- name: claim_sending_issue
-- ?1 owner, ?2 now, ?3 lease until, ?4 issue id or 0 for any. Any: only issues nobody
-- holds (an owner's own issues are already running); a named one also when ours.
UPDATE issues SET lease_owner = ?1, lease_expires_at = ?3
WHERE id = (SELECT id FROM issues
            WHERE status = 'sending' AND (?4 = 0 OR id = ?4) AND
                  (lease_owner IS NULL OR lease_expires_at < ?2 OR
                   (?4 <> 0 AND lease_owner = ?1)) AND
                  -- an issue still releasing cohorts waits for the next release when
                  -- nothing of it is left to send
                  (?4 <> 0 OR releasing = 0 OR
                   EXISTS (SELECT 1 FROM deliveries AS d
                           WHERE d.issue_id = issues.id AND d.status IN ('queued', 'deferred')))
            ORDER BY started_at, id
            LIMIT 1)
RETURNING id;

-- name: renew_lease
UPDATE issues SET lease_expires_at = ?3 WHERE id = ?1 AND lease_owner = ?2 RETURNING id;

-- name: release_lease
UPDATE issues SET lease_owner = NULL, lease_expires_at = NULL
WHERE id = ?1 AND lease_owner = ?2;
