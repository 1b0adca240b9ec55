import Storage

/// The staff screens for news: list, new, edit, preview, archive and delete (`AdminResource`).
extension AdminResource {
    static let news = AdminResource(
        key: "news", area: .news,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("body", .markdown, maxLength: 50_000, bilingual: true),
            AdminField("author_name", .text, maxLength: 100),
            AdminField("published_at", .dateTime, defaultsToNow: true),
            AdminField("campaign_id", .reference(table: "campaigns", none: "admin.field.no_campaign")),
            AdminField("state", .choice(PublicationState.choices), required: true),
            AdminField("featured", .flag),
        ], rowLinks: { _, slug, t in [("/news/\(slug)", t("admin.view"))] }, order: 40, picture: .news)
}

extension MediaOwner {
    public static let news = MediaOwner("news", area: .news)
}
