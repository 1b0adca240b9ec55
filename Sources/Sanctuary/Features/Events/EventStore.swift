import Foundation
import Storage

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
    public let campaignID: Int64?
    /// Every place is taken: a registration now joins the waiting list.
    public let full: Bool

    static let expressions = ["full": "CASE WHEN capacity IS NOT NULL AND rsvp_count >= capacity THEN 1 ELSE 0 END"]
    static let columns = SelectList(of: EventSummary.self, expressions: expressions)
}

public struct Event: Sendable, RowDecodable {
    public let summary: EventSummary
    public let body: Bilingual
    public let address: String
    /// Whether it can be joined online. The join link itself is never read with the event
    /// (so no public page can show it): `EventStore.joinLink` reads it for registrants' mail.
    public let online: Bool
    public let moderator: String
    public let rsvpEnabled: Bool
    public let capacity: Int?
    public let rsvpDeadline: String?
    public let rsvpCount: Int
    public let waitlistCount: Int
    public let updatedAt: String
    /// Archived by staff: out of the lists, its page and links still working, marked so.
    public let archivedAt: String?
    /// Read after the row, from their own tables.
    public var speakers: [(name: String, bio: Bilingual)] = []
    public var links: [(label: Bilingual, url: String)] = []

    /// What the event's row holds (the speakers and links come from their own tables).
    enum CodingKeys: String, CodingKey {
        case summary, body, address, online, moderator, rsvpEnabled, capacity, rsvpDeadline, rsvpCount, waitlistCount, updatedAt,
            archivedAt
    }

    static let columns = SelectList(
        of: Event.self, expressions: EventSummary.expressions.merging(["online": "CASE WHEN online_url <> '' THEN 1 ELSE 0 END"]) { $1 })

    /// Whether the RSVP form is open at `now`.
    public func takesRSVPs(at now: String = Timestamp.now()) -> Bool {
        rsvpEnabled && summary.state == .published && archivedAt == nil && (rsvpDeadline.map { $0 > now } ?? true) && summary.startsAt > now
    }

    public var placesLeft: Int? { capacity.map { max(0, $0 - rsvpCount) } }
}

/// Reading events and taking RSVPs.
public enum EventStore {
    /// What anonymising leaves of a registration: its event, status and dates (the counts stay
    /// right); no name, address or note.
    public static let anonymised: [String: String] = ["name": "''", "email": "'erased-' || id || '@invalid'", "note": "''"]

    /// Registrations for events that ended before `endedBefore` that still name their registrant.
    static func namedAfterEnding(_ db: Connection, endedBefore: String) throws -> [Int64] {
        try db.query(
            """
            SELECT r.id FROM rsvps r JOIN events e ON e.id = r.event_id
            WHERE coalesce(e.ends_at, e.starts_at) < ? AND r.email NOT LIKE 'erased-%@invalid' ORDER BY r.id
            """, endedBefore
        ) { $0.int64(at: 0) }
    }

    /// These registrations anonymised; answers how many.
    static func anonymise(_ db: Connection, ids: [Int64]) throws -> Int {
        try PersonalDataStore.blank(db, table: "rsvps", anonymised, ids: ids, unless: "email LIKE 'erased-%@invalid'")
    }

    /// The link to join an online or hybrid event, for its confirmed registrants' mail only.
    public static func joinLink(_ db: Connection, eventID: Int64) throws -> String? {
        let link = try db.scalar("SELECT online_url FROM events WHERE id = ?", eventID, as: String.self) ?? ""
        return link.isEmpty ? nil : link
    }

    public static func upcoming(_ db: Connection, campaignID: Int64, now: String = Timestamp.now()) throws -> [EventSummary] {
        try db.query(
            """
            SELECT \(EventSummary.columns) FROM events WHERE campaign_id = ? AND state = ? AND archived_at IS NULL
              AND coalesce(ends_at, starts_at) >= ?
            ORDER BY starts_at
            """, campaignID, EventState.published, now, row: EventSummary.init)
    }

    /// An event's RSVPs for the export, in the order they came. Bound: the event's id.
    static let rsvpsExportSQL = "SELECT created_at, name, email, status, note, consent_updates FROM rsvps WHERE event_id = ? ORDER BY id"

