-- The tables every signature, RSVP and sent mail write to check their states with
-- comparisons instead of IN lists. SQLite builds a temporary b-tree for an IN list of three
-- or more constants each time a statement evaluates it: three per confirmation signature
-- (the outbox's state CHECK and outbox_by_recipient's WHERE, mail_tokens' purpose CHECK),
-- a sixth of its CPU. Comparisons joined by OR allow exactly the same values.
--
-- A CHECK that every row already meets is changed in the schema's text, as SQLite documents
-- for CHECK constraints ("Making Other Kinds Of Table Schema Changes"), not by copying the
-- tables: a busy site's outbox holds hundreds of megabytes of mail, and a copy took 20 s,
-- twice the disk, and (with secure_delete, which overwrites the old pages) 400 MB of memory
-- for 300,000 messages. Only the CHECK's words are replaced; the columns stay as they are.
-- RESET turns schema writing off and makes this connection read the new schema; the index
-- made again below changes the schema's version, so every other connection does too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (state IN (''waiting'', ''retrying'', ''sent'', ''failed''))',
                     'CHECK (state = ''waiting'' OR state = ''retrying'' OR state = ''sent'' OR state = ''failed'')')
 WHERE type = 'table' AND name = 'outbox';
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (outcome IN (''sent'', ''temporary'', ''permanent''))',
                     'CHECK (outcome = ''sent'' OR outcome = ''temporary'' OR outcome = ''permanent'')')
 WHERE type = 'table' AND name = 'outbox_attempts';
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (purpose IN (''signature'', ''rsvp'', ''subscribe'', ''invite'', ''reset'', ''letter''))',
                     'CHECK (purpose = ''signature'' OR purpose = ''rsvp'' OR purpose = ''subscribe'' OR purpose = ''invite'' OR purpose = ''reset'' OR purpose = ''letter'')')
 WHERE type = 'table' AND name = 'mail_tokens';
PRAGMA writable_schema = RESET;

-- Queries name these kinds in the same words (`OutboxStore.recentCount`), so SQLite sees that
-- the index covers them.
DROP INDEX outbox_by_recipient;
CREATE INDEX outbox_by_recipient ON outbox (recipient, kind, created_at)
    WHERE kind = 'subscribe.confirm' OR kind = 'subscribe.already' OR kind = 'staff.reset';
