import HTTP
import SQLite

/// `GET /`: what to act on now, the latest news and the next events.
enum HomeFeature: Feature {
    static func sitemap(_ db: Connection) throws -> [String] { ["/"] }

    static func register(in app: Application) {
        app.router.get("/", home(app))
    }

    /// `GET /`.
    static func home(_ app: Application) -> Router.SyncHandler {
        { request in
            let (campaigns, petitions, news, events, media) = try app.database.read { db in
                let campaigns = try CampaignStore.active(db, featuredOnly: true)
                let petitions = try PetitionStore.featured(db, limit: 3)
                let media = HomeViews.Pictures(
                    campaigns: try MediaStore.of(db, .campaigns, ids: campaigns.map(\.id)),
                    petitions: try MediaStore.of(db, .petitions, ids: petitions.map(\.id)))
                return (campaigns, petitions, try NewsStore.latest(db, limit: 3), try EventStore.upcoming(db, limit: 3), media)
            }
            var response = app.page(request, title: app.siteName) { c in
                HomeViews.page(
                    campaigns: campaigns, petitions: petitions, news: news, events: events, media: media, tagline: c.tagline,
                    updatesForm: UpdatesFeature.form(app, campaignSlug: nil, t: c.t), t: c.t)
            }
            response.cache(.publicPage(shared: 10))
            return response
        }
    }
}
