import HTTP

/// `/sitemap.xml`: every public page in every language, each naming its twins
/// (`xhtml:link rel="alternate" hreflang`, as search engines read them in sitemaps).
struct SitemapFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/sitemap.xml", sitemapXML)
    }

    func sitemapXML(_ request: Request) throws -> Response {
        // Every feature's public pages.
        let paths = try app.database.read { db in try app.features.flatMap { try $0.sitemap(db) } }
        let languages = app.languages.all
        let urls = paths.flatMap { path in
            let twins = languages.map {
                "<xhtml:link rel=\"alternate\" hreflang=\"\($0.language)\" href=\"\(HTML.escape(app.absoluteURL($0.path(path), request)))\"/>"
            }.joined()
            return languages.map { "<url><loc>\(HTML.escape(app.absoluteURL($0.path(path), request)))</loc>\(twins)</url>" }
        }.joined(separator: "\n")
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
            \(urls)
            </urlset>

            """
        var response = Response(status: .ok, contentType: "application/xml; charset=utf-8", body: Array(xml.utf8))
        response.cache(.publicFor(seconds: 3600))
        return response
    }
}
