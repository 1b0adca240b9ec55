-- A signer may ask to be shown on the petition's page (first name, riding or province, and
-- the first 280 characters of their comment); staff may hide one (`hidden_at`).
ALTER TABLE signatures ADD COLUMN show_publicly INTEGER NOT NULL DEFAULT 0 CHECK (show_publicly IN (0, 1));
ALTER TABLE signatures ADD COLUMN hidden_at TEXT;
-- The petition page's "recent signers": a few entries at the end of this small index.
CREATE INDEX signatures_public ON signatures (petition_id, confirmed_at) WHERE show_publicly = 1;
