import Foundation
import HTTP
import Storage

/// `/admin/insight/{action}/{id}` (organizers): how one petition, event or letter campaign is
/// doing: its funnel by day and by source, the sites that link to it, and for a petition the
/// signatures over time against the goal and where its signers are. Every number is read from
/// a kept counter, so the page answers as fast on a million signatures as on ten.
///
/// The funnel's views and starts are counted in memory (`Funnel`) and written here every few
/// seconds, by every node for its own.
struct InsightFeature: Feature {
    let app: Application
    static let periods = [7, 30, 90]
    /// The actions with an insight page, and where their own admin page is.
    static let actions: [String: (title: String, table: String, back: String)] = [
        "petition": ("insight.action.petition", "petitions", "/admin/petitions"),
        "event": ("insight.action.event", "events", "/admin/events"),
        "letter": ("insight.action.letter", "letter_campaigns", "/admin/letters"),
    ]

    func jobs() -> [ScheduledJob] {
        [
            ScheduledJob("funnel counts", .every(app.config.funnelFlushSeconds), onEveryNode: true) { [app] in
                try app.funnel.flush(app.database)
            }
        ]
    }

    func register() {
        app.router.get("/admin/insight/{action}/{id}", page)
    }

    func page(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .sources)
        let action = request.parameter("action")
        guard let kind = Self.actions[action], let id = Int64(request.parameter("id")) else { throw HTTPError.notFound }
        let days = request.query["days"].flatMap(Int.init).flatMap { Self.periods.contains($0) ? $0 : nil } ?? 30
        let now = Date()
        let since = Timestamp.format(now.addingTimeInterval(-Double(days - 1) * 86_400))
        let item = FunnelItem(action, id)
        let insight = try app.database.read { db -> Insight? in
            guard
                let (title, slug) = try db.first(
                    "SELECT title, title_fr, slug FROM \(kind.table) WHERE id = ?", id,
                    row: { (try Bilingual(row: $0, column: "title"), try $0.get("slug", as: String.self)) })
            else { return nil }
            var insight = Insight(
                item: item, title: title, slug: slug, days: days,
                byDay: Self.everyDay(
                    try InsightStore.funnel(db, item, since: String(since.prefix(10)), by: .day), days: days, today: now),
                bySource: try InsightStore.funnel(db, item, since: String(since.prefix(10)), by: .source),
                byHour: try InsightStore.funnel(
                    db, item, since: String(Timestamp.format(now.addingTimeInterval(-23 * 3600)).prefix(13)), by: .hour),
                referrers: try InsightStore.referrers(db, item, since: String(since.prefix(10))))
            if action == "petition", let petition = try PetitionStore.summary(db, id: id) {
                insight.petition = petition
                insight.daily = try InsightStore.daily(db, petitionID: id, days: days, today: now)
                insight.sources = try InsightStore.sources(db, petitionID: id, since: String(since.prefix(10)))
                insight.provinces = try PetitionStore.countsByProvince(db, petitionID: id)
                insight.ridings = try InsightStore.ridings(db, petitionID: id, limit: 20)
            }
            if action == "letter" {
                insight.ridings = try InsightStore.letterRidings(db, campaignID: id)
                insight.provinces = try InsightStore.letterProvinces(db, campaignID: id)
            }
            return insight
        }
        guard let insight else { throw HTTPError.notFound }
        let t = app.t(request)
        var response = AdminViews.page(app, request, session, title: t("insight.title", ["title": insight.title.text(t)])) { c, _ in
            InsightViews.page(insight, kind: kind, t: c.t)
        }
        response.cache(.noStore)
        return response
    }
}

extension InsightFeature {
    /// One row per day of the period, oldest first: the days nothing happened too, so a chart
    /// puts each day in its place.
    static func everyDay(_ rows: [FunnelRow], days: Int, today: Date) -> [FunnelRow] {
        let byDay = Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        return (0..<days).reversed().map { back in
            let day = String(Timestamp.format(today.addingTimeInterval(-Double(back) * 86_400)).prefix(10))
            return byDay[day] ?? FunnelRow(key: day)
        }
    }
}

/// What an insight page shows.
struct Insight {
    let item: FunnelItem
    let title: Bilingual
    let slug: String
    let days: Int
    let byDay: [FunnelRow]
    let bySource: [FunnelRow]
    /// The last 24 hours, hour by hour.
    let byHour: [FunnelRow]
    let referrers: [(host: String, count: Int)]
    var petition: PetitionSummary?
    var daily: [(day: String, count: Int)] = []
    var sources: [(source: String, count: Int)] = []
    var provinces: [(String, Int)] = []
    var ridings: [RidingCount] = []
}
