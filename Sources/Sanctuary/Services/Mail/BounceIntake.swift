import Foundation
import Mail
import Storage

/// Bounces and complaints that arrive after the relay accepted a message: a report piped to
/// `sanctuary mail bounce` by the mail server that receives the return path's domain.
///
/// A report is acted on only when it names a message we sent: by its VERP return path
/// (`bounce+{id}-{tag}@…`) or the tagged `Message-ID` of a mailing's message. Both carry a
/// MAC, so nobody can write a report that suppresses or unsubscribes someone else.
public enum BounceIntake {
    /// What was done, a line each (for the mail server's log).
    public static func record(
        _ db: Connection, report: MailReport, envelopeRecipient: String?, key: ServerKey, policy: BouncePolicy, now: Date = Date()
    ) throws -> [String] {
        let named =
            ([envelopeRecipient].compactMap { $0 } + report.deliveredTo).lazy.compactMap { ReturnPath.outboxID(in: $0, key: key) }
            .first ?? report.originalMessageID.flatMap { ReturnPath.outboxID(inMessageID: $0, key: key) }
        guard let outboxID = named else { return ["ignored: the report names no message of ours (no tagged return path or Message-ID)"] }
        guard let recipient = try OutboxStore.recipient(db, id: outboxID) else {
            return ["ignored: message #\(outboxID) is no longer kept"]
        }
        switch report.kind {
        case .feedback:
            guard report.feedbackType != "not-spam" else { return ["ignored: a not-spam report for #\(outboxID)"] }
            let detail = "complaint (\(report.feedbackType.isEmpty ? "abuse" : report.feedbackType)) about message #\(outboxID)"
            try SuppressionStore.record(
                db, address: recipient, kind: .complaint, source: .arf, detail: detail, outboxID: outboxID, policy: policy, now: now)
            try note(db, outboxID, detail)
            return ["unsubscribed \(recipient): \(detail)"]
        case .deliveryStatus:
            var lines: [String] = []
            for entry in report.recipients {
                guard entry.action == "failed", entry.status.hasPrefix("5") else {
                    lines.append("noted: \(entry.action) \(entry.status) for #\(outboxID)")
                    continue
                }
                let reply = "550 \(entry.status) \(entry.diagnostic)"
                let verdict = DeliveryFailure(stage: .recipient, code: 550, reply: reply).verdict
                guard verdict != .messageRefused else {
                    lines.append("noted: the message #\(outboxID) was refused (\(entry.status)); nobody suppressed")
                    continue
                }
                let kind: BounceKind = verdict == .hardBounce ? .hard : .soft
                let detail = "bounced after acceptance: \(entry.status) \(entry.diagnostic)".trimmingCharacters(in: .whitespaces)
                let suppressed = try SuppressionStore.record(
                    db, address: recipient, kind: kind, source: .dsn, detail: detail, outboxID: outboxID, policy: policy, now: now)
                try note(db, outboxID, detail)
                lines.append("\(kind.rawValue) bounce for \(recipient) (\(entry.status))\(suppressed ? ": suppressed" : "")")
            }
            return lines
        }
    }

    /// A message to a mailing's `List-Unsubscribe` mailto (`bounce+unsubscribe-{id}-{tag}@…`):
    /// its recipient leaves every list, as with the link. Nil when `addresses` hold no such
    /// address of ours.
    public static func unsubscribe(_ db: Connection, addresses: [String], key: ServerKey, now: Date = Date()) throws -> [String]? {
        guard let outboxID = addresses.lazy.compactMap({ ReturnPath.unsubscribeID(in: $0, key: key) }).first else { return nil }
        guard
            let (recipient, mailingID) = try OutboxStore.recipientAndMailing(db, id: outboxID)
        else { return ["ignored: message #\(outboxID) is no longer kept"] }
        let id = try BulkMailStore.addressID(db, recipient.lowercased())
        let left = try BulkMailStore.unsubscribe(db, addressID: id, mailingID: mailingID, now: Timestamp.format(now))
        return [left ? "unsubscribed \(recipient) by mail (message #\(outboxID))" : "noted: \(recipient) had left already"]
    }

    /// The message's page on `/admin/outbox` says what became of it.
    private static func note(_ db: Connection, _ outboxID: Int64, _ detail: String) throws {
        try OutboxStore.note(db, id: outboxID, String(detail.prefix(2000)))
    }
}
