-- Write to your MP: ridings, members, the postal-code (FSA) → riding table, letter
-- campaigns, and the letters visitors make.

CREATE TABLE ridings (
    code     TEXT PRIMARY KEY,                -- Elections Canada FED_NUM, e.g. '35075'
    name_en  TEXT NOT NULL,
    name_fr  TEXT NOT NULL DEFAULT '',
    province TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE members (
    riding_code         TEXT PRIMARY KEY REFERENCES ridings(code) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    honorific           TEXT NOT NULL DEFAULT '',
    party               TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    constituency_office TEXT NOT NULL DEFAULT '',
    hill_office         TEXT NOT NULL DEFAULT '',
    phone               TEXT NOT NULL DEFAULT '',
    is_sample           INTEGER NOT NULL DEFAULT 0 CHECK (is_sample IN (0, 1))
) WITHOUT ROWID;

-- One FSA (first three characters of a postal code) may span several ridings.
CREATE TABLE fsa_ridings (
    fsa         TEXT NOT NULL,
    riding_code TEXT NOT NULL REFERENCES ridings(code) ON DELETE CASCADE,
    is_sample   INTEGER NOT NULL DEFAULT 0 CHECK (is_sample IN (0, 1)),
    PRIMARY KEY (fsa, riding_code)
) WITHOUT ROWID;

CREATE TABLE letter_campaigns (
    id                INTEGER PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE,
    title             TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    intro             TEXT NOT NULL DEFAULT '',
    recipient_kind    TEXT NOT NULL DEFAULT 'mp' CHECK (recipient_kind IN ('mp', 'named')),
    recipient_name    TEXT NOT NULL DEFAULT '',  -- for 'named': e.g. the Minister
    recipient_address TEXT NOT NULL DEFAULT '',
    recipient_email   TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    body_template     TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed')),
    featured          INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
    letter_count      INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE letters (
    id                INTEGER PRIMARY KEY,
    campaign_id       INTEGER NOT NULL REFERENCES letter_campaigns(id) ON DELETE CASCADE,
    token_hash        BLOB NOT NULL UNIQUE,       -- SHA-256 of the token in the letter's links
    riding_code       TEXT NOT NULL DEFAULT '',
    sender_name       TEXT NOT NULL,
    sender_email      TEXT NOT NULL,
    sender_address    TEXT NOT NULL,
    postal_code       TEXT NOT NULL,
    recipient_name    TEXT NOT NULL,
    recipient_email   TEXT NOT NULL DEFAULT '',
    recipient_address TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX letters_by_time ON letters (created_at);

-- Letters made per campaign and riding (kept when old letters are purged).
CREATE TABLE letter_counts (
    campaign_id INTEGER NOT NULL REFERENCES letter_campaigns(id) ON DELETE CASCADE,
    riding_code TEXT NOT NULL,
    count       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, riding_code)
) WITHOUT ROWID;
