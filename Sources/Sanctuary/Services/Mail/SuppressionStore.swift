import Foundation
import Storage

/// Where a bounce or complaint came from: an SMTP reply while sending, or a report piped to
/// `sanctuary mail bounce` (a delivery status notification, RFC 3464, or a complaint, RFC 5965).
public enum BounceSource: String, SQLTextEnum, Sendable {
    case smtp, dsn, arf
}

/// What a bounce says about its address.
public enum BounceKind: String, SQLTextEnum, Sendable {
    /// No such mailbox, for good: suppressed at once.
    case hard
    /// A full mailbox, a policy refusal: suppressed once enough come within the window.
    case soft
    /// The owner marked a message as spam: unsubscribed at once.
    case complaint
}

/// Why bulk mail skips an address (`mail_addresses.suppression`).
public enum Suppression: String, SQLTextEnum, CaseIterable, Sendable {
    case unsuppressed = ""
    case hard, soft, complaint, staff
}

/// An address bulk mail skips, for `/admin/suppressions`.
public struct SuppressedAddress: Sendable, RowDecodable {
    public let id: Int64
    public let address: String
    public let suppression: Suppression
    public let suppressedAt: String
    public let reason: String

    static let columns = SelectList(
        of: SuppressedAddress.self,
        expressions: ["suppressed_at": "coalesce(undeliverable_at, unsubscribed_at)", "reason": "undeliverable_reason"])
}

/// When soft bounces add up to a suppression.
public struct BouncePolicy: Sendable {
    public var softLimit: Int
    public var softDays: Int

    public init(softLimit: Int = 3, softDays: Int = 14) {
        self.softLimit = softLimit
        self.softDays = softDays
    }
}

/// Bounces and complaints, and the suppressions they lead to. Bulk mail skips a suppressed
/// address (`mail_addresses.undeliverable_at`, or `unsubscribed_at` for a complaint);
/// transactional mail (a confirmation the owner asked for) still goes.
public enum SuppressionStore {
    /// Records one bounce or complaint and suppresses the address when it should be:
    /// a hard bounce at once, soft ones at the policy's threshold, a complaint unsubscribes.
    /// Answers whether the address is suppressed now.
    @discardableResult
    public static func record(
        _ db: Connection, address: String, kind: BounceKind, source: BounceSource, detail: String, outboxID: Int64? = nil,
        policy: BouncePolicy, now: Date = Date()
    ) throws -> Bool {
        let address = address.lowercased()
        let at = Timestamp.format(now)
        try db.run(
            "INSERT INTO mail_bounces (address, kind, source, detail, outbox_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            address, kind, source, String(detail.prefix(2000)), outboxID, at)
        switch kind {
        case .hard:
            try suppress(db, address: address, as: .hard, reason: detail, now: at)
            return true
        case .soft:
            let since = Timestamp.format(now.addingTimeInterval(-Double(policy.softDays) * 86_400))
            let recent =
                try db.scalar(
                    "SELECT count(*) FROM mail_bounces WHERE address = ? AND kind = ? AND created_at >= ?", address, BounceKind.soft, since,
                    as: Int.self) ?? 0
            guard recent >= policy.softLimit else { return false }
            try suppress(
                db, address: address, as: .soft, reason: "\(recent) soft bounces in \(policy.softDays) days; the last: \(detail)", now: at)
            return true
        case .complaint:
            let id = try BulkMailStore.addressID(db, address)
            _ = try BulkMailStore.unsubscribe(db, addressID: id, mailingID: nil, now: at)
            try db.run("UPDATE mail_addresses SET suppression = 'complaint', undeliverable_reason = ? WHERE id = ?", detail, id)
            return true
        }
    }

    /// Bulk mail skips the address from now on.
    static func suppress(_ db: Connection, address: String, as suppression: Suppression, reason: String, now: String) throws {
        try db.run(
            """
            INSERT INTO mail_addresses (address, undeliverable_at, undeliverable_reason, suppression) VALUES (?, ?, ?, ?)
            ON CONFLICT (address) DO UPDATE SET undeliverable_at = excluded.undeliverable_at,
                undeliverable_reason = excluded.undeliverable_reason, suppression = excluded.suppression
            """, address, now, String(reason.prefix(2000)), suppression)
    }

    /// Suppressed addresses, newest first, optionally only of one kind or matching a part of
    /// an address.
    public static func list(_ db: Connection, kind: Suppression? = nil, search: String = "", limit: Int = 200) throws
        -> [SuppressedAddress]
    {
        try db.query(
            """
            SELECT \(SuppressedAddress.columns) FROM mail_addresses
            WHERE (undeliverable_at IS NOT NULL OR suppression = 'complaint') AND (CAST(? AS TEXT) IS NULL OR suppression = ?)
              AND (? = '' OR \(db.dialect.contains("address", "?")))
            ORDER BY suppressed_at DESC, id DESC LIMIT ?
            """, kind, kind, search.lowercased(), search.lowercased(), limit, row: SuppressedAddress.init)
    }

    public static func counts(_ db: Connection) throws -> [Suppression: Int] {
        var counts: [Suppression: Int] = [:]
        for (kind, n) in try db.query(
            """
            SELECT suppression, count(*) AS n FROM mail_addresses
            WHERE undeliverable_at IS NOT NULL OR suppression = 'complaint' GROUP BY suppression
            """,
            row: { (try $0.get("suppression", as: Suppression.self), try $0.get("n", as: Int.self)) })
        { counts[kind] = n }
        return counts
    }

    /// Lifts bounce suppressions (not complaints: those are unsubscriptions, undone only by
    /// the owner confirming again): one address by id, or every one of `kind` suppressed
    /// between two times (inclusive). Answers the addresses lifted.
    public static func lift(_ db: Connection, id: Int64) throws -> String? {
        guard
            let address = try db.scalar(
                "SELECT address FROM mail_addresses WHERE id = ? AND undeliverable_at IS NOT NULL AND suppression <> 'complaint'", id,
                as: String.self)
        else { return nil }
        try db.run("UPDATE mail_addresses SET undeliverable_at = NULL, undeliverable_reason = '', suppression = '' WHERE id = ?", id)
        try db.run("DELETE FROM mail_bounces WHERE address = ? AND kind <> ?", address, BounceKind.complaint)
        return address
    }

    /// How many `lift(kind:from:to:)` would lift.
    public static func liftable(_ db: Connection, kind: Suppression?, from: String, to: String) throws -> Int {
        try db.scalar("SELECT count(*) FROM mail_addresses WHERE \(liftableRange)", from, to, kind, kind, as: Int.self) ?? 0
    }

    public static func lift(_ db: Connection, kind: Suppression?, from: String, to: String) throws -> Int {
        try db.run(
            "DELETE FROM mail_bounces WHERE kind <> ? AND address IN (SELECT address FROM mail_addresses WHERE \(liftableRange))",
            BounceKind.complaint, from, to, kind, kind)
        return try db.run(
            "UPDATE mail_addresses SET undeliverable_at = NULL, undeliverable_reason = '', suppression = '' WHERE \(liftableRange)",
            from, to, kind, kind)
    }

    /// Bounce suppressions (not complaints) made between two times, of one kind or any;
    /// bound: from, to, kind twice.
    private static let liftableRange = """
        undeliverable_at IS NOT NULL AND undeliverable_at >= ? AND undeliverable_at <= ?
        AND suppression <> 'complaint' AND suppression <> '' AND (CAST(? AS TEXT) IS NULL OR suppression = ?)
        """

    /// Bounce records are personal data: kept as long as the soft-bounce window needs them,
    /// and at most `OutboxStore.retentionDays` (the suppression itself stays with its reason).
    public static func purge(_ db: Connection, policy: BouncePolicy, now: Date = Date()) throws -> Int {
        try db.run("DELETE FROM mail_bounces WHERE created_at < ?", keptSince(policy, now: now))
    }

    /// Whether `purge` has anything to do (on a reader: a write ends every cached page).
    public static func purgeIsDue(_ db: Connection, policy: BouncePolicy, now: Date = Date()) throws -> Bool {
        try db.scalar("SELECT EXISTS (SELECT 1 FROM mail_bounces WHERE created_at < ?)", keptSince(policy, now: now), as: Int.self) == 1
    }

    private static func keptSince(_ policy: BouncePolicy, now: Date) -> String {
        Timestamp.format(now.addingTimeInterval(-max(Double(policy.softDays), OutboxStore.retentionDays) * 86_400))
    }
}

/// The relay's state as staff see it: failing since when, with what reply, tried again when.
public struct RelayStatus: Sendable, RowDecodable {
    public let failingSince: String?
    public let lastFailureAt: String?
    public let lastReply: String
    public let failures: Int
    public let nextTryAt: String?
    public let recoveredAt: String?

