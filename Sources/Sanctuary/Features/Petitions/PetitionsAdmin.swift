import Storage

/// The staff screens for petitions: list, new, edit, preview, archive and delete (`AdminResource`).
extension AdminResource {
    static let petitions = AdminResource(
        key: "petitions", area: .petitions,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("body", .markdown, maxLength: 20_000, bilingual: true),
            AdminField("target", .text, maxLength: 200, bilingual: true),
            AdminField("share_text", .textarea, maxLength: 280, bilingual: true),
            AdminField("goal", .integer(0...100_000_000), whenEmpty: 0),
            AdminField("closes_at", .dateTime),
            AdminField("campaign_id", .reference(table: "campaigns", none: "admin.field.no_campaign")),
            AdminField("state", .choice(ActionState.choices), required: true),
            AdminField("featured", .flag),
        ],
        rowLinks: { id, slug, t in
            [
                ("/petitions/\(slug)", t("admin.view")), ("/admin/petitions/\(id)/signatures.csv", t("admin.petitions.export")),
                ("/admin/petitions/\(id)/outcome", t("admin.petitions.outcome")),
                ("/admin/petitions/\(id)/signers", t("admin.petitions.signers")),
                ("/admin/insight/petition/\(id)", t("insight.link")), ("/admin/petitions/\(id)/triage", t("triage.title_short")),
                ("/admin/petitions/\(id)/embed", t("embed.link")),
            ]
        },
        dependents: [
            AdminDependent(
                key: "signatures", count: { try PetitionStore.signatureRows($0, petitionID: $1) },
                export: { "/admin/petitions/\($0)/signatures.csv" })
        ], archivedState: ActionState.closed.rawValue, order: 20, picture: .petitions)
}

extension MediaOwner {
    public static let petitions = MediaOwner("petitions", area: .petitions)
}
