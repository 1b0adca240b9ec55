import HTTP

enum SiteSettingsViews {
    static func form(state: FormState, logo: Media?, shareImage: Media?, csrf: String, t: Localizer) -> HTML {
        let fields = [
            Form.Field(name: "title", label: t("admin.settings.name"), hint: t("admin.settings.name.hint"), maxLength: 80),
            Form.Field(name: "tagline", label: t("admin.settings.tagline"), hint: t("admin.settings.tagline.hint"), maxLength: 160),
            Form.Field(name: "tagline_fr", label: t("admin.settings.tagline_fr"), maxLength: 160, language: "fr"),
            Form.Field(name: "accent", label: t("admin.settings.accent"), type: "color", hint: t("admin.settings.accent.hint")),
            Form.Field(
                name: "postal_address", label: t("admin.settings.postal_address"), type: "textarea", autocomplete: "street-address",
                hint: t("admin.settings.postal_address.hint"), maxLength: 300, rows: 3),
            Form.Field(
                name: "reply_to", label: t("admin.settings.reply_to"), type: "email", autocomplete: "email",
                hint: t("admin.settings.reply_to.hint"), maxLength: 254),
            Form.Field(
                name: "contact_email", label: t("admin.settings.contact_email"), type: "email",
                hint: t("admin.settings.contact_email.hint"),
                maxLength: 254),
            Form.Field(
                name: "donate_url", label: t("admin.settings.donate_url"), type: "url", hint: t("admin.settings.donate_url.hint"),
                maxLength: 500),
            Form.Field(
                name: "social_links", label: t("admin.settings.social_links"), type: "textarea",
                hint: t("admin.settings.social_links.hint"),
                maxLength: 2_000, rows: 4),
        ]
        func picture(_ media: Media?, owner: MediaOwner, heading: String, hint: String) -> HTML {
            """
            <section aria-labelledby="\(owner.key)-heading"><h2 id="\(owner.key)-heading">\(heading)</h2><p class="hint">\(hint)</p>
            \(media.map { MediaViews.figure($0, t: t, sizes: "20rem", eager: false) } ?? .empty)
            <p><a class="button secondary" href="\(t.path("/admin/\(owner.key)/1/image"))">\(media == nil ? t("admin.media.add") : t("admin.media.change"))</a></p>
            </section>
            """
        }
        return """
            <h1>\(t("admin.settings.title"))</h1>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: SiteSettingsForm.order, labels: Form.labels(fields)))
            \(Form.form(action: t.path("/admin/settings"), csrf: csrf, "\(fields.map { Form.input($0, state, t: t) })\(Form.submit(t("admin.save")))"))
            \(picture(logo, owner: .logo, heading: t("admin.settings.logo"), hint: t("admin.settings.logo.hint")))
            \(picture(shareImage, owner: .settings, heading: t("admin.settings.share"), hint: t("admin.settings.share.hint")))
            """
    }
}
