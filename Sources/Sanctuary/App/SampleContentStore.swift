import Storage

/// The SQL of loading the sample content. Table and column names come from
/// `Config/sample-content.json`, checked to be plain names by `SampleContent`; values are bound.
enum SampleContentStore {
    /// No petitions, news, events or campaigns yet.
    static func isEmpty(_ db: Connection) throws -> Bool {
        try db.scalar(
            "SELECT (SELECT count(*) FROM petitions) + (SELECT count(*) FROM news) + (SELECT count(*) FROM events) + (SELECT count(*) FROM campaigns)",
            as: Int.self) == 0
    }

    /// A placeholder standing for the id of `table`'s row whose slug is bound there.
    static func idBySlug(table: String) -> String { "(SELECT id FROM \(table) WHERE slug = ?)" }

    static func insert(_ db: Connection, table: String, columns: [String], placeholders: [String], values: [any SQLBindable]) throws {
        try db.run(
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders.joined(separator: ", ")))", parameters: values
        )
    }
}
