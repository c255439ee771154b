-- One reader per mailbox (issue 16). `email_key` is the address under the configured
-- rule (store/mailbox_keys.hpp; by default the local part's case does not count), and
-- the UNIQUE index is on it; `email` stays as the reader typed it. The keys cannot be
-- computed in SQL (the rules are the C++ side's), so they are NULL after this
-- migration and filled, with readers that share a key merged into the earliest, by
-- the store right after it (sqlite/mailbox_keys.hpp): the rule they were made with is
-- recorded in store_settings, and a rule that changes remakes them the same way.
ALTER TABLE subscribers ADD COLUMN email_key TEXT;
CREATE UNIQUE INDEX subscribers_email_key ON subscribers (email_key);

-- Facts about the store itself, by name ("mailbox_key_rule").
CREATE TABLE store_settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Mailboxes whose reader was removed: imports and additions by the publisher skip them
-- until the reader signs up again and confirms (fresh consent). Only a hash of the
-- mailbox key is kept (store::suppression_hash), never the address.
CREATE TABLE suppressions (
  address_hash TEXT    PRIMARY KEY,
  created_at   INTEGER NOT NULL,
  reason       TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
