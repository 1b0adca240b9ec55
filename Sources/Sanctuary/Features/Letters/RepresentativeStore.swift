import Foundation
import Storage

/// A riding and, when we have it, its Member of Parliament.
public struct Representative: Sendable, Equatable, RowDecodable {
    public let ridingCode: String
    public let ridingName: String
    public let ridingNameFr: String
    public let province: String
    public let memberName: String?
    public let honorific: String
    public let party: String
    public let email: String
    public let constituencyOffice: String
    public let hillOffice: String
    public let isSample: Bool

    /// A riding joined with its member, if any (a riding without one reads empty texts).
    static let columns = SelectList(
        of: Representative.self,
        expressions: [
            "riding_code": "ridings.code", "riding_name": "ridings.name_en", "riding_name_fr": "ridings.name_fr",
            "province": "ridings.province", "member_name": "members.name", "honorific": "coalesce(members.honorific, '')",
            "party": "coalesce(members.party, '')", "email": "coalesce(members.email, '')",
            "constituency_office": "coalesce(members.constituency_office, '')", "hill_office": "coalesce(members.hill_office, '')",
            "is_sample": "coalesce(members.is_sample, 0)",
        ])

    /// The riding's name in `t`'s language (the shipped list has both official names).
    public func ridingName(_ t: Localizer) -> String {
        t.language == "fr" && !ridingNameFr.isEmpty ? ridingNameFr : ridingName
    }

    /// `Hon. Jane Doe` or `Jane Doe`.
    public var formalName: String { [honorific, memberName ?? ""].filter { !$0.isEmpty }.joined(separator: " ") }
}

public enum RepresentativeStore {
    public static func hasMembers(_ db: Connection) throws -> Bool {
        try db.scalar("SELECT EXISTS (SELECT 1 FROM members)", as: Int.self) == 1
    }

    static let select = "SELECT \(Representative.columns) FROM ridings LEFT JOIN members ON members.riding_code = ridings.code"

    /// The ridings (with MPs) for a normalised postal code's FSA.
    public static func lookup(_ db: Connection, postalCode: String) throws -> [Representative] {
        try db.query(
            "\(select) JOIN fsa_ridings ON fsa_ridings.riding_code = ridings.code WHERE fsa_ridings.fsa = ? ORDER BY ridings.name_en",
            String(postalCode.prefix(3)), row: Representative.init)
    }

    public static func riding(_ db: Connection, code: String) throws -> Representative? {
        try db.first("\(select) WHERE ridings.code = ?", code, row: Representative.init)
    }

    /// Loads the shipped riding list when the table is empty.
    public static func loadRidingsIfEmpty(_ db: Connection, file: URL) throws -> Int {
        guard try db.scalar("SELECT count(*) FROM ridings", as: Int.self) == 0,
            let text = try? String(contentsOf: file, encoding: .utf8)
        else { return 0 }
        let records = try CSV.parse(text)
        guard records.first?.fields == ["riding_code", "name_en", "name_fr", "province"] else {
            throw CSV.ParseError(line: 1, reason: "expected the header riding_code,name_en,name_fr,province")
        }
        for record in records.dropFirst() where record.fields.count == 4 {
            try db.run(
                "INSERT INTO ridings (code, name_en, name_fr, province) VALUES (?, ?, ?, ?)",
                record.fields[0], record.fields[1], record.fields[2], record.fields[3])
        }
        return records.count - 1
    }

    public struct ImportReport: Sendable, Equatable, CustomStringConvertible {
        public var read = 0, added = 0, updated = 0
        public init(read: Int = 0, added: Int = 0, updated: Int = 0) {
            self.read = read
            self.added = added
            self.updated = updated
        }
        public var description: String { "\(read) rows read, \(added) added, \(updated) updated" }
    }

