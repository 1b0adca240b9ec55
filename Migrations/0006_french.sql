-- French text beside the English for everything visitors read. Empty means "not
-- translated yet": French pages then show the English, marked lang="en".

ALTER TABLE petitions ADD COLUMN title_fr TEXT NOT NULL DEFAULT '' CHECK (length(title_fr) <= 200);
ALTER TABLE petitions ADD COLUMN summary_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE petitions ADD COLUMN body_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE petitions ADD COLUMN target_fr TEXT NOT NULL DEFAULT '';

ALTER TABLE events ADD COLUMN title_fr TEXT NOT NULL DEFAULT '' CHECK (length(title_fr) <= 200);
ALTER TABLE events ADD COLUMN summary_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN body_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN venue_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE event_speakers ADD COLUMN bio_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE event_links ADD COLUMN label_fr TEXT NOT NULL DEFAULT '';

ALTER TABLE news ADD COLUMN title_fr TEXT NOT NULL DEFAULT '' CHECK (length(title_fr) <= 200);
ALTER TABLE news ADD COLUMN summary_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE news ADD COLUMN body_fr TEXT NOT NULL DEFAULT '';

ALTER TABLE letter_campaigns ADD COLUMN title_fr TEXT NOT NULL DEFAULT '' CHECK (length(title_fr) <= 200);
ALTER TABLE letter_campaigns ADD COLUMN intro_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE letter_campaigns ADD COLUMN subject_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE letter_campaigns ADD COLUMN body_template_fr TEXT NOT NULL DEFAULT '';

ALTER TABLE campaigns ADD COLUMN title_fr TEXT NOT NULL DEFAULT '' CHECK (length(title_fr) <= 200);
ALTER TABLE campaigns ADD COLUMN tagline_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN summary_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN body_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN asks_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN key_dates_fr TEXT NOT NULL DEFAULT '';

-- The language a letter was written in, so its page and downloads stay in it.
ALTER TABLE letters ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr'));

-- The language someone signed up in, so what we send them (and their unsubscribe page) is in it.
ALTER TABLE subscribers ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr'));
