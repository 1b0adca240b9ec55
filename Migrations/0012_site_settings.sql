-- The site's own settings, edited by admins at /admin/settings: one row. Empty texts mean
-- "as configured" (site_name in Config/sanctuary.json, the tagline in the catalogues).
CREATE TABLE site_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    title      TEXT NOT NULL DEFAULT '',        -- the site's name
    tagline    TEXT NOT NULL DEFAULT '',
    tagline_fr TEXT NOT NULL DEFAULT '',
    accent     TEXT NOT NULL DEFAULT '',        -- '#rrggbb', or '' for the default blue
    image_id   INTEGER REFERENCES media(id) ON DELETE SET NULL,   -- the default share card
    logo_id    INTEGER REFERENCES media(id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO site_settings (id) VALUES (1);
