import Foundation

enum EmbedViews {
    /// The sign form as a partner's page frames it: the title (a link to the petition, opened
    /// outside the frame), the count, the form, and whose site this is.
    static func form(
        _ petition: Petition, partner: Partner?, form state: FormState, csrf: String, confirms: Bool, siteName: String, petitionURL: String,
        t: Localizer
    ) -> HTML {
        let s = petition.summary
        let action = t.path("/embed/petitions/\(petition.slug)/sign")
        let fields = SignatureForm.fields(t: t, confirms: confirms).filter { $0.name != "comment" }.map { Form.input($0, state, t: t) }
        let partnerBox: HTML =
            partner.map { partner in
                """
                <input type="hidden" name="partner" value="\(partner.key)">
                \(Form.checkbox(name: "partner_consent", label: t("embed.partner_consent", ["partner": partner.name]), checked: state["partner_consent"] == "yes"))
                """
            } ?? .empty
        return """
            <article class="embed-petition">
            \(Form.errorSummary(state, title: t("form.error_summary"), order: SignatureForm.order))
            <h1><a href="\(petitionURL)" target="_blank" rel="noopener">\(petition.title.html(t))</a></h1>
            \(PetitionViews.progress(count: s.signatureCount, goal: s.goal, t: t))
            \(Form.form(action: action, csrf: csrf, visitor: t, """
            \(fields)
            \(Form.checkbox(name: "consent_updates", label: t("embed.consent_updates", ["site": siteName]), checked: state["consent_updates"] == "yes"))
            \(partnerBox)
            \(Form.submit(t("sign.submit")))
            """))
            <p class="embed-credit">\(t("embed.credit", ["site": siteName])) · <a href="\(petitionURL)" target="_blank" rel="noopener">\(t("embed.read_petition"))</a></p>
            </article>
            """
    }

    static func closed(_ petition: Petition, heading: String, body: String, petitionURL: String, t: Localizer) -> HTML {
        """
        <article class="embed-petition">
        <h1><a href="\(petitionURL)" target="_blank" rel="noopener">\(petition.title.html(t))</a></h1>
        <div class="closed-notice" role="status"><h2>\(heading)</h2><p>\(body)</p></div>
        </article>
        """
    }

    static func thanks(_ petition: Petition, pending: Bool, petitionURL: String, t: Localizer) -> HTML {
        let title = petition.title.text(t)
        return """
            <article class="embed-petition thanks" role="status">
            <h1>\(t(pending ? "thanks.check_email.title" : "thanks.title"))</h1>
            <p>\(pending ? t("thanks.check_email.body", ["title": title]) : t("embed.thanks_counted", ["title": title]))</p>
            <p><a href="\(petitionURL)" target="_blank" rel="noopener">\(t("embed.read_petition"))</a></p>
            </article>
            """
    }

    /// What staff copy onto a partner's page: the framed form with the script that sizes it,
    /// or a plain link card for sites that allow no frames or scripts.
    static func snippets(_ petition: PetitionSummary, partner: Partner?, base: String, siteName: String, t: Localizer) -> (
        frame: String, card: String
    ) {
        let query = partner.map { "?partner=\(TriageViews.percentEncoded($0.key))" } ?? ""
        let source = partner?.source ?? "embed"
        let frame = """
            <iframe src="\(base)/embed/petitions/\(petition.slug)\(query)" title="\(HTML.escape(petition.title.text(t)))" data-sanctuary-embed \
            style="width:100%;max-width:34rem;min-height:40rem;border:0" loading="lazy"></iframe>
            <script src="\(base)/js/embed.js" async></script>
            """
        let card = """
            <a href="\(base)\(t.path("/petitions/\(petition.slug)"))?source=\(source)" style="display:block;max-width:34rem;padding:1rem;border:1px solid #d5dbe1;border-radius:6px;color:#1b1f24;text-decoration:none">\
            <strong style="color:#1d4e89">\(HTML.escape(petition.title.text(t)))</strong><br>\
            \(HTML.escape(t.plural("petition.signatures", petition.signatureCount))) · \(HTML.escape(t("embed.card_action", ["site": siteName])))</a>
            """
        return (frame, card)
    }
}
