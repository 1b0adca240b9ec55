import HTTP
import Storage

/// The rows another feature's items may point at (a resource's campaign), by id and title:
/// for a form's select, checked again on save. Table names come from our code, never from
/// input; values are bound.
enum ReferenceStore {
    /// Every row's id and title, by title.
    static func choices(_ db: Connection, table: String) throws -> [(id: Int64, title: String)] {
        try db.query("SELECT id, title FROM \(table) ORDER BY title") {
            (try $0.get("id", as: Int64.self), try $0.get("title", as: String.self))
        }
    }

    static func exists(_ db: Connection, table: String, id: Int64) throws -> Bool {
        try db.scalar("SELECT 1 FROM \(table) WHERE id = ?", id, as: Int.self) == 1
    }

    /// A row's id by its slug (sample content names rows so).
    static func id(_ db: Connection, table: String, slug: String) throws -> Int64? {
        try db.scalar("SELECT id FROM \(table) WHERE slug = ?", slug, as: Int64.self)
    }
}

extension Application {
    /// A form's reference to a row of `table` (`campaign_id`): nil for none (empty), or a row
    /// that exists. An id that names no row is the staff member's mistake (or a stale page),
    /// not a 500: the field's error is set and nil answered.
    func referenceField(_ raw: String?, table: String, field: String, state: inout FormState, t: Localizer) throws -> Int64? {
        guard let raw, !raw.isEmpty else { return nil }
        if let id = Int64(raw), try database.read({ try ReferenceStore.exists($0, table: table, id: id) }) { return id }
        state.errors[field] = t("admin.field.no_such_row")
        return nil
    }
}
