-- What an import knows of a reader beyond name and time zone (the columns of another
-- provider's export: Mailchimp's Country, Substack's plan), kept for the desk's
-- segments: one JSON object of key to string per reader, '{}' when none. Bounded by
-- its writers (core/types.hpp ReaderAttribute: 20 keys of 64 bytes, values of 500).
-- A JSON column rather than a table of its own: an import writes it in the same row,
-- at no extra statement per reader, and json_each() reads it back as rows.
ALTER TABLE subscribers ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}'
  CHECK (json_valid(attributes));
