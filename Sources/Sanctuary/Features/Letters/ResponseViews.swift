import HTTP

/// The responses page of a letter campaign, the writer's one-question form, and staff's screen.
enum ResponseViews {
    static func page(_ campaign: LetterCampaign, ridings: [RidingResponses], t: Localizer) -> HTML {
        let written = ridings.count
        let replied = ridings.filter(\.replied).count
        let rows: [HTML] = ridings.map { r in
            let status: String =
                r.replied ? t("responses.status.replied") : r.answered ? t("responses.status.no_reply") : t("responses.status.unknown")
            let quotes: [HTML] = r.quotes.map { "<blockquote><p>\($0)</p></blockquote>" }
            return """
                <tr><th scope="row">\(r.ridingName.english.isEmpty ? r.ridingCode : r.ridingName.text(t))\(r.province.isEmpty ? "" : " (\(r.province))")</th>\
                <td>\(r.member)</td><td class="number">\(t.formatNumber(r.letters))</td>\
                <td><span class="badge\(r.replied ? HTML(trusted: " badge-yes") : .empty)">\(status)</span>\(quotes)</td></tr>
                """
        }
        return """
            <p class="eyebrow">\(campaign.title.html(t))</p>
            <h1>\(t("responses.title"))</h1>
            <p class="lede">\(t("responses.lede"))</p>
            <p class="count"><strong>\(t("responses.rate", ["replied": t.formatNumber(replied), "written": t.formatNumber(written), "rate": Charts.rate(replied, written)]))</strong></p>
            \(ridings.isEmpty ? Layout.emptyState(t("responses.none")) : """
                <div class="table-wrap"><table class="responses"><caption>\(t("responses.caption"))</caption>
                <thead><tr><th scope="col">\(t("places.riding"))</th><th scope="col">\(t("places.member"))</th><th scope="col">\(t("responses.letters"))</th><th scope="col">\(t("responses.reply"))</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """)
            <p><a href="\(t.path("/letters/\(campaign.slug)"))">\(t("responses.write"))</a></p>
            """
    }

    /// The one question, from the follow-up mail's link.
    static func form(_ campaign: LetterCampaign, response: LetterResponse, state: FormState, action: String, csrf: String, t: Localizer)
        -> HTML
    {
        let choices: [HTML] = [ResponseReply.yes, .no, .notSent].map { reply in
            """
            <div class="checkbox field"><input type="radio" id="reply-\(reply.rawValue)" name="reply" value="\(reply.rawValue)"\(state["reply"] == reply.rawValue ? HTML(trusted: " checked") : .empty)>\
            <label for="reply-\(reply.rawValue)">\(t("responses.reply.\(reply.rawValue)"))</label></div>
            """
        }
        let recipient = response.recipientName.isEmpty ? t("responses.your_mp") : response.recipientName
        return """
            \(Form.errorSummary(state, title: t("form.error_summary"), order: ["reply", "said"]))
            <p class="eyebrow">\(campaign.title.html(t))</p>
            <h1>\(t("responses.ask.title", ["recipient": recipient]))</h1>
            \(state.notice.map { "<p class=\"notice\" role=\"status\">\($0)</p>" as HTML } ?? .empty)
            <form method="post" action="\(action)" novalidate class="sign-box"><input type="hidden" name="_csrf" value="\(csrf)">
            <fieldset class="field\(state.errors["reply"] != nil ? HTML(trusted: " has-error") : .empty)" id="f-reply"><legend>\(t("responses.ask.question", ["recipient": recipient]))</legend>
            \(state.errors["reply"].map { "<p class=\"error\">\($0)</p>" as HTML })\(choices)</fieldset>
            \(Form.input(Form.Field(name: "said", label: t("responses.field.said"), type: "textarea", hint: t("responses.field.said.hint"), maxLength: 5000), state, t: t))
            \(Form.checkbox(name: "consent", label: t("responses.field.consent"), checked: state["consent"] == "yes"))
            \(Form.submit(t("responses.submit")))
            </form>
            <p class="hint">\(t("responses.ask.privacy"))</p>
            """
    }

    static func admin(
        _ campaign: LetterCampaign, responses: [LetterResponse], ridings: [(code: String, name: String)], state: FormState, csrf: String,
        t: Localizer
    ) -> HTML {
        let rows: [HTML] = responses.map { r in
            """
            <tr><td>\(r.ridingCode)</td><td>\(r.recipientName)</td><td>\(t("responses.reply.\(r.reply.rawValue)"))</td>\
            <td>\(r.said)\(r.quoteConsent ? HTML.empty : " <span class=\"meta\">(\(t("responses.admin.not_quoted")))</span>")</td>\
            <td>\(t("responses.source.\(r.source)"))</td>\
            <td><form method="post" action="\(t.path("/admin/letters/\(campaign.id)/responses/\(r.id)/delete"))"><input type="hidden" name="_csrf" value="\(csrf)">\
            <button class="button secondary" type="submit">\(t("admin.delete"))</button></form></td></tr>
            """
        }
        let options = [("", t("responses.admin.choose_riding"))] + ridings.map { ($0.code, $0.name) }
        return """
            <h1>\(t("responses.admin.title", ["title": campaign.title.text(t)]))</h1>
            <p><a href="\(t.path("/letters/\(campaign.slug)/responses"))">\(t("admin.view"))</a></p>
            \(responses.isEmpty ? Layout.emptyState(t("responses.none")) : """
                <div class="table-wrap"><table><thead><tr><th scope="col">\(t("places.riding"))</th><th scope="col">\(t("places.member"))</th>\
                <th scope="col">\(t("responses.reply"))</th><th scope="col">\(t("responses.field.said"))</th><th scope="col">\(t("responses.admin.source"))</th>\
                <th scope="col"><span class="visually-hidden">\(t("admin.account.actions"))</span></th></tr></thead><tbody>\(rows)</tbody></table></div>
                """)
            <h2>\(t("responses.admin.record"))</h2>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: ["riding", "reply", "said"]))
            <form method="post" action="\(t.path("/admin/letters/\(campaign.id)/responses"))" novalidate><input type="hidden" name="_csrf" value="\(csrf)">
            \(Form.select(name: "riding", label: t("places.riding"), options: options, selected: state["riding"], error: state.errors["riding"]))
            \(Form.select(name: "reply", label: t("responses.reply"), options: [ResponseReply.yes, .no].map { ($0.rawValue, t("responses.reply.\($0.rawValue)")) }, selected: state["reply"], error: state.errors["reply"]))
            \(Form.input(Form.Field(name: "said", label: t("responses.field.said"), type: "textarea", maxLength: 5000), state, t: t))
            \(Form.checkbox(name: "quotable", label: t("responses.admin.quotable"), checked: state["quotable"] == "yes"))
            \(Form.submit(t("admin.save")))
            </form>
            """
    }
}
