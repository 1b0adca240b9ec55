import Foundation
import HTTP
import Storage
import Synchronization

/// `/pages/{slug}`: About, Privacy policy and the like, written by staff in both languages
/// (`/admin/pages`) and linked from every page's footer.
struct PagesFeature: Feature {
    let app: Application
    static var searchKinds: [SearchKind] { [SearchKind(kind: "page", label: "search.kind.page", order: 70)] }

    /// The footer's pages, read at most every few seconds and again after any staff change:
    /// every page shows them, and a signature (which ends cached pages) should not cost a
    /// query per page view for them.
    let footer: StaffEditedCache<[(slug: String, title: Bilingual)]>

    init(app: Application) {
        self.app = app
        footer = StaffEditedCache(app.staffChanges, lifetimeNanoseconds: 5_000_000_000)
    }

    func footerLinks(_ t: Localizer) -> [(path: String, label: String)] {
        do {
            let pages = try footer.value("") { try app.database.read { try PageStore.published($0) } } ?? []
            return pages.map { ("/pages/\($0.slug)", $0.title.text(t)) }
        } catch {
            // The footer's links wait for the next read; the page itself is still served.
            app.logger.error("the footer's pages could not be read: \(error)")
            return []
        }
    }

    static var adminResources: [AdminResource] { [.pages] }

    func sitemap(_ db: Connection) throws -> [String] { try PageStore.published(db).map { "/pages/\($0.slug)" } }

    func register() {
        app.router.get("/pages/{slug}", show)
    }

    func show(_ request: Request) throws -> Response {
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
