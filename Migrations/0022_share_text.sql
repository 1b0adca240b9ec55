-- The message a petition offers its signers to share (their own words to change), in each
-- language; empty: the site's "I signed … Will you?".
ALTER TABLE petitions ADD COLUMN share_text TEXT NOT NULL DEFAULT '';
ALTER TABLE petitions ADD COLUMN share_text_fr TEXT NOT NULL DEFAULT '';
