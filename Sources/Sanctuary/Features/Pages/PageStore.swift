import Foundation
import Storage

/// A page staff wrote: About, Privacy policy…
public struct StaffPage: Sendable, RowDecodable {
    public let slug: String
    public let title: Bilingual
    public let summary: Bilingual
    public let body: Bilingual
    public let updatedAt: String

    static let columns = SelectList(of: StaffPage.self)
}

public enum PageStore {
    public static func find(_ db: Connection, slug: String) throws -> StaffPage? {
        try db.first(
            "SELECT \(StaffPage.columns) FROM pages WHERE slug = ? AND state = ?", slug, PublicationState.published, row: StaffPage.init
        )
    }

    /// The published pages, in footer order.
    public static func published(_ db: Connection) throws -> [(slug: String, title: Bilingual)] {
        try db.query("SELECT slug, title, title_fr FROM pages WHERE state = ? ORDER BY position, title", PublicationState.published) {
            (try $0.get("slug", as: String.self), try $0.bilingual("title"))
        }
    }
}
