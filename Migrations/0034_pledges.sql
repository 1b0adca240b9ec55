-- Pledges (`/pledges`): a public promise people, organisations and municipalities make and
-- others see and join ("we pledge to welcome refugees"), beside petitions. Each pledger
-- confirms by a mailed link; a person is then listed (under the name they chose to show, or
-- counted without a name); an organisation or a municipality waits for staff to approve it.
-- `pledge_counts` holds the listed pledgers by kind and province, kept in the same
-- transaction as each change, so pages never count rows.
CREATE TABLE pledges (
    id                   INTEGER PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE CHECK (slug GLOB '[a-z0-9]*' AND slug NOT GLOB '*[^a-z0-9-]*'),
    title                TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    title_fr             TEXT NOT NULL DEFAULT '' CHECK (length(title_fr) <= 200),
    summary              TEXT NOT NULL DEFAULT '',
    summary_fr           TEXT NOT NULL DEFAULT '',
    pledge_text          TEXT NOT NULL CHECK (length(pledge_text) >= 1),  -- the words each pledger signs up to
    pledge_text_fr       TEXT NOT NULL DEFAULT '',
    body                 TEXT NOT NULL DEFAULT '',                        -- Markdown: why
    body_fr              TEXT NOT NULL DEFAULT '',
    allow_people         INTEGER NOT NULL DEFAULT 1 CHECK (allow_people IN (0, 1)),
    allow_organisations  INTEGER NOT NULL DEFAULT 1 CHECK (allow_organisations IN (0, 1)),
    allow_municipalities INTEGER NOT NULL DEFAULT 1 CHECK (allow_municipalities IN (0, 1)),
    goal                 INTEGER NOT NULL DEFAULT 0 CHECK (goal >= 0),
    closes_at            TEXT,
    state                TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed')),
    featured             INTEGER NOT NULL DEFAULT 0 CHECK (featured IN (0, 1)),
    campaign_id          INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    image_id             INTEGER REFERENCES media(id) ON DELETE SET NULL,
    pledger_count        INTEGER NOT NULL DEFAULT 0 CHECK (pledger_count >= 0),  -- listed pledgers
    created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- `state`: unconfirmed → confirmed (a person: listed; an organisation or municipality: waiting
-- for staff) → approved (listed) | declined. `listed_at` is set while the pledger is listed
-- and counted. `name`: what the list shows (a person's chosen name, '' for none; an
-- organisation's or municipality's name); `contact_name`: the person who pledged for it.
CREATE TABLE pledgers (
    id            INTEGER PRIMARY KEY,
    pledge_id     INTEGER NOT NULL REFERENCES pledges(id),
    kind          TEXT NOT NULL CHECK (kind IN ('person', 'organisation', 'municipality')),
    name          TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    contact_name  TEXT NOT NULL DEFAULT '' CHECK (length(contact_name) <= 200),
    email         TEXT NOT NULL,
    postal_code   TEXT NOT NULL DEFAULT '',
    province      TEXT NOT NULL DEFAULT '',
    place         TEXT NOT NULL DEFAULT '' CHECK (length(place) <= 100),
    state         TEXT NOT NULL DEFAULT 'unconfirmed' CHECK (state IN ('unconfirmed', 'confirmed', 'approved', 'declined')),
    listed_at     TEXT,
    language      TEXT NOT NULL DEFAULT 'en',
    referral      TEXT NOT NULL DEFAULT '',
    client_hash   TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    confirmed_at  TEXT,
    decided_at    TEXT,
    UNIQUE (pledge_id, kind, email)
);
CREATE INDEX pledgers_listed ON pledgers (pledge_id, listed_at);
CREATE INDEX pledgers_waiting ON pledgers (pledge_id, state);
CREATE INDEX pledgers_by_email ON pledgers (email);
CREATE INDEX pledgers_by_time ON pledgers (created_at);

CREATE TABLE pledge_counts (
    pledge_id INTEGER NOT NULL REFERENCES pledges(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    province  TEXT NOT NULL,
    count     INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    PRIMARY KEY (pledge_id, kind, province)
);

-- A pledge's confirmation is a mailed link like the others: one more purpose, written into
-- the CHECK's text as 0014 did (every row already meets it).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'OR purpose = ''privacy'')', 'OR purpose = ''privacy'' OR purpose = ''pledge'')')
 WHERE type = 'table' AND name = 'mail_tokens';
PRAGMA writable_schema = RESET;

CREATE TRIGGER pledges_search_insert AFTER INSERT ON pledges BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 9, 'pledge', NEW.id, NEW.campaign_id, '/pledges/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.pledge_text || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.pledge_text_fr || ' ' || NEW.body_fr, ''
    WHERE NEW.state <> 'draft';
END;
CREATE TRIGGER pledges_search_update AFTER UPDATE OF slug, title, title_fr, summary, summary_fr, pledge_text, pledge_text_fr, body, body_fr, state, campaign_id ON pledges BEGIN
    DELETE FROM search_entries WHERE kind = 'pledge' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 9, 'pledge', NEW.id, NEW.campaign_id, '/pledges/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.pledge_text || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.pledge_text_fr || ' ' || NEW.body_fr, ''
    WHERE NEW.state <> 'draft';
END;
CREATE TRIGGER pledges_search_delete AFTER DELETE ON pledges BEGIN
    DELETE FROM search_entries WHERE kind = 'pledge' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 9, 'pledge', x.id, x.campaign_id, '/pledges/' || x.slug, x.title, x.title_fr, x.summary || ' ' || x.pledge_text || ' ' || x.body, x.summary_fr || ' ' || x.pledge_text_fr || ' ' || x.body_fr, '' FROM pledges AS x WHERE x.state <> 'draft';
