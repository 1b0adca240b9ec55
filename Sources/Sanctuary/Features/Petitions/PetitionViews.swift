import HTTP

/// Pieces of petition pages.
enum PetitionViews {
    /// `/petitions`: open ones first, closed ones marked.
    static func list(_ petitions: [PetitionSummary], media: [Int64: Media] = [:], t: Localizer) -> HTML {
        """
        <h1>\(t("petitions.title"))</h1>
        <p class="lede">\(t("petitions.intro"))</p>
        \(petitions.isEmpty ? Layout.emptyState(t("home.no_petitions")) : "<ul class=\"cards\">\(petitions.map { card($0, media: media[$0.id], t: t) })</ul>")
        """
    }

    /// After signing (`pending`: "check your e-mail to confirm"), or after confirming.
    /// After signing (`pending`: check your e-mail, with the address typed when the visitor's
    /// cookie holds it, the link sent again on request, and a way back for a wrong address) or
    /// after confirming; then sharing, with the petition's message ready.
    static func thanks(
        _ petition: Petition, pending: Bool, shareURL: String, sent address: String? = nil, resent: Bool = false, resendCSRF: String,
        t: Localizer
    ) -> HTML {
        let title = petition.title.text(t)
        let form = t.path("/petitions/\(petition.slug)") + "#sign-heading"
        let checkEmail: HTML =
            address.map { emphasized(t("thanks.check_email.sent_to", ["title": title, "address": "\u{1}"]), $0) }
            ?? "\(t("thanks.check_email.body", ["title": title]))"
        let pendingHTML: HTML = """
            \(resent ? "<p class=\"flash\" role=\"status\">\(t("thanks.check_email.resent"))</p>" as HTML : .empty)
            <p class="lede">\(checkEmail)</p>
            <p>\(t("thanks.check_email.spam"))</p>
            \(address == nil ? HTML.empty : """
                <form method="post" action="\(t.path("/petitions/\(petition.slug)/resend"))" class="resend">
                <input type="hidden" name="_csrf" value="\(resendCSRF)">
                <button type="submit" class="button secondary">\(t("thanks.check_email.resend"))</button>
                </form>
                """)
            <p>\(t("thanks.check_email.wrong_address")) <a href="\(form)">\(t("thanks.check_email.sign_again"))</a></p>
            """
        return """
            <section class="thanks">
            <h1>\(t(pending ? "thanks.check_email.title" : "thanks.title"))</h1>
            \(pending ? pendingHTML : "<p class=\"lede\">\(t("thanks.body", ["title": title]))</p>\(progress(count: petition.summary.signatureCount, goal: petition.summary.goal, t: t))")
            <p>\(t("thanks.share_ask"))</p>
            </section>
            \(ShareViews.links(title: title, url: shareURL, message: petition.shareMessage(t), t: t))
            <p><a href="\(t.path("/petitions/\(petition.slug)"))">\(t("thanks.back"))</a></p>
            """
    }

    /// Recent signers who asked to be shown: first name, riding (or province), day, and
    /// why they signed when they said.
    static func publicSigners(_ signers: [PublicSigner], t: Localizer) -> HTML {
        guard !signers.isEmpty else { return .empty }
        let items: [HTML] = signers.map { s in
            """
            <li><p class="meta"><strong>\(s.firstName)</strong> · \(s.riding.isEmpty ? s.province : s.riding) · <time datetime="\(s.confirmedAt)">\(DateText.day(s.confirmedAt, t: t))</time></p>\(s.comment.isEmpty ? HTML.empty : "<blockquote lang=\"\(t.language)\">\(s.comment)\(s.comment.count >= PublicSigner.maxComment ? "…" : "")</blockquote>")</li>
            """
        }
        return """
            <section class="public-signers" aria-labelledby="signers-heading">
            <h2 id="signers-heading">\(t("petition.recent_signers"))</h2>
            <ul class="signer-list">\(items)</ul>
            </section>
            """
    }

    /// A sentence with `value` in bold where its `\u{1}` marker stands, each part escaped.
    private static func emphasized(_ sentence: String, _ value: String) -> HTML {
        let parts = sentence.components(separatedBy: "\u{1}")
        guard parts.count == 2 else { return "\(sentence)" }
        return "\(parts[0])<strong>\(value)</strong>\(parts[1])"
    }

