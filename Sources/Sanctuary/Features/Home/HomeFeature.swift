import HTTP
import Storage

/// `GET /`: what to act on now, the latest news and the next events, as the features offer
/// them (`Feature.offers` with `.home`).
struct HomeFeature: Feature {
    let app: Application

    func sitemap(_ db: Connection) throws -> [String] { ["/"] }

    func register() {
        app.router.get("/", home)
    }

    /// `GET /`.
    func home(_ request: Request) throws -> Response {
        let t = app.t(request)
        let groups = try app.database.read { db in try app.offers(db, .home, t) }
        var response = app.page(request, title: app.siteName) { c in HomeViews.page(groups, tagline: c.tagline, t: c.t) }
        response.cache(.publicPage(shared: 10))
        return response
    }
}
