-- When the author last sent themselves a test of a mailing's current text: a mailing is
-- sent (or scheduled) only after one; changing its text or audience asks for one again.
ALTER TABLE mailings ADD COLUMN tested_at TEXT;
