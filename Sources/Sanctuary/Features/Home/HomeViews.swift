import HTTP

/// The home page.
enum HomeViews {
    /// One clear call to action at the top (the first group's lead, with its picture, or the
    /// first picture of any group), then each kind of action, what to read side by side, and
    /// the forms at the foot.
    static func page(_ groups: [OfferGroup], tagline: String? = nil, t: Localizer) -> HTML {
        let lead = groups.first { $0.lead != nil }
        let picture = lead?.picture ?? groups.lazy.compactMap(\.picture).first
        let actions: [HTML] = groups.filter { $0.role == .action && ($0.empty != nil || !$0.items.isEmpty) }.map { group in
            """
            <section class="home-section" aria-labelledby="home-\(group.kind)">
            <h2 id="home-\(group.kind)">\(t(group.heading))</h2>
            \(group.items.isEmpty ? Layout.emptyState(t(group.empty ?? "")) : "<ul class=\"cards\">\(group.items.map(\.html))</ul>")
            </section>
            """
        }
        let reading = groups.filter { $0.role == .reading }.map {
            OfferViews.reading($0, id: "home-\($0.kind)", sectionClass: "home-section", t: t)
        }
        return """
            <section class="hero\(picture == nil ? HTML.empty : HTML(trusted: " with-picture"))">
            <div class="hero-text">
            <h1>\(t("home.title"))</h1>
            <p class="lede">\(tagline ?? t("site.tagline"))</p>
            \(lead?.lead ?? .empty)
            </div>
            \(picture.map { MediaViews.image($0, t: t, sizes: "(min-width: 60rem) 34rem, 100vw", eager: true) } ?? .empty)
            </section>
            \(HTML.join(actions))
            \(reading.isEmpty ? HTML.empty : "<div class=\"columns\">\(HTML.join(reading))</div>")
            \(OfferViews.asides(groups))
            """
    }
}
