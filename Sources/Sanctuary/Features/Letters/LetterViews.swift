import HTTP

/// Pieces of the letter pages and the MP lookup.
enum LetterViews {
    /// `/representatives`: the lookup form and what it found.
    static func representatives(
        raw: String, code: String?, found: [Representative], campaigns: [LetterCampaign] = [],
        records: [String: [(campaign: Bilingual, slug: String, replied: Bool)]] = [:], t: Localizer
    ) -> HTML {
        // A malformed code is the field's error, GOV.UK style: summary first, message by the field.
        var state = FormState(values: ["postal_code": raw])
        if !raw.isEmpty && code == nil { state.errors["postal_code"] = t("sign.error.postal_code.invalid") }
        let message: HTML
        if raw.isEmpty || code == nil {
            message = .empty
        } else if found.isEmpty {
            message = "<p role=\"status\" class=\"notice\">\(t("reps.unknown", ["fsa": String(code?.prefix(3) ?? "")]))</p>"
        } else {
            message = "<ul class=\"cards\">\(found.map { card($0, campaigns: campaigns, record: records[$0.ridingCode] ?? [], t: t) })</ul>"
        }
        return """
            \(Form.errorSummary(state, title: t("form.error_summary"), order: ["postal_code"]))
            <h1>\(t("reps.title"))</h1>
            <p class="lede">\(t("reps.lede"))</p>
            <form method="get" action="\(t.path("/representatives"))" class="inline-form">
            \(Form.input(Form.Field(name: "postal_code", label: t("sign.postal_code"), required: true, autocomplete: "postal-code", hint: t("reps.hint"), maxLength: 7), state, t: t))
            \(Form.submit(t("reps.find")))
            </form>
            \(message)
            """
    }

    /// `/letters`: the open letter campaigns.
    static func list(_ campaigns: [LetterCampaign], t: Localizer) -> HTML {
        let items: [HTML] = campaigns.map { card($0, t: t) }
        return """
            <h1>\(t("letters.title"))</h1>
            \(campaigns.isEmpty ? Layout.emptyState(t("letters.none")) : "<ul class=\"cards\">\(items)</ul>")
            """
    }

    /// A letter campaign as a card: its intro, the letters sent, and a button.
    static func card(_ campaign: LetterCampaign, t: Localizer) -> HTML {
        """
        <li class="card"><h2 class="card-title"><a href="\(t.path("/letters/\(campaign.slug)"))">\(campaign.title.html(t))</a></h2>
        <p\(campaign.intro.langAttribute(t))>\(campaign.intro.text(t))</p><p class="count">\(t.plural("letters.sent", campaign.letterCount))</p>
        \(Layout.cardAction(t("cta.write"), href: t.path("/letters/\(campaign.slug)"), title: campaign.title.text(t)))</li>
        """
    }

    /// A riding and its MP, as the lookup shows them.
    static func card(
        _ rep: Representative, campaigns: [LetterCampaign] = [], record: [(campaign: Bilingual, slug: String, replied: Bool)] = [],
        t: Localizer
    ) -> HTML {
        // Whether the member answered the letters their constituents wrote through this site.
        let answered: [HTML] = record.map { item in
            """
            <li>\(t(item.replied ? "responses.rep.replied" : "responses.rep.no_reply", ["campaign": item.campaign.text(t)])) \
            <a href="\(t.path("/letters/\(item.slug)/responses"))">\(t("responses.rep.see"))</a></li>
            """
        }
        // Each open letter campaign to MPs, as a way to write to this one.
        let write: [HTML] =
            rep.memberName == nil
            ? []
            : campaigns.map { campaign in
                "<li><a class=\"button\" href=\"\(t.path("/letters/\(campaign.slug)"))\">\(t("reps.write"))<span class=\"visually-hidden\">: \(campaign.title.text(t))</span></a> <span class=\"meta\">\(campaign.title.html(t))</span></li>"
            }
        return """
            <li class="card"><h2 class="card-title">\(rep.ridingName(t))</h2><p class="meta">\(rep.province)</p>
            \(rep.memberName.map { "<p><strong>\($0)</strong>\(rep.party.isEmpty ? HTML.empty : " · \(rep.party)")</p>" as HTML } ?? "<p>\(t("reps.no_member"))</p>")
            \(rep.email.isEmpty ? HTML.empty : "<p><a href=\"mailto:\(rep.email)\">\(rep.email)</a></p>")
            \(rep.isSample ? "<p class=\"badge\">\(t("reps.sample"))</p>" as HTML : .empty)
            \(answered.isEmpty ? HTML.empty : "<ul class=\"rep-record\">\(answered)</ul>")
            \(write.isEmpty ? HTML.empty : "<ul class=\"card-actions\">\(write)</ul>")
            </li>
            """
    }

