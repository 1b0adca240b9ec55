-- Talking to supporters: mailings, petition outcomes, letters the site delivers, and the
-- addresses bulk mail must skip.

-- A message to an audience, in English and (optionally) French.
CREATE TABLE mailings (
    id           INTEGER PRIMARY KEY,
    subject_en   TEXT NOT NULL CHECK (length(subject_en) BETWEEN 1 AND 200),
    body_en      TEXT NOT NULL,                  -- Markdown
    subject_fr   TEXT NOT NULL DEFAULT '',       -- empty: French readers get the English
    body_fr      TEXT NOT NULL DEFAULT '',
    audience     TEXT NOT NULL CHECK (audience IN ('subscribers', 'signers', 'attendees', 'outcome')),
    audience_id  INTEGER,                        -- the campaign (subscribers; NULL: everyone), petition or event
    state        TEXT NOT NULL DEFAULT 'draft'
                 CHECK (state IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
    send_at      TEXT,                           -- when a scheduled mailing is queued
    recipients   INTEGER NOT NULL DEFAULT 0,     -- queued, once sending starts
    sent         INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    unsubscribes INTEGER NOT NULL DEFAULT 0,     -- people who left through this mailing's link
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT
);
CREATE INDEX mailings_scheduled ON mailings (send_at) WHERE state = 'scheduled';

-- Every address bulk mail has gone to, with why it must be skipped: its owner left
-- (unsubscribe) or its server refused it for good (a 5xx at delivery). The id is what an
-- unsubscribe link carries, so no address appears in a URL or a log.
CREATE TABLE mail_addresses (
    id                   INTEGER PRIMARY KEY,
    address              TEXT NOT NULL UNIQUE,       -- case-folded
    unsubscribed_at      TEXT,
    undeliverable_at     TEXT,
    undeliverable_reason TEXT NOT NULL DEFAULT ''
);

-- A mailing's messages are rendered when sent, from the mailing and the recipient's
-- language: 100,000 recipients are 100,000 small rows, not 100,000 copies of the text.
ALTER TABLE outbox ADD COLUMN mailing_id INTEGER REFERENCES mailings(id) ON DELETE SET NULL;
ALTER TABLE outbox ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
CREATE INDEX outbox_by_mailing ON outbox (mailing_id, state) WHERE mailing_id IS NOT NULL;

-- Petition outcomes: a response or a delivery note, shown on the petition and mailed to
-- the signers who asked for it.
ALTER TABLE signatures ADD COLUMN notify_outcome INTEGER NOT NULL DEFAULT 0 CHECK (notify_outcome IN (0, 1));
CREATE TABLE petition_outcomes (
    id          INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('response', 'delivery')),
    body_en     TEXT NOT NULL CHECK (length(body_en) >= 1),   -- Markdown
    body_fr     TEXT NOT NULL DEFAULT '',
    happened_on TEXT NOT NULL,                                -- 'YYYY-MM-DD'
    mailing_id  INTEGER REFERENCES mailings(id) ON DELETE SET NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX petition_outcomes_by_petition ON petition_outcomes (petition_id, happened_on);
-- The goal mail goes once per petition.
ALTER TABLE petitions ADD COLUMN goal_reached_at TEXT;

-- Letters the site delivers: the campaign says how; such a letter waits for its sender to
-- confirm their address, then goes to the recipient with a copy to the sender.
ALTER TABLE letter_campaigns ADD COLUMN delivery TEXT NOT NULL DEFAULT 'visitor' CHECK (delivery IN ('visitor', 'site'));
ALTER TABLE letter_campaigns ADD COLUMN sent_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE letter_counts ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE letters ADD COLUMN delivery TEXT NOT NULL DEFAULT 'visitor' CHECK (delivery IN ('visitor', 'site'));
ALTER TABLE letters ADD COLUMN personal TEXT NOT NULL DEFAULT '';   -- the sender's own paragraph (in the body too)
ALTER TABLE letters ADD COLUMN sent_at TEXT;                        -- handed to the outbox, once confirmed
-- One letter the site sends per sender, campaign and day.
CREATE UNIQUE INDEX letters_site_daily ON letters (campaign_id, sender_email, substr(created_at, 1, 10)) WHERE delivery = 'site';

-- The letter's confirmation is a mailed link like the others: one more purpose (the table
-- is rebuilt, as SQLite changes a CHECK; nothing refers to it).
CREATE TABLE mail_tokens_new (
    token_hash BLOB PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('signature', 'rsvp', 'subscribe', 'invite', 'reset', 'letter')),
    subject_id INTEGER,
    payload    TEXT NOT NULL DEFAULT '',
    expires_at TEXT NOT NULL,
    used_at    TEXT
) WITHOUT ROWID;
INSERT INTO mail_tokens_new (token_hash, purpose, subject_id, payload, expires_at, used_at)
    SELECT token_hash, purpose, subject_id, payload, expires_at, used_at FROM mail_tokens;
DROP TABLE mail_tokens;
ALTER TABLE mail_tokens_new RENAME TO mail_tokens;
CREATE INDEX mail_tokens_by_subject ON mail_tokens (purpose, subject_id);