    /// An event's slug by id (any state; for staff screens).
    public static func slug(_ db: Connection, id: Int64) throws -> String? {
        try db.scalar("SELECT slug FROM events WHERE id = ?", id, as: String.self)
    }

    /// The ten latest events that are not drafts: title, places taken, waiting list (the dashboard).
    public static func recentRSVPCounts(_ db: Connection) throws -> [(title: String, confirmed: Int, waitlist: Int)] {
        try db.query(
            "SELECT slug, title, rsvp_count, waitlist_count FROM events WHERE state != ? ORDER BY starts_at DESC LIMIT 10", EventState.draft
        ) {
            (try $0.get("title", as: String.self), try $0.get("rsvp_count", as: Int.self), try $0.get("waitlist_count", as: Int.self))
        }
    }

    static let visible = "state IN \(EventState.visible.sqlList)"

    public static func upcoming(_ connection: Connection, limit: Int = 200, now: String = Timestamp.now()) throws -> [EventSummary] {
        try connection.query(
            """
            SELECT \(EventSummary.columns) FROM events
            WHERE \(visible) AND archived_at IS NULL AND coalesce(ends_at, starts_at) >= ? ORDER BY starts_at, id LIMIT ?
            """, now, limit, row: EventSummary.init)
    }

    public static func past(_ connection: Connection, limit: Int = 200, now: String = Timestamp.now()) throws -> [EventSummary] {
        try connection.query(
            """
            SELECT \(EventSummary.columns) FROM events
            WHERE \(visible) AND archived_at IS NULL AND coalesce(ends_at, starts_at) < ? ORDER BY starts_at DESC, id DESC LIMIT ?
            """, now, limit, row: EventSummary.init)
    }

    public static func find(_ connection: Connection, slug: String) throws -> Event? {
        guard
            var event = try connection.first(
                """
                SELECT \(Event.columns) FROM events WHERE slug = ? AND \(visible)
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
        case confirmed(rsvpID: Int64)
        case waitlisted(rsvpID: Int64)
        /// The address had an RSVP already; `full`: a new one would go on the waiting list.
        case already(RSVPRecord, full: Bool)
    }

    /// Records an RSVP (on the writer): a place while there is one, else the waiting list.
    /// The same e-mail twice is one RSVP; the database's unique constraint decides.
    public static func rsvp(
        _ connection: Connection, eventID: Int64, name: String, email: String, note: String,
        consent: Bool, language: String, referral: String = "", now: String = Timestamp.now()
    ) throws -> RSVPOutcome {
        let full =
            try connection.scalar(
                """
                SELECT capacity IS NOT NULL AND rsvp_count >= capacity FROM events WHERE id = ?
                """, eventID, as: Int.self) == 1
        if let existing = try connection.first(
            "SELECT \(RSVPRecord.columns) FROM rsvps WHERE event_id = ? AND email = ?", eventID, email, row: RSVPRecord.init)
        {
            return .already(existing, full: full)
        }
        let status: RSVPStatus = full ? .waitlist : .confirmed
        try connection.run(
            """
            INSERT INTO rsvps (event_id, name, email, note, status, consent_updates, created_at, language, referral)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, eventID, name, email, note, status, consent, now, language, referral)
        let id = try connection.lastInsertRowID
        try Funnel.count(connection, FunnelItem("event", eventID), .confirmed, source: referral, now: now)
        try connection.run(
            full
                ? "UPDATE events SET waitlist_count = waitlist_count + 1 WHERE id = ?"
                : "UPDATE events SET rsvp_count = rsvp_count + 1 WHERE id = ?", eventID)
        return full ? .waitlisted(rsvpID: id) : .confirmed(rsvpID: id)
    }

    // MARK: Registrations waiting for their owner

    /// What `request` came to: a registration already made from this address (its owner
    /// hears again), or a request waiting for its owner's confirmation (new or asked again).
    public enum RequestOutcome: Sendable, Equatable {
        case already(RSVPRecord)
        case waiting(RSVPRequest)
    }

