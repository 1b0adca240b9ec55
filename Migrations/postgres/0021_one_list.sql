-- One list: a "send me updates" ticked on a petition or an event's registration joins the
-- subscribers once its address is confirmed (the campaign's list, which "everyone" counts
-- too), with its consent kept as for a sign-up. Those ticked before this are brought in here.
INSERT INTO subscribers (email, name, postal_code, campaign_id, consent_text, consented_at, language, confirmed_at, source)
SELECT s.email, s.first_name || ' ' || s.last_name, s.postal_code, p.campaign_id,
       CASE WHEN s.language = 'fr'
            THEN 'Oui, envoyez-moi des nouvelles de cette campagne. Je peux me désabonner à tout moment.'
            ELSE 'Yes, send me updates about this campaign. I can unsubscribe at any time.' END,
       s.created_at, CASE WHEN s.language = 'fr' THEN 'fr' ELSE 'en' END, s.confirmed_at, 'petition:' || p.slug
FROM signatures s JOIN petitions p ON p.id = s.petition_id
WHERE s.consent_updates = 1 AND s.confirmed_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM mail_addresses m WHERE m.address = s.email AND m.unsubscribed_at IS NOT NULL)
ORDER BY s.id
ON CONFLICT DO NOTHING;

INSERT INTO subscribers (email, name, postal_code, campaign_id, consent_text, consented_at, language, confirmed_at, source)
SELECT r.email, r.name, '', e.campaign_id,
       CASE WHEN r.language = 'fr'
            THEN 'Oui, envoyez-moi des nouvelles de cette campagne. Je peux me désabonner à tout moment.'
            ELSE 'Yes, send me updates about this campaign. I can unsubscribe at any time.' END,
       r.created_at, CASE WHEN r.language = 'fr' THEN 'fr' ELSE 'en' END, r.created_at, 'event:' || e.slug
FROM rsvps r JOIN events e ON e.id = r.event_id
WHERE r.consent_updates = 1
  AND NOT EXISTS (SELECT 1 FROM mail_addresses m WHERE m.address = r.email AND m.unsubscribed_at IS NOT NULL)
ORDER BY r.id
ON CONFLICT DO NOTHING;
