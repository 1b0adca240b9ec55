import HTTP
import SQLite

/// `/campaigns` and `/campaigns/{slug}`: the case, the asks, and every open way to act.
enum CampaignsFeature: Feature {
    static var adminResources: [AdminResource] { [.campaigns] }
    static var pictureOwners: [MediaOwner] { [.campaigns] }

    static var navigation: [NavigationEntry] { [NavigationEntry(path: "/campaigns", label: "nav.campaigns", order: 10)] }

    static func sitemap(_ db: Connection) throws -> [String] {
        ["/campaigns"] + (try CampaignStore.active(db).map { "/campaigns/\($0.slug)" })
    }

    static func register(in app: Application) {
        app.router.get("/campaigns", list(app))
        app.router.get("/campaigns/{slug}", hub(app))
    }

    /// `GET /campaigns`.
    static func list(_ app: Application) -> Router.SyncHandler {
        { request in
            let (campaigns, media) = try app.database.read { db in
                let campaigns = try CampaignStore.active(db)
                return (campaigns, try MediaStore.of(db, .campaigns, ids: campaigns.map(\.id)))
            }
            var response = app.page(request, title: app.t(request)("campaigns.title")) {
                CampaignViews.list(campaigns, media: media, t: $0.t)
            }
            response.cache(.publicPage(shared: 30))
            return response
        }
    }

    /// `GET /campaigns/{slug}`.
    static func hub(_ app: Application) -> Router.SyncHandler {
        { request in
            let found = try app.database.read {
                db -> (
                    Campaign, (petitions: [PetitionSummary], letters: [LetterCampaign], events: [EventSummary], news: [NewsSummary]),
                    [Resource], Media?
                )? in
                guard let campaign = try CampaignStore.find(db, slug: request.parameter("slug")) else { return nil }
                return (
                    campaign, try CampaignStore.actions(db, campaignID: campaign.id),
                    try ResourceStore.forCampaign(db, campaignID: campaign.id), try MediaStore.of(db, .campaigns, id: campaign.id)
                )
            }
            guard let (campaign, actions, resources, media) = found else { throw HTTPError.notFound }
            let t = app.t(request)
            let shareURL = app.absoluteURL(t.path("/campaigns/\(campaign.slug)"), request)
            let updates = UpdatesFeature.form(app, campaignSlug: campaign.slug, t: t)
            var response = app.page(
                request, title: campaign.title.text(t), description: campaign.summary.text(t),
                share: SharePreview(image: media?.shareImage(t))
            ) { _ in
                CampaignViews.page(
                    campaign, actions: actions, resources: resources, media: media, shareURL: shareURL, updatesForm: updates, t: t)
            }
            response.cache(.publicPage(shared: 5))
            return response
        }
    }
}

extension Application {
    /// A form's `campaign_id`: nil for none (empty), or a campaign that exists. An id that
    /// names no campaign is the staff member's mistake (or a stale page), not a 500: the
    /// field's error is set and nil answered.
    func campaignField(_ raw: String?, state: inout FormState, t: Localizer) throws -> Int64? {
        guard let raw, !raw.isEmpty else { return nil }
        if let id = Int64(raw), try database.read({ try CampaignStore.exists($0, id: id) }) { return id }
        state.errors["campaign_id"] = t("admin.field.no_such_row")
        return nil
    }
}
