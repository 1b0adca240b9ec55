import Foundation
import Mail
import Storage

/// A message as the outbox holds it.
public struct OutboxMessage: Sendable, RowDecodable {
    public let id: Int64
    public let kind: String
    public let priority: Int
    public let recipient: String
    public let subject: String
    public let state: OutboxState
    public let attempts: Int
    public let nextAttemptAt: String
    public let lastError: String
    public let createdAt: String
    public let sentAt: String?
    /// The mailing it belongs to: its text is rendered when it is sent.
    public let mailingID: Int64?
    public let language: String
    public let recipientName: String

    static let columns = SelectList(of: OutboxMessage.self)

    /// Held back because its mailing is paused.
    public var isHeld: Bool { nextAttemptAt == OutboxStore.heldUntil }
}

/// A message the sender takes: its text, or (a mailing's) what to render it from.
public struct DueMessage: Sendable {
    public let id: Int64
    public let recipient: String
    public let message: String
    public let mailingID: Int64?
    public let language: String
    /// A mailing's recipient's name, as its audience knows it (else empty).
    public var recipientName: String = ""
}

/// One delivery attempt, for the admin's screen.
public struct OutboxAttempt: Sendable, RowDecodable {
    public let attemptedAt: String
    public let outcome: String
    public let detail: String
}

/// The durable outbox: every message is written in the same transaction as the action that
/// causes it, and leaves only by being sent or given up on.
public enum OutboxStore {
    /// Transactional mail (confirmations, RSVPs, staff links) goes before bulk mail.
    public enum Priority: Int, Sendable {
        case transactional = 0
        case bulk = 1
    }

    @discardableResult
    public static func enqueue(
        _ db: Connection, kind: String, priority: Priority = .transactional, message: MailMessage, now: String = Timestamp.now()
    ) throws -> Int64 {
        try enqueue(db, kind: kind, priority: priority, RenderedMail(message), now: now)
    }

