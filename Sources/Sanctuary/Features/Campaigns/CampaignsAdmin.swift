import Storage

/// The staff screens for campaigns: list, new, edit, preview, archive and delete (`AdminResource`).
extension AdminResource {
    static let campaigns = AdminResource(
        key: "campaigns", area: .campaigns,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("tagline", .text, bilingual: true),
            AdminField("summary", .textarea, maxLength: 1000, bilingual: true),
            AdminField("body", .markdown, maxLength: 50_000, bilingual: true),
            AdminField("asks", .textarea, maxLength: 10_000, bilingual: true),
            AdminField("key_dates", .textarea, maxLength: 5_000, bilingual: true),
            AdminField("state", .choice(CampaignState.choices), required: true),
            AdminField("featured", .flag),
        ], rowLinks: { _, slug, t in [("/campaigns/\(slug)", t("admin.view"))] },
        dependents: [AdminDependent(key: "subscribers", count: { try SubscriberStore.count($0, campaignID: $1) })],
        archivedState: CampaignState.archived.rawValue, order: 10, picture: .campaigns)
}

extension MediaOwner {
    public static let campaigns = MediaOwner("campaigns", area: .campaigns)
}
