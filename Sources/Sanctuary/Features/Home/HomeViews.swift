import HTTP

/// The home page.
enum HomeViews {
    /// The cards' pictures, by item id.
    struct Pictures: Sendable {
        var campaigns: [Int64: Media] = [:]
        var petitions: [Int64: Media] = [:]
    }

    static func page(
        campaigns: [Campaign], petitions: [PetitionSummary], news: [NewsSummary], events: [EventSummary], media: Pictures = Pictures(),
        tagline: String? = nil, updatesForm: HTML, t: Localizer
    ) -> HTML {
        // One clear call to action: the first open featured petition.
        let lead = petitions.first { $0.isOpen() }
        // The picture of the petition it leads to, or of the first featured campaign.
        let picture = lead.flatMap { media.petitions[$0.id] } ?? campaigns.lazy.compactMap { media.campaigns[$0.id] }.first
        return """
            <section class="hero\(picture == nil ? HTML.empty : HTML(trusted: " with-picture"))">
            <div class="hero-text">
            <h1>\(t("home.title"))</h1>
            <p class="lede">\(tagline ?? t("site.tagline"))</p>
            \(lead.map { p in "<p><a class=\"button button-large\" href=\"\(t.path("/petitions/\(p.slug)"))\">\(t("home.lead", ["title": p.title.text(t)]))</a></p>" as HTML } ?? .empty)
            </div>
            \(picture.map { MediaViews.image($0, t: t, sizes: "(min-width: 60rem) 34rem, 100vw", eager: true) } ?? .empty)
            </section>
            \(campaigns.isEmpty ? HTML.empty : "<section class=\"home-section\" aria-labelledby=\"our-campaigns\"><h2 id=\"our-campaigns\">\(t("home.campaigns"))</h2><ul class=\"cards\">\(campaigns.map { CampaignViews.card($0, media: media.campaigns[$0.id], t: t) })</ul></section>")
            <section class="home-section" aria-labelledby="act-now">
            <h2 id="act-now">\(t("home.act_now"))</h2>
            \(petitions.isEmpty ? Layout.emptyState(t("home.no_petitions")) : "<ul class=\"cards\">\(petitions.map { PetitionViews.card($0, media: media.petitions[$0.id], t: t) })</ul>")
            </section>
            <div class="columns">
            <section class="home-section" aria-labelledby="latest-news">
            <h2 id="latest-news">\(t("home.latest_news"))</h2>
            \(news.isEmpty ? Layout.emptyState(t("home.no_news")) : "<ul class=\"list\">\(news.map { item in "<li><a href=\"\(t.path("/news/\(item.slug)"))\">\(item.title.html(t))</a> <span class=\"meta\">\(DateText.day(item.publishedAt, t: t))</span></li>" as HTML })</ul>")
            <p><a href="\(t.path("/news"))">\(t("home.all_news"))</a></p>
            </section>
            <section class="home-section" aria-labelledby="next-events">
            <h2 id="next-events">\(t("home.next_events"))</h2>
            \(events.isEmpty ? Layout.emptyState(t("home.no_events")) : "<ul class=\"list\">\(events.map { event in "<li><a href=\"\(t.path("/events/\(event.slug)"))\">\(event.title.html(t))</a> <span class=\"meta\">\(DateText.dateTime(event.startsAt, t: t, timeZone: event.timeZone))</span></li>" as HTML })</ul>")
            <p><a href="\(t.path("/events"))">\(t("home.all_events"))</a></p>
            </section>
            </div>
            \(updatesForm)
            """
    }
}
