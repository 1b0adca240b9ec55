import Foundation
import HTTP
import Storage

extension StaffUser.Area {
    /// Where supporters came from.
    public static let sources = StaffUser.Area("sources", roles: [.organizer])
}

/// `/admin/sources` (organizers): how many of each action came from each source their links
/// named (`?source=`, `utm_source`), over the last 7, 30 or 90 days, each feature counting its
/// own (`Feature.referrals`): which newsletter, partner or share brought the signatures.
struct SourcesFeature: Feature {
    let app: Application
    static let periods = [7, 30, 90]

    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin/sources", label: "admin.nav.sources", area: .sources, order: 85)]
    }

    func register() {
        app.router.get("/admin/sources", page)
    }

    func page(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .sources)
        let days = request.query["days"].flatMap(Int.init).flatMap { Self.periods.contains($0) ? $0 : nil } ?? 30
        let since = Timestamp.format(Date().addingTimeInterval(-Double(days) * 86_400))
        let t = app.t(request)
        let counts = try app.database.read { db in try app.features.flatMap { try $0.referrals(db, since: since, t) } }
        var response = AdminViews.page(app, request, session, title: t("admin.sources.title")) { c, _ in
            Self.view(counts, days: days, t: c.t)
        }
        response.cache(.noStore)
        return response
    }

    static func view(_ counts: [ReferralCount], days: Int, t: Localizer) -> HTML {
        func name(_ source: String) -> String { source.isEmpty ? t("admin.sources.none") : source }
        var bySource: [String: Int] = [:]
        for count in counts { bySource[count.source, default: 0] += count.count }
        let totals: [HTML] = bySource.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { source, n in
            "<tr><td>\(name(source))</td><td class=\"number\">\(t.formatNumber(n))</td></tr>"
        }
        let rows: [HTML] = counts.sorted { ($0.action, $1.count, $0.item, $0.source) < ($1.action, $0.count, $1.item, $1.source) }.map {
            "<tr><td>\($0.action)</td><td>\($0.item)</td><td>\(name($0.source))</td><td class=\"number\">\(t.formatNumber($0.count))</td></tr>"
        }
        let periods: [HTML] = periods.map { d in
            "<li><a href=\"\(t.path("/admin/sources?days=\(d)"))\"\(d == days ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("admin.sources.days", ["days": String(d)]))</a></li>"
        }
        return """
            <h1>\(t("admin.sources.title"))</h1>
            <p class="lede">\(t("admin.sources.intro"))</p>
            <nav aria-label="\(t("admin.sources.period"))"><ul class="filters">\(periods)</ul></nav>
            \(counts.isEmpty ? Layout.emptyState(t("admin.sources.empty")) : """
            <div class="table-wrap"><table><caption>\(t("admin.sources.by_source"))</caption>
            <thead><tr><th scope="col">\(t("admin.sources.source"))</th><th scope="col">\(t("admin.sources.count"))</th></tr></thead>
            <tbody>\(totals)</tbody></table></div>
            <div class="table-wrap"><table><caption>\(t("admin.sources.by_action"))</caption>
            <thead><tr><th scope="col">\(t("admin.sources.action"))</th><th scope="col">\(t("admin.sources.item"))</th><th scope="col">\(t("admin.sources.source"))</th><th scope="col">\(t("admin.sources.count"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """)
            """
    }
}
