-- Pages staff write (About, Privacy policy…), in English and French, at /pages/{slug} and
-- linked from every page's footer in `position` order.
CREATE TABLE pages (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL CHECK (length(title) >= 1),
    title_fr   TEXT NOT NULL DEFAULT '',
    summary    TEXT NOT NULL DEFAULT '',
    summary_fr TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',   -- Markdown
    body_fr    TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
