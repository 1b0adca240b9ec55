import Foundation
import Storage

/// A writer's (or staff's) answer to "did they reply?".
public enum ResponseReply: String, SQLTextEnum, CaseIterable, Sendable {
    case unknown, yes, no
    case notSent = "not_sent"
}

public struct LetterResponse: Sendable, RowDecodable {
    public let id: Int64
    public let campaignId: Int64
    public let ridingCode: String
    public let recipientName: String
    public let reply: ResponseReply
    public let said: String
    public let quoteConsent: Bool
    public let source: String
    public let answeredAt: String?

    static let columns = SelectList(of: LetterResponse.self)
}

/// One riding's line on a campaign's responses page.
public struct RidingResponses: Sendable {
    public let ridingCode: String
    public let ridingName: Bilingual
    public let province: String
    public let member: String
    /// Letters written from the riding (kept counts: they outlive the letters).
    public let letters: Int
    public let replied: Bool
    public let answered: Bool
    /// What the recipient said, where the writer (or staff) agreed it may be quoted.
    public let quotes: [String]
}

/// The follow-up after a letter and the answers it gathers (migration 0035).
enum ResponseStore {
    static let followUpDelay: TimeInterval = 14 * 86_400
    static let linkLifetime: TimeInterval = 60 * 86_400

    /// Letters gone two weeks ago or more whose writer was not asked yet: a site letter once
    /// sent, a letter made for the writer to send once made.
    static func dueFollowUps(_ db: Connection, now: Date = Date(), limit: Int = 200) throws -> [(
        id: Int64, campaignID: Int64, riding: String, recipient: String, email: String, language: String, slug: String, title: Bilingual
    )] {
        let before = Timestamp.format(now.addingTimeInterval(-followUpDelay))
        return try db.query(
            """
            SELECT l.id AS id, l.campaign_id AS campaign_id, l.riding_code AS riding_code, l.recipient_name AS recipient_name,
                   l.sender_email AS sender_email, l.language AS language, c.slug AS slug, c.title AS title, c.title_fr AS title_fr
            FROM letters l JOIN letter_campaigns c ON c.id = l.campaign_id
            WHERE l.follow_up_at IS NULL AND l.created_at <= ?
              AND ((l.delivery = 'site' AND l.sent_at IS NOT NULL AND l.sent_at <= ?) OR l.delivery = 'visitor')
            ORDER BY l.created_at LIMIT ?
            """, before, before, limit
        ) { row in
            (
                try row.get("id", as: Int64.self), try row.get("campaign_id", as: Int64.self), try row.get("riding_code", as: String.self),
                try row.get("recipient_name", as: String.self), try row.get("sender_email", as: String.self),
                try row.get("language", as: String.self), try row.get("slug", as: String.self),
                Bilingual(try row.get("title", as: String.self), french: try row.get("title_fr", as: String.self))
            )
        }
    }

    /// Marks a letter asked and opens its answer row (no writer's details in it); the row's id.
    static func ask(
        _ db: Connection, letterID: Int64, campaignID: Int64, riding: String, recipient: String, language: String, now: String
    ) throws -> Int64 {
        try db.run("UPDATE letters SET follow_up_at = ? WHERE id = ?", now, letterID)
        try db.run(
            """
            INSERT INTO letter_responses (campaign_id, riding_code, recipient_name, language, asked_at, created_at, source)
            VALUES (?, ?, ?, ?, ?, ?, 'writer')
            """, campaignID, riding, recipient, language, now, now)
        return try db.lastInsertRowID
    }

    static func find(_ db: Connection, id: Int64) throws -> LetterResponse? {
        try db.first("SELECT \(LetterResponse.columns) FROM letter_responses WHERE id = ?", id, row: LetterResponse.init)
    }

    /// The writer's answer (they may change it while their link lasts).
    static func answer(_ db: Connection, id: Int64, reply: ResponseReply, said: String, consent: Bool, now: String) throws -> Bool {
        try db.run(
            "UPDATE letter_responses SET reply = ?, said = ?, quote_consent = ?, answered_at = ? WHERE id = ?", reply, said, consent, now,
            id) == 1
    }

