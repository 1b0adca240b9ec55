import SQLite

public struct Campaign: Sendable, RowDecodable {
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
    static let columns =
        "id, slug, title, title_fr, tagline, tagline_fr, summary, summary_fr, body, body_fr, asks, asks_fr, key_dates, key_dates_fr, state"

    /// Active campaigns, featured first (the list and the home page).
    public static func active(_ db: Connection, featuredOnly: Bool = false) throws -> [Campaign] {
        try db.query(
            "SELECT \(columns) FROM campaigns WHERE state = \(CampaignState.active.sqlLiteral) \(featuredOnly ? "AND featured = 1" : "") ORDER BY featured DESC, id",
            row: Campaign.init)
    }

    /// Active or archived (archived ones stay reachable by their address, marked).
    public static func find(_ db: Connection, slug: String) throws -> Campaign? {
        try db.first(
            "SELECT \(columns) FROM campaigns WHERE slug = ? AND state != \(CampaignState.draft.sqlLiteral)", slug, row: Campaign.init)
    }

    public static func exists(_ db: Connection, id: Int64) throws -> Bool {
        try db.scalar("SELECT 1 FROM campaigns WHERE id = ?", id, as: Int.self) == 1
    }

    public static func choices(_ db: Connection) throws -> [(Int64, String)] {
        try db.query("SELECT id, title FROM campaigns ORDER BY title") {
            (try $0.get("id", as: Int64.self), try $0.get("title", as: String.self))
        }
    }

    /// The campaign's open actions.
    /// What to do next after acting on one item (`table` from our code: petitions, events,
    /// letter_campaigns): its campaign's other open actions, or, without a campaign, the
    /// site's featured ones. At most three, the item itself left out.
    public static func nextSteps(_ db: Connection, after table: String, id: Int64, now: String = Timestamp.now()) throws -> (
        petitions: [PetitionSummary], letters: [LetterCampaign], events: [EventSummary]
    ) {
        let campaignID = try db.scalar("SELECT campaign_id FROM \(table) WHERE id = ?", id, as: Int64.self)
        var petitions: [PetitionSummary]
        var letters: [LetterCampaign]
        var events: [EventSummary]
        if let campaignID {
            let all = try actions(db, campaignID: campaignID, now: now)
            (petitions, letters, events) = (all.petitions, all.letters, all.events)
        } else {
            (petitions, letters, events) = ([], [], [])
        }
        if petitions.count + letters.count + events.count <= 1 {
            petitions = try PetitionStore.featured(db, limit: 3).filter { $0.isOpen() }
            letters = try LetterStore.open(db)
            events = try EventStore.upcoming(db, limit: 2)
        }
        petitions.removeAll { table == "petitions" && $0.id == id }
        letters.removeAll { table == "letter_campaigns" && $0.id == id }
        events.removeAll { table == "events" && $0.id == id }
        let p = Array(petitions.prefix(2))
        let l = Array(letters.prefix(3 - p.count > 0 ? 1 : 0))
        let e = Array(events.prefix(max(0, 3 - p.count - l.count)))
        return (p, l, e)
    }

    public static func actions(_ db: Connection, campaignID: Int64, now: String = Timestamp.now())
        throws -> (petitions: [PetitionSummary], letters: [LetterCampaign], events: [EventSummary], news: [NewsSummary])
    {
        let petitions = try db.query(
            """
            SELECT \(PetitionSummary.columns) FROM petitions WHERE campaign_id = ? AND state = \(ActionState.open.sqlLiteral)
              AND (closes_at IS NULL OR closes_at > ?) AND (opens_at IS NULL OR opens_at <= ?) ORDER BY featured DESC, id
            """, campaignID, now, now, row: PetitionSummary.init)
        let letters = try db.query(
            "SELECT \(LetterStore.columns) FROM letter_campaigns WHERE campaign_id = ? AND state = \(ActionState.open.sqlLiteral) ORDER BY id",
            campaignID, row: LetterCampaign.init)
        let events = try db.query(
            """
            SELECT \(EventSummary.columns) FROM events WHERE campaign_id = ? AND state = \(EventState.published.sqlLiteral) AND coalesce(ends_at, starts_at) >= ?
            ORDER BY starts_at
            """, campaignID, now, row: EventSummary.init)
        let news = try db.query(
            """
            SELECT slug, title, title_fr, summary, summary_fr, published_at FROM news WHERE campaign_id = ? AND \(NewsStore.visible)
            ORDER BY published_at DESC LIMIT 5
            """, campaignID, now, row: NewsSummary.init)
        return (petitions, letters, events, news)
    }

    /// A campaign's id by slug (any state).
    public static func id(_ db: Connection, slug: String) throws -> Int64? {
        try db.scalar("SELECT id FROM campaigns WHERE slug = ?", slug, as: Int64.self)
    }
}
