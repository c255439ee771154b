-- An issue's sponsor block (issue 12 item 7): Markdown shown between the first and the
-- second story, labelled as an advertisement. Empty: the issue has none.
ALTER TABLE issues ADD COLUMN sponsor_markdown TEXT NOT NULL DEFAULT '';
