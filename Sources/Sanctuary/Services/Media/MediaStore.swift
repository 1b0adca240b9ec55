import Foundation
import Storage

/// A picture and its copies (see `Migrations/0010_media.sql`).
public struct Media: Sendable, RowDecodable {
    public let id: Int64
    public let name: String
    public let format: String
    public let widths: String
    public let width: Int
    public let height: Int
    public let shareWidth: Int
    public let shareHeight: Int
    public let alt: Bilingual
    public let caption: Bilingual
    public let credit: String

    static let columns = SelectList(of: Media.self, table: "media")

    var fileExtension: String { format == "png" ? "png" : "jpg" }
    /// The copies' widths, smallest first.
    var sizes: [Int] { widths.split(separator: ",").compactMap { Int($0) } }
    func path(width: Int) -> String { "/media/\(id)/\(name)-\(width).\(fileExtension)" }
    var sharePath: String { "/media/\(id)/\(name)-share.jpg" }
    /// Every copy with its width, for `srcset`.
    var srcset: String { sizes.map { "\(path(width: $0)) \($0)w" }.joined(separator: ", ") }
    /// Its share card, for Open Graph.
    func shareImage(_ t: Localizer) -> ShareImage { ShareImage(path: sharePath, width: shareWidth, height: shareHeight, alt: alt.text(t)) }
    /// The height of the copy `width` wide.
    func height(forWidth copyWidth: Int) -> Int { max(1, Int((Double(height) * Double(copyWidth) / Double(width)).rounded())) }
}

/// What carries a picture: a kind of content (its table, one picture per row), or the
/// site's own logo and share card. Each feature lists the kinds it owns (`Feature.pictureOwners`);
/// table and column names come from here, never from input.
public struct MediaOwner: Sendable, Hashable {
    /// The kind in addresses (`/admin/{key}/{id}/image`) and in `Config/sample-content.json`.
    public let key: String
    public let table: String
    public let column: String
    /// Who may change it.
    public let area: StaffUser.Area
    /// The staff screen to go back to (`{id}` stands for the item's id).
    let editPath: String
    /// Run after a picture is set or removed (a cache of the feature's to end).
    let afterChange: (@Sendable (Application) -> Void)?

    init(
        _ key: String, area: StaffUser.Area, table: String? = nil, column: String = "image_id", editPath: String? = nil,
        afterChange: (@Sendable (Application) -> Void)? = nil
    ) {
        self.afterChange = afterChange
        self.key = key
        self.table = table ?? key
        self.column = column
        self.area = area
        self.editPath = editPath ?? "/admin/\(key)/{id}/edit"
    }

    func editPath(_ id: Int64) -> String { editPath.replacingOccurrences(of: "{id}", with: String(id)) }

    public static func == (a: MediaOwner, b: MediaOwner) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

public enum MediaStore {
    /// The row for a picture's copies, with the words that go with it.
    static func insert(
        _ db: Connection, _ renditions: MediaRenditions, name: String, words: MediaForm.Words, by author: String,
        now: String = Timestamp.now()
    ) throws -> Int64 {
        try db.run(
            """
            INSERT INTO media (name, format, widths, width, height, share_width, share_height, alt, alt_fr, caption, caption_fr,
                               credit, bytes, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, name, renditions.format, renditions.widths.map(String.init).joined(separator: ","), renditions.width, renditions.height,
            renditions.shareWidth, renditions.shareHeight, words.alt.english, words.alt.french, words.caption.english,
            words.caption.french, words.credit, renditions.totalBytes, author, now)
        return try db.lastInsertRowID
    }

    public static func find(_ db: Connection, id: Int64) throws -> Media? {
        try db.first("SELECT \(Media.columns) FROM media WHERE id = ?", id, row: Media.init)
    }

    /// The picture of one item, if it has one.
    public static func of(_ db: Connection, _ owner: MediaOwner, id: Int64) throws -> Media? {
        try db.first(
            "SELECT \(Media.columns) FROM media JOIN \(owner.table) AS item ON item.\(owner.column) = media.id WHERE item.id = ?", id,
            row: Media.init)
    }

    /// The picture of the item with this slug, if it has one.
    public static func of(_ db: Connection, _ owner: MediaOwner, slug: String) throws -> Media? {
        try db.first(
            "SELECT \(Media.columns) FROM media JOIN \(owner.table) AS item ON item.\(owner.column) = media.id WHERE item.slug = ?", slug,
            row: Media.init)
    }

    /// The pictures of several items at once (cards on a list): item id → picture.
    public static func of(_ db: Connection, _ owner: MediaOwner, ids: [Int64]) throws -> [Int64: Media] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = ids.map { _ in "?" }.joined(separator: ", ")
        let rows = try db.query(
            "SELECT item.id AS item_id, \(Media.columns) FROM media JOIN \(owner.table) AS item ON item.\(owner.column) = media.id WHERE item.id IN (\(placeholders))",
            parameters: ids
        ) { row in (try row.get("item_id", as: Int64.self), try Media(row)) }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// Sets (or, with nil, removes) an item's picture; false when there is no such item.
    public static func attach(_ db: Connection, _ owner: MediaOwner, id: Int64, mediaID: Int64?, now: String = Timestamp.now()) throws
        -> Bool
    {
        try db.run("UPDATE \(owner.table) SET \(owner.column) = ?, updated_at = ? WHERE id = ?", mediaID, now, id) == 1
    }

    /// Pictures no item of these kinds uses any more (their files go too).
    public static func unused(_ db: Connection, owners: [MediaOwner]) throws -> [Int64] {
        let used = owners.map { "SELECT \($0.column) FROM \($0.table) WHERE \($0.column) IS NOT NULL" }.joined(separator: " UNION ")
        return try db.query("SELECT id FROM media\(used.isEmpty ? "" : " WHERE id NOT IN (\(used))")") { try $0.get("id", as: Int64.self) }
    }

    public static func delete(_ db: Connection, id: Int64) throws {
        try db.run("DELETE FROM media WHERE id = ?", id)
    }

    /// The title of the item a picture belongs to (the site's settings: its name), if it exists.
    static func ownerTitle(_ db: Connection, _ owner: MediaOwner, id: Int64) throws -> String? {
        try db.scalar("SELECT title FROM \(owner.table) WHERE id = ?", id, as: String.self)
    }

    /// An item's id by slug (the sample content names items so).
    static func ownerID(_ db: Connection, _ owner: MediaOwner, slug: String) throws -> Int64? {
        try db.scalar("SELECT id FROM \(owner.table) WHERE slug = ?", slug, as: Int64.self)
    }
}
