import HTTP

/// The "stay informed" form.
enum UpdatesViews {
    static func form(campaignSlug: String?, csrf: String, state: FormState, t: Localizer) -> HTML {
        let fields = [
            Form.Field(name: "name", label: t("rsvp.name"), required: true, autocomplete: "name", maxLength: 100),
            Form.Field(name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email"),
            Form.Field(name: "postal_code", label: t("sign.postal_code"), autocomplete: "postal-code", maxLength: 7),
        ].map { Form.input($0, state, t: t) }
        let campaign: HTML = campaignSlug.map { "<input type=\"hidden\" name=\"campaign\" value=\"\($0)\">" } ?? .empty
        return """
            <section class="sign-box updates" aria-labelledby="updates-heading">
            <h2 id="updates-heading">\(t("updates.heading"))</h2>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: ["name", "email", "postal_code", "consent_updates"]))
            \(Form.form(action: t.path("/updates"), csrf: csrf, visitor: t, """
            \(campaign)\(fields)
            <div class="field checkbox\(state.errors["consent_updates"] != nil ? HTML(trusted: " has-error") : .empty)">
            <input id="f-consent_updates" name="consent_updates" type="checkbox" value="yes"\(state.errors["consent_updates"] != nil ? HTML(trusted: " aria-invalid=\"true\" aria-describedby=\"f-consent_updates-error\"") : .empty)>
            <label for="f-consent_updates">\(t("updates.consent"))</label>
            </div>
            \(state.errors["consent_updates"].map { "<p class=\"error\" id=\"f-consent_updates-error\">\($0)</p>" as HTML })
            \(Form.submit(t("updates.submit")))
            """))
            </section>
            """
    }
}