    /// A petition card with its live count and progress towards the goal.
    static func card(_ petition: PetitionSummary, media: Media? = nil, t: Localizer) -> HTML {
        let closed = !petition.isOpen()
        let href = t.path("/petitions/\(petition.slug)")
        return """
            <li class="card\(closed ? HTML(trusted: " is-closed") : .empty)">
            \(MediaViews.thumbnail(media, t: t))
            \(closed ? "<p class=\"badge\">\(t("petition.closed_badge"))</p>" as HTML : .empty)
            <h3><a href="\(href)">\(petition.title.html(t))</a></h3>
            <p\(petition.summary.langAttribute(t))>\(petition.summary.text(t))</p>
            \(progress(count: petition.signatureCount, goal: petition.goal, t: t))
            \(Layout.cardAction(t(closed ? "cta.read" : "cta.sign"), href: href, title: petition.title.text(t)))
            </li>
            """
    }

    /// The count and the way to the goal; while fewer than a hundred have signed, an
    /// invitation to be among the first instead of "3 signatures of 5,000".
    static func progress(count: Int, goal: Int, t: Localizer) -> HTML {
        let counted = t.plural("petition.signatures", count)
        if count == 0 { return "<p class=\"count\">\(t("petition.be_first"))</p>" }
        if count < earlyCount {
            return
                "<p class=\"count\">\(counted) <span class=\"meta\">\(t("petition.first_hundred", ["n": t.formatNumber(earlyCount)]))</span></p>"
        }
        guard goal > 0 else { return "<p class=\"count\">\(counted)</p>" }
        return """
            <p class="count">\(counted) <span class="meta">\(t("petition.goal", ["goal": t.formatNumber(goal)]))</span></p>
            <progress max="\(goal)" value="\(min(count, goal))" aria-label="\(t("petition.progress_label"))">\(counted)</progress>
            """
    }

    /// Below this many signatures a petition invites the first signers rather than showing how far the goal is.
    static let earlyCount = 100

    /// The petition's page: text, count, deadline, and the sign form while it is open.
    static func page(
        _ petition: Petition, outcomes: [PetitionOutcome] = [], media: Media? = nil, form state: FormState, csrf: String, shareURL: String,
        confirms: Bool = true, signers: [PublicSigner] = [], paused: String? = nil, places: HTML = .empty, c: PageContext
    ) -> HTML {
        let t = c.t
        let s = petition.summary
        let open = s.isOpen()
        let deadline: HTML =
            s.closesAt.map {
                "<p class=\"deadline\">\(open ? t("petition.closes_on", ["date": DateText.day($0, t: t)]) : t("petition.closed_on", ["date": DateText.day($0, t: t)]))</p>"
            } ?? .empty
        let action = t.path("/petitions/\(petition.slug)/sign")
        let formHTML: HTML
        if open, let paused {
            formHTML =
                "<div class=\"closed-notice\" role=\"status\"><h2 id=\"sign-heading\">\(t("signing.paused_heading"))</h2><p>\(paused.isEmpty ? t("signing.paused_body") : paused)</p></div>"
        } else if open {
            let fields = SignatureForm.fields(t: t, confirms: confirms).map { Form.input($0, state, t: t) }
            formHTML = """
                <h2 id="sign-heading">\(t("sign.heading"))</h2>
                \(Form.form(action: action, csrf: csrf, visitor: t, """
                \(fields)
                \(Form.checkbox(name: "notify_outcome", label: t("sign.notify_outcome"), checked: state["notify_outcome"] == "yes"))
                \(Form.checkbox(name: "consent_updates", label: t("sign.consent_updates"), checked: state["consent_updates"] == "yes"))
                \(Form.checkbox(name: "show_publicly", label: t("sign.show_publicly"), checked: state["show_publicly"] == "yes"))
                <p class="privacy">\(t("sign.privacy"))</p>
                \(Form.submit(t("sign.submit")))
                """))
                """
        } else {
            formHTML =
                "<div class=\"closed-notice\" role=\"status\"><h2 id=\"sign-heading\">\(t("petition.closed_heading"))</h2><p>\(t("petition.closed_body"))</p></div>"
        }
        return """
            <article class="petition">
            \(Form.errorSummary(state, title: t("form.error_summary"), order: SignatureForm.order))
            <p class="eyebrow">\(t("petition.eyebrow"))</p>
            <h1>\(petition.title.html(t))</h1>
            \(petition.target.english.isEmpty ? HTML.empty : "<p class=\"target\"><strong>\(t("petition.to"))</strong> \(petition.target.html(t))</p>")
            \(open ? "<p class=\"jump-to-form\"><a class=\"button\" href=\"#sign-heading\">\(t("sign.jump"))</a></p>" as HTML : .empty)
            <div class="petition-layout">
            <div class="petition-text">
            \(MediaViews.figure(media, t: t, sizes: "(min-width: 72rem) 40rem, (min-width: 60rem) 58vw, 100vw"))
            <p class="lede"\(s.summary.langAttribute(t))>\(s.summary.text(t))</p>
            \(outcomesSection(outcomes, t: t))
            \(petition.body.block(t, Markdown.cached))
            \(publicSigners(signers, t: t))
            </div>
            <aside class="sign-box" aria-labelledby="sign-heading">
            \(progress(count: s.signatureCount, goal: s.goal, t: t))
            \(deadline)
            \(formHTML)
            </aside>
            </div>
            \(places)
            \(ShareViews.links(title: petition.title.text(t), url: shareURL, t: t))
            </article>
            """
    }

