import Foundation
import SQLite

/// A mailing as staff write it and watch it go.
public struct Mailing: Sendable, RowDecodable {
    public let id: Int64
    public let subjectEn: String
    public let bodyEn: String
    public let subjectFr: String
    public let bodyFr: String
    public let audience: MailingAudience
    public let audienceID: Int64?
    public let state: MailingState
    public let sendAt: String?
    public let recipients: Int
    public let sent: Int
    public let failed: Int
    public let unsubscribes: Int
    public let createdBy: String
    public let createdAt: String
    public let startedAt: String?
    public let finishedAt: String?

    static let columns = """
        id, subject_en, body_en, subject_fr, body_fr, audience, audience_id, state, send_at, recipients, sent, failed, unsubscribes,
        created_by, created_at, started_at, finished_at
        """

    /// French readers get the French only when there is a whole French version.
    public var hasFrench: Bool { !subjectFr.isEmpty && !bodyFr.isEmpty }

    /// The language a recipient who uses `language` gets it in.
    public func language(for language: String) -> String { language == "fr" && hasFrench ? "fr" : "en" }
    public func subject(_ language: String) -> String { self.language(for: language) == "fr" ? subjectFr : subjectEn }
    public func body(_ language: String) -> String { self.language(for: language) == "fr" ? bodyFr : bodyEn }

    /// Whether it can still be edited (nothing has been queued).
    public var isDraft: Bool { state == .draft || state == .scheduled }
}

/// What staff typed: the message and its audience.
public struct MailingDraft: Sendable {
    public var subjectEn: String
    public var bodyEn: String
    public var subjectFr: String
    public var bodyFr: String
    public var audience: MailingAudience
    public var audienceID: Int64?

    public init(subjectEn: String, bodyEn: String, subjectFr: String, bodyFr: String, audience: MailingAudience, audienceID: Int64?) {
        self.subjectEn = subjectEn
        self.bodyEn = bodyEn
        self.subjectFr = subjectFr
        self.bodyFr = bodyFr
        self.audience = audience
        self.audienceID = audienceID
    }
}

/// A mailing's progress while it goes: messages by outbox state.
public struct MailingProgress: Sendable {
    public var waiting = 0
    public var held = 0
    public var retrying = 0
}

/// Mailings, their recipients, and the addresses bulk mail skips.
public enum MailingStore {
    /// The audience as `(email, language)` rows, one per address; bound: `audienceID` twice.
    static func audienceSQL(_ audience: MailingAudience) -> String {
        switch audience {
        case .subscribers:
            // One row per address (the newest subscription's language), of one campaign or all.
            return """
                SELECT email, language FROM (
                    SELECT email, language, max(id) FROM subscribers
                    WHERE unsubscribed_at IS NULL AND confirmed_at IS NOT NULL AND (? IS NULL OR campaign_id = ?)
                    GROUP BY email)
                """
        case .signers:
            return """
                SELECT email, language FROM signatures
                WHERE petition_id = ? AND ? IS NOT NULL AND confirmed_at IS NOT NULL AND consent_updates = 1
                """
        case .outcome:
            return """
                SELECT email, language FROM signatures
                WHERE petition_id = ? AND ? IS NOT NULL AND confirmed_at IS NOT NULL AND notify_outcome = 1
                """
        case .attendees:
            return "SELECT email, language FROM rsvps WHERE event_id = ? AND ? IS NOT NULL AND status = \(RSVPStatus.confirmed.sqlLiteral)"
        }
    }

    /// How many would get it now: the audience less unsubscribed and undeliverable addresses.
    public static func recipientCount(_ db: Connection, audience: MailingAudience, audienceID: Int64?) throws -> Int {
        try db.scalar(
            """
            SELECT count(*) FROM (\(audienceSQL(audience))) a LEFT JOIN mail_addresses m ON m.address = a.email
            WHERE m.unsubscribed_at IS NULL AND m.undeliverable_at IS NULL
            """, audienceID, audienceID, as: Int.self) ?? 0
    }

    /// One recipient, for the preview: the first in the audience who reads `language`, if any.
    public static func sampleRecipient(_ db: Connection, audience: MailingAudience, audienceID: Int64?, language: String) throws -> String?
    {
        try db.scalar(
            """
            SELECT a.email FROM (\(audienceSQL(audience))) a LEFT JOIN mail_addresses m ON m.address = a.email
            WHERE m.unsubscribed_at IS NULL AND m.undeliverable_at IS NULL AND a.language = ? LIMIT 1
            """, audienceID, audienceID, language, as: String.self)
    }