    /// A reply staff received and record themselves.
    static func record(
        _ db: Connection, campaignID: Int64, riding: String, recipient: String, reply: ResponseReply, said: String, quotable: Bool,
        now: String
    ) throws {
        try db.run(
            """
            INSERT INTO letter_responses (campaign_id, riding_code, recipient_name, reply, said, quote_consent, source, answered_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, 'staff', ?, ?)
            """, campaignID, riding, recipient, reply, said, quotable, now, now)
    }

    static func delete(_ db: Connection, id: Int64, campaignID: Int64) throws -> Bool {
        try db.run("DELETE FROM letter_responses WHERE id = ? AND campaign_id = ?", id, campaignID) == 1
    }

    /// Every answer of a campaign (staff's screen).
    static func all(_ db: Connection, campaignID: Int64) throws -> [LetterResponse] {
        try db.query(
            "SELECT \(LetterResponse.columns) FROM letter_responses WHERE campaign_id = ? AND reply <> 'unknown' ORDER BY answered_at DESC, id DESC",
            campaignID, row: LetterResponse.init)
    }

    /// The campaign riding by riding: letters written, whether the recipient replied, and what
    /// may be quoted; ridings with letters first by count.
    static func byRiding(_ db: Connection, campaignID: Int64) throws -> [RidingResponses] {
        let answers = try db.query(
            "SELECT \(LetterResponse.columns) FROM letter_responses WHERE campaign_id = ? AND reply IN ('yes', 'no') ORDER BY answered_at, id",
            campaignID, row: LetterResponse.init)
        let byRiding = Dictionary(grouping: answers, by: \.ridingCode)
        return try db.query(
            """
            SELECT k.riding_code AS riding_code, k.count AS letters, coalesce(r.name_en, '') AS name_en, coalesce(r.name_fr, '') AS name_fr,
                   coalesce(r.province, '') AS province, coalesce(m.name, '') AS member
            FROM letter_counts k LEFT JOIN ridings r ON r.code = k.riding_code LEFT JOIN members m ON m.riding_code = k.riding_code
            WHERE k.campaign_id = ? AND k.count > 0
            ORDER BY k.count DESC, k.riding_code
            """, campaignID
        ) { row in
            let code = try row.get("riding_code", as: String.self)
            let mine = byRiding[code] ?? []
            return RidingResponses(
                ridingCode: code,
                ridingName: Bilingual(try row.get("name_en", as: String.self), french: try row.get("name_fr", as: String.self)),
                province: try row.get("province", as: String.self), member: try row.get("member", as: String.self),
                letters: try row.get("letters", as: Int.self), replied: mine.contains { $0.reply == .yes }, answered: !mine.isEmpty,
                quotes: mine.filter { $0.reply == .yes && $0.quoteConsent && !$0.said.isEmpty }.map(\.said))
        }
    }

    /// For `/representatives`: by riding, the open letter campaigns whose recipient there replied
    /// (true) or was written to without a reply heard of (false).
    static func records(_ db: Connection, ridings: [String]) throws -> [String: [(campaign: Bilingual, slug: String, replied: Bool)]] {
        guard !ridings.isEmpty else { return [:] }
        let marks = ridings.map { _ in "?" }.joined(separator: ", ")
        var result: [String: [(campaign: Bilingual, slug: String, replied: Bool)]] = [:]
        for row in try db.query(
            """
            SELECT k.riding_code AS riding_code, c.slug AS slug, c.title AS title, c.title_fr AS title_fr,
                   CASE WHEN EXISTS (SELECT 1 FROM letter_responses x WHERE x.campaign_id = k.campaign_id AND x.riding_code = k.riding_code AND x.reply = 'yes') THEN 1 ELSE 0 END AS replied
            FROM letter_counts k JOIN letter_campaigns c ON c.id = k.campaign_id
            WHERE k.count > 0 AND c.state <> 'draft' AND k.riding_code IN (\(marks))
            ORDER BY c.id
            """, parameters: ridings,
            row: { row in
                (
                    try row.get("riding_code", as: String.self), try row.get("slug", as: String.self),
                    Bilingual(try row.get("title", as: String.self), french: try row.get("title_fr", as: String.self)),
                    try row.get("replied", as: Bool.self)
                )
            })
        {
            result[row.0, default: []].append((row.2, row.1, row.3))
        }
        return result
    }
}
