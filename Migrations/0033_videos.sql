-- Videos (`/videos`, `/videos/{id}`): a recording hosted elsewhere (YouTube, Vimeo, PeerTube,
-- a file host) or a small file uploaded as a resource (`/resources/…`), with a poster
-- (`image_id`, our own copy), and a transcript or captions' text that every video must have.
-- Nothing loads from the host until a visitor presses play. `event_id`: the event it
-- records (shown on the event's page once it is past); `campaign_id`: a campaign's block.
CREATE TABLE videos (
    id               INTEGER PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    title_fr         TEXT NOT NULL DEFAULT '' CHECK (length(title_fr) <= 200),
    description      TEXT NOT NULL DEFAULT '',
    description_fr   TEXT NOT NULL DEFAULT '',
    transcript       TEXT NOT NULL CHECK (length(transcript) >= 1),
    transcript_fr    TEXT NOT NULL DEFAULT '',
    duration_seconds INTEGER NOT NULL DEFAULT 0 CHECK (duration_seconds BETWEEN 0 AND 86400),
    url              TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 500),
    captions_url     TEXT NOT NULL DEFAULT '',       -- a WebVTT file on this site (a resource)
    event_id         INTEGER REFERENCES events(id) ON DELETE SET NULL,
    campaign_id      INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    image_id         INTEGER REFERENCES media(id) ON DELETE SET NULL,
    state            TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    published_at     TEXT,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX videos_by_state ON videos (state, published_at);
CREATE INDEX videos_by_event ON videos (event_id);
CREATE INDEX videos_by_campaign ON videos (campaign_id);

CREATE TRIGGER videos_search_insert AFTER INSERT ON videos BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 8, 'video', NEW.id, NEW.campaign_id, '/videos/' || NEW.id, NEW.title, NEW.title_fr, NEW.description || ' ' || NEW.transcript, NEW.description_fr || ' ' || NEW.transcript_fr, coalesce(NEW.published_at, '')
    WHERE NEW.state = 'published';
END;
CREATE TRIGGER videos_search_update AFTER UPDATE OF title, title_fr, description, description_fr, transcript, transcript_fr, state, published_at, campaign_id ON videos BEGIN
    DELETE FROM search_entries WHERE kind = 'video' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 8, 'video', NEW.id, NEW.campaign_id, '/videos/' || NEW.id, NEW.title, NEW.title_fr, NEW.description || ' ' || NEW.transcript, NEW.description_fr || ' ' || NEW.transcript_fr, coalesce(NEW.published_at, '')
    WHERE NEW.state = 'published';
END;
CREATE TRIGGER videos_search_delete AFTER DELETE ON videos BEGIN
    DELETE FROM search_entries WHERE kind = 'video' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 8, 'video', x.id, x.campaign_id, '/videos/' || x.id, x.title, x.title_fr, x.description || ' ' || x.transcript, x.description_fr || ' ' || x.transcript_fr, coalesce(x.published_at, '') FROM videos AS x WHERE x.state = 'published';
