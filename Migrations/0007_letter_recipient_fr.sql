-- A named recipient in French too ("Le ministre de l'Immigration…", "Chambre des communes"),
-- so a French letter does not open "Bonjour The Minister of …". Empty: the English is used.

ALTER TABLE letter_campaigns ADD COLUMN recipient_name_fr TEXT NOT NULL DEFAULT '';
ALTER TABLE letter_campaigns ADD COLUMN recipient_address_fr TEXT NOT NULL DEFAULT '';
