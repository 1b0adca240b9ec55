import Foundation
import HTTP
import Storage

/// `/search?q=`: news, events, petitions, campaigns, resources, pages, published stories (and
/// what other features add, each with its `searchKinds` and its migration's triggers), in
/// both languages, folded for case and accents, without JavaScript. The header of every page
/// holds its box.
struct SearchFeature: Feature {
    let app: Application
    /// Every feature's kinds, in the filters' order.
    let kinds: [SearchKind]

    static let pageSize = 20
    static let maxPage = SearchStore.ranked / pageSize

    init(app: Application) {
        self.app = app
        kinds = app.featureTypes.flatMap { $0.searchKinds }.sorted { $0.order < $1.order }
    }

    func register() {
        app.router.get("/search", search)
    }

    /// `GET /search?q=&kind=&campaign=&page=`.
    func search(_ request: Request) throws -> Response {
        let t = app.t(request)
        let text = String((request.query["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(SearchQuery.maxLength))
        let query = SearchQuery(text)
        let kind = request.query["kind"].flatMap { raw in kinds.first { $0.kind == raw }?.kind }
        let campaignID = request.query["campaign"].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
        // Checked before any arithmetic: `?page=` is whatever a stranger typed.
        let page = request.query["page"].flatMap { Int($0) }.map { min(max($0, 1), Self.maxPage) } ?? 1
        let now = Timestamp.now()
        let (found, campaigns) = try app.database.read { db in
            (
                try SearchStore.find(
                    db, query, filter: .init(kind: kind, campaignID: campaignID), now: now, limit: Self.pageSize,
                    offset: (page - 1) * Self.pageSize),
                try CampaignStore.active(db).map { (id: $0.id, title: $0.title.text(t)) }
            )
        }
        let results = SearchViews.Results(
            text: text, query: query, kind: kind, campaignID: campaignID, hits: found.hits, counts: found.counts, more: found.more,
            page: page,
            pageSize: Self.pageSize)
        var response = app.page(request, title: text.isEmpty ? t("search.title") : t("search.title_for", ["query": text])) { context in
            SearchViews.page(results, kinds: kinds, campaigns: campaigns, t: context.t)
        }
        // Results are not for search engines' indexes (an endless space of addresses).
        response.headers["X-Robots-Tag"] = "noindex"
        response.cache(.publicPage(shared: 30))
        return response
    }
}