    /// A message rendered before the write (off the writer thread), written as it is; due
    /// at once, or not before `notBefore`.
    @discardableResult
    public static func enqueue(
        _ db: Connection, kind: String, priority: Priority = .transactional, _ mail: RenderedMail, now: String = Timestamp.now(),
        notBefore: Date? = nil
    ) throws -> Int64 {
        let id = try db.insert(
            """
            INSERT INTO outbox (kind, priority, recipient, subject, message, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, kind, priority.rawValue, mail.recipient, mail.subject, mail.text, notBefore.map(Timestamp.format) ?? now, now)
        guard let id else { throw DatabaseError.noSuchColumn("outbox: the message was not stored") }
        return id
    }

    /// The query `due` runs (with `now` and `limit`). It walks the partial index `outbox_due`
    /// in its order and stops at `limit`. Left to choose without statistics, SQLite took
    /// `outbox_by_state` for the `IN` and sorted every unsent message on each pass: with
    /// 20,000 waiting, 50 page reads per message sent.
    static let dueQuery = """
        SELECT id, recipient, message, mailing_id, language, recipient_name FROM outbox INDEXED BY outbox_due
        WHERE state IN \(OutboxState.unsent.sqlList) AND next_attempt_at <= ? ORDER BY priority, next_attempt_at, id LIMIT ?
        """

    /// Messages due for an attempt, transactional first, oldest first (SQLite; on PostgreSQL
    /// the sender takes them with `claim`).
    public static func due(_ db: Connection, now: String = Timestamp.now(), limit: Int) throws -> [DueMessage] {
        try db.query(dueQuery, now, limit) {
            DueMessage(
                id: try $0.get("id", as: Int64.self), recipient: try $0.get("recipient", as: String.self),
                message: try $0.get("message", as: String.self), mailingID: try $0.optional("mailing_id", as: Int64.self),
                language: try $0.get("language", as: String.self), recipientName: try $0.get("recipient_name", as: String.self))
        }
    }

    /// Takes the due messages for this node when several nodes share a PostgreSQL: each is
    /// leased (its next attempt moved to `leaseUntil`) in the same statement that finds it, and
    /// rows another node is taking are skipped, so no message is sent by two nodes. A node
    /// that dies holding a lease leaves its messages due again when the lease ends; `release`
    /// gives back those a pass did not attempt.
    public static func claim(_ db: Connection, now: String = Timestamp.now(), leaseUntil: String, limit: Int) throws -> [DueMessage] {
        try db.query(
            """
            UPDATE outbox SET next_attempt_at = ? WHERE id IN (
                SELECT id FROM outbox WHERE state IN \(OutboxState.unsent.sqlList) AND next_attempt_at <= ?
                ORDER BY priority, next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
            RETURNING id, recipient, message, mailing_id, language, priority, recipient_name
            """, leaseUntil, now, limit
        ) {
            (
                priority: try $0.get("priority", as: Int.self),
                message: DueMessage(
                    id: try $0.get("id", as: Int64.self), recipient: try $0.get("recipient", as: String.self),
                    message: try $0.get("message", as: String.self), mailingID: try $0.optional("mailing_id", as: Int64.self),
                    language: try $0.get("language", as: String.self), recipientName: try $0.get("recipient_name", as: String.self))
            )
        }.sorted { ($0.priority, $0.message.id) < ($1.priority, $1.message.id) }.map(\.message)
    }

    /// Gives back messages `claim` took and no attempt was made on: due again at once.
    public static func release(_ db: Connection, ids: [Int64], leaseUntil: String, now: String = Timestamp.now()) throws {
        for id in ids {
            try db.run(
                "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND next_attempt_at = ? AND state IN \(OutboxState.unsent.sqlList)",
                now, id, leaseUntil)
        }
    }

    /// A paused mailing's messages wait with this as their next attempt: never due, and
    /// the sender's index skips them without a look.
    public static let heldUntil = "9999-12-31T23:59:59Z"

    /// Records one attempt, by what its failure says about whom (`DeliveryVerdict`):
    /// - sent: the body is dropped (nothing but the listing is kept of a sent message);
    /// - the relay's fault: the message stays due from `relayRetry`, is never given up on
    ///   for it, and counts as no failure of its mailing;
    /// - a temporary refusal of the recipient: retried after a delay doubling from
    ///   `retryBase` (at most an hour) until 24 hours after it was queued;
    /// - a bounce or a refused message: failed for good; a bounce is recorded, and
    ///   suppresses the address as `policy` says.
    public static func record(
        _ db: Connection, id: Int64, result: DeliveryResult, retryBase: Double, policy: BouncePolicy = BouncePolicy(),
        relayRetry: Date? = nil, claimedUntil: String? = nil, now: Date = Date()
    ) throws {
        let at = Timestamp.format(now)
        guard
            let (recipient, mailingID, attempts, created) = try db.first(
                "SELECT recipient, mailing_id, attempts, created_at FROM outbox WHERE id = ?", id,
                row: {
                    (
                        try $0.get("recipient", as: String.self), try $0.optional("mailing_id", as: Int64.self),
                        try $0.get("attempts", as: Int.self), try $0.get("created_at", as: String.self)
                    )
                })
        else { return }
        guard case .failed(let failure) = result else {
            try db.run(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, sent_at = ?, last_error = '', message = '' WHERE id = ?",
                OutboxState.sent, at, id)
            try db.run("INSERT INTO outbox_attempts (outbox_id, attempted_at, outcome) VALUES (?, ?, 'sent')", id, at)
            try BulkMailStore.markDelivered(db, address: recipient)
            if let mailingID { try BulkMailStore.record(db, mailingID: mailingID, sent: true, now: at) }
            return
        }
        let detail = failure.description
        func attempt(_ outcome: String) throws {
            try db.run(
                "INSERT INTO outbox_attempts (outbox_id, attempted_at, outcome, detail) VALUES (?, ?, ?, ?)", id, at, outcome,
                String(detail.prefix(2000)))
        }
        switch failure.verdict {
        case .relay:
            let next = relayRetry ?? now.addingTimeInterval(retryBase)
            try db.run(
                """
                UPDATE outbox SET state = ?1, attempts = attempts + 1, last_error = ?2,
                    next_attempt_at = CASE WHEN next_attempt_at > ?3 AND next_attempt_at IS DISTINCT FROM ?6 THEN next_attempt_at ELSE ?3 END
                WHERE id = ?4 AND next_attempt_at <> ?5
                """, OutboxState.retrying, detail, Timestamp.format(next), id, heldUntil, claimedUntil)
            try attempt("temporary")
        case .retryLater:
            let delay = min(3600, retryBase * pow(2, Double(min(attempts, 20))))
            let next = now.addingTimeInterval(delay)
            let giveUp = (Timestamp.parse(created) ?? now).addingTimeInterval(24 * 3600)
            try db.run(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                next > giveUp ? OutboxState.failed : OutboxState.retrying, detail, Timestamp.format(next), id)
            try attempt("temporary")
            if next > giveUp, let mailingID { try BulkMailStore.record(db, mailingID: mailingID, sent: false, now: at) }
        case .hardBounce, .softBounce, .messageRefused:
            try db.run(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?", OutboxState.failed, detail, id)
            try attempt("permanent")
            if failure.verdict != .messageRefused, !recipient.isEmpty {
                try SuppressionStore.record(
                    db, address: recipient, kind: failure.verdict == .hardBounce ? .hard : .soft, source: .smtp, detail: detail,
                    outboxID: id, policy: policy, now: now)
            }
            if let mailingID { try BulkMailStore.record(db, mailingID: mailingID, sent: false, now: at) }
        }
    }

    /// A message that cannot go now and must not stay due: held while its mailing is paused,
    /// failed (without blaming the address) when its mailing is cancelled or gone.
    public static func setAside(_ db: Connection, id: Int64, held: Bool, reason: String, now: Date = Date()) throws {
        if held {
            try db.run("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND state IN \(OutboxState.unsent.sqlList)", heldUntil, id)
        } else {
            try db.run(
                "UPDATE outbox SET state = ?, last_error = ? WHERE id = ? AND state IN \(OutboxState.unsent.sqlList)", OutboxState.failed,
                reason, id)
        }
    }

    /// What "Retry now" came to.
    public enum Retry: Sendable, Equatable {
        /// Due now.
        case due
        /// Its mailing is paused: it goes when the mailing is resumed.
        case held
        /// Its mailing was cancelled: it cannot go.
        case mailingCancelled
        /// Sent already, or unknown.
        case notFound
    }

    /// "Retry now" for a failed, retrying or waiting message. A message of a mailing is due
    /// only while its mailing may send (sending, or sent already: a single message again);
    /// of a paused one it is held, so it never stays due without being sendable.
    public static func retryNow(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Retry {
        guard
            let (state, mailingID) = try db.first(
                "SELECT state, mailing_id FROM outbox WHERE id = ? AND state IN \(([.failed, .retrying, .waiting] as [OutboxState]).sqlList)",
                id,
                row: { (try $0.get("state", as: OutboxState.self), try $0.optional("mailing_id", as: Int64.self)) })
        else { return .notFound }
        var next = now
        if let mailingID {
            switch try BulkMailStore.mailingState(db, id: mailingID) {
            case .paused?: next = heldUntil
            case .sending?, .sent?: break
            default: return .mailingCancelled
            }
            // A failed message counted as its mailing's failure: it is not one any more.
            if state == .failed {
                try db.run("UPDATE mailings SET failed = CASE WHEN failed > 0 THEN failed - 1 ELSE 0 END WHERE id = ?", mailingID)
            }
            try db.run(
                "UPDATE mailings SET state = ?, finished_at = NULL WHERE id = ? AND state = ?", MailingState.sending, mailingID,
                MailingState.sent)
        }
        try db.run("UPDATE outbox SET state = ?, next_attempt_at = ? WHERE id = ?", OutboxState.retrying, next, id)
        return next == heldUntil ? .held : .due
    }

    /// The newest messages, for `/admin/outbox` (optionally in one state).
    public static func list(_ db: Connection, state: OutboxState? = nil, limit: Int = 200) throws -> [OutboxMessage] {
        if let state {
            return try db.query(
                "SELECT \(OutboxMessage.columns) FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ?", state, limit,
                row: OutboxMessage.init)
        }
        return try db.query("SELECT \(OutboxMessage.columns) FROM outbox ORDER BY id DESC LIMIT ?", limit, row: OutboxMessage.init)
    }

    /// Messages that failed for good since `since`, by kind, most first.
    public static func failures(_ db: Connection, since: String) throws -> [(kind: String, count: Int)] {
        try db.query(
            "SELECT kind, count(*) AS n FROM outbox WHERE state = ? AND created_at >= ? GROUP BY kind ORDER BY n DESC, kind",
            OutboxState.failed, since, row: { (try $0.get("kind", as: String.self), try $0.get("n", as: Int.self)) })
    }

    public static func counts(_ db: Connection) throws -> [OutboxState: Int] {
        var counts: [OutboxState: Int] = [:]
        for (state, count) in try db.query(
            "SELECT state, count(*) AS n FROM outbox GROUP BY state",
            row: {
                (try $0.get("state", as: OutboxState.self), try $0.get("n", as: Int.self))
            })
        { counts[state] = count }
        return counts
    }

    public static func find(_ db: Connection, id: Int64) throws -> (OutboxMessage, String, [OutboxAttempt])? {
        guard
            let (message, text) = try db.first(
                "SELECT \(OutboxMessage.columns), message FROM outbox WHERE id = ?", id,
                row: {
                    (try OutboxMessage($0), try $0.get("message", as: String.self))
                })
        else { return nil }
        let attempts = try db.query(
            "SELECT attempted_at, outcome, detail FROM outbox_attempts WHERE outbox_id = ? ORDER BY id", id, row: OutboxAttempt.init)
        return (message, text, attempts)
    }

    /// Messages after `id` still waiting (for the log line that says where to read them).
    public static func waiting(_ db: Connection, after id: Int64) throws -> [(id: Int64, kind: String)] {
        try db.query("SELECT id, kind FROM outbox WHERE id > ? AND state = \(OutboxState.waiting.sqlLiteral) ORDER BY id LIMIT 1000", id) {
            (try $0.get("id", as: Int64.self), try $0.get("kind", as: String.self))
        }
    }

    /// When the oldest message not yet sent was queued (by the state index: the lowest id of
    /// each unsent state, not a scan of the outbox); nil when everything went.
    public static func oldestUnsent(_ db: Connection) throws -> String? {
        try db.scalar(
            """
            SELECT created_at FROM outbox WHERE id = (SELECT min(id) FROM (
                SELECT min(id) AS id FROM outbox WHERE state = \(OutboxState.waiting.sqlLiteral) UNION ALL SELECT min(id) FROM outbox WHERE state = \(OutboxState.retrying.sqlLiteral)) AS unsent)
            """, as: String.self)
    }

    public static func lastID(_ db: Connection) throws -> Int64 {
        try db.scalar("SELECT coalesce(max(id), 0) FROM outbox", as: Int64.self) ?? 0
    }

    /// Mail keeps personal data and live links: by default a message leaves the outbox 30
    /// days after it was sent or given up on (`privacy.mail_days`); tokens a day after they expire.
    public static let retentionDays = 30.0

    /// Messages sent or given up on before `before` (read on a reader, deleted by id in batches:
    /// a busy day's million confirmations never hold the writer at once).
    static func done(_ db: Connection, before: String) throws -> [Int64] {
        try db.query("SELECT id FROM outbox WHERE state IN \(OutboxState.done.sqlList) AND created_at < ?", before) {
            $0.int64(at: 0)
        }
    }

    static func delete(_ db: Connection, done ids: [Int64]) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try db.run(
            "DELETE FROM outbox WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", "))) AND state IN \(OutboxState.done.sqlList)",
            parameters: ids)
    }

    /// Whether links expired more than a day ago wait to go (on a reader: a write ends every cached page).
    public static func purgeIsDue(_ db: Connection, now: Date = Date()) throws -> Bool {
        let tokens = Timestamp.format(now.addingTimeInterval(-86_400))
        return try db.scalar("SELECT EXISTS (SELECT 1 FROM mail_tokens WHERE expires_at < ?)", tokens, as: Int.self) == 1
    }

    /// Deletes the links `purgeIsDue` found; answers how many went.
    public static func purge(_ db: Connection, now: Date = Date()) throws -> Int {
        try MailTokenStore.purgeExpired(db, now: now)
    }

    /// The kinds whose repeats to one address are capped (`recentCount`), as the partial
    /// index `outbox_by_recipient` lists them.
    public static let cappedKinds = ["subscribe.confirm", "subscribe.already", "staff.reset"]

    /// How many messages of `kind` (one of `cappedKinds`) went to `recipient` since `since`.
    /// The query repeats the partial index's condition word for word, so SQLite uses that index.
    public static func recentCount(_ db: Connection, recipient: String, kind: String, since: String) throws -> Int {
        precondition(cappedKinds.contains(kind), "only capped kinds are indexed by recipient")
        return try db.scalar(
            """
            SELECT count(*) FROM outbox
            WHERE recipient = ? AND (kind = 'subscribe.confirm' OR kind = 'subscribe.already' OR kind = 'staff.reset')
              AND kind = ? AND created_at >= ?
            """, recipient, kind, since, as: Int.self) ?? 0
    }

    /// Whom a message kept in the outbox went to.
    public static func recipient(_ db: Connection, id: Int64) throws -> String? {
        try db.scalar("SELECT recipient FROM outbox WHERE id = ?", id, as: String.self)
    }

    /// Says on the message's page what became of it (a bounce that came later).
    public static func note(_ db: Connection, id: Int64, _ detail: String) throws {
        try db.run("UPDATE outbox SET last_error = ? WHERE id = ?", detail, id)
    }

    /// Whom a kept message went to, and the mailing it was part of.
    public static func recipientAndMailing(_ db: Connection, id: Int64) throws -> (String, Int64?)? {
        try db.first("SELECT recipient, mailing_id FROM outbox WHERE id = ?", id) {
            (try $0.get("recipient", as: String.self), try $0.optional("mailing_id", as: Int64.self))
        }
    }
}

/// A message as the outbox stores it: the envelope address, the subject to list, the text to send.
public struct RenderedMail: Sendable {
    public let recipient: String
    public let subject: String
    public let text: String

    public init(_ message: MailMessage) {
        recipient = message.to.address
        subject = message.subject
        text = message.rendered()
    }
}

/// A one-time link's token as stored: what it acts on, and whether it still may.
public struct MailToken: Sendable {
    public enum Status: Sendable, Equatable { case valid, used, expired }
    public let subjectID: Int64?
    public let payload: String
    public let status: Status
}

/// A fresh token for a link, with what is stored of it: the message carries a placeholder
/// that the sender turns into the token (`MailLinkKey`), the database the token's key.
public struct NewMailToken: Sendable {
    /// What goes into the link in the stored message.
    public let placeholder: String
    public let digest: [UInt8]
    public let expiresAt: String

    /// The token is 8 bytes of the time it was made (microseconds, big-endian) and 32 bytes
    /// of an HMAC under the link key; see `MailTokenStore.key`.
    public init(lifetime: TimeInterval, key: MailLinkKey, now: Date = Date()) {
        (placeholder, digest) = key.makeLink(now: now)
        expiresAt = Timestamp.format(now.addingTimeInterval(lifetime))
    }
}

/// Tokens for links in mail: random, single use, stored hashed.
public enum MailTokenStore {
    /// Where a token is stored: the time it was made, then SHA-256 of the whole token.
    /// Keys made one after another sort one after another, so a burst of signatures adds its
    /// tokens at the end of the table, a page or two per commit, where a random key (the hash
    /// alone) wrote one page of the table per signature. The time tells nothing a mail's
    /// `Date` does not, and the hash still gives no working link to whoever reads the file.
    /// A token of the earlier form (32 random bytes, 43 characters) is stored by its hash alone.
    public static func key(_ token: String) -> [UInt8] {
        guard token.utf8.count == 54, let bytes = Data(base64URL: token), bytes.count == 40 else { return SecretToken.digest(token) }
        return key(time: bytes.prefix(8), token: token)
    }

    /// The key of a token of the current form, whose first 8 bytes are `time`: the one place
    /// the key's layout is written.
    static func key(time: some Sequence<UInt8>, token: String) -> [UInt8] {
        Array(time) + SecretToken.digest(token)
    }

    /// Makes a token for `purpose`, valid for `lifetime` seconds; returns what the link in the
    /// stored message carries (the sender makes it the token).
    public static func make(
        _ db: Connection, purpose: MailTokenPurpose, subjectID: Int64?, payload: String = "", lifetime: TimeInterval, key: MailLinkKey,
        now: Date = Date()
    ) throws -> String {
        let token = NewMailToken(lifetime: lifetime, key: key, now: now)
        try insert(db, token, purpose: purpose, subjectID: subjectID, payload: payload)
        return token.placeholder
    }

    /// Stores a token made before the write (its randomness and hash off the writer thread).
    public static func insert(_ db: Connection, _ token: NewMailToken, purpose: MailTokenPurpose, subjectID: Int64?, payload: String = "")
        throws
    {
        try db.run(
            "INSERT INTO mail_tokens (token_hash, purpose, subject_id, payload, expires_at) VALUES (?, ?, ?, ?, ?)",
            token.digest, purpose, subjectID, payload, token.expiresAt)
    }

    /// The token's record; nil when unknown (or made for another purpose).
    /// Links of a purpose not yet used nor expired, newest first: each with its stored key (as
    /// hex: what staff screens name it by; the link itself cannot be made from it), its
    /// payload and when it expires.
    public static func pending(_ db: Connection, purpose: MailTokenPurpose, now: String = Timestamp.now()) throws -> [(
        key: String, payload: String, expiresAt: String
    )] {
        try db.query(
            "SELECT token_hash, payload, expires_at FROM mail_tokens WHERE purpose = ? AND used_at IS NULL AND expires_at > ? ORDER BY expires_at DESC",
            purpose, now,
            row: {
                (
                    Data(try $0.get("token_hash", as: [UInt8].self)).hexString,
                    try $0.get("payload", as: String.self), try $0.get("expires_at", as: String.self)
                )
            })
    }

    /// Ends a pending link by its stored key (hex); its payload when there was one to end.
    public static func revoke(_ db: Connection, key hex: String, purpose: MailTokenPurpose, now: String = Timestamp.now()) throws -> String?
    {
        guard hex.utf8.count <= 256, hex.utf8.count % 2 == 0, let bytes = Data(hex: hex) else { return nil }
        let key = [UInt8](bytes)
        guard
            let payload = try db.scalar(
                "SELECT payload FROM mail_tokens WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?", key, purpose,
                now, as: String.self)
        else { return nil }
        try db.run("UPDATE mail_tokens SET used_at = ? WHERE token_hash = ?", now, key)
        return payload
    }

    public static func find(_ db: Connection, token: String, purpose: MailTokenPurpose, now: String = Timestamp.now()) throws -> MailToken?
    {
        guard token.utf8.count <= 100 else { return nil }
        return try db.first(
            "SELECT subject_id, payload, expires_at, used_at FROM mail_tokens WHERE token_hash = ? AND purpose = ?",
            key(token), purpose
        ) { row in
            let used = try row.optional("used_at", as: String.self) != nil
            let expired = try row.get("expires_at", as: String.self) <= now
            return MailToken(
                subjectID: try row.optional("subject_id", as: Int64.self), payload: try row.get("payload", as: String.self),
                status: used ? .used : expired ? .expired : .valid)
        }
    }

    /// Uses a token (on the writer): its record as it was before, and it is used from now on
    /// if it was valid.
    public static func use(_ db: Connection, token: String, purpose: MailTokenPurpose, now: String = Timestamp.now()) throws -> MailToken? {
        guard let found = try find(db, token: token, purpose: purpose, now: now) else { return nil }
        if found.status == .valid {
            try db.run("UPDATE mail_tokens SET used_at = ? WHERE token_hash = ?", now, key(token))
        }
        return found
    }

    /// Every still-valid token of `purpose` for `subjectID` is used up (a cancelled RSVP's other links).
    public static func retire(_ db: Connection, purpose: MailTokenPurpose, subjectID: Int64, now: String = Timestamp.now()) throws {
        try db.run(
            "UPDATE mail_tokens SET used_at = ? WHERE purpose = ? AND subject_id = ? AND used_at IS NULL", now, purpose, subjectID)
    }

    /// Tokens expired more than a day ago are deleted (housekeeping).
    public static func purgeExpired(_ db: Connection, now: Date = Date()) throws -> Int {
        try db.run("DELETE FROM mail_tokens WHERE expires_at < ?", Timestamp.format(now.addingTimeInterval(-86_400)))
    }
}
