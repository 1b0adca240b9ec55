import Foundation
import SQLite

/// A page staff wrote: About, Privacy policy…
public struct StaffPage: Sendable, RowDecodable {
    public let slug: String
    public let title: Bilingual
    public let summary: Bilingual
    public let body: Bilingual
    public let updatedAt: String

    static let columns = "slug, title, title_fr, summary, summary_fr, body, body_fr, updated_at"
}

public enum PageStore {
    public static func find(_ db: Connection, slug: String) throws -> StaffPage? {
        try db.first(
            "SELECT \(StaffPage.columns) FROM pages WHERE slug = ? AND state = \(PageState.published.sqlLiteral)", slug, row: StaffPage.init
        )
    }

    /// The published pages, in footer order.
    public static func published(_ db: Connection) throws -> [(slug: String, title: Bilingual)] {
        try db.query("SELECT slug, title, title_fr FROM pages WHERE state = \(PageState.published.sqlLiteral) ORDER BY position, title") {
            (try $0.get("slug", as: String.self), try $0.bilingual("title"))
        }
    }
}
