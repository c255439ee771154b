-- The desk's readers (issue 14 item 4): search, the reader's record, erasure, segments.
--
-- A search is a prefix of the address or of the name, without regard to ASCII case:
-- two indexes in the collation the search compares in (NOCASE), so a prefix is a range
-- scan of one of them, never a scan of the readers.
CREATE INDEX subscribers_email_search ON subscribers (email COLLATE NOCASE);
CREATE INDEX subscribers_name_search ON subscribers (name COLLATE NOCASE);
-- A reader's page lists the audit entries about them (subject: their address or
-- "subscriber:ID"), and erasure rewrites them.
CREATE INDEX audit_log_subject ON audit_log (subject);

-- An erased reader (GDPR): their personal data is gone (address, name, zone,
-- attributes, client addresses of their consents), the row stays so that the counts of
-- deliveries, issues and days do not change; erased_at says when.
ALTER TABLE subscribers ADD COLUMN erased_at INTEGER;

-- A saved filter of readers. Every condition is optional (NULL: any): the newsletter,
-- the subscription status (in that newsletter, else in any), the zone as the reader
-- gave it, the sign-up time range [signed_up_from, signed_up_until), the page of a
-- consent record, and reader attributes as one JSON object of key to value, each of
-- which must be equal. An issue sent to a segment goes to the readers of its newsletter
-- who are confirmed, not suppressed, and match the segment's other conditions.
CREATE TABLE segments (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT    NOT NULL UNIQUE,
  newsletter_id   INTEGER REFERENCES newsletters (id) ON DELETE CASCADE,
  status          TEXT
                  CHECK (status IS NULL OR status = 'unconfirmed' OR status = 'confirmed' OR
                         status = 'unsubscribed'),
  zone            TEXT,
  signed_up_from  INTEGER,
  signed_up_until INTEGER,
  source_page     TEXT,
  attributes      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(attributes)),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);

-- The segment an issue goes to instead of its whole newsletter; NULL: everyone. A
-- segment an issue names cannot be removed (the foreign key refuses it).
ALTER TABLE issues ADD COLUMN segment_id INTEGER REFERENCES segments (id);