    public var isFailing: Bool { failingSince != nil }
}

/// One row: the relay is failing (since, reply, next try) or not.
public enum RelayStatusStore {
    public static func current(_ db: Connection) throws -> RelayStatus? {
        try db.first(
            "SELECT failing_since, last_failure_at, last_reply, failures, next_try_at, recovered_at FROM mail_relay_status WHERE id = 1",
            row: RelayStatus.init)
    }

    /// A session failed at the relay; `nextTry` is when the sender tries again.
    public static func failed(_ db: Connection, reply: String, nextTry: Date, now: Date = Date()) throws {
        let at = Timestamp.format(now)
        try db.run(
            """
            INSERT INTO mail_relay_status (id, failing_since, last_failure_at, last_reply, failures, next_try_at) VALUES (1, ?, ?, ?, 1, ?)
            ON CONFLICT (id) DO UPDATE SET failing_since = coalesce(mail_relay_status.failing_since, excluded.failing_since),
                last_failure_at = excluded.last_failure_at, last_reply = excluded.last_reply, failures = mail_relay_status.failures + 1,
                next_try_at = excluded.next_try_at
            """, at, at, String(reply.prefix(2000)), Timestamp.format(nextTry))
    }

    /// A message went through after failures: the relay works again.
    public static func recovered(_ db: Connection, now: Date = Date()) throws {
        try db.run(
            "UPDATE mail_relay_status SET failing_since = NULL, failures = 0, next_try_at = NULL, recovered_at = ? WHERE id = 1",
            Timestamp.format(now))
    }

    /// Staff asked to try the relay now (after fixing it).
    public static func tryNow(_ db: Connection, now: Date = Date()) throws -> Bool {
        try db.run(
            "UPDATE mail_relay_status SET next_try_at = ? WHERE id = 1 AND failing_since IS NOT NULL", Timestamp.format(now)) == 1
    }
}