    /// A registration from the form (on the writer): it holds no place until its owner
    /// confirms (`confirm`). The same address again is the same request.
    public static func request(
        _ connection: Connection, eventID: Int64, name: String, email: String, note: String, consent: Bool, language: String,
        referral: String = "", now: String = Timestamp.now()
    ) throws -> RequestOutcome {
        if let existing = try connection.first(
            "SELECT \(RSVPRecord.columns) FROM rsvps WHERE event_id = ? AND email = ?", eventID, email, row: RSVPRecord.init)
        {
            return .already(existing)
        }
        let stored = try connection.run(
            """
            INSERT INTO rsvp_requests (event_id, name, email, note, consent_updates, language, created_at, referral)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (event_id, email) DO NOTHING
            """, eventID, name, email, note, consent, language, now, referral)
        if stored == 1 { try Funnel.count(connection, FunnelItem("event", eventID), .stored, source: referral, now: now) }
        guard
            let request = try connection.first(
                "SELECT \(RSVPRequest.columns) FROM rsvp_requests WHERE event_id = ? AND email = ?", eventID, email, row: RSVPRequest.init)
        else { throw DatabaseError.noSuchColumn("rsvp_requests: the registration request was not stored") }
        return .waiting(request)
    }

    public static func request(_ connection: Connection, id: Int64) throws -> RSVPRequest? {
        try connection.first("SELECT \(RSVPRequest.columns) FROM rsvp_requests WHERE id = ?", id, row: RSVPRequest.init)
    }

    /// One more mail went to a request's address (repeats are capped).
    public static func noteRequestMail(_ connection: Connection, requestID: Int64) throws {
        try connection.run("UPDATE rsvp_requests SET mails_sent = mails_sent + 1 WHERE id = ?", requestID)
    }

    /// Its owner confirmed: the request becomes an RSVP (a place while one is left, else the
    /// waiting list), in the caller's transaction.
    public static func confirm(_ connection: Connection, request: RSVPRequest, now: String = Timestamp.now()) throws -> RSVPOutcome {
        try connection.run("DELETE FROM rsvp_requests WHERE id = ?", request.id)
        return try rsvp(
            connection, eventID: request.eventID, name: request.name, email: request.email, note: request.note, consent: request.consent,
            language: request.language, referral: request.referral, now: now)
    }

    /// Requests never confirmed within `hours` go (they hold nothing, but keep an address).
    public static func expiredRequestsExist(_ connection: Connection, hours: Double, now: Date = Date()) throws -> Bool {
        try connection.scalar(
            "SELECT EXISTS (SELECT 1 FROM rsvp_requests WHERE created_at < ?)", Timestamp.format(now.addingTimeInterval(-hours * 3600)),
            as: Int.self) == 1
    }

    public static func purgeRequests(_ connection: Connection, hours: Double, now: Date = Date()) throws -> Int {
        try connection.run("DELETE FROM rsvp_requests WHERE created_at < ?", Timestamp.format(now.addingTimeInterval(-hours * 3600)))
    }

    public static func rsvp(_ connection: Connection, id: Int64) throws -> RSVPRecord? {
        try connection.first("SELECT \(RSVPRecord.columns) FROM rsvps WHERE id = ?", id, row: RSVPRecord.init)
    }

    /// One more mail went to an RSVP's address about it (repeats are capped).
    public static func noteMail(_ connection: Connection, rsvpID: Int64) throws {
        try connection.run("UPDATE rsvps SET mails_sent = mails_sent + 1 WHERE id = ?", rsvpID)
    }

    /// Cancels an RSVP (on the writer) and, when it held a place, gives the place to the
    /// first person on the waiting list, in the same transaction. Returns who was promoted.
    public static func cancel(_ connection: Connection, rsvp: RSVPRecord) throws -> RSVPRecord? {
        guard try connection.run("DELETE FROM rsvps WHERE id = ?", rsvp.id) == 1 else { return nil }
        guard rsvp.status == .confirmed else {
            try connection.run("UPDATE events SET waitlist_count = waitlist_count - 1 WHERE id = ?", rsvp.eventID)
            return nil
        }
        try connection.run("UPDATE events SET rsvp_count = rsvp_count - 1 WHERE id = ?", rsvp.eventID)
        guard
            let next = try connection.first(
                """
                SELECT \(RSVPRecord.columns) FROM rsvps WHERE event_id = ? AND status = ?
                AND (SELECT capacity IS NULL OR rsvp_count < capacity FROM events WHERE id = ?)
                ORDER BY created_at, id LIMIT 1
                """, rsvp.eventID, RSVPStatus.waitlist, rsvp.eventID, row: RSVPRecord.init)
        else { return nil }
        try connection.run("UPDATE rsvps SET status = ? WHERE id = ?", RSVPStatus.confirmed, next.id)
        try connection.run(
            "UPDATE events SET rsvp_count = rsvp_count + 1, waitlist_count = waitlist_count - 1 WHERE id = ?", rsvp.eventID)
        return try self.rsvp(connection, id: next.id)
    }

