import Foundation
import Storage

/// A petition's outcome: the target's response, or a note that it was delivered.
public struct PetitionOutcome: Sendable, RowDecodable {
    public let id: Int64
    public let kind: OutcomeKind
    public let bodyEn: String
    public let bodyFr: String
    public let happenedOn: String
    public let createdAt: String

    static let columns = SelectList(of: PetitionOutcome.self)

    public func body(_ language: String) -> String { language == "fr" && !bodyFr.isEmpty ? bodyFr : bodyEn }
}

/// Outcomes posted by organizers, newest first.
public enum OutcomeStore {
    public static func all(_ db: Connection, petitionID: Int64) throws -> [PetitionOutcome] {
        try db.query(
            "SELECT \(PetitionOutcome.columns) FROM petition_outcomes WHERE petition_id = ? ORDER BY happened_on DESC, id DESC", petitionID,
            row: PetitionOutcome.init)
    }

    public static func add(
        _ db: Connection, petitionID: Int64, kind: OutcomeKind, bodyEn: String, bodyFr: String, happenedOn: String, by author: String,
        mailingID: Int64?, now: String = Timestamp.now()
    ) throws -> Int64 {
        try db.run(
            """
            INSERT INTO petition_outcomes (petition_id, kind, body_en, body_fr, happened_on, mailing_id, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, petitionID, kind, bodyEn, bodyFr, happenedOn, mailingID, author, now)
        return try db.lastInsertRowID
    }

    /// How many confirmed signers asked to hear the outcome.
    public static func notifyCount(_ db: Connection, petitionID: Int64) throws -> Int {
        try BulkMailStore.recipientCount(db, audience: .outcome, audienceID: petitionID)
    }
}
