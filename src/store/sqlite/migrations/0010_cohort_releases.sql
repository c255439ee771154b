-- The scheduler's releases of scheduled issues (src/scheduler/releases.hpp): one row per
-- issue and cohort once a tick has released it into the delivery log or skipped it as
-- too late, so that no cohort is ever released twice, whatever the restarts. zone is
-- the cohort's time zone, or '' for a release to everyone at once (a schedule with a
-- fixed zone, or a manual newsletter's issue scheduled at an instant).
CREATE TABLE cohort_releases (
  issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  zone       TEXT    NOT NULL,
  release_at INTEGER NOT NULL,  -- when it was due
  decided_at INTEGER NOT NULL,  -- when a tick released or skipped it
  outcome    TEXT    NOT NULL CHECK (outcome IN ('released', 'skipped')),
  readers    INTEGER NOT NULL DEFAULT 0,  -- queued by the release
  PRIMARY KEY (issue_id, zone)
) WITHOUT ROWID;
-- 1 from an issue's first release until its last cohort is released or skipped: the
-- issue is sending, but it becomes sent only when nothing is left to release.
ALTER TABLE issues ADD COLUMN releasing INTEGER NOT NULL DEFAULT 0 CHECK (releasing IN (0, 1));
-- A cohort is read by zone in keyset batches; the scheduler lists the zones in use
-- by skipping through this index.
CREATE INDEX subscribers_timezone ON subscribers (timezone, id);