    /// A campaign's page with its form (and, when the postal code spans ridings, the choice).
    static func form(_ campaign: LetterCampaign, state: FormState, choices: [Representative], csrf: String, t: Localizer) -> HTML {
        let fields = [
            Form.Field(name: "name", label: t("letters.name"), required: true, autocomplete: "name", maxLength: 100),
            Form.Field(name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email"),
            Form.Field(
                name: "street_address", label: t("letters.street_address"), required: true, autocomplete: "address-line1",
                maxLength: 200),
            Form.Field(name: "city", label: t("letters.city"), required: true, autocomplete: "address-level2", maxLength: 100),
            Form.Field(
                name: "postal_code", label: t("sign.postal_code"), required: true, autocomplete: "postal-code",
                hint: campaign.toMP ? t("letters.postal_code.hint") : nil, maxLength: 7),
        ].map { Form.input($0, state, t: t) }
        let choice: HTML =
            choices.isEmpty
            ? .empty
            : """
            <fieldset class="field\(state.errors["riding"] != nil ? HTML(trusted: " has-error") : .empty)" id="f-riding">
            <legend>\(t("letters.choose_riding"))</legend>
            <p class="hint">\(t("letters.choose_riding.why")) <a href="https://www.elections.ca/Scripts/vis/FindED?L=\(t.language == "fr" ? "f" : "e")" rel="noopener">\(t("letters.choose_riding.lookup"))</a></p>
            \(state.errors["riding"].map { "<p class=\"error\">\($0)</p>" as HTML })
            \(choices.map { rep in
                "<div class=\"checkbox field\"><input type=\"radio\" id=\"riding-\(rep.ridingCode)\" name=\"riding\" value=\"\(rep.ridingCode)\"\(state["riding"] == rep.ridingCode ? HTML(trusted: " checked") : .empty)><label for=\"riding-\(rep.ridingCode)\">\(rep.ridingName(t))\(rep.memberName.map { " — \($0)" } ?? "")</label></div>" as HTML
            })
            </fieldset>
            """
        let personal = Form.input(
            Form.Field(
                name: "personal", label: t("letters.personal"), type: "textarea", hint: t("letters.personal.hint"),
                maxLength: LetterForm.maxPersonal, rows: 5), state, t: t)
        return """
            <article class="letter-campaign">
            \(Form.errorSummary(state, title: t("form.error_summary"), order: LetterForm.order))
            <p class="eyebrow">\(t("letters.eyebrow"))</p>
            <h1>\(campaign.title.html(t))</h1>
            <p class="lede"\(campaign.intro.langAttribute(t))>\(campaign.intro.text(t))</p>
            <p class="count">\(t.plural("letters.sent", campaign.letterCount)) · <a href="\(t.path("/letters/\(campaign.slug)/responses"))">\(t("responses.title"))</a></p>
            \(preview(campaign, t: t))
            \(campaign.isOpen ? """
            <section class="sign-box" aria-labelledby="letter-heading">
            <h2 id="letter-heading">\(t(campaign.toMP ? "letters.heading_mp" : "letters.heading_named", ["name": campaign.recipientName.text(t)]))</h2>
            \(Form.form(action: t.path("/letters/\(campaign.slug)"), csrf: csrf, visitor: t, "\(fields)\(choice)\(personal)\(Form.checkbox(name: "consent_updates", label: t("sign.consent_updates"), checked: state["consent_updates"] == "yes"))\(campaign.sentBySite ? "<p class=\"hint\">\(t("letters.site.how"))</p>" as HTML : .empty)<p class=\"hint\">\(t("letters.follow_up_note"))</p>\(Form.submit(t(campaign.sentBySite ? "letters.site.submit" : "letters.submit")))"))
            </section>
            """ as HTML : "<div class=\"closed-notice\"><h2>\(t("letters.closed"))</h2></div>")
            </article>
            """
    }

    /// The letter as it will read, before anyone types their details: the campaign's text with
    /// what is filled in for each sender said in brackets ("[your MP]").
    static func preview(_ campaign: LetterCampaign, t: Localizer) -> HTML {
        let text = Template.fill(
            campaign.bodyTemplate.text(t),
            [
                "mp_name": t(campaign.toMP ? "letters.preview.mp" : "letters.preview.recipient"), "riding": t("letters.preview.riding"),
                "sender_name": t("letters.preview.you"), "sender_address": t("letters.preview.address"), "date": t("letters.preview.date"),
            ])
        guard !text.isEmpty else { return .empty }
        let withOwn = LettersFeature.withOwnWords(text, t("letters.preview.own_words"))
        let paragraphs: [HTML] = withOwn.components(separatedBy: "\n\n").map { block in
            "<p>\(HTML.join(block.components(separatedBy: "\n").map { HTML(stringLiteral: HTML.escape($0)) }, separator: "<br>"))</p>"
        }
        return """
            <details class="letter-preview" open><summary>\(t("letters.preview.title"))</summary>
            <div class="letter-text"\(campaign.bodyTemplate.langAttribute(t))>\(HTML.join(paragraphs))</div>
            </details>
            """
    }

    /// The finished letter: send, download, print or copy.
    static func letter(_ letter: Letter, base: String, mailto: String, t: Localizer) -> HTML {
        let lang: HTML = letter.language == t.language ? .empty : " lang=\"\(letter.language)\""
        let paragraphs = letter.text.components(separatedBy: "\n\n").map { block -> HTML in
            let lines = block.components(separatedBy: "\n").map { HTML(stringLiteral: HTML.escape($0)) }
            return "<p>\(HTML.join(lines, separator: "<br>"))</p>"
        }
        return """
            <div class="no-print">
            <h1>\(t("letters.ready"))</h1>
            <p>\(t("letters.ready_body"))</p>
            <ul class="share-links">
            \(letter.recipientEmail.isEmpty ? HTML.empty : "<li><a href=\"\(mailto)\">\(t("letters.send_email"))</a></li>")
            <li><a href="\(base).docx">\(t("letters.download_docx"))</a></li>
            <li><a href="\(base).txt">\(t("letters.download_txt"))</a></li>
            </ul>
            <p>\(t("letters.print_hint"))</p>
            </div>
            <article class="letter" aria-label="\(t("letters.letter"))"\(lang)>
            \(paragraphs)
            </article>
            <div class="no-print">
            <p><label for="letter-text">\(t("letters.copy"))</label></p>
            <textarea id="letter-text" class="letter-text" rows="16" readonly\(lang)>\(letter.text)</textarea>
            </div>
            """
    }
}
