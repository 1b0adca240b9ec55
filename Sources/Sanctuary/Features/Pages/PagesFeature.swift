import Foundation
import HTTP
import SQLite
import Synchronization

/// `/pages/{slug}`: About, Privacy policy and the like, written by staff in both languages
/// (`/admin/pages`) and linked from every page's footer.
enum PagesFeature: Feature {
    static var adminResources: [AdminResource] { [.pages] }

    static func sitemap(_ db: Connection) throws -> [String] { try PageStore.published(db).map { "/pages/\($0.slug)" } }

    static func register(in app: Application) {
        app.router.get("/pages/{slug}") { request in
            let page = try app.database.read({ try PageStore.find($0, slug: request.parameter("slug")) }).orNotFound()
            let t = app.t(request)
            var response = app.page(
                request, title: page.title.text(t), description: page.summary.english.isEmpty ? nil : page.summary.text(t)
            ) {
                PageViews.page(page, t: $0.t)
            }
            response.cache(.publicPage(shared: 60))
            return response
        }
    }
}

/// The footer's pages, read at most every few seconds: every page shows them, and a
/// signature (which ends cached pages) should not cost a query per page view for them.
final class FooterPages: Sendable {
    private let state = Mutex<(read: Date, pages: [(slug: String, title: Bilingual)])>((.distantPast, []))
    private let seconds: TimeInterval

    init(seconds: TimeInterval = 5) { self.seconds = seconds }

    /// After staff change a page: read again at the next page view.
    func invalidate() { state.withLock { $0.read = .distantPast } }

    func pages(_ app: Application) -> [(slug: String, title: Bilingual)] {
        let now = Date()
        if let fresh = state.withLock({ now.timeIntervalSince($0.read) < seconds ? $0.pages : nil }) { return fresh }
        let pages: [(slug: String, title: Bilingual)]
        do {
            pages = try app.database.read { try PageStore.published($0) }
        } catch {
            // The footer's links wait for the next read; the page itself is still served.
            app.logger.error("the footer's pages could not be read: \(error)")
            return state.withLock { $0.pages }
        }
        state.withLock { $0 = (now, pages) }
        return pages
    }
}
