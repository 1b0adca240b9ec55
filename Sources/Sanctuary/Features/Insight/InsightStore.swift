import Foundation
import Storage

/// Signatures of a petition in one riding, with who represents it.
public struct RidingCount: Sendable, Equatable {
    /// The riding's English name, as signatures keep it.
    public let riding: String
    public let nameFR: String
    public let code: String
    public let province: String
    public let member: String
    public let party: String
    public let count: Int

    func name(_ t: Localizer) -> String { t.language == "fr" && !nameFR.isEmpty ? nameFR : riding }
}

/// A step of the funnel on one day (or in one source), with how many got there.
public struct FunnelRow: Sendable, Equatable {
    /// The day ('YYYY-MM-DD') or the source the row is about.
    public let key: String
    public var counts: [FunnelStage: Int] = [:]
    subscript(stage: FunnelStage) -> Int { counts[stage] ?? 0 }
}

/// What the charts, the map and the tables read: every number comes from a kept counter
/// (`petition_*_counts`, `funnel_counts`, `referrer_counts`), never from scanning signatures.
public enum InsightStore {
    /// Signatures counted per day over `days` days up to `today`, zero-filled (oldest first).
    public static func daily(_ db: Connection, petitionID: Int64, days: Int, today: Date = Date()) throws -> [(day: String, count: Int)] {
        let first = Timestamp.format(today.addingTimeInterval(-Double(days - 1) * 86_400)).prefix(10)
        let rows = try db.query(
            "SELECT day, count FROM petition_daily_counts WHERE petition_id = ? AND day >= ? ORDER BY day", petitionID, String(first)
        ) { (try $0.get("day", as: String.self), try $0.get("count", as: Int.self)) }
        let found = Dictionary(rows, uniquingKeysWith: +)
        return (0..<days).map { back in
            let day = String(Timestamp.format(today.addingTimeInterval(-Double(days - 1 - back) * 86_400)).prefix(10))
            return (day, found[day] ?? 0)
        }
    }

    /// Confirmed signatures per source since `day` ('YYYY-MM-DD'), most first.
    public static func sources(_ db: Connection, petitionID: Int64, since day: String, limit: Int = 50) throws -> [(
        source: String, count: Int
    )] {
        try db.query(
            """
            SELECT source, sum(count) AS n FROM petition_source_counts WHERE petition_id = ? AND day >= ?
            GROUP BY source HAVING sum(count) > 0 ORDER BY n DESC, source LIMIT ?
            """, petitionID, day, limit
        ) { (try $0.get("source", as: String.self), try $0.get("n", as: Int.self)) }
    }

    /// How the funnel is grouped.
    public enum FunnelGrouping: Sendable {
        case hour, day, source
        /// What SQL groups by: hours for days too, since `(hour, stage)` follows the primary
        /// key and needs no sort (a day's 24 hours are added here: 16 ms instead of 46 over a
        /// month of 20 sources).
        var key: String {
            switch self {
            case .hour, .day: "hour"
            case .source: "source"
            }
        }
    }

    /// The funnel of an item since `hour` ('YYYY-MM-DDTHH', or a day), by hour, day or source.
    public static func funnel(_ db: Connection, _ item: FunnelItem, since hour: String, by grouping: FunnelGrouping) throws -> [FunnelRow] {
        let key = grouping.key
        var rows: [String: FunnelRow] = [:]
        var order: [String] = []
        let found = try db.query(
            """
            SELECT \(key) AS k, stage, sum(count) AS n FROM funnel_counts
            WHERE action = ? AND item_id = ? AND hour >= ? GROUP BY \(key), stage ORDER BY k
            """, item.action, item.id, hour
        ) { (try $0.get("k", as: String.self), FunnelStage(rawValue: try $0.get("stage", as: String.self)), try $0.get("n", as: Int.self)) }
        for (found, stage, n) in found {
            guard let stage else { continue }
            let k = grouping == .day ? String(found.prefix(10)) : found
            if rows[k] == nil {
                rows[k] = FunnelRow(key: k)
                order.append(k)
            }
            rows[k]?.counts[stage, default: 0] += n
        }
        return order.compactMap { rows[$0] }
    }

