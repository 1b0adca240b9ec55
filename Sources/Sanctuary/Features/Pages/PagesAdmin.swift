import Storage

/// The staff screens for pages: list, new, edit, preview, archive and delete (`AdminResource`).
extension AdminResource {
    static let pages = AdminResource(
        key: "pages", area: .pages,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("body", .markdown, maxLength: 100_000, bilingual: true),
            AdminField("position", .integer(0...1000), whenEmpty: 0),
            AdminField("state", .choice(PublicationState.choices), required: true),
        ], rowLinks: { _, slug, t in [("/pages/\(slug)", t("admin.view"))] }, order: 60)
}
