import SQLite

public struct EventSummary: Sendable {
    public let slug: String
    public let title: String
    public let summary: String
    public let startsAt: String
    public let timeZone: String
    public let venue: String

    init(_ row: Row) throws {
        slug = try row.get("slug")
        title = try row.get("title")
        summary = try row.get("summary")
        startsAt = try row.get("starts_at")
        timeZone = try row.get("time_zone")
        venue = try row.get("venue")
    }
}

/// Reading events.
public enum EventStore {
    public static func upcoming(_ connection: Connection, limit: Int, now: String = Timestamp.now()) throws -> [EventSummary] {
        try connection.query("""
            SELECT slug, title, summary, starts_at, time_zone, venue FROM events
            WHERE state = 'published' AND coalesce(ends_at, starts_at) >= ?
            ORDER BY starts_at LIMIT ?
            """, now, limit, row: EventSummary.init)
    }
}
