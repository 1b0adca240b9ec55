-- An RSVP holds a place only once its owner confirms the address by a mailed button:
-- until then it waits here, holding nothing (invented addresses fill no event), and goes
-- after events.rsvp_confirm_hours if never confirmed. Confirming moves it into rsvps, with
-- a place if one is left, else on the waiting list.
CREATE TABLE rsvp_requests (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    consent_updates INTEGER NOT NULL DEFAULT 0 CHECK (consent_updates = 0 OR consent_updates = 1),
    language        TEXT NOT NULL DEFAULT 'en',
    mails_sent      INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    UNIQUE (event_id, email)
);
CREATE INDEX rsvp_requests_by_time ON rsvp_requests (created_at);
