-- Search (`/search`): one row per public item in `search_entries`, kept by triggers on each
-- content table in the same transaction as the change (an item leaves when it is unpublished
-- or deleted), and an FTS5 index over it that folds case and accents ("refugie" finds
-- "réfugié"). `visible_from`: news waits for its publication time; '' is visible now.
-- English text in `title`/`body`, French in `title_fr`/`body_fr` (a resource or story in
-- one language fills that language's pair).
-- `id` is `item_id * 16` plus the kind's number (news 1, event 2, petition 3, campaign 4,
-- page 5, resource 6, story 7, video 8, pledge 9), set by the triggers and never drawn from a
-- sequence: an insert that fires them still reads its own id back (PostgreSQL's `lastval()`).
CREATE TABLE search_entries (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    item_id      INTEGER NOT NULL,
    campaign_id  INTEGER,
    path         TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    title_fr     TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    body_fr      TEXT NOT NULL DEFAULT '',
    visible_from TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, item_id)
);
CREATE INDEX search_entries_by_campaign ON search_entries (campaign_id);
-- `facets` (in the index only) holds a word for the kind and one for the campaign
-- ("kindnews campaign3"), so that a filter is part of the match and a count stops early.
CREATE VIRTUAL TABLE search_index USING fts5(
    title, title_fr, body, body_fr, facets,
    content = 'search_entries', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '3'
);
CREATE TRIGGER search_entries_index AFTER INSERT ON search_entries BEGIN
    INSERT INTO search_index (rowid, title, title_fr, body, body_fr, facets)
    VALUES (NEW.id, NEW.title, NEW.title_fr, NEW.body, NEW.body_fr, 'kind' || NEW.kind || ' campaign' || coalesce(NEW.campaign_id, 0));
END;
CREATE TRIGGER search_entries_unindex AFTER DELETE ON search_entries BEGIN
    INSERT INTO search_index (search_index, rowid, title, title_fr, body, body_fr, facets)
    VALUES ('delete', OLD.id, OLD.title, OLD.title_fr, OLD.body, OLD.body_fr, 'kind' || OLD.kind || ' campaign' || coalesce(OLD.campaign_id, 0));
END;

CREATE TRIGGER news_search_insert AFTER INSERT ON news BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 1, 'news', NEW.id, NEW.campaign_id, '/news/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.body_fr, coalesce(NEW.published_at, '9999')
    WHERE NEW.state = 'published';
END;
CREATE TRIGGER news_search_update AFTER UPDATE OF slug, title, title_fr, summary, summary_fr, body, body_fr, state, published_at, campaign_id ON news BEGIN
    DELETE FROM search_entries WHERE kind = 'news' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 1, 'news', NEW.id, NEW.campaign_id, '/news/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.body_fr, coalesce(NEW.published_at, '9999')
    WHERE NEW.state = 'published';
END;
CREATE TRIGGER news_search_delete AFTER DELETE ON news BEGIN
    DELETE FROM search_entries WHERE kind = 'news' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 1, 'news', x.id, x.campaign_id, '/news/' || x.slug, x.title, x.title_fr, x.summary || ' ' || x.body, x.summary_fr || ' ' || x.body_fr, coalesce(x.published_at, '9999') FROM news AS x WHERE x.state = 'published';

CREATE TRIGGER events_search_insert AFTER INSERT ON events BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 2, 'event', NEW.id, NEW.campaign_id, '/events/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.venue || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.venue_fr || ' ' || NEW.body_fr, ''
    WHERE NEW.state IN ('published', 'cancelled');
END;
CREATE TRIGGER events_search_update AFTER UPDATE OF slug, title, title_fr, summary, summary_fr, body, body_fr, venue, venue_fr, state, campaign_id ON events BEGIN
    DELETE FROM search_entries WHERE kind = 'event' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 2, 'event', NEW.id, NEW.campaign_id, '/events/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.venue || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.venue_fr || ' ' || NEW.body_fr, ''
    WHERE NEW.state IN ('published', 'cancelled');
END;
CREATE TRIGGER events_search_delete AFTER DELETE ON events BEGIN
    DELETE FROM search_entries WHERE kind = 'event' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 2, 'event', x.id, x.campaign_id, '/events/' || x.slug, x.title, x.title_fr, x.summary || ' ' || x.venue || ' ' || x.body, x.summary_fr || ' ' || x.venue_fr || ' ' || x.body_fr, '' FROM events AS x WHERE x.state IN ('published', 'cancelled');

