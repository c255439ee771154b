-- The public archive (src/web/archive_pages.hpp) lists a newsletter's issues newest
-- first, by when sending began. This index holds everything the list and the feed
-- show, so the list is read from it alone: never from the table, whose rows carry
-- bodies of up to 1 MiB in overflow pages in front of `status` and `started_at`. An
-- issue readers have got always has `started_at` (drafts have none and sort out).
CREATE INDEX issues_archive ON issues (newsletter_id, started_at, id, status, subject,
                                       preheader);

-- What the archive's caches of rendered pages are keyed by: a number that changes
-- whenever something the archive shows of the newsletter may have changed, even by
-- another process (the CLI sending beside the server). An issue's status decides
-- whether it is public, and nothing else of an issue readers have can change (only
-- drafts and scheduled issues are edited); update_newsletter bumps it for the
-- newsletter's own fields.
ALTER TABLE newsletters ADD COLUMN archive_version INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER issues_archive_version AFTER UPDATE OF status ON issues
WHEN OLD.status IS NOT NEW.status
BEGIN
  UPDATE newsletters SET archive_version = archive_version + 1 WHERE id = NEW.newsletter_id;
END;
