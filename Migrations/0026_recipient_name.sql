-- A mailing's recipient's name as its audience knows it (a subscriber's, a signer's first
-- name, an attendee's), for the {{first_name}} merge field; empty for every other message.
ALTER TABLE outbox ADD COLUMN recipient_name TEXT NOT NULL DEFAULT '';
