import HTTP

enum PageViews {
    static func page(_ page: StaffPage, t: Localizer) -> HTML {
        """
        <article class="staff-page">
        <h1>\(page.title.html(t))</h1>
        \(page.summary.english.isEmpty ? HTML.empty : "<p class=\"lede\"\(page.summary.langAttribute(t))>\(page.summary.text(t))</p>")
        \(page.body.block(t, Markdown.cached))
        <p class="meta">\(t("pages.updated", ["date": DateText.day(page.updatedAt, t: t)]))</p>
        </article>
        """
    }
}
