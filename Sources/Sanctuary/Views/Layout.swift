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
    /// The main navigation, gathered from the features: path and label.
    public var navigation: [(href: String, label: String)] = []
    /// Staff pages linked from the footer (About, Privacy policy…): path and title.
    public var footerLinks: [(href: String, title: String)] = []
    /// The site's tagline in this language (the default description).
    public var tagline: String?
    /// The accent colour's stylesheet, when an admin chose one.
    public var theme: String?
    /// The logo's smallest copy: path, width, height.
    public var logo: (path: String, width: Int, height: Int)?
    /// The site's own share card, when an admin set one.
    public var defaultShare: ShareImage?
    /// How to reach the organisation, at the foot of every page: an address, a donation page,
    /// its pages elsewhere.
    public var contactEmail = ""
    public var donateURL = ""
    public var socialPages: [(url: String, name: String)] = []
}

/// What a link to the page shows when it is shared (Open Graph, Twitter card).
public struct SharePreview: Sendable {
    /// `website`, or `article` for a news post.
    public var type: String
    /// The page's own picture; nil: the site's default share image.
    public var image: ShareImage?
    /// What a shared link is called, when not the page's own title (a thank-you page shares
    /// its petition, not "Check your e-mail").
    public var title: String?
    /// The page a shared link stands for (canonical, `og:url`), when not this one: a
    /// thank-you page stands for its petition.
    public var path: String?

    public init(type: String = "website", image: ShareImage? = nil, title: String? = nil, path: String? = nil) {
        self.type = type
        self.image = image
        self.title = title
        self.path = path
    }
}

/// A picture for a shared link: a path on the site (or an absolute URL), its size and alt text.
public struct ShareImage: Sendable {
    public let path: String
    public let width: Int
    public let height: Int
    public let alt: String

    public init(path: String, width: Int, height: Int, alt: String) {
        self.path = path
        self.width = width
        self.height = height
        self.alt = alt
    }

    /// The default share card (`Public/images/share.png`, 1200×630, ours).
    static func siteDefault(_ t: Localizer) -> ShareImage {
        ShareImage(path: "/images/share.png", width: 1200, height: 630, alt: t("share.image.alt"))
    }
}

/// The one layout every public page is built from.
public enum Layout {
    /// The organisation's contact address, donation page and pages elsewhere, when set.
    static func contact(_ context: PageContext) -> HTML {
        let t = context.t
        var items: [HTML] = []
        if !context.contactEmail.isEmpty {
            items.append("<li><a href=\"mailto:\(context.contactEmail)\">\(context.contactEmail)</a></li>")
        }
        if !context.donateURL.isEmpty {
            items.append("<li><a class=\"donate\" href=\"\(context.donateURL)\" rel=\"noopener\">\(t("footer.donate"))</a></li>")
        }
        items += context.socialPages.map { "<li><a href=\"\($0.url)\" rel=\"me noopener\">\($0.name)</a></li>" }
        guard !items.isEmpty else { return .empty }
        return "<nav aria-label=\"\(t("footer.contact"))\"><ul class=\"footer-links\">\(items)</ul></nav>"
    }

    /// Open Graph locales for the site's languages.
    static let locales = ["en": "en_CA", "fr": "fr_CA"]

