import HTTP

/// Sharing a page.
enum ShareViews {
    /// Share links that work without JavaScript or third-party scripts.
    static func links(title: String, url: String, t: Localizer) -> HTML {
        let text = PercentEncoding.encode(title)
        let link = PercentEncoding.encode(url)
        let body = PercentEncoding.encode("\(title)\n\n\(url)")
        let links: [(String, String)] = [
            ("mailto:?subject=\(text)&body=\(body)", t("share.email")),
            ("https://x.com/intent/post?text=\(text)&url=\(link)", t("share.x")),
            ("https://www.facebook.com/sharer/sharer.php?u=\(link)", t("share.facebook")),
            ("https://wa.me/?text=\(body)", t("share.whatsapp")),
        ]
        let items: [HTML] = links.map { href, label in "<li><a href=\"\(href)\" rel=\"noopener\">\(label)</a></li>" }
        return """
            <section class="share" aria-labelledby="share-heading">
            <h2 id="share-heading">\(t("share.heading"))</h2>
            <ul class="share-links">\(items)</ul>
            <p><label for="share-url">\(t("share.copy_link"))</label><input id="share-url" class="share-url" type="text" readonly value="\(url)"></p>
            </section>
            """
    }
}
