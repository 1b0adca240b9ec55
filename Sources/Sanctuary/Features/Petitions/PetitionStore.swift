import SQLite

/// A petition as lists show it.
public struct PetitionSummary: Sendable {
    public let id: Int64
    public let slug: String
    public let title: String
    public let summary: String
    public let goal: Int
    public let signatureCount: Int
    public let state: String
    public let closesAt: String?

    init(_ row: Row) throws {
        id = try row.get("id")
        slug = try row.get("slug")
        title = try row.get("title")
        summary = try row.get("summary")
        goal = try row.get("goal")
        signatureCount = try row.get("signature_count")
        state = try row.get("state")
        closesAt = try row.optional("closes_at")
    }

    static let columns = "id, slug, title, summary, goal, signature_count, state, closes_at"
}

/// Reading petitions.
public enum PetitionStore {
    /// Open petitions for the home page, featured first, then the most signed.
    public static func featured(_ connection: Connection, limit: Int) throws -> [PetitionSummary] {
        try connection.query("""
            SELECT \(PetitionSummary.columns) FROM petitions
            WHERE state = 'open' ORDER BY featured DESC, signature_count DESC, id LIMIT ?
            """, limit, row: PetitionSummary.init)
    }
}
