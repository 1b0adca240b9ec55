import HTTP
import Storage

/// `/campaigns` and `/campaigns/{slug}`: the case, the asks, and every open way to act.
struct CampaignsFeature: Feature {
    let app: Application

    static var searchKinds: [SearchKind] { [SearchKind(kind: "campaign", label: "search.kind.campaign", order: 5)] }

    /// The featured campaigns on the home page.
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        guard scope == .home else { return [] }
        let campaigns = try CampaignStore.active(db, featuredOnly: true)
        let media = try MediaStore.of(db, .campaigns, ids: campaigns.map(\.id))
        var group = OfferGroup(
            kind: "campaigns", role: .action, heading: "home.campaigns", order: 10,
            items: campaigns.map { .init(id: $0.id, html: CampaignViews.card($0, media: media[$0.id], t: t)) })
        group.picture = campaigns.lazy.compactMap { media[$0.id] }.first
        return [group]
    }

    static var adminResources: [AdminResource] { [.campaigns] }
    static var pictureOwners: [MediaOwner] { [.campaigns] }

    static var navigation: [NavigationEntry] { [NavigationEntry(path: "/campaigns", label: "nav.campaigns", order: 10)] }

    func sitemap(_ db: Connection) throws -> [String] {
        ["/campaigns"] + (try CampaignStore.active(db).map { "/campaigns/\($0.slug)" })
    }

    func register() {
        app.router.get("/campaigns", list)
        app.router.get("/campaigns/{slug}", hub)
    }

    /// `GET /campaigns`.
    func list(_ request: Request) throws -> Response {
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

    /// `GET /campaigns/{slug}`.
    func hub(_ request: Request) throws -> Response {
        let t = app.t(request)
        let found = try app.database.read { db -> (Campaign, [OfferGroup], Media?)? in
            guard let campaign = try CampaignStore.find(db, slug: request.parameter("slug")) else { return nil }
            return (campaign, try app.offers(db, .campaign(campaign.id), t), try MediaStore.of(db, .campaigns, id: campaign.id))
        }
        guard let (campaign, offers, media) = found else { throw HTTPError.notFound }
        let shareURL = app.absoluteURL(t.path("/campaigns/\(campaign.slug)"), request)
        var response = app.page(
            request, title: campaign.title.text(t), description: campaign.summary.text(t),
            share: SharePreview(image: media?.shareImage(t))
        ) { _ in
            CampaignViews.page(campaign, offers: offers, media: media, shareURL: shareURL, t: t)
        }
        response.cache(.publicPage(shared: 5))
        return response
    }
}
