import SQLite

public struct NewsSummary: Sendable {
    public let slug: String
    public let title: String
    public let summary: String
    public let publishedAt: String

    init(_ row: Row) throws {
        slug = try row.get("slug")
        title = try row.get("title")
        summary = try row.get("summary")
        publishedAt = try row.get("published_at")
    }
}

/// Reading news. Drafts and posts dated in the future never show publicly.
public enum NewsStore {
    public static func latest(_ connection: Connection, limit: Int, now: String = Timestamp.now()) throws -> [NewsSummary] {
        try connection.query("""
            SELECT slug, title, summary, published_at FROM news
            WHERE state = 'published' AND published_at <= ?
            ORDER BY featured DESC, published_at DESC LIMIT ?
            """, now, limit, row: NewsSummary.init)
    }
}
