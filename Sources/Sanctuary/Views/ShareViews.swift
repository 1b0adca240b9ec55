import HTTP

/// Sharing a page: a message ready to send, and links to the places people share, each
/// marking the address with its own `?source=` so organisers can see which one brought
/// visitors. Nothing loads from those places until the visitor follows a link.
enum ShareViews {
    /// The networks offered, in order, with the source each adds to the address.
    enum Network: String, CaseIterable {
        case email, whatsapp, bluesky, mastodon, facebook, x, linkedin
    }

    /// `url` with `source` added to its query.
    static func url(_ url: String, source: String) -> String {
        url + (url.contains("?") ? "&" : "?") + "source=" + PercentEncoding.encode(source)
    }

    /// Where a network's link goes: `message` is what the visitor would say, before the address.
    static func href(_ network: Network, title: String, message: String, url page: String, t: Localizer) -> String {
        let link = url(page, source: network.rawValue)
        let post = PercentEncoding.encode("\(message) \(link)")
        switch network {
        case .email:
            return "mailto:?subject=\(PercentEncoding.encode(title))&body=\(PercentEncoding.encode("\(message)\n\n\(link)"))"
        case .whatsapp: return "https://wa.me/?text=\(post)"
        case .bluesky: return "https://bsky.app/intent/compose?text=\(post)"
        case .mastodon: return t.path("/share/mastodon") + "?text=\(post)"
        case .facebook: return "https://www.facebook.com/sharer/sharer.php?u=\(PercentEncoding.encode(link))"
        case .x: return "https://x.com/intent/post?text=\(PercentEncoding.encode(message))&url=\(PercentEncoding.encode(link))"
        case .linkedin: return "https://www.linkedin.com/sharing/share-offsite/?url=\(PercentEncoding.encode(link))"
        }
    }

    /// Share links that work without JavaScript or third-party scripts; `message` (the title
    /// when none) is offered to copy with the address, and a copy button appears where the
    /// browser can copy (share.js), the text staying selectable where it cannot.
    static func links(title: String, url page: String, message: String? = nil, t: Localizer) -> HTML {
        let message = message ?? title
        let items: [HTML] = Network.allCases.map { network in
            let external = network != .mastodon
            return
                "<li><a href=\"\(href(network, title: title, message: message, url: page, t: t))\"\(external ? HTML(trusted: " rel=\"noopener\"") : .empty)>\(t("share.\(network.rawValue)"))</a></li>"
        }
        let copied = "\(message) \(url(page, source: "copy"))"
        return """
            <section class="share" aria-labelledby="share-heading">
            <h2 id="share-heading">\(t("share.heading"))</h2>
            <ul class="share-links">\(items)</ul>
            <p class="share-copy"><label for="share-message">\(t("share.copy_message"))</label>
            <textarea id="share-message" class="share-url" rows="4">\(copied)</textarea>
            <button type="button" class="button secondary copy-button" data-copy="share-message" data-done="\(t("share.copied"))" hidden>\(t("share.copy"))</button></p>
            <script src="/js/share.js" defer></script>
            </section>
            """
    }
}
