import Foundation
import HTTP
import Storage

/// `/news` (10 a page), `/news/{slug}`, `/news.atom`.
struct NewsFeature: Feature {
    let app: Application

    static var searchKinds: [SearchKind] { [SearchKind(kind: "news", label: "search.kind.news", order: 10)] }

    /// The latest posts: the site's on the home page, a campaign's on its page.
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        switch scope {
        case .home:
            let items: [OfferGroup.Item] = try NewsStore.latest(db, limit: 3).enumerated().map { index, item in
                .init(
                    id: Int64(index),
                    html:
                        "<li><a href=\"\(t.path("/news/\(item.slug)"))\">\(item.title.html(t))</a> <span class=\"meta\">\(DateText.day(item.publishedAt, t: t))</span></li>"
                )
            }
            var group = OfferGroup(kind: "news", role: .reading, heading: "home.latest_news", order: 60, items: items)
            (group.empty, group.more) = ("home.no_news", ("/news", "home.all_news"))
            return [group]
        case .campaign(let id):
            let items: [OfferGroup.Item] = try NewsStore.latest(db, campaignID: id, limit: 5).enumerated().map { index, item in
                .init(id: Int64(index), html: "<li><a href=\"\(t.path("/news/\(item.slug)"))\">\(item.title.html(t))</a></li>")
            }
            return items.isEmpty ? [] : [OfferGroup(kind: "news", role: .reading, heading: "home.latest_news", order: 60, items: items)]
        case .featuredActions, .campaignActions, .event: return []
        }
    }

    static var adminResources: [AdminResource] { [.news] }
    static var pictureOwners: [MediaOwner] { [.news] }

    static var navigation: [NavigationEntry] { [NavigationEntry(path: "/news", label: "nav.news", order: 50)] }

    func sitemap(_ db: Connection) throws -> [String] {
        ["/news"] + (try NewsStore.page(db, offset: 0, limit: 1000).map { "/news/\($0.slug)" })
    }

    static let pageSize = 10

    func register() {
        app.router.get("/news", list)
        app.router.get("/news/{slug}", post)
        app.router.get("/news.atom", feed)
    }

    /// `GET /news`.
    func list(_ request: Request) throws -> Response {
        let raw = request.query["page"]
        let t = app.t(request)
        let page: Int
        if let raw {
            guard let n = Int(raw), n >= 1 else { return .redirect(to: "/news", status: .movedPermanently) }
            page = n
        } else {
            page = 1
        }
        // The page number is checked against the page count before any arithmetic on it:
        // `(page - 1) * pageSize` with `?page=` near `Int.max` once trapped and stopped the server.
        let (pages, items, media) = try app.database.read { db -> (Int, [NewsSummary], [Int64: Media]) in
            let pages = max(1, (try NewsStore.count(db) + Self.pageSize - 1) / Self.pageSize)
            guard page <= pages else { return (pages, [], [:]) }
            let items = try NewsStore.page(db, offset: (page - 1) * Self.pageSize, limit: Self.pageSize)
            return (pages, items, try MediaStore.of(db, .news, ids: items.map(\.id)))
        }
        guard page <= pages else {
            return ErrorPages.message(
                app, request, status: .notFound, title: t("news.out_of_range.title"),
                body: t("news.out_of_range.body", ["pages": String(pages)]))
        }
        let title = page == 1 ? t("news.title") : t("news.title_page", ["page": String(page)])
        var response = app.page(
            request, title: title,
            head:
                "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"\(t("news.feed"))\" href=\"\(t.path("/news.atom"))\">\n"
        ) { _ in NewsViews.list(items, media: media, page: page, pages: pages, t: t) }
        response.cache(.publicPage(shared: 30))
        return response
    }

    /// `GET /news/{slug}`.
    func post(_ request: Request) throws -> Response {
        let slug = request.parameter("slug")
        let t = app.t(request)
        let (found, media, next) = try app.database.read { db in
            let post = try NewsStore.find(db, slug: slug)
            // After reading: what the post's campaign (or the site) asks of its readers.
            let next = try post.map { try app.nextSteps(db, after: "news", id: $0.summary.id, campaignID: $0.campaignID, t) } ?? .empty
            return (post, try MediaStore.of(db, .news, slug: slug), next)
        }
        let post = try found.orNotFound()
        var response = app.page(
            request, title: post.summary.title.text(t), description: post.summary.summary.text(t),
            share: SharePreview(type: "article", image: media?.shareImage(t))
        ) {
            NewsViews.post(post, media: media, shareURL: app.absoluteURL($0.t.path("/news/\(slug)"), request), t: $0.t) + next
        }
        response.cache(.publicPage(shared: 60))
        return response
    }

    /// `GET /news.atom`.
    func feed(_ request: Request) throws -> Response {
        let t = app.t(request)
        let posts = try app.database.read { try NewsStore.recentPosts($0, limit: 20) }
        return app.atomFeed(
            request, path: "/news.atom", list: "/news", title: t("news.title"),
            entries: posts.map { post in
                AtomFeed.Entry(
                    id: app.absoluteURL(t.path("/news/\(post.summary.slug)"), request), title: post.summary.title.text(t),
                    link: app.absoluteURL(t.path("/news/\(post.summary.slug)"), request), published: post.summary.publishedAt,
                    updated: max(post.updatedAt, post.summary.publishedAt),
                    author: post.authorName.isEmpty ? app.siteName : post.authorName,
                    summary: post.summary.summary.text(t), html: post.body.block(t, Markdown.cached).rendered)
            })
    }
}
