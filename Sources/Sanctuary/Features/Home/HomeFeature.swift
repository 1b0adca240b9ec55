import HTTP

/// `GET /`: what to act on now, the latest news and the next events.
enum HomeFeature: Feature {
    static func register(in app: Application) {
        app.router.get("/") { request in
            let (campaigns, petitions, news, events) = try app.database.read { db in
                (
                    try CampaignStore.active(db, featuredOnly: true), try PetitionStore.featured(db, limit: 3),
                    try NewsStore.latest(db, limit: 3), try EventStore.upcoming(db, limit: 3)
                )
            }
            var response = app.page(request, title: app.config.siteName) { c in
                let t = c.t
                return """
                    <section class="hero">
                    <h1>\(t("home.title"))</h1>
                    <p class="lede">\(t("site.tagline"))</p>
                    </section>
                    \(campaigns.isEmpty ? HTML.empty : "<section class=\"home-section\" aria-labelledby=\"our-campaigns\"><h2 id=\"our-campaigns\">\(t("home.campaigns"))</h2><ul class=\"cards\">\(campaigns.map { CampaignsFeature.card($0, t: t) })</ul></section>")
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
                    \(UpdatesFeature.form(app, campaignSlug: nil, t: t))
                    """
            }
            response.cache(.publicPage(shared: 10))
            return response
        }
    }
}
