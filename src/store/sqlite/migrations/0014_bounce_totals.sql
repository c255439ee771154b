-- Per-domain rates and cached bounce totals (issue 13, PROVIDERS).
--
-- /metrics' broadsheet_bounces_total{kind} was a GROUP BY over every event at each
-- scrape; it now reads one row per kind, kept by a trigger in the transaction that
-- keeps the event. It is a Prometheus counter, so it never goes down: an event
-- removed with its reader stays counted. Filled from the events kept so far.
CREATE TABLE bounce_totals (
  kind  TEXT    PRIMARY KEY,
  total INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO bounce_totals (kind, total) SELECT kind, count(*) FROM bounce_events GROUP BY kind;
CREATE TRIGGER bounce_events_counted AFTER INSERT ON bounce_events
BEGIN
  INSERT INTO bounce_totals (kind, total) VALUES (NEW.kind, 1)
  ON CONFLICT (kind) DO UPDATE SET total = total + 1;
END;
