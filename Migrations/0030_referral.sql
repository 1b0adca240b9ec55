-- Where the visitor came from, as their link said (`?source=`, or `utm_source` and
-- `utm_campaign`), kept with what they did: a short label, never a URL ('' for none).
ALTER TABLE signatures ADD COLUMN referral TEXT NOT NULL DEFAULT '';
ALTER TABLE rsvp_requests ADD COLUMN referral TEXT NOT NULL DEFAULT '';
ALTER TABLE rsvps ADD COLUMN referral TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN referral TEXT NOT NULL DEFAULT '';
ALTER TABLE stories ADD COLUMN referral TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN referral TEXT NOT NULL DEFAULT '';
