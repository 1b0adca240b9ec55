import Storage

public struct Resource: Sendable, RowDecodable {
    public let id: Int64
    public let title: String
    public let description: String
    public let language: String
    public let kind: ResourceKind
    public let url: String
    public let filename: String
    public let contentType: String
    public let size: Int
    public let sha256: String
    public let downloadCount: Int

    static let columns = SelectList(of: Resource.self)

    /// Where visitors get it.
    public var href: String { kind == .link ? url : "/resources/\(id)/\(filename)" }
}

/// Resources: files staff uploaded (kept under the data folder by id) and links.
public enum ResourceStore {
    /// A file resource by id (links have no download).
    public static func file(_ db: Connection, id: Int64) throws -> Resource? {
        try db.first("SELECT \(Resource.columns) FROM resources WHERE id = ? AND kind = ?", id, ResourceKind.file, row: Resource.init)
    }

    /// Every resource, newest first (the admin list).
    public static func all(_ db: Connection) throws -> [Resource] {
        try db.query("SELECT \(Resource.columns) FROM resources ORDER BY id DESC", row: Resource.init)
    }

    /// A campaign's resources, in the order they were added.
    public static func forCampaign(_ db: Connection, campaignID: Int64) throws -> [Resource] {
        try db.query("SELECT \(Resource.columns) FROM resources WHERE campaign_id = ? ORDER BY id", campaignID, row: Resource.init)
    }

    public static func insert(
        _ db: Connection, campaignID: Int64?, title: String, description: String, language: String, kind: ResourceKind,
        url: String, filename: String, contentType: String, size: Int, sha256: String
    ) throws -> Int64 {
        try db.run(
            """
            INSERT INTO resources (campaign_id, title, description, language, kind, url, filename, content_type, size, sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, campaignID, title, description, language, kind, url, filename, contentType, size, sha256)
        return try db.lastInsertRowID
    }

    /// Adds downloads counted in memory (`DownloadTally`); a resource deleted meanwhile is skipped.
    static func addDownloads(_ db: Connection, _ counts: [Int64: Int]) throws {
        for (id, count) in counts.sorted(by: { $0.key < $1.key }) {
            try db.run("UPDATE resources SET download_count = download_count + ? WHERE id = ?", count, id)
        }
    }

    public static func delete(_ db: Connection, id: Int64) throws {
        try db.run("DELETE FROM resources WHERE id = ?", id)
    }
}
