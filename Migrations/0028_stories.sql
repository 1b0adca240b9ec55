-- Supporters' stories and photos: told through a public form, confirmed by a mailed link
-- before staff see them, moderated, published. `state`: submitted (not confirmed) →
-- confirmed (waiting for staff) → published | declined | withdrawn (by the teller's own link,
-- which works forever). What the person wrote is erased (`erased_at`, the row kept for the
-- counts by state) a day after a withdrawal and `stories.retention_days` after a refusal.
CREATE TABLE stories (
    id               INTEGER PRIMARY KEY,
    state            TEXT NOT NULL DEFAULT 'submitted'
                     CHECK (state = 'submitted' OR state = 'confirmed' OR state = 'published' OR state = 'declined' OR state = 'withdrawn'),
    campaign_id      INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    title            TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 200),  -- staff's headline
    body             TEXT NOT NULL DEFAULT '',      -- as published (staff may edit)
    body_original    TEXT NOT NULL DEFAULT '',      -- as the person wrote it
    caption          TEXT NOT NULL DEFAULT '',
    caption_original TEXT NOT NULL DEFAULT '',
    photographer     TEXT NOT NULL DEFAULT '',
    first_name       TEXT NOT NULL DEFAULT '',
    last_name        TEXT NOT NULL DEFAULT '',
    -- How the person asked to be named: full name, first name and initial, first name, or not at all.
    naming           TEXT NOT NULL DEFAULT 'anonymous'
                     CHECK (naming = 'full' OR naming = 'initial' OR naming = 'first' OR naming = 'anonymous'),
    place            TEXT NOT NULL DEFAULT '',      -- a town or region, as much as they chose to say
    email            TEXT NOT NULL DEFAULT '',      -- never shown
    language         TEXT NOT NULL DEFAULT 'en',
    consent_text     TEXT NOT NULL DEFAULT '',      -- the words they agreed to, verbatim
    people_consent   INTEGER NOT NULL DEFAULT 0 CHECK (people_consent IN (0, 1)),
    media_id         INTEGER REFERENCES media(id) ON DELETE SET NULL,
    featured         INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
    decline_reason   TEXT NOT NULL DEFAULT '',
    client_hash      TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    confirmed_at     TEXT,
    published_at     TEXT,
    ended_at         TEXT,                          -- declined or withdrawn
    erased_at        TEXT,
    digested_at      TEXT,                          -- in a staff digest
    updated_at       TEXT NOT NULL
);
CREATE INDEX stories_by_state ON stories (state, featured, published_at);
CREATE INDEX stories_by_email ON stories (email);

-- The stories form's settings (one row) and the campaigns whose pages gather stories.
CREATE TABLE story_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    max_words      INTEGER NOT NULL DEFAULT 300 CHECK (max_words BETWEEN 20 AND 5000),
    photo_project  INTEGER NOT NULL DEFAULT 0 CHECK (photo_project IN (0, 1)),
    last_digest_at TEXT
);
INSERT INTO story_settings (id) VALUES (1);
CREATE TABLE story_campaigns (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE
);
-- Staff who asked for no daily digest of new stories.
CREATE TABLE story_digest_optouts (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE
);

-- A story's confirmation is a mailed link like the others: one more purpose, written into
-- the CHECK's text as 0014 did (every row already meets it).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'OR purpose = ''letter'')', 'OR purpose = ''letter'' OR purpose = ''story'')')
 WHERE type = 'table' AND name = 'mail_tokens';
PRAGMA writable_schema = RESET;
