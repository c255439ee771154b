-- Editions (issue 12 item 1): a newsletter with a recurring schedule has one edition per
-- scheduled day, and an issue may be tied to one by its date, 'YYYY-MM-DD' in the
-- schedule's calendar (src/schedule/editions.hpp); NULL when it is tied to none (a
-- manual newsletter's issue, scheduled at an instant in `scheduled_at`, or a plain
-- draft). An edition has at most one issue. The 'scheduled' status and `scheduled_at`
-- are in the first schema already.
ALTER TABLE issues ADD COLUMN edition TEXT;
CREATE UNIQUE INDEX issues_edition ON issues (newsletter_id, edition) WHERE edition IS NOT NULL;

-- The zone of a reader who has none, for this newsletter's "local" schedule; NULL: the
-- publication's (publication.timezone), itself UTC by default.
ALTER TABLE newsletters ADD COLUMN default_timezone TEXT;
