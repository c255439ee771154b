-- Bounces, complaints and unsubscribe mail (issue 13).
--
-- The one suppression list (0005) now also holds addresses suppressed by a bounce, a
-- complaint or the publisher: those keep the address as written and its mailbox key,
-- because the send engine and the mail queue must recognise the reader and the
-- publisher must see what is suppressed. A removed reader's row still keeps only the
-- hash (both columns NULL). `source` says who suppressed it: removed, bounce,
-- complaint, manual.
ALTER TABLE suppressions ADD COLUMN address TEXT;
ALTER TABLE suppressions ADD COLUMN email_key TEXT;
ALTER TABLE suppressions ADD COLUMN source TEXT NOT NULL DEFAULT '';
UPDATE suppressions SET source = 'removed' WHERE source = '';
CREATE INDEX suppressions_email_key ON suppressions (email_key) WHERE email_key IS NOT NULL;

-- Every inbound event about a delivery: a bounce (hard or soft), a complaint, an
-- unsubscribe mail. `fingerprint` is what makes the same event twice count once (the
-- delivery and the kind). `status` is the raw status and diagnostic as received;
-- `action` what the policy did (suppressed, unsubscribed, counted).
CREATE TABLE bounce_events (
  id            INTEGER PRIMARY KEY,
  fingerprint   TEXT    NOT NULL UNIQUE,
  kind          TEXT    NOT NULL
                CHECK (kind IN ('hard', 'soft', 'complaint', 'unsubscribe')),
  subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  issue_id      INTEGER,  -- not a reference: a bounce may outlive its issue
  newsletter_id INTEGER NOT NULL DEFAULT 0,
  recipient     TEXT    NOT NULL DEFAULT '',
  status        TEXT    NOT NULL DEFAULT '',
  source        TEXT    NOT NULL DEFAULT '',
  action        TEXT    NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);
CREATE INDEX bounce_events_subscriber ON bounce_events (subscriber_id, kind, created_at);
CREATE INDEX bounce_events_issue ON bounce_events (issue_id) WHERE issue_id IS NOT NULL;
