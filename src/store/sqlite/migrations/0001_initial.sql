-- Broadsheet schema, version 1 (SQLite dialect).
--
-- Kept portable to the PostgreSQL backend: timestamps are INTEGER Unix seconds (UTC),
-- booleans are INTEGER 0/1 with a CHECK, enumerations are TEXT with a CHECK, and ids
-- come from AUTOINCREMENT so that, as with a PostgreSQL identity column, an id is
-- never handed out twice: signed links in old emails carry subscriber ids, and a
-- reused id would let them act on a stranger.
--
-- Two SQLite-specific choices of storage, not of model: the composite-key tables that
-- are written in bulk (subscriptions, deliveries) are WITHOUT ROWID, one b-tree instead
-- of a table plus its key index; and a CHECK of three or more values is spelled with
-- OR, because SQLite evaluates `IN (...)` there by building a temporary table for
-- every row written (half the cost of a bulk import).
--
-- Removing a newsletter or a subscriber removes everything that hangs off it
-- (subscriptions, consent records, issues, deliveries): the store offers erasure.

CREATE TABLE newsletters (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  slug            TEXT    NOT NULL UNIQUE,
  name            TEXT    NOT NULL,
  description     TEXT    NOT NULL DEFAULT '',
  schedule        TEXT    NOT NULL DEFAULT '',
  from_name       TEXT    NOT NULL DEFAULT '',
  from_address    TEXT    NOT NULL DEFAULT '',
  is_public       INTEGER NOT NULL DEFAULT 1 CHECK (is_public IN (0, 1)),
  opt_in          TEXT    NOT NULL DEFAULT 'double' CHECK (opt_in IN ('double', 'single')),
  welcome_subject TEXT,
  welcome_body    TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);

CREATE TABLE subscribers (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  email         TEXT    NOT NULL UNIQUE,  -- normalised by the caller
  email_display TEXT    NOT NULL,
  name          TEXT    NOT NULL DEFAULT '',
  timezone      TEXT    NOT NULL DEFAULT '',  -- IANA name; '' when unknown
  status        TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
  bounce_count  INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE subscriptions (
  subscriber_id             INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  newsletter_id             INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
  status                    TEXT    NOT NULL
                            CHECK (status = 'unconfirmed' OR status = 'confirmed' OR
                                   status = 'unsubscribed'),
  source                    TEXT    NOT NULL DEFAULT '',
  created_at                INTEGER NOT NULL,
  confirmed_at              INTEGER,
  unsubscribed_at           INTEGER,
  last_confirmation_sent_at INTEGER,
  PRIMARY KEY (subscriber_id, newsletter_id)
) WITHOUT ROWID;
-- The audience of an issue is read in keyset batches: newsletter, status, id > last.
CREATE INDEX subscriptions_audience ON subscriptions (newsletter_id, status, subscriber_id);

-- Evidence of consent, append-only: what the reader agreed to, where and when.
-- newsletter_id is NULL for consents not tied to one newsletter (marketing).
CREATE TABLE consent_ledger (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  subscriber_id        INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  newsletter_id        INTEGER REFERENCES newsletters (id) ON DELETE CASCADE,
  consent_text_version TEXT    NOT NULL,
  consent_kind         TEXT    NOT NULL CHECK (consent_kind IN ('newsletter', 'marketing')),
  granted              INTEGER NOT NULL CHECK (granted IN (0, 1)),
  source_page          TEXT    NOT NULL DEFAULT '',
  client_address       TEXT    NOT NULL DEFAULT '',
  created_at           INTEGER NOT NULL
);
CREATE INDEX consent_ledger_subscriber ON consent_ledger (subscriber_id);
CREATE INDEX consent_ledger_newsletter ON consent_ledger (newsletter_id);

CREATE TABLE articles (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  slug         TEXT    NOT NULL UNIQUE,
  title        TEXT    NOT NULL,
  standfirst   TEXT    NOT NULL DEFAULT '',
  author       TEXT    NOT NULL DEFAULT '',
  section      TEXT    NOT NULL DEFAULT '',
  body         TEXT    NOT NULL DEFAULT '',  -- paragraphs joined by a blank line
  url          TEXT    NOT NULL DEFAULT '',
  published_at INTEGER NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX articles_published ON articles (published_at, id);

CREATE TABLE issues (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  newsletter_id INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
  subject       TEXT    NOT NULL,
  preheader     TEXT    NOT NULL DEFAULT '',
  body_markdown TEXT    NOT NULL DEFAULT '',
  status        TEXT    NOT NULL DEFAULT 'draft'
                CHECK (status = 'draft' OR status = 'scheduled' OR status = 'sending' OR
                       status = 'paused' OR status = 'sent' OR status = 'cancelled'),
  scheduled_at  INTEGER,
  started_at    INTEGER,
  finished_at   INTEGER,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX issues_newsletter ON issues (newsletter_id, created_at);
CREATE INDEX issues_due ON issues (status, scheduled_at);

-- The delivery log: one row per issue and reader, the send engine's checkpoint.
CREATE TABLE deliveries (
  issue_id        INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  status          TEXT    NOT NULL DEFAULT 'queued'
                  CHECK (status = 'queued' OR status = 'sent' OR status = 'deferred' OR
                         status = 'failed'),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_reply      TEXT    NOT NULL DEFAULT '',
  next_attempt_at INTEGER,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (issue_id, subscriber_id)
) WITHOUT ROWID;
-- Without it, erasing one subscriber would scan the whole delivery log.
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  username      TEXT    NOT NULL UNIQUE,
  password_hash TEXT    NOT NULL,  -- Argon2id, encoded with its parameters
  role          TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         TEXT    NOT NULL,
  token_hash   TEXT    NOT NULL UNIQUE,  -- the token itself is shown once and never stored
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
  id         TEXT    PRIMARY KEY,  -- hash of the cookie value, never the value
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT    NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  actor   TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  subject TEXT    NOT NULL DEFAULT '',
  detail  TEXT    NOT NULL DEFAULT ''
);

-- Robot-check challenges already redeemed, kept until they expire to refuse replays.
CREATE TABLE robot_spent (
  challenge_hash TEXT    PRIMARY KEY,
  expires_at     INTEGER NOT NULL
);
CREATE INDEX robot_spent_expiry ON robot_spent (expires_at);
