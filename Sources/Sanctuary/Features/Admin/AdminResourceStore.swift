import Foundation
import Storage

/// The SQL of the admin's content screens. Table and column names come from the
/// `AdminResource` description in our code, never from input; every value is bound.
extension AdminResource {
    /// For each table a reference field names: its rows' ids and titles, by title.
    func referenceChoices(_ connection: Connection) throws -> [String: [(id: Int64, title: String)]] {
        var choices: [String: [(id: Int64, title: String)]] = [:]
        for table in referencedTables where choices[table] == nil {
            choices[table] = try ReferenceStore.choices(connection, table: table)
        }
        return choices
    }

    /// Every row for the list: id, slug, title, state, last change; the latest first.
    /// The list: newest change first; `date` is `listDate` (with its zone) when the kind has one.
    /// The rows for the list screen; `frenchMissing`: some text is written in English and not
    /// in French (French visitors read the English there).
    func list(_ connection: Connection) throws -> [(
        id: Int64, slug: String, title: String, state: String, updatedAt: String, date: String?, zone: String?, frenchMissing: Bool
    )] {
        let date = listDate.map { ", \($0.column) AS list_date" + ($0.zoneColumn.map { ", \($0) AS list_zone" } ?? "") } ?? ""
        let untranslated = fields.compactMap { field in field.translates.map { "(\(field.name) = '' AND \($0) <> '')" } }
        let missing = untranslated.isEmpty ? "0" : "CASE WHEN " + untranslated.joined(separator: " OR ") + " THEN 1 ELSE 0 END"
        return try connection.query(
            "SELECT id, slug, title, state, updated_at\(date), \(missing) AS french_missing FROM \(table) ORDER BY updated_at DESC, id DESC"
        ) { row in
            (
                try row.get("id", as: Int64.self), try row.get("slug", as: String.self), try row.get("title", as: String.self),
                try row.get("state", as: String.self), try row.get("updated_at", as: String.self),
                listDate == nil ? nil : try row.optional("list_date", as: String.self),
                listDate?.zoneColumn == nil ? nil : try row.optional("list_zone", as: String.self),
                try row.get("french_missing", as: Bool.self)
            )
        }
    }

    /// The stored row as form values (times shown in the row's own time zone).
    func formValues(_ connection: Connection, id: Int64, zone siteZone: String = "UTC") throws -> FormState? {
        let columns = fields.map(\.name).joined(separator: ", ")
        return try connection.first("SELECT \(columns) FROM \(table) WHERE id = ?", id) { row in
            var state = FormState()
            for field in fields {
                switch try row.value(field.name) {
                case .null: state.values[field.name] = ""
                case .integer(let n): state.values[field.name] = field.kind == .flag ? (n == 1 ? "yes" : "") : String(n)
                case .text(let text): state.values[field.name] = text
                default: state.values[field.name] = ""
                }
            }
            for field in fields where field.kind == .dateTime {
                let zone = field.zoneField.flatMap { state.values[$0] } ?? siteZone
                if let date = Timestamp.parse(state[field.name]) { state.values[field.name] = LocalTime.format(date, timeZone: zone) }
            }
            return state
        }
    }

    func insert(_ connection: Connection, _ values: [String: SQLValue]) throws -> Int64 {
        let columns = fields.map(\.name)
        try connection.run(
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
            parameters: columns.map { values[$0] ?? .null })
        return try connection.lastInsertRowID
    }

    func update(_ connection: Connection, id: Int64, _ values: [String: SQLValue]) throws -> Bool {
        let columns = fields.map(\.name)
        let changed = try connection.run(
            "UPDATE \(table) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")), updated_at = ? WHERE id = ?",
            parameters: columns.map { values[$0] ?? .null } + [Timestamp.now(), id])
        return changed == 1
    }

    /// Deletes a row; false when there was none.
    func delete(_ connection: Connection, id: Int64) throws -> Bool {
        try connection.run("DELETE FROM \(table) WHERE id = ?", id) == 1
    }

    /// The item's English title, for confirmations and the audit log; nil when there is none.
    func title(_ connection: Connection, id: Int64) throws -> String? {
        try connection.scalar("SELECT title FROM \(table) WHERE id = ?", id, as: String.self)
    }

    /// How many of each dependent the item has, in `dependents` order.
    func dependentCounts(_ connection: Connection, id: Int64) throws -> [(dependent: AdminDependent, count: Int)] {
        try dependents.map { ($0, try $0.count(connection, id)) }
    }

    /// Takes the item off the site by its archived state; false when there was none.
    func archive(_ connection: Connection, id: Int64) throws -> Bool {
        if let archivedColumn {
            let now = Timestamp.now()
            return try connection.run(
                "UPDATE \(table) SET \(archivedColumn) = coalesce(\(archivedColumn), ?), updated_at = ? WHERE id = ?", now, now, id) == 1
        }
        guard let archivedState else { return false }
        return try connection.run("UPDATE \(table) SET state = ?, updated_at = ? WHERE id = ?", archivedState, Timestamp.now(), id) == 1
    }

    /// How the audit log names an item: its kind, title and id.
    static func auditSubject(_ key: String, id: Int64, title: String?) -> String {
        title.map { "\(key) “\($0)” (#\(id))" } ?? "\(key) #\(id)"
    }
}
