import Foundation
import Storage

/// A supporter's data across every feature, found by e-mail address through what each
/// feature declares it holds (`Feature.personalData`): the ground the privacy screens and
/// commands stand on. Table and column names come from those declarations, never from a
/// request, and are checked to be plain identifiers before they go into SQL; the address
/// is bound.
public enum PersonalDataStore {
    public struct Found: Sendable {
        public let what: String
        public let table: String
        public let rows: [[String: String]]
    }

    /// Every row that holds `email`, declaration by declaration (the empty ones left out).
    public static func find(_ db: Connection, email: String, in declarations: [PersonalData]) throws -> [Found] {
        var found: [Found] = []
        for declaration in declarations {
            try check(declaration)
            let columns = declaration.columns.map { "\"\($0)\"" }.joined(separator: ", ")
            let sql =
                "SELECT \(columns) FROM \"\(declaration.table)\" WHERE \(condition(declaration, db.dialect)) ORDER BY \(declaration.order ?? db.dialect.storedOrder)"
            let rows = try db.query(sql, email.lowercased()) { row in
                var values: [String: String] = [:]
                for column in declaration.columns {
                    switch try row.value(column) {
                    case .null: continue
                    case .integer(let v): values[column] = String(v)
                    case .real(let v): values[column] = String(v)
                    case .text(let v): values[column] = v
                    case .blob(let v): values[column] = Data(v).base64EncodedString()
                    }
                }
                return values
            }
            if !rows.isEmpty { found.append(Found(what: declaration.what, table: declaration.table, rows: rows)) }
        }
        return found
    }

    /// How a declaration's rows are found from a (case-folded) address, bound as the one parameter.
    static func condition(_ declaration: PersonalData, _ dialect: Dialect) -> String {
        let column = "\"\(declaration.email)\""
        guard declaration.mentions else { return "lower(\(column)) = ?" }
        return dialect == .postgres ? "strpos(lower(\(column)), ?) > 0" : "instr(lower(\(column)), ?) > 0"
    }

    static func check(_ declaration: PersonalData) throws {
        var names = [declaration.table, declaration.email] + declaration.columns + (declaration.order.map { [$0] } ?? [])
        if case .blank(let values) = declaration.erase { names += values.keys }
        guard names.allSatisfy(isIdentifier) else { throw DatabaseError.noSuchColumn(names.first { !isIdentifier($0) } ?? "") }
    }

    /// What erasing an address would do, declaration by declaration: rows that go, rows kept
    /// for the counts with the person's fields blanked, rows left (and why), rows taken out of
    /// the counts when `removing` (staff chose to remove, not only anonymise).
    public struct Outcome: Sendable, Equatable {
        public let what: String
        public let deleted: Int
        public let blanked: Int
        public let kept: Int
        public let keptBecause: String
        public let removed: Int
    }

    /// Erases (or, with `dryRun`, only counts) what every declaration holds of `email`, in one
    /// transaction (the caller's). Blanked values are the declarations' own expressions;
    /// `:now` stands for the current time.
    public static func erase(
        _ db: Connection, email: String, in declarations: [PersonalData], removing: Bool = false, dryRun: Bool = false
    ) throws -> [Outcome] {
        let address = email.lowercased()
        var outcomes: [Outcome] = []
        for declaration in declarations {
            try check(declaration)
            let table = "\"\(declaration.table)\""
            let condition = condition(declaration, db.dialect)
            let count = try db.scalar("SELECT count(*) FROM \(table) WHERE \(condition)", address, as: Int.self) ?? 0
            guard count > 0 else { continue }
            var (deleted, blanked, kept, removed, because) = (0, 0, 0, 0, "")
            if removing, let remove = declaration.remove {
                removed = dryRun ? count : try remove(db, address)
            } else {
                switch declaration.erase {
                case .delete:
                    deleted = dryRun ? count : try db.run("DELETE FROM \(table) WHERE \(condition)", address)
                case .blank(let values):
                    blanked =
                        dryRun ? count : try db.run("UPDATE \(table) SET \(assignments(values, db.dialect)) WHERE \(condition)", address)
                case .keep(let why):
                    (kept, because) = (count, why)
                }
            }
            outcomes.append(
                Outcome(what: declaration.what, deleted: deleted, blanked: blanked, kept: kept, keptBecause: because, removed: removed))
        }
        return outcomes
    }

    /// The same as JSON: `{"email": …, "tables": [{"what", "table", "rows"}]}`, keys sorted.
    public static func exportJSON(_ db: Connection, email: String, in declarations: [PersonalData]) throws -> Data {
        let found = try find(db, email: email, in: declarations)
        let object: [String: Any] = [
            "email": email,
            "tables": found.map { ["what": $0.what, "table": $0.table, "rows": $0.rows] as [String: Any] },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }

    /// `column = expression, …` for an UPDATE, `:now` made the current time.
    static func assignments(_ values: [String: String], _ dialect: Dialect) -> String {
        values.sorted { $0.key < $1.key }.map { "\"\($0.key)\" = \($0.value.replacingOccurrences(of: ":now", with: dialect.now))" }
            .joined(separator: ", ")
    }

    static func isIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }
}

extension Application {
    /// Every table the features declare holds personal data.
    public var personalData: [PersonalData] { featureTypes.flatMap { $0.personalData } }
}
