-- A supporter may ask for their own data, or to be forgotten, by a mailed link like the
-- others: one more purpose, written into the CHECK's text as 0014 did.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'OR purpose = ''story'')', 'OR purpose = ''story'' OR purpose = ''privacy'')')
 WHERE type = 'table' AND name = 'mail_tokens';
PRAGMA writable_schema = RESET;

-- The keys of the keyed hashes stored for client addresses (`client_hash`): a random one per
-- UTC day, made a day ahead and deleted the day after, so that hashes of two days cannot be
-- joined and no lasting key can undo one.
CREATE TABLE client_hash_keys (
    day TEXT PRIMARY KEY,                       -- 'YYYY-MM-DD'
    key BLOB NOT NULL
);
