-- The tables every signature, RSVP and sent mail write to check their states with
-- comparisons instead of IN lists. SQLite builds a temporary b-tree for an IN list of three
-- or more constants each time a statement that evaluates it runs: three per confirmation
-- signature (the outbox's state CHECK and outbox_by_recipient's WHERE, mail_tokens' purpose
-- CHECK), a sixth of its CPU. Comparisons joined by OR allow exactly the same values.
-- SQLite changes a CHECK by rebuilding the table; the migrator turns foreign keys off while a
-- migration runs, so dropping the old outbox leaves its attempts alone, and checks them after.

CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,                 -- 'signature.confirm', 'rsvp.confirmed', …
    priority        INTEGER NOT NULL DEFAULT 0,    -- 0 transactional, 1 bulk: lower goes first
    recipient       TEXT NOT NULL,                 -- the envelope address
    subject         TEXT NOT NULL,
    message         TEXT NOT NULL,                 -- the whole RFC 5322 message, as it will be sent
    state           TEXT NOT NULL DEFAULT 'waiting'
                    CHECK (state = 'waiting' OR state = 'retrying' OR state = 'sent' OR state = 'failed'),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    mailing_id      INTEGER REFERENCES mailings(id) ON DELETE SET NULL,
    language        TEXT NOT NULL DEFAULT 'en'
);
INSERT INTO outbox_new (id, kind, priority, recipient, subject, message, state, attempts, next_attempt_at, last_error,
                        created_at, sent_at, mailing_id, language)
    SELECT id, kind, priority, recipient, subject, message, state, attempts, next_attempt_at, last_error,
           created_at, sent_at, mailing_id, language FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (priority, next_attempt_at, id) WHERE state IN ('waiting', 'retrying');
-- Queries name these kinds in the same words (`OutboxStore.recentCount`), so SQLite sees that
-- the index covers them.
CREATE INDEX outbox_by_recipient ON outbox (recipient, kind, created_at)
    WHERE kind = 'subscribe.confirm' OR kind = 'subscribe.already' OR kind = 'staff.reset';
CREATE INDEX outbox_by_mailing ON outbox (mailing_id, state) WHERE mailing_id IS NOT NULL;
CREATE INDEX outbox_done ON outbox (created_at) WHERE state IN ('sent', 'failed');
CREATE INDEX outbox_by_state ON outbox (state);

CREATE TABLE outbox_attempts_new (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    attempted_at TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome = 'sent' OR outcome = 'temporary' OR outcome = 'permanent'),
    detail       TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_attempts_new (id, outbox_id, attempted_at, outcome, detail)
    SELECT id, outbox_id, attempted_at, outcome, detail FROM outbox_attempts;
DROP TABLE outbox_attempts;
ALTER TABLE outbox_attempts_new RENAME TO outbox_attempts;
CREATE INDEX outbox_attempts_by_message ON outbox_attempts (outbox_id, id);

CREATE TABLE mail_tokens_new (
    token_hash BLOB PRIMARY KEY,
    purpose    TEXT NOT NULL
               CHECK (purpose = 'signature' OR purpose = 'rsvp' OR purpose = 'subscribe' OR purpose = 'invite'
                      OR purpose = 'reset' OR purpose = 'letter'),
    subject_id INTEGER,
    payload    TEXT NOT NULL DEFAULT '',
    expires_at TEXT NOT NULL,
    used_at    TEXT
) WITHOUT ROWID;
INSERT INTO mail_tokens_new (token_hash, purpose, subject_id, payload, expires_at, used_at)
    SELECT token_hash, purpose, subject_id, payload, expires_at, used_at FROM mail_tokens;
DROP TABLE mail_tokens;
ALTER TABLE mail_tokens_new RENAME TO mail_tokens;
CREATE INDEX mail_tokens_by_subject ON mail_tokens (purpose, subject_id);
CREATE INDEX mail_tokens_by_expiry ON mail_tokens (expires_at);
