-- Staff work: the audit log, and one-time links to create the first admin account.

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    actor      TEXT NOT NULL DEFAULT '',       -- the e-mail at the time, kept if the account goes
    action     TEXT NOT NULL,                  -- 'login', 'logout', 'export', 'create', …
    subject    TEXT NOT NULL DEFAULT '',       -- what it was done to, e.g. 'petition 3'
    detail     TEXT NOT NULL DEFAULT '',
    client_hash TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX audit_log_by_time ON audit_log (created_at);

CREATE TABLE setup_tokens (
    token_hash BLOB PRIMARY KEY,               -- SHA-256 of the token in the link
    expires_at TEXT NOT NULL,
    used_at    TEXT
) WITHOUT ROWID;

-- Signatures per petition per day (UTC), maintained with each signature, for the
-- dashboard's chart without scanning the signatures table.
CREATE TABLE petition_daily_counts (
    petition_id INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,                 -- 'YYYY-MM-DD'
    count       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (petition_id, day)
) WITHOUT ROWID;
INSERT INTO petition_daily_counts (petition_id, day, count)
    SELECT petition_id, substr(created_at, 1, 10), count(*) FROM signatures GROUP BY 1, 2;
