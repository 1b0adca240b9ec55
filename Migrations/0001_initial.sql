-- The first schema: petitions and signatures, events and RSVPs, news, staff accounts
-- and their sessions, and server settings. Times are ISO 8601 UTC text
-- ('2026-11-24T18:00:00Z'), which sorts correctly and reads well in exports.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE petitions (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE CHECK (slug GLOB '[a-z0-9]*' AND slug NOT GLOB '*[^a-z0-9-]*'),
    title           TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    target          TEXT NOT NULL DEFAULT '',
    goal            INTEGER NOT NULL DEFAULT 0 CHECK (goal >= 0),
    opens_at        TEXT,
    closes_at       TEXT,
    state           TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed')),
    featured        INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
    -- Maintained in the same transaction as each signature, so pages never COUNT(*).
    signature_count INTEGER NOT NULL DEFAULT 0 CHECK (signature_count >= 0),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE signatures (
    id              INTEGER PRIMARY KEY,
    petition_id     INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    email           TEXT NOT NULL,             -- trimmed and case-folded
    postal_code     TEXT NOT NULL,             -- normalised 'A1A 1A1'
    province        TEXT NOT NULL DEFAULT '',  -- from the postal code's first letter
    riding          TEXT NOT NULL DEFAULT '',
    comment         TEXT NOT NULL DEFAULT '',
    consent_updates INTEGER NOT NULL DEFAULT 0 CHECK (consent_updates IN (0, 1)),
    client_hash     TEXT NOT NULL DEFAULT '',  -- keyed hash of the client address, never the address
    created_at      TEXT NOT NULL,
    UNIQUE (petition_id, email)                -- one signature per person, enforced here
);
CREATE INDEX signatures_by_time ON signatures (petition_id, created_at);

-- Open data per province, maintained with the signature count.
CREATE TABLE petition_province_counts (
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    province    TEXT NOT NULL,
    count       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (petition_id, province)
) WITHOUT ROWID;

CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary        TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL DEFAULT '',
    starts_at      TEXT NOT NULL,
    ends_at        TEXT,
    time_zone      TEXT NOT NULL DEFAULT 'America/Toronto',
    venue          TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    online_url     TEXT NOT NULL DEFAULT '',
    moderator      TEXT NOT NULL DEFAULT '',
    rsvp_enabled   INTEGER NOT NULL DEFAULT 0 CHECK (rsvp_enabled IN (0, 1)),
    capacity       INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    rsvp_deadline  TEXT,
    rsvp_count     INTEGER NOT NULL DEFAULT 0,
    waitlist_count INTEGER NOT NULL DEFAULT 0,
    state          TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'cancelled')),
    featured       INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX events_by_start ON events (state, starts_at);

CREATE TABLE event_speakers (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    name     TEXT NOT NULL,
    bio      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_speakers_by_event ON event_speakers (event_id, position);

CREATE TABLE event_links (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    label    TEXT NOT NULL,
    url      TEXT NOT NULL
);
CREATE INDEX event_links_by_event ON event_links (event_id, position);

CREATE TABLE rsvps (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlist')),
    consent_updates INTEGER NOT NULL DEFAULT 0 CHECK (consent_updates IN (0, 1)),
    created_at      TEXT NOT NULL,
    UNIQUE (event_id, email)
);

CREATE TABLE news (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',     -- Markdown
    author_name  TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    featured     INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
    published_at TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX news_by_publication ON news (state, published_at);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,        -- case-folded
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'organizer', 'editor')),
    password_hash TEXT NOT NULL,               -- algorithm, parameters, salt and hash
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_login_at TEXT
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,         -- SHA-256 of the cookie token; the token itself is never stored
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
