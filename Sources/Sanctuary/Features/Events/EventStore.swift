import SQLite

public struct EventSummary: Sendable, RowDecodable {
    public let id: Int64
    public let slug: String
    public let title: Bilingual
    public let summary: Bilingual
    public let startsAt: String
    public let endsAt: String?
    public let timeZone: String
    public let venue: Bilingual
    public let state: EventState

    static let columns = "id, slug, title, title_fr, summary, summary_fr, starts_at, ends_at, time_zone, venue, venue_fr, state"
}

public struct Event: Sendable {
    public let summary: EventSummary
    public let body: Bilingual
    public let address: String
    public let onlineURL: String
    public let moderator: String
    public let rsvpEnabled: Bool
    public let capacity: Int?
    public let rsvpDeadline: String?
    public let rsvpCount: Int
    public let waitlistCount: Int
    public let updatedAt: String
    public var speakers: [(name: String, bio: Bilingual)] = []
    public var links: [(label: Bilingual, url: String)] = []

    init(_ row: Row) throws {
        summary = try EventSummary(row)
        body = try row.bilingual("body")
        address = try row.get("address")
        onlineURL = try row.get("online_url")
        moderator = try row.get("moderator")
        rsvpEnabled = try row.get("rsvp_enabled")
        capacity = try row.optional("capacity")
        rsvpDeadline = try row.optional("rsvp_deadline")
        rsvpCount = try row.get("rsvp_count")
        waitlistCount = try row.get("waitlist_count")
        updatedAt = try row.get("updated_at")
    }

    /// Whether the RSVP form is open at `now`.
    public func takesRSVPs(at now: String = Timestamp.now()) -> Bool {
        rsvpEnabled && summary.state == .published && (rsvpDeadline.map { $0 > now } ?? true) && summary.startsAt > now
    }

    public var placesLeft: Int? { capacity.map { max(0, $0 - rsvpCount) } }
}

/// Reading events and taking RSVPs.
public enum EventStore {
    /// An event's RSVPs for the export, in the order they came. Bound: the event's id.
    static let rsvpsExportSQL = "SELECT created_at, name, email, status, note, consent_updates FROM rsvps WHERE event_id = ? ORDER BY id"

    /// An event's slug by id (any state; for staff screens).
    public static func slug(_ db: Connection, id: Int64) throws -> String? {
        try db.scalar("SELECT slug FROM events WHERE id = ?", id, as: String.self)
    }

    /// The ten latest events that are not drafts: title, places taken, waiting list (the dashboard).
    public static func recentRSVPCounts(_ db: Connection) throws -> [(title: String, confirmed: Int, waitlist: Int)] {
        try db.query("SELECT slug, title, rsvp_count, waitlist_count FROM events WHERE state != 'draft' ORDER BY starts_at DESC LIMIT 10") {
            (try $0.get("title", as: String.self), try $0.get("rsvp_count", as: Int.self), try $0.get("waitlist_count", as: Int.self))
        }
    }

    static let visible = "state IN ('published', 'cancelled')"

    public static func upcoming(_ connection: Connection, limit: Int = 200, now: String = Timestamp.now()) throws -> [EventSummary] {
        try connection.query(
            """
            SELECT \(EventSummary.columns) FROM events
            WHERE \(visible) AND coalesce(ends_at, starts_at) >= ? ORDER BY starts_at, id LIMIT ?
            """, now, limit, row: EventSummary.init)
    }

    public static func past(_ connection: Connection, limit: Int = 200, now: String = Timestamp.now()) throws -> [EventSummary] {
        try connection.query(
            """
            SELECT \(EventSummary.columns) FROM events
            WHERE \(visible) AND coalesce(ends_at, starts_at) < ? ORDER BY starts_at DESC, id DESC LIMIT ?
            """, now, limit, row: EventSummary.init)
    }

    public static func find(_ connection: Connection, slug: String) throws -> Event? {
        guard
            var event = try connection.first(
                """
                SELECT \(EventSummary.columns), body, body_fr, address, online_url, moderator, rsvp_enabled, capacity, rsvp_deadline,
                       rsvp_count, waitlist_count, updated_at
                FROM events WHERE slug = ? AND \(visible)
                """, slug, row: Event.init)
        else { return nil }
        event.speakers = try connection.query(
            "SELECT name, bio, bio_fr FROM event_speakers WHERE event_id = ? ORDER BY position, id", event.summary.id
        ) {
            (try $0.get("name", as: String.self), try $0.bilingual("bio"))
        }
        event.links = try connection.query(
            "SELECT label, label_fr, url FROM event_links WHERE event_id = ? ORDER BY position, id", event.summary.id
        ) {
            (try $0.bilingual("label"), try $0.get("url", as: String.self))
        }
        return event
    }

    public enum RSVPOutcome: Sendable, Equatable {
        case confirmed
        case waitlisted
        case already(RSVPStatus)
    }

    /// Records an RSVP (on the writer): a place while there is one, else the waiting list.
    /// The same e-mail twice is one RSVP; the database's unique constraint decides.
    public static func rsvp(
        _ connection: Connection, eventID: Int64, name: String, email: String, note: String,
        consent: Bool, now: String = Timestamp.now()
    ) throws -> RSVPOutcome {
        if let existing = try connection.scalar(
            "SELECT status FROM rsvps WHERE event_id = ? AND email = ?", eventID, email, as: RSVPStatus.self)
        {
            return .already(existing)
        }
        let full =
            try connection.scalar(
                """
                SELECT capacity IS NOT NULL AND rsvp_count >= capacity FROM events WHERE id = ?
                """, eventID, as: Int.self) == 1
        let status: RSVPStatus = full ? .waitlist : .confirmed
        try connection.run(
            """
            INSERT INTO rsvps (event_id, name, email, note, status, consent_updates, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, eventID, name, email, note, status, consent, now)
        try connection.run(
            full
                ? "UPDATE events SET waitlist_count = waitlist_count + 1 WHERE id = ?"
                : "UPDATE events SET rsvp_count = rsvp_count + 1 WHERE id = ?", eventID)
        return full ? .waitlisted : .confirmed
    }
}
