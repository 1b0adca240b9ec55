import HTTP

/// `GET /`: what to act on now, the latest news and the next events.
enum HomeFeature: Feature {
    static func register(in app: Application) {
        app.router.get("/", home(app))
    }

    /// `GET /`.
    static func home(_ app: Application) -> Router.SyncHandler {
        { request in
            let (campaigns, petitions, news, events) = try app.database.read { db in
                (
                    try CampaignStore.active(db, featuredOnly: true), try PetitionStore.featured(db, limit: 3),
                    try NewsStore.latest(db, limit: 3), try EventStore.upcoming(db, limit: 3)
                )
            }
            var response = app.page(request, title: app.config.siteName) { c in
                HomeViews.page(
                    campaigns: campaigns, petitions: petitions, news: news, events: events,
                    updatesForm: UpdatesFeature.form(app, campaignSlug: nil, t: c.t), t: c.t)
            }
            response.cache(.publicPage(shared: 10))
            return response
        }
    }
}
