-- A supporter may ask for their own data, or to be forgotten, by a mailed link like the
-- others: one more purpose.
ALTER TABLE mail_tokens DROP CONSTRAINT mail_tokens_purpose_check;
ALTER TABLE mail_tokens ADD CONSTRAINT mail_tokens_purpose_check
    CHECK (purpose = 'signature' OR purpose = 'rsvp' OR purpose = 'subscribe' OR purpose = 'invite' OR purpose = 'reset' OR purpose = 'letter' OR purpose = 'story' OR purpose = 'privacy');

-- The keys of the keyed hashes stored for client addresses (`client_hash`): a random one per
-- UTC day, made a day ahead and deleted the day after, so that hashes of two days cannot be
-- joined and no lasting key can undo one.
CREATE TABLE client_hash_keys (
    day TEXT PRIMARY KEY,                       -- 'YYYY-MM-DD'
    key BYTEA NOT NULL
);
