import HTTP

/// `/sitemap.xml`: every public page, with absolute URLs.
enum SitemapFeature: Feature {
    static func register(in app: Application) {
        app.router.get("/sitemap.xml") { _ in
            let paths = try app.database.read { db -> [String] in
                var paths = ["/", "/petitions", "/events", "/events?past=1", "/news"]
                paths += try PetitionStore.all(db).map { "/petitions/\($0.slug)" }
                paths += try (EventStore.upcoming(db) + EventStore.past(db)).map { "/events/\($0.slug)" }
                paths += try NewsStore.page(db, offset: 0, limit: 1000).map { "/news/\($0.slug)" }
                return paths
            }
            let urls = paths.map { "<url><loc>\(HTML.escape(app.absoluteURL($0)))</loc></url>" }.joined(separator: "\n")
            let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\(urls)\n</urlset>\n"
            var response = Response(status: .ok, contentType: "application/xml; charset=utf-8", body: Array(xml.utf8))
            response.headers["Cache-Control"] = "public, max-age=3600"
            return response
        }
    }
}
