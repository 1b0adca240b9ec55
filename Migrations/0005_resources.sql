-- Resources: files staff upload (toolkits, training kits) or external links (a video).

CREATE TABLE resources (
    id             INTEGER PRIMARY KEY,
    campaign_id    INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description    TEXT NOT NULL DEFAULT '',
    language       TEXT NOT NULL DEFAULT 'en',
    kind           TEXT NOT NULL CHECK (kind IN ('file', 'link')),
    url            TEXT NOT NULL DEFAULT '',      -- for links
    filename       TEXT NOT NULL DEFAULT '',      -- for files: the safe name shown in the address
    content_type   TEXT NOT NULL DEFAULT '',
    size           INTEGER NOT NULL DEFAULT 0,
    sha256         TEXT NOT NULL DEFAULT '',
    download_count INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