    public static func create(_ db: Connection, _ draft: MailingDraft, by author: String, now: String = Timestamp.now()) throws -> Int64 {
        try db.run(
            """
            INSERT INTO mailings (subject_en, body_en, subject_fr, body_fr, audience, audience_id, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, draft.subjectEn, draft.bodyEn, draft.subjectFr, draft.bodyFr, draft.audience, draft.audienceID, author, now, now)
        return db.lastInsertRowID
    }

    /// Saves a draft's text and audience; false when it is no longer a draft.
    public static func update(_ db: Connection, id: Int64, _ draft: MailingDraft, now: String = Timestamp.now()) throws -> Bool {
        try db.run(
            """
            UPDATE mailings SET subject_en = ?, body_en = ?, subject_fr = ?, body_fr = ?, audience = ?, audience_id = ?, updated_at = ?
            WHERE id = ? AND state IN \(([.draft, .scheduled] as [MailingState]).sqlList)
            """, draft.subjectEn, draft.bodyEn, draft.subjectFr, draft.bodyFr, draft.audience, draft.audienceID, now, id) == 1
    }

    public static func find(_ db: Connection, id: Int64) throws -> Mailing? {
        try db.first("SELECT \(Mailing.columns) FROM mailings WHERE id = ?", id, row: Mailing.init)
    }

    public static func all(_ db: Connection, limit: Int = 200) throws -> [Mailing] {
        try db.query("SELECT \(Mailing.columns) FROM mailings ORDER BY id DESC LIMIT ?", limit, row: Mailing.init)
    }

    public static func progress(_ db: Connection, id: Int64) throws -> MailingProgress {
        var progress = MailingProgress()
        for (state, next, count) in try db.query(
            "SELECT state, next_attempt_at = ? AS held, count(*) AS n FROM outbox WHERE mailing_id = ? GROUP BY 1, 2",
            OutboxStore.heldUntil,
            id,
            row: {
                (try $0.get("state", as: OutboxState.self), try $0.get("held", as: Bool.self), try $0.get("n", as: Int.self))
            })
        {
            switch (state, next) {
            case (_, true): progress.held += count
            case (.waiting, _): progress.waiting += count
            case (.retrying, _): progress.retrying += count
            default: break
            }
        }
        return progress
    }

    /// Schedules a draft for `at`; false when it is not a draft.
    public static func schedule(_ db: Connection, id: Int64, at: String) throws -> Bool {
        try db.run(
            "UPDATE mailings SET state = \(MailingState.scheduled.sqlLiteral), send_at = ?, updated_at = ? WHERE id = ? AND state IN \(([.draft, .scheduled] as [MailingState]).sqlList)",
            at,
            Timestamp.now(), id) == 1
    }

    /// Drafts whose time has come.
    public static func due(_ db: Connection, now: String = Timestamp.now()) throws -> [Int64] {
        try db.query("SELECT id FROM mailings WHERE state = \(MailingState.scheduled.sqlLiteral) AND send_at <= ? ORDER BY send_at", now) {
            try $0.get("id", as: Int64.self)
        }
    }

    /// Starts sending: every recipient gets one small outbox row (bulk priority; the text is
    /// rendered when sent), all in this transaction, so a restart finds each either queued or
    /// not. Answers the number queued, nil when the mailing was not a draft.
    @discardableResult
    public static func queue(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Int? {
        guard let mailing = try find(db, id: id), mailing.isDraft else { return nil }
        let audience = audienceSQL(mailing.audience)
        try db.run(
            "INSERT INTO mail_addresses (address) SELECT email FROM (\(audience)) WHERE true ON CONFLICT (address) DO NOTHING",
            mailing.audienceID, mailing.audienceID)
        let queued = try db.run(
            """
            INSERT INTO outbox (kind, priority, recipient, subject, message, next_attempt_at, created_at, mailing_id, language)
            SELECT 'mailing', ?, a.email, CASE WHEN a.language = 'fr' AND ? THEN ? ELSE ? END, '', ?, ?, ?,
                   CASE WHEN a.language = 'fr' AND ? THEN 'fr' ELSE 'en' END
            FROM (\(audience)) a JOIN mail_addresses m ON m.address = a.email
            WHERE m.unsubscribed_at IS NULL AND m.undeliverable_at IS NULL
            ORDER BY m.id
            """, OutboxStore.Priority.bulk.rawValue, mailing.hasFrench, mailing.subjectFr, mailing.subjectEn, now, now, id,
            mailing.hasFrench, mailing.audienceID, mailing.audienceID)
        try db.run(
            "UPDATE mailings SET state = ?, recipients = ?, started_at = ?, finished_at = ?, updated_at = ? WHERE id = ?",
            queued == 0 ? MailingState.sent : MailingState.sending, queued, now, queued == 0 ? now : nil, now, id)
        return queued
    }

    /// Pauses a mailing that is going out: its unsent messages are held.
    public static func pause(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Bool {
        guard
            try db.run(
                "UPDATE mailings SET state = \(MailingState.paused.sqlLiteral), updated_at = ? WHERE id = ? AND state = \(MailingState.sending.sqlLiteral)",
                now, id) == 1
        else {
            return false
        }
        try db.run(
            "UPDATE outbox SET next_attempt_at = ? WHERE mailing_id = ? AND state IN \(OutboxState.unsent.sqlList)", OutboxStore.heldUntil,
            id)
        return true
    }

    public static func resume(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Bool {
        guard
            try db.run(
                "UPDATE mailings SET state = \(MailingState.sending.sqlLiteral), updated_at = ? WHERE id = ? AND state = \(MailingState.paused.sqlLiteral)",
                now, id) == 1
        else {
            return false
        }
        try db.run(
            "UPDATE outbox SET next_attempt_at = ? WHERE mailing_id = ? AND state IN \(OutboxState.unsent.sqlList) AND next_attempt_at = ?",
            now,
            id, OutboxStore.heldUntil)
        try BulkMailStore.finishIfDone(db, id: id, now: now)
        return true
    }

    /// Cancels a scheduled, sending or paused mailing: what has not gone leaves the outbox.
    public static func cancel(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Bool {
        guard
            try db.run(
                "UPDATE mailings SET state = \(MailingState.cancelled.sqlLiteral), finished_at = ?, updated_at = ? WHERE id = ? AND state IN \(([.scheduled, .sending, .paused] as [MailingState]).sqlList)",
                now, now, id) == 1
        else { return false }
        try db.run("DELETE FROM outbox WHERE mailing_id = ? AND state IN \(OutboxState.unsent.sqlList)", id)
        return true
    }
}
