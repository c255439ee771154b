-- Several nodes on one database (issue 15 item 3).
--
-- Sender nodes share an issue by leasing rows of its delivery log: a node sends a row
-- only while it holds the row's lease (owner, until), renews it as it goes, and gives
-- it back when it records the row's result. A lease that ran out (its node died) is
-- taken by the next claimer. The sign-up mail queue is leased the same way.
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE deliveries ADD COLUMN lease_until INTEGER;
CREATE INDEX deliveries_leased ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;
ALTER TABLE mail_queue ADD COLUMN lease_owner TEXT;
ALTER TABLE mail_queue ADD COLUMN lease_until INTEGER;

-- Locks with a lease, one row each: the scheduler's ("scheduler") is held by one node
-- at a time and taken over when its holder stops renewing it.
CREATE TABLE node_locks (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until INTEGER NOT NULL
);

-- The nodes alive, by their heartbeat: the sender nodes share the configured rates
-- (send.rate, send.domain_rate, send.domain_in_flight) among themselves.
CREATE TABLE nodes (
  owner TEXT PRIMARY KEY,
  roles TEXT NOT NULL,
  seen_at INTEGER NOT NULL
);
