-- Where supporters are and where they came from, kept beside the signatures like the
-- province and daily counts: by riding, and by source per day (confirmed signatures).
CREATE TABLE petition_riding_counts (
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    riding      TEXT NOT NULL,                 -- the riding's English name, as signatures keep it
    count       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (petition_id, riding)
) WITHOUT ROWID;
INSERT INTO petition_riding_counts (petition_id, riding, count)
    SELECT petition_id, riding, count(*) FROM signatures WHERE confirmed_at IS NOT NULL GROUP BY 1, 2;

CREATE TABLE petition_source_counts (
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,                 -- 'YYYY-MM-DD' of the confirmation
    source      TEXT NOT NULL,                 -- the referral label, '' for none
    count       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (petition_id, day, source)
) WITHOUT ROWID;
INSERT INTO petition_source_counts (petition_id, day, source, count)
    SELECT petition_id, substr(confirmed_at, 1, 10), referral, count(*) FROM signatures WHERE confirmed_at IS NOT NULL GROUP BY 1, 2, 3;

-- The funnel of each action, per hour and source, counted without cookies: pages seen, forms
-- sent (a first submit), rows stored, rows confirmed. Views and starts are counted in memory
-- and written every few seconds; stored and confirmed in the transaction that makes them.
CREATE TABLE funnel_counts (
    action  TEXT NOT NULL,                     -- 'petition', 'event', 'letter', …
    item_id INTEGER NOT NULL,
    hour    TEXT NOT NULL,                     -- 'YYYY-MM-DDTHH' (UTC)
    stage   TEXT NOT NULL CHECK (stage IN ('view', 'start', 'stored', 'confirmed')),
    source  TEXT NOT NULL,
    count   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (action, item_id, hour, stage, source)
) WITHOUT ROWID;

-- Pages of an action reached from another site, by that site's host name (never the URL).
CREATE TABLE referrer_counts (
    action  TEXT NOT NULL,
    item_id INTEGER NOT NULL,
    day     TEXT NOT NULL,
    host    TEXT NOT NULL,
    count   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (action, item_id, day, host)
) WITHOUT ROWID;

-- What staff refuse at signing, answered as any signature is (no oracle): an e-mail domain,
-- a client hash (valid for its day's key), or a keyed hash of an address.
CREATE TABLE signing_blocks (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('domain', 'client', 'email')),
    value      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    hits       INTEGER NOT NULL DEFAULT 0,            -- signatures refused by it
    UNIQUE (kind, value)
);

-- Signatures staff took out of the counts together, and can put back for 30 days.
CREATE TABLE signature_invalidations (
    id          INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    rule        TEXT NOT NULL,                 -- what was chosen, in words
    reason      TEXT NOT NULL DEFAULT '',
    count       INTEGER NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    undone_at   TEXT
);
-- An invalidated signature keeps its row (not counted: `confirmed_at` empty, the moment it
-- had kept in `confirmed_before`) until the undo window closes.
ALTER TABLE signatures ADD COLUMN invalidation_id INTEGER REFERENCES signature_invalidations(id) ON DELETE SET NULL;
ALTER TABLE signatures ADD COLUMN confirmed_before TEXT;
CREATE INDEX signatures_invalidated ON signatures (invalidation_id) WHERE invalidation_id IS NOT NULL;

-- Partner groups of a campaign: their embeds are credited to them, and a signer may ask to
-- hear from one (`signatures.partner_consent`: the partner's key).
CREATE TABLE partners (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,                 -- a short label, the source of their embeds
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    website     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (campaign_id, key)
);
ALTER TABLE signatures ADD COLUMN partner_consent TEXT NOT NULL DEFAULT '';
