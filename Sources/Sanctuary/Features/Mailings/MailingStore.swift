import Foundation
import Storage

/// A mailing's progress while it goes: messages by outbox state.
public struct MailingProgress: Sendable {
    public var waiting = 0
    public var held = 0
    public var retrying = 0
}

/// Mailings, their recipients, and the addresses bulk mail skips.
public enum MailingStore {
    /// Saves a draft's text and audience (a new test is then needed); false when it is no longer a draft.
    public static func update(_ db: Connection, id: Int64, _ draft: MailingDraft, now: String = Timestamp.now()) throws -> Bool {
        try db.run(
            """
            UPDATE mailings SET subject_en = ?, body_en = ?, subject_fr = ?, body_fr = ?, audience = ?, audience_id = ?, updated_at = ?,
                tested_at = NULL
            WHERE id = ? AND state IN (?, ?)
            """, draft.subjectEn, draft.bodyEn, draft.subjectFr, draft.bodyFr, draft.audience.key, draft.audienceID, now, id,
            MailingState.draft, MailingState.scheduled) == 1
    }

    /// Its author sent themselves a test of its current text.
    public static func noteTest(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws {
        try db.run("UPDATE mailings SET tested_at = ? WHERE id = ?", now, id)
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
            "UPDATE mailings SET state = ?, send_at = ?, updated_at = ? WHERE id = ? AND state IN (?, ?)",
            MailingState.scheduled, at, Timestamp.now(), id, MailingState.draft, MailingState.scheduled) == 1
    }

    /// Drafts whose time has come (the state written in the statement: the partial index
    /// `mailings_scheduled` serves only a condition it can see).
    public static func due(_ db: Connection, now: String = Timestamp.now()) throws -> [Int64] {
        try db.query("SELECT id FROM mailings WHERE state = \(MailingState.scheduled.sqlLiteral) AND send_at <= ? ORDER BY send_at", now) {
            try $0.get("id", as: Int64.self)
        }
    }

    /// Pauses a mailing that is going out: its unsent messages are held.
    public static func pause(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Bool {
        guard try move(db, id: id, from: .sending, to: .paused, now: now) else { return false }
        try db.run(
            "UPDATE outbox SET next_attempt_at = ? WHERE mailing_id = ? AND state IN \(OutboxState.unsent.sqlList)", OutboxStore.heldUntil,
            id)
        return true
    }

    /// Its held messages are due again.
    public static func resume(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Bool {
        guard try move(db, id: id, from: .paused, to: .sending, now: now) else { return false }
        try db.run(
            "UPDATE outbox SET next_attempt_at = ? WHERE mailing_id = ? AND state IN \(OutboxState.unsent.sqlList) AND next_attempt_at = ?",
            now, id, OutboxStore.heldUntil)
        try BulkMailStore.finishIfDone(db, id: id, now: now)
        return true
    }

    /// From one state to another; false when the mailing was not in `from`.
    private static func move(_ db: Connection, id: Int64, from: MailingState, to: MailingState, now: String) throws -> Bool {
        try db.run("UPDATE mailings SET state = ?, updated_at = ? WHERE id = ? AND state = ?", to, now, id, from) == 1
    }

    /// Cancels a scheduled, sending or paused mailing: what has not gone leaves the outbox.
    public static func cancel(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Bool {
        guard
            try db.run(
                "UPDATE mailings SET state = ?, finished_at = ?, updated_at = ? WHERE id = ? AND state IN (?, ?, ?)",
                MailingState.cancelled, now, now, id, MailingState.scheduled, MailingState.sending, MailingState.paused) == 1
        else { return false }
        try db.run("DELETE FROM outbox WHERE mailing_id = ? AND state IN \(OutboxState.unsent.sqlList)", id)
        return true
    }
}
