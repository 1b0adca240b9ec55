import Storage

public struct Video: Sendable, RowDecodable {
    public let id: Int64
    public let slug: String
    public let title: Bilingual
    public let description: Bilingual
    public let transcript: Bilingual
    public let durationSeconds: Int
    public let url: String
    public let captionsUrl: String
    public let eventId: Int64?
    public let campaignId: Int64?
    public let publishedAt: String?
    public let updatedAt: String

    static let columns = SelectList(of: Video.self)

    var host: VideoHost { VideoHost(url) }
    var path: String { "/videos/\(id)" }
}

/// Published videos (`videos`, migration 0033).
public enum VideoStore {
    /// Published and not waiting for their time.
    static let visible = "state = 'published' AND (published_at IS NULL OR published_at <= ?)"

    public static func published(_ db: Connection, now: String, limit: Int = 100) throws -> [Video] {
        try db.query(
            "SELECT \(Video.columns) FROM videos WHERE \(visible) ORDER BY coalesce(published_at, created_at) DESC, id DESC LIMIT ?", now,
            limit, row: Video.init)
    }

    public static func find(_ db: Connection, id: Int64, now: String) throws -> Video? {
        try db.first("SELECT \(Video.columns) FROM videos WHERE id = ? AND \(visible)", id, now, row: Video.init)
    }

    public static func forCampaign(_ db: Connection, campaignID: Int64, now: String) throws -> [Video] {
        try db.query(
            "SELECT \(Video.columns) FROM videos WHERE campaign_id = ? AND \(visible) ORDER BY coalesce(published_at, created_at) DESC, id DESC LIMIT 6",
            campaignID, now, row: Video.init)
    }

    /// The recordings of an event.
    public static func forEvent(_ db: Connection, eventID: Int64, now: String) throws -> [Video] {
        try db.query("SELECT \(Video.columns) FROM videos WHERE event_id = ? AND \(visible) ORDER BY id", eventID, now, row: Video.init)
    }
}
