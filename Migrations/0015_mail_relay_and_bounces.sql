-- Mail that survives a bad relay. A failure the relay causes (connection, AUTH, MAIL FROM,
-- DATA) pauses sending and is said here, once, for staff; bounces are kept one per event,
-- so soft ones (a full mailbox, a policy refusal) suppress an address only when several
-- come within a window, and hard ones (no such mailbox) at once.

-- The relay's state: one row, written when a session fails and when sending recovers.
CREATE TABLE mail_relay_status (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    failing_since   TEXT,                          -- NULL: the relay works (or was never tried)
    last_failure_at TEXT,
    last_reply      TEXT NOT NULL DEFAULT '',      -- the command and the server's whole reply
    failures        INTEGER NOT NULL DEFAULT 0,    -- in a row, since failing_since
    next_try_at     TEXT,
    recovered_at    TEXT
);

-- Every bounce and complaint, from an SMTP reply or a report piped to `sanctuary mail bounce`.
CREATE TABLE mail_bounces (
    id         INTEGER PRIMARY KEY,
    address    TEXT NOT NULL,                      -- case-folded
    kind       TEXT NOT NULL CHECK (kind = 'hard' OR kind = 'soft' OR kind = 'complaint'),
    source     TEXT NOT NULL CHECK (source = 'smtp' OR source = 'dsn' OR source = 'arf'),
    detail     TEXT NOT NULL DEFAULT '',           -- the reply or diagnostic, as the server wrote it
    outbox_id  INTEGER,                            -- the message it answers, while it is kept
    created_at TEXT NOT NULL
);
CREATE INDEX mail_bounces_by_address ON mail_bounces (address, created_at);
CREATE INDEX mail_bounces_by_time ON mail_bounces (created_at);

-- Why an address is skipped, and since when, for the suppressions screen: 'hard', 'soft'
-- (the threshold was met), 'complaint', or 'staff'.
ALTER TABLE mail_addresses ADD COLUMN suppression TEXT NOT NULL DEFAULT '';
UPDATE mail_addresses SET suppression = 'hard' WHERE undeliverable_at IS NOT NULL;
CREATE INDEX mail_addresses_suppressed ON mail_addresses (undeliverable_at) WHERE undeliverable_at IS NOT NULL;

-- Mail about letters follows letters.retention_days, sent or not: found by age without
-- reading the whole outbox (the index holds letter mail only).
CREATE INDEX outbox_letters ON outbox (created_at) WHERE kind >= 'letter.' AND kind < 'letter/';
