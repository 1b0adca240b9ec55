import Storage

public struct NewsSummary: Sendable, RowDecodable {
    public let id: Int64
    public let slug: String
    public let title: Bilingual
    public let summary: Bilingual
    public let publishedAt: String

    static let columns = SelectList(of: NewsSummary.self)
}

public struct NewsPost: Sendable, RowDecodable {
    public let summary: NewsSummary
    public let body: Bilingual
    public let authorName: String
    public let updatedAt: String
    public let campaignID: Int64?

    static let columns = SelectList(of: NewsPost.self)

}

/// Reading news. Drafts and posts dated in the future never show publicly.
public enum NewsStore {
    /// A campaign's latest posts.
    public static func latest(_ db: Connection, campaignID: Int64, limit: Int, now: String = Timestamp.now()) throws -> [NewsSummary] {
        try db.query(
            """
            SELECT \(NewsSummary.columns) FROM news WHERE campaign_id = ? AND \(visible)
            ORDER BY published_at DESC LIMIT ?
            """, campaignID, now, limit, row: NewsSummary.init)
    }

    static let visible = "state = \(NewsState.published.sqlLiteral) AND published_at IS NOT NULL AND published_at <= ?"

    /// For the home page: featured first, then newest.
    public static func latest(_ connection: Connection, limit: Int, now: String = Timestamp.now()) throws -> [NewsSummary] {
        try connection.query(
            """
            SELECT \(NewsSummary.columns) FROM news WHERE \(visible)
            ORDER BY featured DESC, published_at DESC LIMIT ?
            """, now, limit, row: NewsSummary.init)
    }

    public static func count(_ connection: Connection, now: String = Timestamp.now()) throws -> Int {
        try connection.scalar("SELECT count(*) FROM news WHERE \(visible)", now, as: Int.self) ?? 0
    }

    /// One page of posts, newest first.
    public static func page(_ connection: Connection, offset: Int, limit: Int, now: String = Timestamp.now()) throws -> [NewsSummary] {
        try connection.query(
            """
            SELECT \(NewsSummary.columns) FROM news WHERE \(visible)
            ORDER BY published_at DESC, id DESC LIMIT ? OFFSET ?
            """, now, limit, offset, row: NewsSummary.init)
    }

    /// Whole posts, newest first (the feed).
    public static func recentPosts(_ connection: Connection, limit: Int, now: String = Timestamp.now()) throws -> [NewsPost] {
        try connection.query(
            """
            SELECT \(NewsPost.columns) FROM news WHERE \(visible)
            ORDER BY published_at DESC, id DESC LIMIT ?
            """, now, limit, row: NewsPost.init)
    }

    public static func find(_ connection: Connection, slug: String, now: String = Timestamp.now()) throws -> NewsPost? {
        try connection.first(
            """
            SELECT \(NewsPost.columns) FROM news WHERE slug = ? AND \(visible)
            """, slug, now, row: NewsPost.init)
    }
}
