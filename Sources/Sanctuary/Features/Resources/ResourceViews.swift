import HTTP

/// The resources screen for staff: the list and the upload form.
enum ResourceViews {
    static func admin(
        _ resources: [Resource], campaigns: [(Int64, String)], state: FormState, csrf: String, maxUploadBytes: Int,
        pendingDownloads: (Int64) -> Int = { _ in 0 }, t: Localizer
    ) -> HTML {
        let rows: [HTML] = resources.map { r in
            """
            <tr><td><a href="\(r.href)">\(r.title)</a></td><td>\(r.kind == .file ? "\(r.filename) (\(t.formatNumber(r.size)) B)" : r.url)</td>
            <td class="number">\(t.formatNumber(r.downloadCount + pendingDownloads(r.id)))</td>
            <td><form method="post" action="\(t.path("/admin/resources/\(r.id)/delete"))"><input type="hidden" name="_csrf" value="\(csrf)"><button class="button secondary" type="submit">\(t("admin.delete"))</button></form></td></tr>
            """
        }
        return """
            <h1>\(t("admin.resources.title"))</h1>
            \(resources.isEmpty ? Layout.emptyState(t("admin.list.empty")) : "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">\(t("admin.field.title"))</th><th scope=\"col\">\(t("admin.resources.file_or_link"))</th><th scope=\"col\">\(t("admin.resources.downloads"))</th><th scope=\"col\"><span class=\"visually-hidden\">\(t("admin.account.actions"))</span></th></tr></thead><tbody>\(rows)</tbody></table></div>")
            <h2>\(t("admin.resources.new"))</h2>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: ["title", "campaign_id", "file", "url"]))
            <form method="post" action="\(t.path("/admin/resources"))?_csrf=\(csrf)" enctype="multipart/form-data" novalidate><input type="hidden" name="_csrf" value="\(csrf)">
            \(Form.input(Form.Field(name: "title", label: t("admin.field.title"), required: true, maxLength: 200), state, t: t))
            \(Form.input(Form.Field(name: "description", label: t("admin.field.summary"), type: "textarea", maxLength: 2000), state, t: t))
            \(Form.select(name: "language", label: t("admin.resources.language"), options: [("en", "English"), ("fr", "Français")], selected: state["language"]))
            \(Form.select(name: "campaign_id", label: t("admin.field.campaign_id"), options: [("", t("admin.field.no_campaign"))] + campaigns.map { (String($0.0), $0.1) }, selected: state["campaign_id"], error: state.errors["campaign_id"]))
            \(Form.input(Form.Field(name: "file", label: t("admin.resources.file"), type: "file", hint: t("admin.resources.file_hint", ["max": t.formatNumber(maxUploadBytes / (1024 * 1024))]), accept: ResourcesFeature.kinds.flatMap { $0.ext.map { "." + $0 } }.joined(separator: ",")), state, t: t))
            \(Form.input(Form.Field(name: "url", label: t("admin.resources.url"), type: "url", hint: t("admin.resources.url_hint")), state, t: t))
            \(Form.submit(t("admin.save")))
            </form>
            """
    }

    /// Resources in the page's language first; one in another language says so (its title
    /// and description are in that language, so the item is marked with it).
    static func items(_ resources: [Resource], t: Localizer) -> [HTML] {
        let ordered = resources.filter { $0.language == t.language } + resources.filter { $0.language != t.language }
        return ordered.map { r in
            let other = r.language != t.language
            // A link to a page of this site stays in the visitor's language.
            let href = r.kind == .link && r.href.hasPrefix("/") && !r.href.hasPrefix("//") ? t.path(r.href) : r.href
            return """
                <li\(other ? " lang=\"\(r.language)\"" as HTML : .empty)><a href="\(href)"\(other ? " hreflang=\"\(r.language)\"" as HTML : .empty)>\(r.title)</a>\
                \(r.description.isEmpty ? HTML.empty : " — \(r.description)")\(other ? " <span class=\"meta\">(\(t("language.name.\(r.language)")))</span>" as HTML : .empty)</li>
                """
        }
    }
}
