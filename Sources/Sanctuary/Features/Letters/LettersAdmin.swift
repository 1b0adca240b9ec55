import Storage

/// The staff screens for letters: list, new, edit, preview, archive and delete (`AdminResource`).
extension AdminResource {
    static let letters = AdminResource(
        key: "letters", area: .letters,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("intro", .textarea, maxLength: 2000, bilingual: true),
            AdminField("recipient_kind", .choice(RecipientKind.choices), required: true),
            AdminField("recipient_name", .text, bilingual: true),
            AdminField("recipient_address", .textarea, maxLength: 500, bilingual: true),
            AdminField("recipient_email", .text),
            AdminField("delivery", .choice(LetterDelivery.choices)),
            AdminField("subject", .text, required: true, bilingual: true),
            AdminField(
                "body_template", .template(placeholders: LetterTemplate.placeholders), required: true, maxLength: 20_000, bilingual: true),
            AdminField("campaign_id", .reference(table: "campaigns", none: "admin.field.no_campaign")),
            AdminField("state", .choice(ActionState.choices), required: true),
            AdminField("featured", .flag),
        ],
        rowLinks: { id, slug, t in
            [
                ("/letters/\(slug)", t("admin.view")), ("/admin/insight/letter/\(id)", t("insight.link")),
                ("/admin/letters/\(id)/responses", t("responses.admin.link")),
            ]
        },
        tableName: "letter_campaigns",
        dependents: [AdminDependent(key: "letters", count: { try LetterStore.letterCount($0, letterCampaignID: $1) })],
        archivedState: ActionState.closed.rawValue, order: 30)
}
