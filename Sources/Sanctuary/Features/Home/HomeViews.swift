import HTTP

/// The home page.
enum HomeViews {
    static func page(
        campaigns: [Campaign], petitions: [PetitionSummary], news: [NewsSummary], events: [EventSummary], updatesForm: HTML, t: Localizer
    ) -> HTML {
        return """
            <section class="hero">
            <h1>\(t("home.title"))</h1>
            <p class="lede">\(t("site.tagline"))</p>
            </section>
            \(campaigns.isEmpty ? HTML.empty : "<section class=\"home-section\" aria-labelledby=\"our-campaigns\"><h2 id=\"our-campaigns\">\(t("home.campaigns"))</h2><ul class=\"cards\">\(campaigns.map { CampaignViews.card($0, t: t) })</ul></section>")
            <section class="home-section" aria-labelledby="act-now">
            <h2 id="act-now">\(t("home.act_now"))</h2>
            \(petitions.isEmpty ? Layout.emptyState(t("home.no_petitions")) : "<ul class=\"cards\">\(petitions.map { PetitionViews.card($0, t: t) })</ul>")
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
