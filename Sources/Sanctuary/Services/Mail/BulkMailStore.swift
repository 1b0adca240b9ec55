import Storage

/// A mailing as staff write it and watch it go.
public struct Mailing: Sendable, RowDecodable {
    public let id: Int64
    public let subjectEn: String
    public let bodyEn: String
    public let subjectFr: String
    public let bodyFr: String
    /// Its audience's key (`MailingAudience.key`).
    public let audience: String
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
    /// When its author last sent themselves a test of its current text (nil: not since it changed).
    public let testedAt: String?

    static let columns = SelectList(of: Mailing.self)

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

/// The bulk-mail bookkeeping the outbox, the mailings and the unsubscribe links share: the
/// addresses bulk mail skips (`mail_addresses`) and each mailing's running counts.
public enum BulkMailStore {
    /// A mailing's state, for the sender (a paused mailing's messages wait).
    static func mailingState(_ db: Connection, id: Int64) throws -> MailingState? {
        try db.scalar("SELECT state FROM mailings WHERE id = ?", id, as: MailingState.self)
    }

    // MARK: Mailings

    /// How many would get it now: the audience less unsubscribed and undeliverable addresses.
    public static func recipientCount(_ db: Connection, audience: MailingAudience, audienceID: Int64?) throws -> Int {
        try db.scalar(
            """
            SELECT count(*) FROM (\(audience.sql)) a LEFT JOIN mail_addresses m ON m.address = a.email
            WHERE m.unsubscribed_at IS NULL AND m.undeliverable_at IS NULL
            """, audienceID, audienceID, as: Int.self) ?? 0
    }

    /// One recipient, for the preview: the first in the audience who reads `language`, if any.
    /// One real recipient reading `language` (their address and name), for the preview.
    public static func sampleRecipient(_ db: Connection, audience: MailingAudience, audienceID: Int64?, language: String) throws -> (
        email: String, name: String
    )? {
        try db.first(
            """
            SELECT a.email AS email, a.name AS name FROM (\(audience.sql)) a LEFT JOIN mail_addresses m ON m.address = a.email
            WHERE m.unsubscribed_at IS NULL AND m.undeliverable_at IS NULL AND a.language = ? LIMIT 1
            """, audienceID, audienceID, language, row: { (try $0.get("email", as: String.self), try $0.get("name", as: String.self)) })
    }

