-- An archived event leaves the site's lists, but its page and its registrants' links keep
-- working, marked archived (archiving used to make it a draft, breaking those links).
ALTER TABLE events ADD COLUMN archived_at TEXT;
-- Events archived before this were made drafts: those with registrations come back, archived.
UPDATE events SET state = 'published', archived_at = updated_at
WHERE state = 'draft' AND (rsvp_count > 0 OR waitlist_count > 0 OR EXISTS (SELECT 1 FROM rsvps WHERE rsvps.event_id = events.id));
