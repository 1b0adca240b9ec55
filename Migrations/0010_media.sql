-- Pictures for campaigns, petitions, news and events. An upload is decoded and encoded
-- again (nothing but pixels survives: no EXIF, GPS, XMP); its copies live in
-- {data}/media/{id}/ as `{name}-{width}.{ext}` and `{name}-share.jpg` (1200×630), served
-- at /media/{id}/… as immutable files: a new picture is a new id.
CREATE TABLE media (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,                              -- a safe file stem from the upload's name
    format       TEXT NOT NULL CHECK (format IN ('jpeg', 'png')),
    widths       TEXT NOT NULL,                              -- the copies kept, smallest first: '480,960,1600'
    width        INTEGER NOT NULL CHECK (width > 0),         -- of the largest copy
    height       INTEGER NOT NULL CHECK (height > 0),
    share_width  INTEGER NOT NULL CHECK (share_width > 0),   -- of the share card
    share_height INTEGER NOT NULL CHECK (share_height > 0),
    alt          TEXT NOT NULL CHECK (length(alt) BETWEEN 1 AND 250),
    alt_fr       TEXT NOT NULL DEFAULT '',
    caption      TEXT NOT NULL DEFAULT '',
    caption_fr   TEXT NOT NULL DEFAULT '',
    credit       TEXT NOT NULL DEFAULT '',
    bytes        INTEGER NOT NULL DEFAULT 0,                 -- of every copy together
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);

ALTER TABLE campaigns ADD COLUMN image_id INTEGER REFERENCES media(id) ON DELETE SET NULL;
ALTER TABLE petitions ADD COLUMN image_id INTEGER REFERENCES media(id) ON DELETE SET NULL;
ALTER TABLE news ADD COLUMN image_id INTEGER REFERENCES media(id) ON DELETE SET NULL;
ALTER TABLE events ADD COLUMN image_id INTEGER REFERENCES media(id) ON DELETE SET NULL;
