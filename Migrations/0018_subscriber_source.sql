-- Where a subscription came from: the site's own sign-up ('updates'), or a list staff
-- imported ('import', with the note of where and when consent was given in consent_text).
ALTER TABLE subscribers ADD COLUMN source TEXT NOT NULL DEFAULT 'updates';
