import Storage

public struct Campaign: Sendable, RowDecodable {
    static let columns = SelectList(of: Campaign.self)
    public let id: Int64
    public let slug: String
    public let title: Bilingual
    public let tagline: Bilingual
    public let summary: Bilingual
    public let body: Bilingual
    public let asks: Bilingual
    public let keyDates: Bilingual
    public let state: CampaignState

    /// The asks: blocks separated by a blank line, each a heading line and its paragraph.
    public func askList(_ t: Localizer) -> [(heading: String, text: String)] {
        asks.text(t).replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let heading = lines.first, !heading.isEmpty else { return nil }
            return (heading, lines.dropFirst().joined(separator: " "))
        }
    }

    public func keyDateList(_ t: Localizer) -> [String] {
        keyDates.text(t).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

public enum CampaignStore {
    /// Active campaigns, featured first (the list and the home page).
    public static func active(_ db: Connection, featuredOnly: Bool = false) throws -> [Campaign] {
        try db.query(
            "SELECT \(Campaign.columns) FROM campaigns WHERE state = ? \(featuredOnly ? "AND featured = 1" : "") ORDER BY featured DESC, id",
            CampaignState.active, row: Campaign.init)
    }

    /// Active or archived (archived ones stay reachable by their address, marked).
    public static func find(_ db: Connection, slug: String) throws -> Campaign? {
        try db.first(
            "SELECT \(Campaign.columns) FROM campaigns WHERE slug = ? AND state != ?", slug, CampaignState.draft, row: Campaign.init)
    }

    public static func choices(_ db: Connection) throws -> [(Int64, String)] {
        try db.query("SELECT id, title FROM campaigns ORDER BY title") {
            (try $0.get("id", as: Int64.self), try $0.get("title", as: String.self))
        }
    }

    /// A campaign's slug by id (any state).
    public static func slug(_ db: Connection, id: Int64) throws -> String? {
        try db.scalar("SELECT slug FROM campaigns WHERE id = ?", id, as: String.self)
    }

}
