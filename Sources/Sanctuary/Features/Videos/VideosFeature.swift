import Foundation
import HTTP
import Storage

/// `/videos`, `/videos/{id}` (or its slug), `/videos.atom`; a campaign's videos on its page
/// and an event's recordings on its page. No visitor is tracked by default: a hosted video's
/// page shows our own copy of its poster and a button, and the host's player (YouTube's
/// no-cookie domain, Vimeo's "do not track") is framed only on the page that button opens,
/// whose `frame-src` names that one host.
struct VideosFeature: Feature {
    let app: Application

    static var adminResources: [AdminResource] { [.videos] }
    static var pictureOwners: [MediaOwner] { [.videos] }
    static var searchKinds: [SearchKind] { [SearchKind(kind: "video", label: "search.kind.video", order: 40)] }

    func footerLinks(_ t: Localizer) -> [(path: String, label: String)] { [("/videos", t("videos.title"))] }

    func sitemap(_ db: Connection) throws -> [String] {
        ["/videos"] + (try VideoStore.published(db, now: Timestamp.now()).map(\.path))
    }

    func register() {
        app.router.get("/videos", list)
        app.router.get("/videos.atom", feed)
        app.router.get("/videos/{id}", show)
    }

    /// A campaign's videos (a list on its page) and an event's recordings (once it is past).
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        let now = Timestamp.now()
        switch scope {
        case .campaign(let id):
            let videos = try VideoStore.forCampaign(db, campaignID: id, now: now)
            let items = videos.map { video in
                let length = VideoViews.duration(video.durationSeconds, t: t)
                return OfferGroup.Item(
                    id: video.id,
                    html:
                        "<li><a href=\"\(t.path(video.path))\">\(video.title.html(t))</a>\(length.isEmpty ? HTML.empty : " <span class=\"meta\">(\(length))</span>")</li>"
                )
            }
            return items.isEmpty ? [] : [OfferGroup(kind: "videos", role: .reading, heading: "videos.title", order: 55, items: items)]
        case .event(let id):
            let videos = try VideoStore.forEvent(db, eventID: id, now: now)
            guard !videos.isEmpty else { return [] }
            let posters = try MediaStore.of(db, .videos, ids: videos.map(\.id))
            return [
                OfferGroup(
                    kind: "videos", role: .aside, heading: "videos.recordings", order: 10,
                    items: [.init(id: id, html: VideoViews.recordings(videos, posters: posters, t: t))])
            ]
        case .home, .campaignActions, .featuredActions: return []
        }
    }

    /// `GET /videos`.
    func list(_ request: Request) throws -> Response {
        let t = app.t(request)
        let (videos, posters) = try app.database.read { db in
            let videos = try VideoStore.published(db, now: Timestamp.now())
            return (videos, try MediaStore.of(db, .videos, ids: videos.map(\.id)))
        }
        var response = app.page(
            request, title: t("videos.title"),
            head:
                "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"\(t("videos.feed"))\" href=\"\(t.path("/videos.atom"))\">\n"
        ) { VideoViews.list(videos, posters: posters, t: $0.t) }
        response.cache(.publicPage(shared: 60))
        return response
    }

    /// `GET /videos/{id}`, and `?play=1` once the visitor pressed play.
    func show(_ request: Request) throws -> Response {
        let t = app.t(request)
        let key = request.parameter("id")
        let now = Timestamp.now()
        let found = try app.database.read { db -> (Video, Media?, (slug: String, title: String)?)? in
            let bySlug = Int64(key) == nil ? try db.scalar("SELECT id FROM videos WHERE slug = ?", key, as: Int64.self) : nil
            guard let id = Int64(key) ?? bySlug, let video = try VideoStore.find(db, id: id, now: now) else { return nil }
            let event = try video.eventId.flatMap { eventID in
                try db.first(
                    "SELECT slug, title, title_fr FROM events WHERE id = ? AND state <> 'draft'", eventID,
                    row: {
                        (
                            slug: try $0.get("slug", as: String.self),
                            title: Bilingual(try $0.get("title", as: String.self), french: try $0.get("title_fr", as: String.self)).text(t)
                        )
                    })
            }
            return (video, try MediaStore.of(db, .videos, id: id), event)
        }
        guard let (video, poster, event) = found else { throw HTTPError.notFound }
        if Int64(key) == nil { return .redirect(to: t.path(video.path), status: .movedPermanently) }
        let host = video.host
        let playing = request.query["play"] == "1" && host.player != nil
        var head: HTML = .empty
        if let shared = host.sharedPlayer {
            head = """
                <meta property="og:video" content="\(shared)">
                <meta property="og:video:type" content="text/html">

                """
        }
        var response = app.page(
            request, title: video.title.text(t),
            description: video.description.text(t).isEmpty ? nil : String(video.description.text(t).prefix(300)),
            head: head, alternate: video.path, share: SharePreview(type: "video.other", image: poster?.shareImage(t))
        ) { VideoViews.page(video, poster: poster, playing: playing, event: event, t: $0.t) }
        if playing, let origin = host.origin {
            // The host's player may be framed on this page only, and only that host's.
            response.headers["Content-Security-Policy"] = SecurityHeadersMiddleware.defaultPolicy + "; frame-src \(origin)"
            response.headers["X-Robots-Tag"] = "noindex"
        }
        response.cache(.publicPage(shared: 60))
        return response
    }

    /// `GET /videos.atom`.
    func feed(_ request: Request) throws -> Response {
        let t = app.t(request)
        let videos = try app.database.read { try VideoStore.published($0, now: Timestamp.now(), limit: 20) }
        return app.atomFeed(
            request, path: "/videos.atom", list: "/videos", title: t("videos.title"),
            entries: videos.map { video in
                let link = app.absoluteURL(t.path(video.path), request)
                return AtomFeed.Entry(
                    id: link, title: video.title.text(t), link: link, published: video.publishedAt ?? video.updatedAt,
                    updated: video.updatedAt, author: app.siteName, summary: video.description.text(t),
                    html: video.description.block(t, Markdown.cached).rendered)
            })
    }
}
