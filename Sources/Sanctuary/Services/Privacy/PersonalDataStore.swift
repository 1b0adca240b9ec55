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
            let names = [declaration.table, declaration.email] + declaration.columns
            guard names.allSatisfy(isIdentifier) else { throw DatabaseError.noSuchColumn(names.first { !isIdentifier($0) } ?? "") }
            let columns = declaration.columns.map { "\"\($0)\"" }.joined(separator: ", ")
            let sql =
                "SELECT \(columns) FROM \"\(declaration.table)\" WHERE lower(\"\(declaration.email)\") = lower(?) ORDER BY \(db.dialect.storedOrder)"
            let rows = try db.query(sql, email) { row in
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

    /// The same as JSON: `{"email": …, "tables": [{"what", "table", "rows"}]}`, keys sorted.
    public static func exportJSON(_ db: Connection, email: String, in declarations: [PersonalData]) throws -> Data {
        let found = try find(db, email: email, in: declarations)
        let object: [String: Any] = [
            "email": email,
            "tables": found.map { ["what": $0.what, "table": $0.table, "rows": $0.rows] as [String: Any] },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }

    static func isIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }
}

extension Application {
    /// Every table the features declare holds personal data.
    public var personalData: [PersonalData] { featureTypes.flatMap { $0.personalData } }
}