    /// Attendees of published events starting within `hours` who have had no reminder,
    /// with the event's slug (the mailer's clock runs this).
    public static func dueReminders(_ connection: Connection, hours: Int, now: Date = Date()) throws -> [(
        rsvp: RSVPRecord, slug: String, startsAt: String
    )] {
        try connection.query(
            """
            SELECT \(RSVPRecord.columns.qualified(by: "rsvps")),
                   events.slug, events.starts_at
            FROM rsvps JOIN events ON events.id = rsvps.event_id
            WHERE rsvps.status = ? AND rsvps.reminded_at IS NULL AND events.state = ?
              AND events.starts_at > ? AND events.starts_at <= ?
            ORDER BY rsvps.id LIMIT 500
            """, RSVPStatus.confirmed, EventState.published, Timestamp.format(now),
            Timestamp.format(now.addingTimeInterval(Double(hours) * 3600))
        ) { (try RSVPRecord($0), try $0.get("slug", as: String.self), try $0.get("starts_at", as: String.self)) }
    }

    /// Marks an attendee reminded unless someone (another node, an earlier pass) already did:
    /// when the mark is this call's, the registration's time as it is now; else nil.
    public static func claimReminder(_ connection: Connection, rsvpID: Int64, now: String = Timestamp.now()) throws -> String? {
        try connection.scalar(
            "UPDATE rsvps SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL RETURNING created_at", now, rsvpID, as: String.self)
    }

    /// An event by id, whatever its state (for mail about it).
    public static func find(_ connection: Connection, id: Int64) throws -> Event? {
        guard let slug = try slug(connection, id: id) else { return nil }
        return try find(connection, slug: slug)
    }

    /// Every registration of an event, confirmed or waiting.
    /// The registrations for a campaign's events.
    public static func rsvpRows(_ db: Connection, campaignID: Int64) throws -> Int {
        try db.scalar("SELECT count(*) FROM rsvps JOIN events ON events.id = event_id WHERE campaign_id = ?", campaignID, as: Int.self)
            ?? 0
    }

    public static func rsvpRows(_ db: Connection, eventID: Int64) throws -> Int {
        try db.scalar("SELECT count(*) FROM rsvps WHERE event_id = ?", eventID, as: Int.self) ?? 0
    }

    /// Events for a chooser, newest first: id and title.
    public static func choices(_ db: Connection, limit: Int = 200) throws -> [(Int64, String)] {
        try db.query("SELECT id, title FROM events ORDER BY starts_at DESC LIMIT ?", limit) {
            (try $0.get("id", as: Int64.self), try $0.get("title", as: String.self))
        }
    }
}

/// One RSVP, for mail and the manage page.
public struct RSVPRecord: Sendable, Equatable, RowDecodable {
    public let id: Int64
    public let eventID: Int64
    public let name: String
    public let email: String
    public let status: RSVPStatus
    public let language: String
    public let mailsSent: Int
    public let createdAt: String

    static let columns = SelectList(of: RSVPRecord.self)
}

/// A registration waiting for its owner to confirm the address.
public struct RSVPRequest: Sendable, Equatable, RowDecodable {
    public let id: Int64
    public let eventID: Int64
    public let name: String
    public let email: String
    public let note: String
    public let consent: Bool
    public let language: String
    public let mailsSent: Int
    public let createdAt: String
    public let referral: String

    static let columns = SelectList(of: RSVPRequest.self, expressions: ["consent": "consent_updates"])
}

extension MailingAudience {
    /// An event's confirmed attendees.
    public static let attendees = MailingAudience(
        "attendees",
        sql:
            "SELECT email, language, name FROM rsvps WHERE event_id = ? AND CAST(? AS BIGINT) IS NOT NULL AND status = \(RSVPStatus.confirmed.sqlLiteral)",
        choices: { db, t in
            try EventStore.choices(db).map { (Optional($0.0), t("admin.mailing.audience.attendees", ["title": $0.1])) }
        })
}
