import Foundation

enum EmbedAdminViews {
    static func page(_ petition: PetitionSummary, partners: [(Partner, Int)], base: String, siteName: String, csrf: String, t: Localizer)
        -> HTML
    {
        let token: HTML = "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">"
        let general = EmbedViews.snippets(petition, partner: nil, base: base, siteName: siteName, t: t)
        let rows: [HTML] = partners.map { partner, optIns in
            let snippet = EmbedViews.snippets(petition, partner: partner, base: base, siteName: siteName, t: t)
            return """
                <section class="card" aria-labelledby="partner-\(partner.id)">
                <h3 id="partner-\(partner.id)">\(partner.name) <span class="meta">(\(partner.key))</span></h3>
                \(partner.website.isEmpty ? HTML.empty : "<p><a href=\"\(partner.website)\">\(partner.website)</a></p>" as HTML)
                <p>\(t.plural("embed.admin.opt_ins", optIns, ["partner": partner.name]))\(optIns > 0 ? " · <a href=\"\(t.path("/admin/partners/\(partner.id)/opt-ins.csv"))\">\(t("embed.admin.export"))</a>" as HTML : .empty)</p>
                \(snippetField("frame-\(partner.id)", t("embed.admin.frame"), snippet.frame, t: t))
                <form method="post" action="\(t.path("/admin/petitions/\(petition.id)/partners/\(partner.id)/delete"))" class="inline">\(token)<button type="submit" class="button secondary">\(t("embed.admin.remove"))</button></form>
                </section>
                """
        }
        return """
            <p><a href="\(t.path("/admin/insight/petition/\(petition.id)"))">\(t("insight.title", ["title": petition.title.text(t)]))</a></p>
            <h1>\(t("embed.admin.title", ["title": petition.title.text(t)]))</h1>
            <p class="lede">\(t("embed.admin.intro"))</p>
            \(snippetField("frame-any", t("embed.admin.frame"), general.frame, t: t))
            \(snippetField("card-any", t("embed.admin.card"), general.card, t: t))
            <h2>\(t("embed.admin.partners"))</h2>
            \(petition.campaignID == nil ? Layout.emptyState(t("embed.admin.no_campaign")) : """
            <p class="hint">\(t("embed.admin.partners_hint"))</p>
            \(rows)
            <form method="post" action="\(t.path("/admin/petitions/\(petition.id)/partners"))" class="stack">\(token)
            <div class="field"><label for="f-name">\(t("embed.admin.name"))</label><input id="f-name" name="name" type="text" required maxlength="120"></div>
            <div class="field"><label for="f-key">\(t("embed.admin.key"))</label><p class="hint" id="f-key-hint">\(t("embed.admin.key_hint"))</p><input id="f-key" name="key" type="text" maxlength="40" aria-describedby="f-key-hint"></div>
            <div class="field"><label for="f-website">\(t("embed.admin.website"))</label><input id="f-website" name="website" type="url" maxlength="300"></div>
            \(Form.submit(t("embed.admin.add")))
            </form>
            """)
            <script src="/js/share.js" defer></script>
            """
    }

    static func snippetField(_ id: String, _ label: String, _ snippet: String, t: Localizer) -> HTML {
        """
        <div class="field"><label for="\(id)">\(label)</label>
        <textarea id="\(id)" rows="4" readonly class="snippet">\(snippet)</textarea>
        <button type="button" class="button secondary" data-copy="\(id)" data-done="\(t("share.copied"))" hidden>\(t("share.copy"))</button></div>
        """
    }
}
