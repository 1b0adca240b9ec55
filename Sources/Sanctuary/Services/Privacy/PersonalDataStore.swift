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
        let only = declaration.only.map { "(\($0)) AND " } ?? ""
        guard declaration.mentions else { return only + "lower(\(column)) = ?" }
        return only + (dialect == .postgres ? "strpos(lower(\(column)), ?) > 0" : "instr(lower(\(column)), ?) > 0")
    }

    static func check(_ declaration: PersonalData) throws {
        var names = [declaration.table, declaration.email, declaration.key] + declaration.columns + (declaration.order.map { [$0] } ?? [])
        if case .blank(let values) = declaration.erase { names += values.keys }
        guard names.allSatisfy(isIdentifier) else { throw DatabaseError.noSuchColumn(names.first { !isIdentifier($0) } ?? "") }
    }

    /// The rows of one declaration that hold an address, by their keys.
    public struct Located: Sendable {
        public let declaration: PersonalData
        public let keys: [SQLValue]
    }

    /// Every row that holds `email`, by key: read on a reader (a scan of a large table, the
    /// outbox's messages, costs the writer nothing), then erased by key in small writes.
    public static func locate(_ db: Connection, email: String, in declarations: [PersonalData]) throws -> [Located] {
        try declarations.compactMap { declaration in
            try check(declaration)
            let keys = try db.query(
                "SELECT \"\(declaration.key)\" FROM \"\(declaration.table)\" WHERE \(condition(declaration, db.dialect))",
                email.lowercased()
            ) { $0.value(at: 0) }
            return keys.isEmpty ? nil : Located(declaration: declaration, keys: keys)
        }
    }

    /// What erasing what `locate` found does (or would do): rows that go, rows kept for the
    /// counts with the person's fields blanked, rows left (and why), rows taken out of the
    /// counts when `removing` (staff chose to remove, not only anonymise).
    public struct Outcome: Sendable, Equatable {
        public let what: String
        public var deleted = 0
        public var blanked = 0
        public var kept = 0
        public var keptBecause = ""
        public var removed = 0
    }

    /// What erasing would do, counted from what `locate` found.
    public static func preview(_ located: [Located], removing: Bool) -> [Outcome] {
        located.map { found in
            var outcome = Outcome(what: found.declaration.what)
            let count = found.keys.count
            if removing, found.declaration.remove != nil {
                outcome.removed = count
            } else {
                switch found.declaration.erase {
                case .delete: outcome.deleted = count
                case .blank: outcome.blanked = count
                case .keep(let why): (outcome.kept, outcome.keptBecause) = (count, why)
                }
            }
            return outcome
        }
    }

    /// The largest batch of keys one write deals with.
    public static let batch = 200

    /// Erases one batch of one declaration's rows (at most `batch` keys), in the caller's
    /// transaction. Blanked values are the declaration's own expressions; `:now` is the time.
    public static func apply(_ db: Connection, _ declaration: PersonalData, keys: [SQLValue], removing: Bool) throws -> Outcome {
        try check(declaration)
        var outcome = Outcome(what: declaration.what)
        guard !keys.isEmpty else { return outcome }
        let table = "\"\(declaration.table)\""
        let list = "\"\(declaration.key)\" IN (\(keys.map { _ in "?" }.joined(separator: ", ")))"
        let parameters: [any SQLBindable] = keys
        if removing, let remove = declaration.remove {
            outcome.removed = try remove(db, keys.compactMap { if case .integer(let id) = $0 { id } else { nil } })
            return outcome
        }
        switch declaration.erase {
        case .delete: outcome.deleted = try db.run("DELETE FROM \(table) WHERE \(list)", parameters: parameters)
        case .blank(let values):
            outcome.blanked = try db.run("UPDATE \(table) SET \(assignments(values, db.dialect)) WHERE \(list)", parameters: parameters)
        case .keep(let why): (outcome.kept, outcome.keptBecause) = (keys.count, why)
        }
        return outcome
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

    /// These rows of `table` (by id) given `values` (a declaration's blanking), those not
    /// blanked already (`done`: SQL true of a row that is); answers how many changed.
    static func blank(_ db: Connection, table: String, _ values: [String: String], ids: [Int64], unless done: String) throws -> Int {
        guard !ids.isEmpty, isIdentifier(table) else { return 0 }
        return try db.run(
            """
            UPDATE "\(table)" SET \(assignments(values, db.dialect))
            WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", "))) AND NOT (\(done))
            """, parameters: ids)
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
