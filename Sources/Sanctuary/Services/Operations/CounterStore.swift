import Foundation
import Storage

/// The counters kept beside their rows so pages never count (`sanctuary check`): each one
/// knows how to list where it differs from its rows and how to recompute itself.
public enum CounterStore {
    /// A kept counter. `differences` answers rows of (what, kept, rows); `repair` recomputes.
    struct Kept {
        let name: String
        let differences: String
        let repair: [String]
    }

    /// One place where a counter and its rows disagree.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public let counter: String
        public let subject: String
        public let kept: Int
        public let rows: Int
        public var description: String { "\(counter): \(subject): kept \(kept), rows say \(rows)" }
    }

    /// Every counter, with SQL that compares it to the rows it counts. Letters are purged after
    /// their retention while their counts stay, so a letter count may exceed its rows, never
    /// fall short of them; the campaign totals are the sums of the per-riding counts.
    static let all: [Kept] = keptColumns + PetitionStore.groupedCounters.map(grouped)

    static let keptColumns: [Kept] = [
        column(
            "signature_count", of: "petitions", named: "'petition ' || slug",
            counting: "SELECT count(*) FROM signatures WHERE petition_id = petitions.id AND confirmed_at IS NOT NULL"),
        column(
            "pledger_count", of: "pledges", named: "'pledge ' || slug",
            counting: "SELECT count(*) FROM pledgers WHERE pledge_id = pledges.id AND listed_at IS NOT NULL"),
        Kept(
            name: "pledge_counts",
            differences: """
                SELECT * FROM (
                    SELECT 'pledge ' || coalesce((SELECT slug FROM pledges WHERE id = k.pledge_id), '') || ', ' || k.kind || ', province ' || k.province AS subject,
                           k.count AS kept,
                           (SELECT count(*) FROM pledgers p WHERE p.pledge_id = k.pledge_id AND p.kind = k.kind AND p.province = k.province AND p.listed_at IS NOT NULL) AS counted
                    FROM pledge_counts k
                    UNION ALL
                    SELECT 'pledge ' || coalesce((SELECT slug FROM pledges WHERE id = p.pledge_id), '') || ', ' || p.kind || ', province ' || p.province, 0, count(*)
                    FROM pledgers p WHERE p.listed_at IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM pledge_counts k WHERE k.pledge_id = p.pledge_id AND k.kind = p.kind AND k.province = p.province)
                    GROUP BY p.pledge_id, p.kind, p.province) AS compared
                WHERE kept != counted
                """,
            repair: [
                "DELETE FROM pledge_counts",
                "INSERT INTO pledge_counts (pledge_id, kind, province, count) SELECT pledge_id, kind, province, count(*) FROM pledgers WHERE listed_at IS NOT NULL GROUP BY pledge_id, kind, province",
            ]),
        column(
            "rsvp_count", of: "events", named: "'event ' || slug",
            counting: "SELECT count(*) FROM rsvps WHERE event_id = events.id AND status = \(RSVPStatus.confirmed.sqlLiteral)"),
        column(
            "waitlist_count", of: "events", named: "'event ' || slug",
            counting: "SELECT count(*) FROM rsvps WHERE event_id = events.id AND status = \(RSVPStatus.waitlist.sqlLiteral)"),
        Kept(
            name: "letter_counts.count",
            differences: """
                SELECT * FROM (
                    SELECT 'campaign ' || (SELECT slug FROM letter_campaigns WHERE id = campaign_id) || ', riding ' || riding_code AS subject,
                           coalesce((SELECT count FROM letter_counts k WHERE k.campaign_id = l.campaign_id AND k.riding_code = l.riding_code), 0) AS kept,
                           count(*) AS counted
                    FROM letters l GROUP BY campaign_id, riding_code) AS compared
                WHERE kept < counted
                """,
            repair: [
                """
                INSERT INTO letter_counts (campaign_id, riding_code, count)
                SELECT campaign_id, riding_code, count(*) FROM letters WHERE true GROUP BY campaign_id, riding_code
                ON CONFLICT (campaign_id, riding_code) DO UPDATE SET count = \(larger("letter_counts.count", "excluded.count"))
                """
            ]),
        Kept(
            name: "letter_counts.sent",
            differences: """
                SELECT * FROM (
                    SELECT 'campaign ' || (SELECT slug FROM letter_campaigns WHERE id = campaign_id) || ', riding ' || riding_code AS subject,
                           coalesce((SELECT sent FROM letter_counts k WHERE k.campaign_id = l.campaign_id AND k.riding_code = l.riding_code), 0) AS kept,
                           count(*) AS counted
                    FROM letters l WHERE sent_at IS NOT NULL GROUP BY campaign_id, riding_code) AS compared
                WHERE kept < counted
                """,
            repair: [
                """
                INSERT INTO letter_counts (campaign_id, riding_code, count, sent)
                SELECT campaign_id, riding_code, count(*), count(*) FROM letters WHERE sent_at IS NOT NULL GROUP BY campaign_id, riding_code
                ON CONFLICT (campaign_id, riding_code) DO UPDATE SET sent = \(larger("letter_counts.sent", "excluded.sent")),
                    count = \(larger("letter_counts.count", "excluded.count"))
                """
            ]),
        column(
            "letter_count", of: "letter_campaigns", named: "'campaign ' || slug",
            counting: "SELECT coalesce(sum(count), 0) FROM letter_counts WHERE campaign_id = letter_campaigns.id"),
        column(
            "sent_count", of: "letter_campaigns", named: "'campaign ' || slug",
            counting: "SELECT coalesce(sum(sent), 0) FROM letter_counts WHERE campaign_id = letter_campaigns.id"),
    ]

    /// The larger of two values: `max(a, b)` in SQLite, `GREATEST` in PostgreSQL, this in both.
    static func larger(_ a: String, _ b: String) -> String { "CASE WHEN \(a) > \(b) THEN \(a) ELSE \(b) END" }

    /// A counter kept in a column of each row of `table` (`signature_count` of each petition)
    /// against what `counting` (a subquery on that row) finds.
    static func column(_ column: String, of table: String, named subject: String, counting: String) -> Kept {
        Kept(
            name: "\(table).\(column)",
            differences: """
                SELECT * FROM (SELECT \(subject) AS subject, \(column) AS kept, (\(counting)) AS counted FROM \(table)) AS compared
                WHERE kept != counted
                """,
            repair: ["UPDATE \(table) SET \(column) = (\(counting))"])
    }

    /// A per-petition table of counts (by province, day, riding, source) against the confirmed signatures.
    static func grouped(_ counter: PetitionStore.GroupedCounter) -> Kept {
        let table = counter.table
        let keys = counter.columns.joined(separator: ", ")
        let confirmed =
            "SELECT petition_id, \(zip(counter.columns, counter.expressions).map { "\($1) AS \($0)" }.joined(separator: ", ")) FROM signatures WHERE confirmed_at IS NOT NULL"
        let matchK = counter.columns.map { "a.\($0) = k.\($0)" }.joined(separator: " AND ")
        let label = counter.columns.map { "', \($0) ' || \($0)" }.joined(separator: " || ")
        return Kept(
            name: table,
            differences: """
                WITH actual AS (SELECT petition_id, \(keys), count(*) AS n FROM (\(confirmed)) AS confirmed GROUP BY petition_id, \(keys)),
                compared AS (
                    SELECT k.petition_id AS petition_id, \(counter.columns.map { "k.\($0) AS \($0)" }.joined(separator: ", ")), k.count AS kept, coalesce(a.n, 0) AS counted
                    FROM \(table) k LEFT JOIN actual a ON a.petition_id = k.petition_id AND \(matchK)
                    UNION ALL
                    SELECT a.petition_id, \(counter.columns.map { "a.\($0)" }.joined(separator: ", ")), 0, a.n FROM actual a
                    WHERE NOT EXISTS (SELECT 1 FROM \(table) k WHERE k.petition_id = a.petition_id AND \(matchK)))
                SELECT 'petition ' || coalesce((SELECT slug FROM petitions WHERE id = petition_id), CAST(petition_id AS TEXT)) || \(label) AS subject,
                       kept, counted
                FROM compared WHERE kept != counted
                """,
            repair: [
                "DELETE FROM \(table)",
                "INSERT INTO \(table) (petition_id, \(keys), count) SELECT petition_id, \(keys), count(*) FROM (\(confirmed)) AS confirmed GROUP BY petition_id, \(keys)",
            ])
    }

    /// What `sanctuary check` found.
    public struct Report: Sendable {
        public var integrity: [String] = []
        /// The first rows whose parent is missing, and how many there are.
        public var foreignKeys: [String] = []
        public var foreignKeyTotal = 0
        public var differences: [Difference] = []
        public var countersChecked = 0
        public var isClean: Bool { integrity.isEmpty && foreignKeyTotal == 0 && differences.isEmpty }
        public var problemCount: Int { integrity.count + foreignKeyTotal + differences.count }
    }

    /// Every kept counter against its rows, read in one snapshot so a signature arriving
    /// meanwhile cannot look like a difference.
    public static func differences(_ db: Connection) throws -> [Difference] {
        let ownTransaction = !db.isInTransaction
        if ownTransaction { try db.execute(db.dialect == .postgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN DEFERRED") }
        defer { if ownTransaction { try? db.execute("COMMIT") } }
        var found: [Difference] = []
        for counter in all {
            found += try db.query(counter.differences) { row in
                Difference(
                    counter: counter.name, subject: try row.optional("subject", as: String.self) ?? "?", kept: try row.get("kept"),
                    rows: try row.get("counted"))
            }
        }
        return found
    }

    /// Integrity, foreign keys and every counter.
    public static func check(_ db: Connection) throws -> Report {
        var report = Report()
        // SQLite's own checks of its file; PostgreSQL checks every reference as it writes.
        if let sqlite = db.sqlite {
            report.integrity = try sqlite.integrityProblems()
            (report.foreignKeys, report.foreignKeyTotal) = try sqlite.foreignKeyProblems()
        }
        report.differences = try differences(db)
        report.countersChecked = all.count
        return report
    }

    /// Recomputes every counter from its rows in one transaction; answers what was mended.
    public static func repair(_ db: Connection) throws -> [Difference] {
        try db.transaction {
            let found = try differences(db)
            for counter in all where found.contains(where: { $0.counter == counter.name }) {
                for sql in counter.repair { try db.run(sql) }
            }
            return found
        }
    }
}
