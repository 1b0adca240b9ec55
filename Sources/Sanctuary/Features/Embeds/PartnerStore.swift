import Foundation
import Storage

/// A partner group of a campaign: its embeds are credited to it (source `embed.{key}`), and a
/// signer may ask to hear from it.
public struct Partner: Sendable, Equatable {
    public let id: Int64
    public let campaignID: Int64
    public let key: String
    public let name: String
    public let website: String

    static let columns = "id, campaign_id, key, name, website"

    init(row: Row) throws {
        id = try row.get("id")
        campaignID = try row.get("campaign_id")
        key = try row.get("key")
        name = try row.get("name")
        website = try row.get("website")
    }

    /// The source an embed of this partner's records.
    var source: String { "embed.\(key)" }
}

public enum PartnerStore {
    public static func all(_ db: Connection, campaignID: Int64) throws -> [Partner] {
        try db.query("SELECT \(Partner.columns) FROM partners WHERE campaign_id = ? ORDER BY name, id", campaignID, row: Partner.init)
    }

    public static func find(_ db: Connection, campaignID: Int64, key: String) throws -> Partner? {
        try db.first("SELECT \(Partner.columns) FROM partners WHERE campaign_id = ? AND key = ?", campaignID, key, row: Partner.init)
    }

    public static func find(_ db: Connection, id: Int64) throws -> Partner? {
        try db.first("SELECT \(Partner.columns) FROM partners WHERE id = ?", id, row: Partner.init)
    }

    /// False when the campaign already has a partner with this key.
    public static func add(_ db: Connection, campaignID: Int64, key: String, name: String, website: String) throws -> Bool {
        try db.run(
            """
            INSERT INTO partners (campaign_id, key, name, website, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (campaign_id, key) DO NOTHING
            """, campaignID, key, name, website, Timestamp.now()) == 1
    }

    public static func remove(_ db: Connection, id: Int64) throws -> Partner? {
        let found = try find(db, id: id)
        try db.run("DELETE FROM partners WHERE id = ?", id)
        return found
    }

    /// How many confirmed signers asked to hear from a partner.
    public static func optInCount(_ db: Connection, _ partner: Partner) throws -> Int {
        try db.scalar(
            """
            SELECT count(*) FROM signatures s JOIN petitions p ON p.id = s.petition_id
            WHERE p.campaign_id = ? AND s.partner_consent = ? AND s.confirmed_at IS NOT NULL
            """, partner.campaignID, partner.key, as: Int.self) ?? 0
    }

    /// A partner's opt-ins for the partner (confirmed signers who ticked its box), oldest first.
    static let optInsSQL = """
        SELECT s.confirmed_at, s.first_name, s.last_name, s.email, s.postal_code, s.language, p.slug
        FROM partners pa JOIN petitions p ON p.campaign_id = pa.campaign_id
        JOIN signatures s ON s.petition_id = p.id AND s.partner_consent = pa.key
        WHERE pa.id = ? AND s.confirmed_at IS NOT NULL ORDER BY s.confirmed_at, s.id
        """
    static let optInsExport = CSVExport(
        header: ["consented_at", "first_name", "last_name", "email", "postal_code", "language", "petition"], sql: optInsSQL,
        cell: { _, _ in nil })
}
