-- The reader side's outgoing mail: confirmations and welcome emails, queued by the very
-- transaction that makes them due (a sign-up, a confirmation), so "the sign-up is
-- recorded" and "its email will be sent" are one fact that a crash cannot split. The
-- sender (src/send/mail_queue.hpp) renders and sends due rows in batches, then settles
-- them: sent, due again later (with backoff), or given up.
--
-- A row is pending while next_attempt_at is set, and due from that instant on; a sent
-- row has sent_at; a row given up has neither (last_error says why). newsletter_ids
-- are the newsletters the email is about, decimal ids joined by ',' (a confirmation
-- may name several, a welcome names one); only the sender reads them.
--
-- Plain rowids, not AUTOINCREMENT: no link carries a queue id, and done rows are purged.
CREATE TABLE mail_queue (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL CHECK (kind IN ('confirmation', 'welcome')),
  subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  newsletter_ids  TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error      TEXT    NOT NULL DEFAULT '',
  sent_at         INTEGER
);
-- The sender's read: pending rows by due time. Done rows stay out of the index.
CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
-- Without it, erasing one subscriber would scan the queue.
CREATE INDEX mail_queue_subscriber ON mail_queue (subscriber_id);