CREATE TRIGGER petitions_search_insert AFTER INSERT ON petitions BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 3, 'petition', NEW.id, NEW.campaign_id, '/petitions/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.target || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.target_fr || ' ' || NEW.body_fr, ''
    WHERE NEW.state <> 'draft';
END;
CREATE TRIGGER petitions_search_update AFTER UPDATE OF slug, title, title_fr, summary, summary_fr, body, body_fr, target, target_fr, state, campaign_id ON petitions BEGIN
    DELETE FROM search_entries WHERE kind = 'petition' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 3, 'petition', NEW.id, NEW.campaign_id, '/petitions/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.target || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.target_fr || ' ' || NEW.body_fr, ''
    WHERE NEW.state <> 'draft';
END;
CREATE TRIGGER petitions_search_delete AFTER DELETE ON petitions BEGIN
    DELETE FROM search_entries WHERE kind = 'petition' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 3, 'petition', x.id, x.campaign_id, '/petitions/' || x.slug, x.title, x.title_fr, x.summary || ' ' || x.target || ' ' || x.body, x.summary_fr || ' ' || x.target_fr || ' ' || x.body_fr, '' FROM petitions AS x WHERE x.state <> 'draft';

CREATE TRIGGER campaigns_search_insert AFTER INSERT ON campaigns BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 4, 'campaign', NEW.id, NEW.id, '/campaigns/' || NEW.slug, NEW.title, NEW.title_fr, NEW.tagline || ' ' || NEW.summary || ' ' || NEW.body || ' ' || NEW.asks, NEW.tagline_fr || ' ' || NEW.summary_fr || ' ' || NEW.body_fr || ' ' || NEW.asks_fr, ''
    WHERE NEW.state <> 'draft';
END;
CREATE TRIGGER campaigns_search_update AFTER UPDATE OF slug, title, title_fr, tagline, tagline_fr, summary, summary_fr, body, body_fr, asks, asks_fr, state ON campaigns BEGIN
    DELETE FROM search_entries WHERE kind = 'campaign' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 4, 'campaign', NEW.id, NEW.id, '/campaigns/' || NEW.slug, NEW.title, NEW.title_fr, NEW.tagline || ' ' || NEW.summary || ' ' || NEW.body || ' ' || NEW.asks, NEW.tagline_fr || ' ' || NEW.summary_fr || ' ' || NEW.body_fr || ' ' || NEW.asks_fr, ''
    WHERE NEW.state <> 'draft';
END;
CREATE TRIGGER campaigns_search_delete AFTER DELETE ON campaigns BEGIN
    DELETE FROM search_entries WHERE kind = 'campaign' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 4, 'campaign', x.id, x.id, '/campaigns/' || x.slug, x.title, x.title_fr, x.tagline || ' ' || x.summary || ' ' || x.body || ' ' || x.asks, x.tagline_fr || ' ' || x.summary_fr || ' ' || x.body_fr || ' ' || x.asks_fr, '' FROM campaigns AS x WHERE x.state <> 'draft';

CREATE TRIGGER pages_search_insert AFTER INSERT ON pages BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 5, 'page', NEW.id, NULL, '/pages/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.body_fr, ''
    WHERE NEW.state = 'published';
END;
CREATE TRIGGER pages_search_update AFTER UPDATE OF slug, title, title_fr, summary, summary_fr, body, body_fr, state ON pages BEGIN
    DELETE FROM search_entries WHERE kind = 'page' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 5, 'page', NEW.id, NULL, '/pages/' || NEW.slug, NEW.title, NEW.title_fr, NEW.summary || ' ' || NEW.body, NEW.summary_fr || ' ' || NEW.body_fr, ''
    WHERE NEW.state = 'published';
END;
CREATE TRIGGER pages_search_delete AFTER DELETE ON pages BEGIN
    DELETE FROM search_entries WHERE kind = 'page' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 5, 'page', x.id, NULL, '/pages/' || x.slug, x.title, x.title_fr, x.summary || ' ' || x.body, x.summary_fr || ' ' || x.body_fr, '' FROM pages AS x WHERE x.state = 'published';

