-- Campaign hubs that tie the actions together, and "stay informed" sign-ups.

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    tagline    TEXT NOT NULL DEFAULT '',
    summary    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',        -- Markdown: the case
    asks       TEXT NOT NULL DEFAULT '',        -- blocks separated by a blank line: heading line, then its paragraph
    key_dates  TEXT NOT NULL DEFAULT '',        -- one per line: "date — what"
    state      TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'active', 'archived')),
    featured   INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

ALTER TABLE petitions ADD COLUMN campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL;
ALTER TABLE letter_campaigns ADD COLUMN campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL;
ALTER TABLE events ADD COLUMN campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL;
ALTER TABLE news ADD COLUMN campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL;

CREATE TABLE subscribers (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    postal_code     TEXT NOT NULL DEFAULT '',
    campaign_id     INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    consent_text    TEXT NOT NULL,              -- exactly what the person agreed to (CASL)
    consented_at    TEXT NOT NULL,
    unsubscribed_at TEXT,
    client_hash     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX subscribers_once ON subscribers (email, coalesce(campaign_id, 0));