    public static func create(_ db: Connection, _ draft: MailingDraft, by author: String, now: String = Timestamp.now()) throws -> Int64 {
        try db.run(
            """
            INSERT INTO mailings (subject_en, body_en, subject_fr, body_fr, audience, audience_id, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, draft.subjectEn, draft.bodyEn, draft.subjectFr, draft.bodyFr, draft.audience.key, draft.audienceID, author, now, now)
        return try db.lastInsertRowID
    }

    /// Starts sending: every recipient gets one small outbox row (bulk priority; the text is
    /// rendered when sent), all in this transaction, so a restart finds each either queued or
    /// not. Answers the number queued, nil when the mailing was not a draft.
    @discardableResult
    public static func queue(_ db: Connection, id: Int64, audiences: [MailingAudience], now: String = Timestamp.now()) throws -> Int? {
        guard let mailing = try db.first("SELECT \(Mailing.columns) FROM mailings WHERE id = ?", id, row: Mailing.init), mailing.isDraft,
            let audience = audiences.first(where: { $0.key == mailing.audience })?.sql
        else { return nil }
        try db.run(
            "INSERT INTO mail_addresses (address) SELECT email FROM (\(audience)) AS a WHERE true ON CONFLICT (address) DO NOTHING",
            mailing.audienceID, mailing.audienceID)
        let queued = try db.run(
            """
            INSERT INTO outbox (kind, priority, recipient, subject, message, next_attempt_at, created_at, mailing_id, language, recipient_name)
            SELECT 'mailing', ?, a.email, CASE WHEN a.language = 'fr' AND ? THEN ? ELSE ? END, '', ?, ?, ?,
                   CASE WHEN a.language = 'fr' AND ? THEN 'fr' ELSE 'en' END, a.name
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

    /// One of its messages was sent or failed for good: count it, and the mailing is done
    /// when nothing of it waits.
    static func record(_ db: Connection, mailingID: Int64, sent: Bool, now: String) throws {
        try db.run(
            sent ? "UPDATE mailings SET sent = sent + 1 WHERE id = ?" : "UPDATE mailings SET failed = failed + 1 WHERE id = ?", mailingID)
        try finishIfDone(db, id: mailingID, now: now)
    }

    static func finishIfDone(_ db: Connection, id: Int64, now: String) throws {
        try db.run(
            """
            UPDATE mailings SET state = ?, finished_at = ? WHERE id = ? AND state = ?
            AND NOT EXISTS (SELECT 1 FROM outbox WHERE mailing_id = ? AND state IN \(OutboxState.unsent.sqlList))
            """, MailingState.sent, now, id, MailingState.sending, id)
    }

    // MARK: Addresses bulk mail skips

    /// The id of an address (made on first use): what unsubscribe links carry.
    public static func addressID(_ db: Connection, _ address: String) throws -> Int64 {
        try db.run("INSERT INTO mail_addresses (address) VALUES (?) ON CONFLICT (address) DO NOTHING", address)
        return try db.scalar("SELECT id FROM mail_addresses WHERE address = ?", address, as: Int64.self) ?? 0
    }

    /// The id of an address already known (on a reader); nil when it never had bulk mail.
    public static func knownAddressID(_ db: Connection, _ address: String) throws -> Int64? {
        try db.scalar("SELECT id FROM mail_addresses WHERE address = ?", address, as: Int64.self)
    }

    /// Whether an address (by id) is still subscribed to bulk mail; nil when unknown.
    public static func isSubscribed(_ db: Connection, addressID: Int64) throws -> Bool? {
        try db.scalar("SELECT unsubscribed_at IS NULL FROM mail_addresses WHERE id = ?", addressID, as: Bool.self)
    }

    /// The address leaves every list: no more bulk mail, its subscriptions end, and exports
    /// leave it out (its consents on signatures and RSVPs no longer count). Its unsent
    /// bulk messages are withdrawn. False when it had left already (or is unknown).
    public static func unsubscribe(_ db: Connection, addressID: Int64, mailingID: Int64?, now: String = Timestamp.now()) throws -> Bool {
        guard try db.run("UPDATE mail_addresses SET unsubscribed_at = ? WHERE id = ? AND unsubscribed_at IS NULL", now, addressID) == 1,
            let address = try db.scalar("SELECT address FROM mail_addresses WHERE id = ?", addressID, as: String.self)
        else { return false }
        try db.run("UPDATE subscribers SET unsubscribed_at = ? WHERE email = ? AND unsubscribed_at IS NULL", now, address)
        let withdrawn = try db.query(
            "SELECT id, mailing_id FROM outbox WHERE recipient = ? AND mailing_id IS NOT NULL AND state IN \(OutboxState.unsent.sqlList)",
            address
        ) { (try $0.get("id", as: Int64.self), try $0.get("mailing_id", as: Int64.self)) }
        for (id, mailing) in withdrawn {
            try db.run("DELETE FROM outbox WHERE id = ?", id)
            try db.run("UPDATE mailings SET recipients = recipients - 1 WHERE id = ?", mailing)
            try finishIfDone(db, id: mailing, now: now)
        }
        if let mailingID { try db.run("UPDATE mailings SET unsubscribes = unsubscribes + 1 WHERE id = ?", mailingID) }
        return true
    }

    /// Its owner confirmed a new consent (a subscription, a signature with updates): bulk
    /// mail may go to the address again.
    public static func resubscribe(_ db: Connection, address: String) throws {
        try db.run("UPDATE mail_addresses SET unsubscribed_at = NULL WHERE address = ? AND unsubscribed_at IS NOT NULL", address)
    }

    /// A message reached the address after all: it is deliverable again.
    static func markDelivered(_ db: Connection, address: String) throws {
        try db.run(
            """
            UPDATE mail_addresses SET undeliverable_at = NULL, undeliverable_reason = '', suppression = ''
            WHERE address = ? AND undeliverable_at IS NOT NULL
            """,
            address)
    }

    /// Why bulk mail skips an address, for `/admin/outbox`: nil when it does not.
    public static func skipReason(_ db: Connection, address: String) throws -> (unsubscribedAt: String?, undeliverable: (String, String)?)?
    {
        try db.first("SELECT unsubscribed_at, undeliverable_at, undeliverable_reason FROM mail_addresses WHERE address = ?", address) {
            row in
            let unsubscribed = try row.optional("unsubscribed_at", as: String.self)
            let undeliverable = try row.optional("undeliverable_at", as: String.self).map {
                ($0, try row.get("undeliverable_reason", as: String.self))
            }
            return unsubscribed == nil && undeliverable == nil ? nil : (unsubscribed, undeliverable)
        } ?? nil
    }
}
