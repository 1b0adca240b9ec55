import Storage

/// The staff screens for events: list, new, edit, preview, archive and delete (`AdminResource`).
extension AdminResource {
    static let events = AdminResource(
        key: "events", area: .events,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("body", .markdown, maxLength: 20_000, bilingual: true),
            AdminField(
                "time_zone",
                .choice([
                    "America/St_Johns", "America/Halifax", "America/Moncton", "America/Toronto", "America/Winnipeg",
                    "America/Regina", "America/Edmonton", "America/Vancouver", "America/Whitehorse",
                ]), required: true),
            AdminField("starts_at", .dateTime, required: true, zoneField: "time_zone"),
            AdminField("ends_at", .dateTime, zoneField: "time_zone"),
            AdminField("venue", .text, bilingual: true),
            AdminField("address", .text),
            AdminField("online_url", .link, maxLength: 500),
            AdminField("moderator", .text),
            AdminField("rsvp_enabled", .flag),
            AdminField("capacity", .integer(0...1_000_000)),
            AdminField("rsvp_deadline", .dateTime, zoneField: "time_zone"),
            AdminField("campaign_id", .reference(table: "campaigns", none: "admin.field.no_campaign")),
            AdminField("state", .choice(EventState.choices), required: true),
            AdminField("featured", .flag),
        ],
        rowLinks: { id, slug, t in
            [
                ("/events/\(slug)", t("admin.view")), ("/admin/events/\(id)/rsvps.csv", t("admin.events.export")),
                ("/admin/insight/event/\(id)", t("insight.link")),
            ]
        },
        listDate: ("starts_at", "time_zone"),
        dependents: [
            AdminDependent(
                key: "rsvps", count: { try EventStore.rsvpRows($0, eventID: $1) }, export: { "/admin/events/\($0)/rsvps.csv" })
        ], archivedColumn: "archived_at", order: 50, defaults: ["time_zone": "America/Toronto"], picture: .events)
}

extension MediaOwner {
    public static let events = MediaOwner("events", area: .events)
}
