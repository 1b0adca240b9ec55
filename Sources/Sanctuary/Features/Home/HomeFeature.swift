import HTTP
import SQLite

/// `GET /`: what to act on now, the latest news and the next events, as the features offer
/// them (`Feature.offers` with `.home`).
enum HomeFeature: Feature {
    static func sitemap(_ db: Connection) throws -> [String] { ["/"] }

    static func register(in app: Application) {
        app.router.get("/", home(app))
    }

    /// `GET /`.
    static func home(_ app: Application) -> Router.SyncHandler {
        { request in
            let t = app.t(request)
            let groups = try app.database.read { db in try app.offers(db, .home, t) }
            var response = app.page(request, title: app.siteName) { c in HomeViews.page(groups, tagline: c.tagline, t: c.t) }
            response.cache(.publicPage(shared: 10))
            return response
        }
    }
}
