-- Feeds of other sites that a newsletter follows (src/feeds/), and where each article
-- came from. An article with no feed_id is the publication's own (the demo content).
CREATE TABLE feeds (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  newsletter_id    INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
  url              TEXT    NOT NULL,
  section          TEXT    NOT NULL DEFAULT '',
  interval_seconds INTEGER NOT NULL DEFAULT 900 CHECK (interval_seconds > 0),
  etag             TEXT    NOT NULL DEFAULT '',
  last_modified    TEXT    NOT NULL DEFAULT '',
  next_poll_at     INTEGER NOT NULL,
  last_poll_at     INTEGER,
  last_error       TEXT    NOT NULL DEFAULT '',
  failures         INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  UNIQUE (newsletter_id, url)
);
CREATE INDEX feeds_due ON feeds (next_poll_at, id);

-- Removing a feed removes the articles it brought.
ALTER TABLE articles ADD COLUMN feed_id INTEGER REFERENCES feeds (id) ON DELETE CASCADE;
ALTER TABLE articles ADD COLUMN guid TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN image TEXT NOT NULL DEFAULT '';
-- Duplicates: the same GUID in one feed, or the same link anywhere.
CREATE INDEX articles_feed_guid ON articles (feed_id, guid);
CREATE INDEX articles_url ON articles (url);
