-- The organisation's postal address, printed at the foot of every mailing (Canada's
-- anti-spam law asks commercial messages for one): set by admins, required before a
-- mailing can be sent.
ALTER TABLE site_settings ADD COLUMN postal_address TEXT NOT NULL DEFAULT '';
