-- E-mail: the outbox every message goes through, the one-time links mail carries, and
-- signatures, RSVPs and subscriptions that wait for their owner's confirmation.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,                 -- 'signature.confirm', 'rsvp.confirmed', …
    priority        INTEGER NOT NULL DEFAULT 0,    -- 0 transactional, 1 bulk: lower goes first
    recipient       TEXT NOT NULL,                 -- the envelope address
    subject         TEXT NOT NULL,
    message         TEXT NOT NULL,                 -- the whole RFC 5322 message, as it will be sent
    state           TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'retrying', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
-- What the sender takes next: only unsent messages are in this index.
CREATE INDEX outbox_due ON outbox (priority, next_attempt_at, id) WHERE state IN ('waiting', 'retrying');
-- Caps on repeated sign-up and password mails to one address. Partial: the mail every
-- signature causes stays out of it, so a signing burst does not write into a random
-- place of this index for each signature.
CREATE INDEX outbox_by_recipient ON outbox (recipient, kind, created_at)
    WHERE kind IN ('subscribe.confirm', 'subscribe.already', 'staff.reset');

CREATE TABLE outbox_attempts (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    attempted_at TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('sent', 'temporary', 'permanent')),
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_by_message ON outbox_attempts (outbox_id, id);

-- Links in mail that act (confirm, cancel, join, reset): random, single use, stored hashed.
CREATE TABLE mail_tokens (
    token_hash BLOB PRIMARY KEY,                   -- SHA-256 of the token in the link
    purpose    TEXT NOT NULL CHECK (purpose IN ('signature', 'rsvp', 'subscribe', 'invite', 'reset')),
    subject_id INTEGER,                            -- the signature, RSVP or account it acts on
    payload    TEXT NOT NULL DEFAULT '',           -- JSON: what a subscription or invitation will create
    expires_at TEXT NOT NULL,
    used_at    TEXT
) WITHOUT ROWID;
CREATE INDEX mail_tokens_by_subject ON mail_tokens (purpose, subject_id);

-- A signature counts once confirmed; the ones already here were counted when made.
ALTER TABLE signatures ADD COLUMN confirmed_at TEXT;
ALTER TABLE signatures ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE signatures ADD COLUMN mails_sent INTEGER NOT NULL DEFAULT 0;
UPDATE signatures SET confirmed_at = created_at;

ALTER TABLE rsvps ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE rsvps ADD COLUMN mails_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rsvps ADD COLUMN reminded_at TEXT;

-- Double opt-in: a subscription counts from its confirmation.
ALTER TABLE subscribers ADD COLUMN confirmed_at TEXT;
UPDATE subscribers SET confirmed_at = consented_at;