    /// What came of the petition, newest first, above its text: the first thing a returning
    /// signer looks for.
    static func outcomesSection(_ outcomes: [PetitionOutcome], t: Localizer) -> HTML {
        guard !outcomes.isEmpty else { return .empty }
        let items: [HTML] = outcomes.map { o in
            """
            <article class="outcome">
            <h2>\(t("petition.outcome.\(o.kind.rawValue)")) <span class="meta"><time datetime="\(o.happenedOn)">\(DateText.day(o.happenedOn, t: t))</time></span></h2>
            <div\(t.language == "fr" && o.bodyFr.isEmpty ? HTML(trusted: " lang=\"en\"") : .empty)>\(Markdown.cached(o.body(t.language)))</div>
            </article>
            """
        }
        return "<section class=\"outcomes\" aria-label=\"\(t("petition.outcome.heading"))\">\(items)</section>"
    }

    /// The organizers' screen: outcomes so far, and a form for a new one.
    static func outcomeEditor(
        _ petition: Petition, _ outcomes: [PetitionOutcome], notify: Int, state: FormState, csrf: String, t: Localizer
    ) -> HTML {
        let past: [HTML] = outcomes.map { o in
            "<li><strong>\(t("petition.outcome.\(o.kind.rawValue)"))</strong>, \(DateText.day(o.happenedOn, t: t)): \(String(o.bodyEn.prefix(160)))</li>"
        }
        return """
            <p><a href="\(t.path("/admin/petitions"))">\(t("admin.outcome.back"))</a></p>
            <h1>\(t("admin.outcome.title"))</h1>
            <p class="lede">\(petition.title.text(t))</p>
            \(past.isEmpty ? HTML.empty : "<h2>\(t("admin.outcome.past"))</h2><ul>\(past)</ul>")
            <h2>\(t("admin.outcome.new"))</h2>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: OutcomesFeature.order))
            \(Form.form(action: t.path("/admin/petitions/\(petition.id)/outcome"), csrf: csrf, """
            \(Form.select(name: "kind", label: t("admin.outcome.kind"), options: OutcomeKind.allCases.map { ($0.rawValue, t("petition.outcome.\($0.rawValue)")) }, selected: state["kind"], error: state.errors["kind"]))
            \(Form.input(Form.Field(name: "happened_on", label: t("admin.outcome.date"), type: "date", required: true), state, t: t))
            \(Form.input(Form.Field(name: "body_en", label: t("admin.outcome.body_en"), type: "textarea", required: true, hint: t("admin.field.markdown_hint"), maxLength: 20_000, language: "en", rows: 10), state, t: t))
            \(Form.input(Form.Field(name: "body_fr", label: t("admin.outcome.body_fr"), type: "textarea", hint: t("admin.outcome.body_fr.hint"), maxLength: 20_000, language: "fr", rows: 10), state, t: t))
            \(Form.checkbox(name: "notify", label: t.plural("admin.outcome.notify", notify), checked: state["notify"] == "yes"))
            \(Form.submit(t("admin.outcome.submit")))
            """))
            """
    }
}