CREATE TRIGGER resources_search_insert AFTER INSERT ON resources BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 6, 'resource', NEW.id, NEW.campaign_id, CASE WHEN NEW.kind = 'link' THEN NEW.url ELSE '/resources/' || NEW.id || '/' || NEW.filename END, CASE WHEN NEW.language = 'fr' THEN '' ELSE NEW.title END, CASE WHEN NEW.language = 'fr' THEN NEW.title ELSE '' END, CASE WHEN NEW.language = 'fr' THEN '' ELSE NEW.description END, CASE WHEN NEW.language = 'fr' THEN NEW.description ELSE '' END, ''
    WHERE 1 = 1;
END;
CREATE TRIGGER resources_search_update AFTER UPDATE OF title, description, language, kind, url, filename, campaign_id ON resources BEGIN
    DELETE FROM search_entries WHERE kind = 'resource' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 6, 'resource', NEW.id, NEW.campaign_id, CASE WHEN NEW.kind = 'link' THEN NEW.url ELSE '/resources/' || NEW.id || '/' || NEW.filename END, CASE WHEN NEW.language = 'fr' THEN '' ELSE NEW.title END, CASE WHEN NEW.language = 'fr' THEN NEW.title ELSE '' END, CASE WHEN NEW.language = 'fr' THEN '' ELSE NEW.description END, CASE WHEN NEW.language = 'fr' THEN NEW.description ELSE '' END, ''
    WHERE 1 = 1;
END;
CREATE TRIGGER resources_search_delete AFTER DELETE ON resources BEGIN
    DELETE FROM search_entries WHERE kind = 'resource' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 6, 'resource', x.id, x.campaign_id, CASE WHEN x.kind = 'link' THEN x.url ELSE '/resources/' || x.id || '/' || x.filename END, CASE WHEN x.language = 'fr' THEN '' ELSE x.title END, CASE WHEN x.language = 'fr' THEN x.title ELSE '' END, CASE WHEN x.language = 'fr' THEN '' ELSE x.description END, CASE WHEN x.language = 'fr' THEN x.description ELSE '' END, '' FROM resources AS x WHERE 1 = 1;

CREATE TRIGGER stories_search_insert AFTER INSERT ON stories BEGIN
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 7, 'story', NEW.id, NEW.campaign_id, '/stories/' || NEW.id, CASE WHEN NEW.language = 'fr' THEN '' ELSE NEW.title END, CASE WHEN NEW.language = 'fr' THEN NEW.title ELSE '' END, CASE WHEN NEW.language = 'fr' THEN '' ELSE NEW.body || ' ' || NEW.place END, CASE WHEN NEW.language = 'fr' THEN NEW.body || ' ' || NEW.place ELSE '' END, ''
    WHERE NEW.state = 'published' AND NEW.erased_at IS NULL;
END;
CREATE TRIGGER stories_search_update AFTER UPDATE OF title, body, language, place, state, erased_at, campaign_id ON stories BEGIN
    DELETE FROM search_entries WHERE kind = 'story' AND item_id = OLD.id;
    INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT NEW.id * 16 + 7, 'story', NEW.id, NEW.campaign_id, '/stories/' || NEW.id, CASE WHEN NEW.language = 'fr' THEN '' ELSE NEW.title END, CASE WHEN NEW.language = 'fr' THEN NEW.title ELSE '' END, CASE WHEN NEW.language = 'fr' THEN '' ELSE NEW.body || ' ' || NEW.place END, CASE WHEN NEW.language = 'fr' THEN NEW.body || ' ' || NEW.place ELSE '' END, ''
    WHERE NEW.state = 'published' AND NEW.erased_at IS NULL;
END;
CREATE TRIGGER stories_search_delete AFTER DELETE ON stories BEGIN
    DELETE FROM search_entries WHERE kind = 'story' AND item_id = OLD.id;
END;
INSERT INTO search_entries (id, kind, item_id, campaign_id, path, title, title_fr, body, body_fr, visible_from)
    SELECT x.id * 16 + 7, 'story', x.id, x.campaign_id, '/stories/' || x.id, CASE WHEN x.language = 'fr' THEN '' ELSE x.title END, CASE WHEN x.language = 'fr' THEN x.title ELSE '' END, CASE WHEN x.language = 'fr' THEN '' ELSE x.body || ' ' || x.place END, CASE WHEN x.language = 'fr' THEN x.body || ' ' || x.place ELSE '' END, '' FROM stories AS x WHERE x.state = 'published' AND x.erased_at IS NULL;
