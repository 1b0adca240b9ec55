import HTTP

/// What every page needs to render: the visitor's language and the site's settings.
public struct PageContext: Sendable {
    public let t: Localizer
    public let languages: Languages
    public let siteName: String
    /// The path routes saw (no language prefix).
    public let path: String
    /// The same content in any language, without prefix (path and query).
    public let alternatePath: String
    public let baseURL: String
}

/// The one layout every public page is built from.
public enum Layout {
    public static func page(
        _ context: PageContext, title: String, description: String? = nil,
        head: HTML = .empty, body: HTML
    ) -> HTML {
        let t = context.t
        let navigation: [(String, String)] = [
            ("/campaigns", t("nav.campaigns")),
            ("/petitions", t("nav.petitions")),
            ("/events", t("nav.events")),
            ("/news", t("nav.news")),
        ]
        let links: [HTML] = navigation.map { href, label in
            let current = context.path == href || context.path.hasPrefix(href + "/")
            return "<li><a href=\"\(t.path(href))\"\(current ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(label)</a></li>"
        }
        let fullTitle = title == context.siteName ? title : "\(title) · \(context.siteName)"
        let alternates: [HTML] =
            context.languages.all.map { other in
                "<link rel=\"alternate\" hreflang=\"\(other.language)\" href=\"\(context.baseURL)\(other.path(context.alternatePath))\">\n"
            } + ["<link rel=\"alternate\" hreflang=\"x-default\" href=\"\(context.baseURL)\(context.alternatePath)\">\n"]
        let switches: [HTML] = context.languages.all.filter { $0.language != t.language }.map { other in
            let href = "/language/\(other.language)?next=\(PercentEncoding.encode(context.alternatePath))"
            return
                "<a class=\"language-switch\" href=\"\(href)\" lang=\"\(other.language)\" hreflang=\"\(other.language)\">\(other("language.switch"))</a>"
        }
        return """
            <!DOCTYPE html>
            <html lang="\(t.language)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(fullTitle)</title>
            <meta name="description" content="\(description ?? t("site.tagline"))">
            <link rel="stylesheet" href="/css/site.css">
            <link rel="icon" href="/favicon.svg" type="image/svg+xml">
            \(alternates)\(head)</head>
            <body>
            <a class="skip-link" href="#main">\(t("nav.skip"))</a>
            <header class="site-header">
            <div class="wrap header-row">
            <a class="brand" href="\(t.path("/"))">\(context.siteName)</a>
            <nav aria-label="\(t("nav.label"))"><ul class="nav">\(links)</ul></nav>
            \(switches)
            </div>
            </header>
            <main id="main" class="wrap" tabindex="-1">
            \(body)
            </main>
            <footer class="site-footer">
            <div class="wrap">
            <p>\(context.siteName) · \(t("footer.tagline"))</p>
            <p><a href="\(t.path("/news.atom"))">\(t("footer.feed"))</a> · <a href="\(t.path("/events.ics"))">\(t("footer.calendar"))</a></p>
            </div>
            </footer>
            </body>
            </html>
            """
    }

    /// A friendly empty state for a list with nothing in it yet.
    public static func emptyState(_ text: String) -> HTML {
        "<p class=\"empty-state\">\(text)</p>"
    }
}
