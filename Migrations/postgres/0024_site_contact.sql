-- How supporters reach the organisation, set by admins: the Reply-To of every mail (empty:
-- mail.reply_to, or none), a contact address, a donation page and social links (one URL a
-- line), shown at the foot of every page.
ALTER TABLE site_settings ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN donate_url TEXT NOT NULL DEFAULT '';
ALTER TABLE site_settings ADD COLUMN social_links TEXT NOT NULL DEFAULT '';
