-- TEMPORARY stand-in for EDITIONS' migration (issues.edition, newsletters.default_timezone);
-- dropped when h-editions lands.
ALTER TABLE issues ADD COLUMN edition TEXT;
ALTER TABLE newsletters ADD COLUMN default_timezone TEXT NOT NULL DEFAULT '';
