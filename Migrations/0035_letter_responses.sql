-- Representatives' responses: two weeks after a letter went (sent by the site, or made for
-- the writer to send), its writer is asked once whether the recipient replied
-- (`letters.follow_up_at`). Each answer is a row of `letter_responses` that holds no
-- writer's details (so it outlives the letter's retention): the campaign, the riding, who
-- was written to, the reply and, only with the writer's consent, what they said. Staff may
-- record a reply they received (`source` = 'staff').
ALTER TABLE letters ADD COLUMN follow_up_at TEXT;
CREATE INDEX letters_follow_up ON letters (created_at) WHERE follow_up_at IS NULL;

CREATE TABLE letter_responses (
    id             INTEGER PRIMARY KEY,
    campaign_id    INTEGER NOT NULL REFERENCES letter_campaigns(id) ON DELETE CASCADE,
    riding_code    TEXT NOT NULL DEFAULT '',
    recipient_name TEXT NOT NULL DEFAULT '',
    reply          TEXT NOT NULL DEFAULT 'unknown' CHECK (reply IN ('unknown', 'yes', 'no', 'not_sent')),
    said           TEXT NOT NULL DEFAULT '' CHECK (length(said) <= 5000),
    quote_consent  INTEGER NOT NULL DEFAULT 0 CHECK (quote_consent IN (0, 1)),
    source         TEXT NOT NULL DEFAULT 'writer' CHECK (source IN ('writer', 'staff')),
    language       TEXT NOT NULL DEFAULT 'en',
    asked_at       TEXT,
    answered_at    TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX letter_responses_by_riding ON letter_responses (campaign_id, riding_code);

-- The follow-up's link is a mailed link like the others: one more purpose, written into the
-- CHECK's text as 0014 did (every row already meets it).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'OR purpose = ''pledge'')', 'OR purpose = ''pledge'' OR purpose = ''response'')')
 WHERE type = 'table' AND name = 'mail_tokens';
PRAGMA writable_schema = RESET;
