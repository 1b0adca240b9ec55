import SQLite

/// The bulk-mail bookkeeping the outbox, the mailings and the unsubscribe links share: the
/// addresses bulk mail skips (`mail_addresses`) and each mailing's running counts.
public enum BulkMailStore {
    /// A mailing's state, for the sender (a paused mailing's messages wait).
    static func mailingState(_ db: Connection, id: Int64) throws -> MailingState? {
        try db.scalar("SELECT state FROM mailings WHERE id = ?", id, as: MailingState.self)
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
            UPDATE mailings SET state = \(MailingState.sent.sqlLiteral), finished_at = ? WHERE id = ? AND state = \(MailingState.sending.sqlLiteral)
            AND NOT EXISTS (SELECT 1 FROM outbox WHERE mailing_id = ? AND state IN \(OutboxState.unsent.sqlList))
            """, now, id, id)
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
