import HTTP

/// Pieces of news pages.
enum NewsViews {
    /// One page of the news list with its pager.
    static func list(_ items: [NewsSummary], media: [Int64: Media] = [:], page: Int, pages: Int, t: Localizer) -> HTML {
        let list: [HTML] = items.map { item in
            let picture = media[item.id]
            return """
                <li class="news-item\(picture == nil ? HTML.empty : HTML(trusted: " with-picture"))"><div>
                <h2><a href="\(t.path("/news/\(item.slug)"))">\(item.title.html(t))</a></h2>
                <p class="meta"><time datetime="\(item.publishedAt)">\(DateText.day(item.publishedAt, t: t))</time></p>
                <p\(item.summary.langAttribute(t))>\(item.summary.text(t))</p></div>\(MediaViews.thumbnail(picture, t: t))</li>
                """
        }
        var pager: [HTML] = []
        if page > 1 {
            pager.append("<a rel=\"prev\" href=\"\(t.path("/news" + (page == 2 ? "" : "?page=\(page - 1)")))\">\(t("news.newer"))</a>")
        }
        if pages > 1 { pager.append("<span>\(t("news.page_of", ["page": String(page), "pages": String(pages)]))</span>") }
        if page < pages { pager.append("<a rel=\"next\" href=\"\(t.path("/news?page=\(page + 1)"))\">\(t("news.older"))</a>") }
        return """
            <h1>\(t("news.title"))</h1>
            \(items.isEmpty ? Layout.emptyState(t("home.no_news")) : "<ul class=\"news-list\">\(list)</ul>")
            \(pager.isEmpty ? HTML.empty : "<nav class=\"pager\" aria-label=\"\(t("news.pages"))\">\(HTML.join(pager, separator: " "))</nav>")
            <p><a href="\(t.path("/news.atom"))">\(t("news.feed"))</a></p>
            """
    }

    /// A news post.
    static func post(_ post: NewsPost, media: Media? = nil, shareURL: String, t: Localizer) -> HTML {
        """
        <article class="news-post">
        <h1>\(post.summary.title.html(t))</h1>
        <p class="meta"><time datetime="\(post.summary.publishedAt)">\(DateText.day(post.summary.publishedAt, t: t))</time>\(post.authorName.isEmpty ? HTML.empty : " · \(post.authorName)")</p>
        \(post.summary.summary.english.isEmpty ? HTML.empty : "<p class=\"lede\"\(post.summary.summary.langAttribute(t))>\(post.summary.summary.text(t))</p>")
        \(MediaViews.figure(media, t: t, sizes: "(min-width: 48rem) 44rem, 100vw"))
        \(post.body.block(t, Markdown.cached))
        </article>
        \(ShareViews.links(title: post.summary.title.text(t), url: shareURL, t: t))
        <p><a href="\(t.path("/news"))">\(t("news.all"))</a></p>
        """
    }
}
