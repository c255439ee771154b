-- Drafts from the day's articles (issue 12 item 6). A newsletter with a recurring
-- schedule may have the scheduler draft each edition from its feeds' articles: how
-- many articles (1..50), the order of sections (comma-separated names, '' for the
-- feeds' own order), how long before the edition's first release (seconds) and what an
-- edition whose draft is not approved by then becomes ('hold': skipped, 'send').
ALTER TABLE newsletters ADD COLUMN draft_from_feeds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE newsletters ADD COLUMN draft_items INTEGER NOT NULL DEFAULT 10;
ALTER TABLE newsletters ADD COLUMN draft_sections TEXT NOT NULL DEFAULT '';
ALTER TABLE newsletters ADD COLUMN draft_lead INTEGER NOT NULL DEFAULT 10800;
ALTER TABLE newsletters ADD COLUMN draft_on_cutoff TEXT NOT NULL DEFAULT 'hold'
  CHECK (draft_on_cutoff IN ('hold', 'send'));

-- An edition that goes out to nobody, recorded once with the reason: no new articles
-- for its draft, or its draft was not approved by the first release ('hold'). The
-- primary key makes a second record of the same edition a no-op.
CREATE TABLE edition_skips (
  newsletter_id INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
  edition       TEXT    NOT NULL,
  reason        TEXT    NOT NULL,
  skipped_at    INTEGER NOT NULL,
  PRIMARY KEY (newsletter_id, edition)
) WITHOUT ROWID;
