-- Who is sending an issue: a node (or the CLI) sends only while it holds the issue's
-- lease, renewed as it goes; a lease that expires (its holder died) is taken over,
-- and the delivery log tells the new holder where to resume.
ALTER TABLE issues ADD COLUMN lease_owner TEXT;
ALTER TABLE issues ADD COLUMN lease_expires_at INTEGER;
-- The retry pass reads the deferred deliveries that are due.
CREATE INDEX deliveries_due ON deliveries (issue_id, status, next_attempt_at);
