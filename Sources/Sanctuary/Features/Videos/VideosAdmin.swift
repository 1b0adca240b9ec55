import Storage

/// The staff screens for videos (`AdminResource`): the address where it is hosted (or a
/// resource's path on this site), its transcript (required: every video can be read), the
/// event it records and the campaign it belongs to; its poster on the picture screen.
extension AdminResource {
    static let videos = AdminResource(
        key: "videos", area: .videos,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("url", .link, required: true, maxLength: 500),
            AdminField("duration_seconds", .integer(0...86_400), whenEmpty: 0),
            AdminField("description", .markdown, maxLength: 5_000, bilingual: true),
            AdminField("transcript", .textarea, required: true, maxLength: 200_000, bilingual: true),
            AdminField("captions_url", .link, maxLength: 500),
            AdminField("event_id", .reference(table: "events", none: "admin.field.no_event")),
            AdminField("campaign_id", .reference(table: "campaigns", none: "admin.field.no_campaign")),
            AdminField("state", .choice(["draft", "published"]), required: true),
            AdminField("published_at", .dateTime, defaultsToNow: true),
        ],
        rowLinks: { id, _, t in [("/videos/\(id)", t("admin.view"))] },
        order: 55, picture: .videos)
}

extension MediaOwner {
    public static let videos = MediaOwner("videos", area: .videos)
}

extension StaffUser.Area {
    /// Videos are content both organizers (campaign films) and editors (event recordings) add.
    public static let videos = StaffUser.Area("videos", roles: [.organizer, .editor])
}
