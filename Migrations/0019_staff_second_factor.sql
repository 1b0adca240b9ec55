-- Staff sign-in's second factor: a key shared with an authenticator app (RFC 6238 codes),
-- one-use recovery codes for a lost phone, and the short step between the password and
-- the code.
ALTER TABLE users ADD COLUMN totp_key BLOB;                          -- set once a code from the app confirmed it
ALTER TABLE users ADD COLUMN totp_pending_key BLOB;                  -- a key being set up, not yet confirmed
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;  -- the newest 30-second step used: a code works once

CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,                 -- SHA-256 of the code; the code itself is shown once
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

-- A password accepted, the code not yet: the browser holds the token (its hash here) for a
-- few minutes, and a few tries.
CREATE TABLE sign_in_challenges (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX sign_in_challenges_by_user ON sign_in_challenges (user_id);