    /// Other sites whose links brought visitors to an item since `day`, most first.
    public static func referrers(_ db: Connection, _ item: FunnelItem, since day: String, limit: Int = 20) throws -> [(
        host: String, count: Int
    )] {
        try db.query(
            """
            SELECT host, sum(count) AS n FROM referrer_counts WHERE action = ? AND item_id = ? AND day >= ?
            GROUP BY host ORDER BY n DESC, host LIMIT ?
            """, item.action, item.id, day, limit
        ) { (try $0.get("host", as: String.self), try $0.get("n", as: Int.self)) }
    }

    /// Signatures per riding, most first, with the riding's member (`limit` nil: every riding).
    public static func ridings(_ db: Connection, petitionID: Int64, limit: Int? = nil) throws -> [RidingCount] {
        try db.query(
            """
            SELECT c.riding, c.count, coalesce(r.code, '') AS code, coalesce(r.name_fr, '') AS name_fr, coalesce(r.province, '') AS province,
                   coalesce(m.name, '') AS member, coalesce(m.party, '') AS party
            FROM petition_riding_counts c
            LEFT JOIN ridings r ON r.name_en = c.riding
            LEFT JOIN members m ON m.riding_code = r.code
            WHERE c.petition_id = ? AND c.count > 0 AND c.riding <> ''
            ORDER BY c.count DESC, c.riding LIMIT ?
            """, petitionID, limit ?? 1_000
        ) { row in
            RidingCount(
                riding: try row.get("riding"), nameFR: try row.get("name_fr"), code: try row.get("code"), province: try row.get("province"),
                member: try row.get("member"), party: try row.get("party"), count: try row.get("count"))
        }
    }

    /// Letters of a letter campaign per riding, most first, with the riding's member.
    /// Letters per riding, most first, with the riding's member (`limit` nil: every riding).
    public static func letterRidings(_ db: Connection, campaignID: Int64, limit: Int? = 20) throws -> [RidingCount] {
        try db.query(
            """
            SELECT r.name_en AS riding, c.count, r.code, r.name_fr, r.province, coalesce(m.name, '') AS member, coalesce(m.party, '') AS party
            FROM letter_counts c JOIN ridings r ON r.code = c.riding_code LEFT JOIN members m ON m.riding_code = r.code
            WHERE c.campaign_id = ? AND c.count > 0 ORDER BY c.count DESC, r.name_en LIMIT ?
            """, campaignID, limit ?? Int(Int32.max)
        ) { row in
            RidingCount(
                riding: try row.get("riding"), nameFR: try row.get("name_fr"), code: try row.get("code"), province: try row.get("province"),
                member: try row.get("member"), party: try row.get("party"), count: try row.get("count"))
        }
    }

    /// Letters per province (from the kept count per riding), most first.
    public static func letterProvinces(_ db: Connection, campaignID: Int64) throws -> [(String, Int)] {
        try db.query(
            """
            SELECT r.province AS province, sum(c.count) AS n FROM letter_counts c JOIN ridings r ON r.code = c.riding_code
            WHERE c.campaign_id = ? GROUP BY r.province HAVING sum(c.count) > 0 ORDER BY n DESC, province
            """, campaignID
        ) { (try $0.get("province", as: String.self), try $0.get("n", as: Int.self)) }
    }

    /// Signatures whose postal code named no single riding (shown as "riding not known").
    public static func unplaced(_ db: Connection, petitionID: Int64) throws -> Int {
        try db.scalar(
            "SELECT coalesce(sum(count), 0) FROM petition_riding_counts WHERE petition_id = ? AND riding = ''", petitionID, as: Int.self)
            ?? 0
    }
}
