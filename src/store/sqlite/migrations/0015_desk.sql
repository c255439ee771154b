-- The editors' desk (issue 14): sign-in sessions, the sign-in throttle, and the daily
-- counts the dashboard charts.
--
-- The sessions table of 0001 was never used; it is remade with what idle and absolute
-- expiry need. A session is found by the SHA-256 of its cookie value, never the value,
-- so a copy of the database signs nobody in. Removing a user removes their sessions;
-- a password change deletes them (store/sessions.hpp).
DROP TABLE sessions;
CREATE TABLE sessions (
  id_hash        TEXT    PRIMARY KEY,  -- hex SHA-256 of the cookie value
  user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token     TEXT    NOT NULL,     -- sent in forms and fetches, compared in constant time
  created_at     INTEGER NOT NULL,     -- absolute expiry counts from here
  last_seen_at   INTEGER NOT NULL,     -- idle expiry counts from here
  client_address TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, one row each, keyed "user:NAME" and "client:ADDRESS": the throttle
-- counts those of the last window and forgets older ones.
CREATE TABLE sign_in_failures (
  key TEXT    NOT NULL,
  at  INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at);

-- Sign-ups, confirmations and unsubscribes per newsletter and UTC day (at / 86400),
-- kept by triggers in the transaction that writes the subscription, so the dashboard
-- reads 90 rows per newsletter whatever the number of readers. Counts are history:
-- erasing a reader does not lower them. A merge of two rows of one mailbox moves
-- times earlier and counts nothing; a reader who comes back after unsubscribing counts
-- as a new confirmation (and a new sign-up if the sign-up time is moved later).
CREATE TABLE subscription_days (
  newsletter_id INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
  day           INTEGER NOT NULL,
  signups       INTEGER NOT NULL DEFAULT 0,
  confirmations INTEGER NOT NULL DEFAULT 0,
  unsubscribes  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (newsletter_id, day)
) WITHOUT ROWID;

INSERT INTO subscription_days (newsletter_id, day, signups)
SELECT newsletter_id, created_at / 86400, count(*) FROM subscriptions GROUP BY 1, 2;
INSERT INTO subscription_days (newsletter_id, day, confirmations)
SELECT newsletter_id, confirmed_at / 86400, count(*) FROM subscriptions
WHERE confirmed_at IS NOT NULL GROUP BY 1, 2
ON CONFLICT (newsletter_id, day) DO UPDATE SET confirmations = excluded.confirmations;
INSERT INTO subscription_days (newsletter_id, day, unsubscribes)
SELECT newsletter_id, unsubscribed_at / 86400, count(*) FROM subscriptions
WHERE unsubscribed_at IS NOT NULL GROUP BY 1, 2
ON CONFLICT (newsletter_id, day) DO UPDATE SET unsubscribes = excluded.unsubscribes;

CREATE TRIGGER subscription_days_insert AFTER INSERT ON subscriptions
BEGIN
  INSERT INTO subscription_days (newsletter_id, day, signups)
  VALUES (NEW.newsletter_id, NEW.created_at / 86400, 1)
  ON CONFLICT (newsletter_id, day) DO UPDATE SET signups = signups + 1;
  INSERT INTO subscription_days (newsletter_id, day, confirmations)
  SELECT NEW.newsletter_id, NEW.confirmed_at / 86400, 1 WHERE NEW.confirmed_at IS NOT NULL
  ON CONFLICT (newsletter_id, day) DO UPDATE SET confirmations = confirmations + 1;
  INSERT INTO subscription_days (newsletter_id, day, unsubscribes)
  SELECT NEW.newsletter_id, NEW.unsubscribed_at / 86400, 1 WHERE NEW.unsubscribed_at IS NOT NULL
  ON CONFLICT (newsletter_id, day) DO UPDATE SET unsubscribes = unsubscribes + 1;
END;

CREATE TRIGGER subscription_days_signup AFTER UPDATE OF created_at ON subscriptions
WHEN NEW.created_at > OLD.created_at
BEGIN
  INSERT INTO subscription_days (newsletter_id, day, signups)
  VALUES (NEW.newsletter_id, NEW.created_at / 86400, 1)
  ON CONFLICT (newsletter_id, day) DO UPDATE SET signups = signups + 1;
END;

CREATE TRIGGER subscription_days_confirm AFTER UPDATE OF confirmed_at ON subscriptions
WHEN NEW.confirmed_at IS NOT NULL AND (OLD.confirmed_at IS NULL OR NEW.confirmed_at > OLD.confirmed_at)
BEGIN
  INSERT INTO subscription_days (newsletter_id, day, confirmations)
  VALUES (NEW.newsletter_id, NEW.confirmed_at / 86400, 1)
  ON CONFLICT (newsletter_id, day) DO UPDATE SET confirmations = confirmations + 1;
END;

CREATE TRIGGER subscription_days_unsubscribe AFTER UPDATE OF unsubscribed_at ON subscriptions
WHEN NEW.unsubscribed_at IS NOT NULL
  AND (OLD.unsubscribed_at IS NULL OR NEW.unsubscribed_at > OLD.unsubscribed_at)
BEGIN
  INSERT INTO subscription_days (newsletter_id, day, unsubscribes)
  VALUES (NEW.newsletter_id, NEW.unsubscribed_at / 86400, 1)
  ON CONFLICT (newsletter_id, day) DO UPDATE SET unsubscribes = unsubscribes + 1;
END;
