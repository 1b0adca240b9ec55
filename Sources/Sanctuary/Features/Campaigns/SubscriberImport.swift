import Foundation
import Storage

/// Bringing an existing list: a CSV of supporters who agreed elsewhere (a paper sign-up
/// sheet, an older mailing tool), with a note of where and when they agreed, which Canada's
/// anti-spam law asks an organisation to be able to show. Read once, previewed with counts
/// (new, already subscribed, suppressed, invalid, repeated in the file), then imported all
/// or nothing, in one transaction, and audited.
///
/// Columns, by header (any order, any case): `email` (required), `name` (or `first_name` and
/// `last_name`), `postal_code`, `language` (`en` or `fr`). Others are ignored. An address that
/// unsubscribed, bounced for good or complained is never imported: only its owner can come back.
public struct SubscriberImport: Sendable {
    public struct Row: Sendable, Equatable {
        public let line: Int
        public let email: String
        public let name: String
        public let postalCode: String
        public let language: String
    }

    /// A row left out, and why (a catalogue key: `import.problem.…`).
    public struct Problem: Sendable, Equatable {
        public let line: Int
        public let reason: String
    }

    public let rows: [Row]
    public let invalid: [Problem]
    /// Rows whose address came earlier in the file.
    public let repeated: Int
    public let ignoredColumns: [String]

    /// The most rows one import takes.
    public static let maxRows = 100_000

    /// What reading the file came to, before the database is asked.
    public enum ReadError: Error, Equatable {
        case notCSV(line: Int, reason: String)
        case noEmailColumn
        case empty
        case tooManyRows(Int)
    }

    public static func read(_ text: String) -> Result<SubscriberImport, ReadError> {
        let records: [(line: Int, fields: [String])]
        do { records = try CSV.parse(text) } catch let error as CSV.ParseError {
            return .failure(.notCSV(line: error.line, reason: error.reason))
        } catch { return .failure(.notCSV(line: 0, reason: "\(error)")) }
        guard let header = records.first else { return .failure(.empty) }
        guard records.count - 1 <= maxRows else { return .failure(.tooManyRows(records.count - 1)) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "_") }
        func column(_ name: String) -> Int? { names.firstIndex(of: name) }
        guard let email = column("email") ?? column("e-mail") ?? column("email_address") else { return .failure(.noEmailColumn) }
        let known: Set<String> = ["email", "e-mail", "email_address", "name", "first_name", "last_name", "postal_code", "language"]
        let (name, first, last, postal, language) = (
            column("name"), column("first_name"), column("last_name"), column("postal_code"),
            column("language")
        )
        var rows: [Row] = []
        var invalid: [Problem] = []
        var seen: Set<String> = []
        var repeated = 0
        for (line, fields) in records.dropFirst() {
            func cell(_ index: Int?) -> String {
                guard let index, index < fields.count else { return "" }
                return fields[index].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let address = Input.email(cell(email)) else {
                invalid.append(Problem(line: line, reason: cell(email).isEmpty ? "import.problem.no_email" : "import.problem.email"))
                continue
            }
            let fullName = name != nil ? cell(name) : [cell(first), cell(last)].filter { !$0.isEmpty }.joined(separator: " ")
            guard case .success(let cleanName) = Input.text(fullName, required: false, maxLength: 200) else {
                invalid.append(Problem(line: line, reason: "import.problem.name"))
                continue
            }
            var postalCode = ""
            if !cell(postal).isEmpty {
                guard let normalised = PostalCode.normalise(cell(postal)) else {
                    invalid.append(Problem(line: line, reason: "import.problem.postal_code"))
                    continue
                }
                postalCode = normalised
            }
            let lang = cell(language).lowercased().prefix(2)
            guard lang.isEmpty || lang == "en" || lang == "fr" else {
                invalid.append(Problem(line: line, reason: "import.problem.language"))
                continue
            }
            guard seen.insert(address).inserted else {
                repeated += 1
                continue
            }
            rows.append(Row(line: line, email: address, name: cleanName, postalCode: postalCode, language: lang == "fr" ? "fr" : "en"))
        }
        let ignored = names.filter { !$0.isEmpty && !known.contains($0) }
        return .success(SubscriberImport(rows: rows, invalid: invalid, repeated: repeated, ignoredColumns: ignored))
    }

    /// The rows split by what the database already knows (on a reader, or the importing
    /// transaction, which decides again).
    public struct Preview: Sendable {
        public var new: [Row] = []
        public var already = 0
        public var suppressed = 0
    }

    public func preview(_ db: Connection, campaignID: Int64?) throws -> Preview {
        var preview = Preview()
        for row in rows {
            if try SubscriberStore.mayNotBeImported(db, email: row.email) {
                preview.suppressed += 1
            } else if try SubscriberStore.isSubscribed(db, email: row.email, campaignID: campaignID) {
                preview.already += 1
            } else {
                preview.new.append(row)
            }
        }
        return preview
    }

    /// Imports the new rows in the caller's transaction (all or nothing), each with the
    /// consent note and date, as source `import`; answers what was imported. Recorded in the
    /// audit log with the note and the counts.
    public func commit(
        _ db: Connection, campaignID: Int64?, consentNote: String, consentedOn: String, actor: StaffUser?, actorName: String? = nil
    ) throws -> Preview {
        let preview = try preview(db, campaignID: campaignID)
        for row in preview.new {
            try SubscriberStore.imported(db, row, campaignID: campaignID, consentNote: consentNote, consentedOn: consentedOn)
        }
        try StaffStore.record(
            db, user: actor, actor: actorName, action: "import", subject: "subscribers",
            detail:
                "\(preview.new.count) new, \(preview.already) already subscribed, \(preview.suppressed) suppressed, \(invalid.count) invalid; consent: \(consentNote) (\(consentedOn))"
        )
        return preview
    }

    /// The consent note and its day, checked: a note of where the people agreed (at least a
    /// few words), and a day that has come. Nil when either is missing or wrong.
    public static func consent(note: String, day: String, now: Date = Date()) -> (note: String, consentedAt: String)? {
        guard case .success(let note) = Input.text(note, required: true, maxLength: 500, multiline: true), note.count >= 10,
            let date = Timestamp.parse(day + "T00:00:00Z"), day.utf8.count == 10, date <= now
        else { return nil }
        return (note, Timestamp.format(date))
    }
}