    /// Imports members: `riding_code,riding_name,province,mp_name,party,email` and optionally
    /// `honorific,constituency_office,hill_office,phone`. All or nothing: the first bad row
    /// stops the import with its line number and nothing is kept.
    public static func importMembers(_ db: Connection, csv text: String, sample: Bool = false) throws -> ImportReport {
        let records = try CSV.parse(text)
        let required = ["riding_code", "riding_name", "province", "mp_name", "party", "email"]
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw CSV.ParseError(line: 1, reason: "the file is empty")
        }
        for column in required where !header.contains(column) {
            throw CSV.ParseError(line: 1, reason: "the header has no \(column) column (expected \(required.joined(separator: ",")))")
        }
        func index(_ name: String) -> Int? { header.firstIndex(of: name) }
        var report = ImportReport()
        try db.transaction {
            for record in records.dropFirst() {
                guard record.fields.count == header.count else {
                    throw CSV.ParseError(line: record.line, reason: "\(record.fields.count) fields, the header has \(header.count)")
                }
                func value(_ name: String) -> String { index(name).map { record.fields[$0].trimmingCharacters(in: .whitespaces) } ?? "" }
                let code = value("riding_code")
                let name = value("mp_name")
                let email = value("email")
                guard code.count == 5, code.allSatisfy(\.isNumber) else {
                    throw CSV.ParseError(line: record.line, reason: "riding_code \"\(code)\" is not a five-digit riding number")
                }
                guard try db.scalar("SELECT 1 FROM ridings WHERE code = ?", code, as: Int.self) == 1 else {
                    throw CSV.ParseError(line: record.line, reason: "riding_code \(code) is not one of the 343 ridings")
                }
                guard !name.isEmpty else { throw CSV.ParseError(line: record.line, reason: "mp_name is empty") }
                guard email.isEmpty || Input.email(email) != nil else {
                    throw CSV.ParseError(line: record.line, reason: "email \"\(email)\" is not an e-mail address")
                }
                report.read += 1
                let existed = try db.scalar("SELECT 1 FROM members WHERE riding_code = ?", code, as: Int.self) == 1
                try db.run(
                    """
                    INSERT INTO members (riding_code, name, honorific, party, email, constituency_office, hill_office, phone, is_sample)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (riding_code) DO UPDATE SET name = excluded.name, honorific = excluded.honorific, party = excluded.party,
                        email = excluded.email, constituency_office = excluded.constituency_office, hill_office = excluded.hill_office,
                        phone = excluded.phone, is_sample = excluded.is_sample
                    """, code, name, value("honorific"), value("party"), email.lowercased(), value("constituency_office"),
                    value("hill_office"), value("phone"), sample)
                if existed { report.updated += 1 } else { report.added += 1 }
            }
        }
        return report
    }

    /// Imports the FSA → riding table: `fsa,riding_code`, one row per pair. All or nothing.
    public static func importFSA(_ db: Connection, csv text: String, sample: Bool = false) throws -> ImportReport {
        let records = try CSV.parse(text)
        guard records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == ["fsa", "riding_code"] else {
            throw CSV.ParseError(line: 1, reason: "expected the header fsa,riding_code")
        }
        var report = ImportReport()
        try db.transaction {
            for record in records.dropFirst() {
                guard record.fields.count == 2 else { throw CSV.ParseError(line: record.line, reason: "expected 2 fields") }
                let fsa = record.fields[0].trimmingCharacters(in: .whitespaces).uppercased()
                let code = record.fields[1].trimmingCharacters(in: .whitespaces)
                guard PostalCode.normalise(fsa + "1A1") != nil else {
                    throw CSV.ParseError(line: record.line, reason: "\"\(fsa)\" is not a forward sortation area like K1A")
                }
                guard try db.scalar("SELECT 1 FROM ridings WHERE code = ?", code, as: Int.self) == 1 else {
                    throw CSV.ParseError(line: record.line, reason: "riding_code \(code) is not one of the 343 ridings")
                }
                report.read += 1
                let changed = try db.run(
                    "INSERT INTO fsa_ridings (fsa, riding_code, is_sample) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    fsa, code, sample)
                if changed == 1 { report.added += 1 }
            }
        }
        return report
    }
}

extension Application {
    /// `sanctuary import-representatives`: members (name, riding, e-mail…) from a CSV, in one
    /// transaction; nothing is imported when the file is refused.
    public func importMembers(csv text: String) throws -> RepresentativeStore.ImportReport {
        try database.exclusive { db in try RepresentativeStore.importMembers(db, csv: text) }
    }

    /// `sanctuary import-representatives --fsa`: postal-code areas (FSA) and their ridings.
    public func importFSA(csv text: String) throws -> RepresentativeStore.ImportReport {
        try database.exclusive { db in try RepresentativeStore.importFSA(db, csv: text) }
    }
}