    public static func page(
        _ context: PageContext, title: String, description: String? = nil,
        head: HTML = .empty, share: SharePreview = SharePreview(), body: HTML
    ) -> HTML {
        let t = context.t
        let links: [HTML] = context.navigation.map { href, label in
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
        let summary = description ?? context.tagline ?? t("site.tagline")
        let canonical = context.baseURL + t.path(share.path ?? context.alternatePath)
        let image = share.image ?? context.defaultShare ?? .siteDefault(t)
        let imageURL = image.path.hasPrefix("/") ? context.baseURL + image.path : image.path
        let otherLocales: [HTML] = context.languages.all.filter { $0.language != t.language }.map {
            "<meta property=\"og:locale:alternate\" content=\"\(locales[$0.language] ?? $0.language)\">\n"
        }
        let sharing: HTML = """
            <link rel="canonical" href="\(canonical)">
            <meta property="og:site_name" content="\(context.siteName)">
            <meta property="og:title" content="\(share.title ?? title)">
            <meta property="og:description" content="\(summary)">
            <meta property="og:url" content="\(canonical)">
            <meta property="og:type" content="\(share.type)">
            <meta property="og:image" content="\(imageURL)">
            <meta property="og:image:width" content="\(image.width)">
            <meta property="og:image:height" content="\(image.height)">
            <meta property="og:image:alt" content="\(image.alt)">
            <meta property="og:locale" content="\(locales[t.language] ?? t.language)">
            \(otherLocales)<meta name="twitter:card" content="summary_large_image">

            """
        return """
            <!DOCTYPE html>
            <html lang="\(t.language)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(fullTitle)</title>
            <meta name="description" content="\(summary)">
            <link rel="stylesheet" href="/css/site.css">\(context.theme.map { "\n<link rel=\"stylesheet\" href=\"\($0)\">" as HTML } ?? .empty)
            <link rel="icon" href="/favicon.svg" type="image/svg+xml">
            \(alternates)\(sharing)\(head)</head>
            <body>
            <a class="skip-link" href="#main">\(t("nav.skip"))</a>
            <header class="site-header">
            <div class="wrap header-row">
            <a class="brand" href="\(t.path("/"))">\(context.logo.map { "<img class=\"logo\" src=\"\($0.path)\" width=\"\($0.width)\" height=\"\($0.height)\" alt=\"\">" as HTML } ?? .empty)\(context.siteName)</a>
            <nav aria-label="\(t("nav.label"))"><ul class="nav">\(links)</ul></nav>
            <form class="header-search" method="get" action="\(t.path("/search"))" role="search" aria-label="\(t("search.label"))"><input id="header-q" name="q" type="search" aria-label="\(t("search.label"))" placeholder="\(t("search.placeholder"))" maxlength="200"><button type="submit" class="button secondary">\(t("search.submit"))</button></form>
            \(switches)
            </div>
            </header>
            <main id="main" class="wrap" tabindex="-1">
            \(body)
            </main>
            <footer class="site-footer">
            <div class="wrap">
            <p>\(context.siteName) · \(t("footer.tagline"))</p>
            \(context.footerLinks.isEmpty ? HTML.empty : "<nav aria-label=\"\(t("footer.pages"))\"><ul class=\"footer-links\">\(context.footerLinks.map { "<li><a href=\"\(t.path($0.href))\">\($0.title)</a></li>" as HTML })</ul></nav>")
            \(contact(context))
            <p><a href="\(t.path("/news.atom"))">\(t("footer.feed"))</a> · <a href="\(t.path("/events.ics"))">\(t("footer.calendar"))</a></p>
            </div>
            </footer>
            </body>
            </html>
            """
    }

    /// A page for a frame on another site (an embed): the stylesheet and a script that tells
    /// the framing page its height; no header, navigation or footer, and not for search engines.
    public static func bare(_ context: PageContext, title: String, body: HTML) -> HTML {
        let t = context.t
        return """
            <!DOCTYPE html>
            <html lang="\(t.language)" class="embedded">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · \(context.siteName)</title>
            <meta name="robots" content="noindex">
            <link rel="stylesheet" href="/css/site.css">\(context.theme.map { "\n<link rel=\"stylesheet\" href=\"\($0)\">" as HTML } ?? .empty)
            <script src="/js/embed-frame.js" defer></script>
            </head>
            <body>
            <main id="main" class="embed">
            \(body)
            </main>
            </body>
            </html>
            """
    }

    /// A card's call to action: a button-like link whose accessible name also names the
    /// item ("Sign: Waive travel-loan repayment…"), so a list of them is not "Sign, Sign, Sign".
    public static func cardAction(_ label: String, href: String, title: String) -> HTML {
        "<p class=\"card-action\"><a class=\"button\" href=\"\(href)\">\(label)<span class=\"visually-hidden\">: \(title)</span></a></p>"
    }

    /// A friendly empty state for a list with nothing in it yet.
    public static func emptyState(_ text: String) -> HTML {
        "<p class=\"empty-state\">\(text)</p>"
    }
}
