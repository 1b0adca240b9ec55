import HTTP

/// The mailing screens: the list, the editor with its preview, and a mailing going out.
enum MailingViews {
    static func list(_ mailings: [Mailing], t: Localizer) -> HTML {
        let rows: [HTML] = mailings.map { m in
            """
            <tr><td><a href="\(t.path("/admin/mailings/\(m.id)"))">\(m.subjectEn)</a></td>
            <td>\(stateBadge(m, t: t))</td>
            <td class="number">\(t.formatNumber(m.recipients))</td><td class="number">\(t.formatNumber(m.sent))</td>
            <td class="number">\(t.formatNumber(m.failed))</td><td class="number">\(t.formatNumber(m.unsubscribes))</td>
            <td>\(when(m, t: t))</td></tr>
            """
        }
        return """
            <h1>\(t("admin.mailings.title"))</h1>
            <p class="lede">\(t("admin.mailings.intro"))</p>
            <ul class="links"><li><a href="\(t.path("/admin/suppressions"))">\(t("admin.suppressions.link"))</a></li>
            <li><a href="\(t.path("/admin/subscribers/import"))">\(t("admin.mailings.import"))</a></li></ul>
            <p><a class="button" href="\(t.path("/admin/mailings/new"))">\(t("admin.mailing.new"))</a></p>
            \(mailings.isEmpty ? Layout.emptyState(t("admin.mailings.empty")) : """
            <div class="table-wrap"><table>
            <thead><tr><th scope="col">\(t("admin.mailing.subject"))</th><th scope="col">\(t("admin.mailing.state"))</th>
            <th scope="col">\(t("admin.mailing.recipients"))</th><th scope="col">\(t("admin.mailing.sent"))</th>
            <th scope="col">\(t("admin.mailing.failed"))</th><th scope="col">\(t("admin.mailing.unsubscribes"))</th>
            <th scope="col">\(t("admin.mailing.when"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """)
            """
    }

    static func stateBadge(_ m: Mailing, t: Localizer) -> HTML {
        "<span class=\"badge state-\(m.state.rawValue)\">\(t("admin.mailing.state.\(m.state.rawValue)"))</span>"
    }

    /// When it went, goes or will go, in the site's zone.
    static func when(_ m: Mailing, t: Localizer) -> HTML {
        let time = m.state == .scheduled ? m.sendAt : (m.finishedAt ?? m.startedAt)
        guard let time else { return .empty }
        return "<time datetime=\"\(time)\">\(DateText.dateTime(time, t: t, timeZone: "America/Toronto"))</time>"
    }

    /// The editor. A saved draft also shows, below the form, exactly what recipients will
    /// get, how many they are, and the buttons that send it.
    static func editor(
        mailing: Mailing?, state: FormState, choices: [(value: String, label: String)], preview: MailingPreview?, scheduleError: String?,
        csrf: String, t: Localizer
    ) -> HTML {
        let action = mailing.map { "/admin/mailings/\($0.id)" } ?? "/admin/mailings"
        func field(_ name: String, textarea: Bool = false, required: Bool = false, language: String) -> HTML {
            var field = Form.Field(
                name: name, label: t("admin.mailing.\(name)"), type: textarea ? "textarea" : "text", required: required,
                hint: textarea
                    ? t(
                        "admin.mailing.body.hint",
                        ["merge": "{{first_name|\(t("admin.mailing.merge_fallback"))}}", "fallback": t("admin.mailing.merge_fallback")])
                    : nil,
                maxLength: textarea ? MailingForm.maxBodyLength : MailingForm.maxSubjectLength, language: language)
            if textarea { field.rows = 14 }
            return Form.input(field, state, t: t)
        }
        return """
            <p><a href="\(t.path("/admin/mailings"))">\(t("admin.mailings.back"))</a></p>
            <h1>\(mailing == nil ? t("admin.mailing.new") : t("admin.mailing.edit"))</h1>
            \(mailing.map { m in m.state == .scheduled ? "<p class=\"flash\" role=\"status\">\(t("admin.mailing.scheduled_for", ["when": when(m, t: t).rendered]))</p>" as HTML : .empty })
            \(Form.errorSummary(state, title: t("form.error_summary"), order: MailingForm.order, labels: Dictionary(uniqueKeysWithValues: MailingForm.order.map { ($0, t("admin.mailing.\($0)")) })))
            \(Form.form(action: t.path(action), csrf: csrf, """
            \(Form.select(name: "audience", label: t("admin.mailing.audience"), options: choices, selected: state["audience"], error: state.errors["audience"]))
            <fieldset><legend>\(t("admin.mailing.english"))</legend>
            \(field("subject_en", required: true, language: "en"))
            \(field("body_en", textarea: true, required: true, language: "en"))
            </fieldset>
            <fieldset><legend>\(t("admin.mailing.french"))</legend>
            <p class="hint">\(t("admin.mailing.french.hint"))</p>
            \(field("subject_fr", language: "fr"))
            \(field("body_fr", textarea: true, language: "fr"))
            </fieldset>
            \(Form.submit(mailing == nil ? t("admin.mailing.create") : t("admin.mailing.save")))
            """))
            \(mailing.flatMap { m in preview.map { sendPanel(m, $0, scheduleError: scheduleError, csrf: csrf, t: t) } })
            """
    }

    /// The preview, the count, and test / send now / schedule.
    static func sendPanel(_ m: Mailing, _ preview: MailingPreview, scheduleError: String?, csrf: String, t: Localizer) -> HTML {
        let token: HTML = "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">"
        let messages: [HTML] = preview.messages.map { language, message in
            """
            <article class="mail-preview" lang="\(language)">
            <h3>\(t("admin.mailing.preview.in", ["language": t("language.name.\(language)")]))</h3>
            <dl class="facts"><dt>\(t("admin.outbox.recipient"))</dt><dd>\(message.to.address)</dd>
            <dt>\(t("admin.mailing.subject"))</dt><dd>\(message.subject)</dd></dl>
            \(message.html.map { _ in "<iframe class=\"mail-html\" sandbox title=\"\(t("admin.mailing.preview.html", ["language": t("language.name.\(language)")]))\" src=\"/admin/mailings/\(m.id)/preview/\(language)\"></iframe>" as HTML } ?? .empty)
            <details\(message.html == nil ? HTML(trusted: " open") : .empty)><summary>\(t("admin.mailing.preview.text"))</summary>
            <pre class="mail-text">\(message.text)</pre></details>
            </article>
            """
        }
        return """
            <section aria-labelledby="preview-heading" class="send-panel">
            <h2 id="preview-heading">\(t("admin.mailing.preview"))</h2>
            <p class="lede">\(t.plural("admin.mailing.count", preview.count, ["audience": preview.audience]))</p>
            \(messages)
            <form method="post" action="\(t.path("/admin/mailings/\(m.id)/test"))">\(token)
            <div class="actions"><button type="submit" class="button\(preview.tested ? HTML(trusted: " secondary") : .empty)">\(t("admin.mailing.test"))</button></div></form>
            \(preview.needsPostalAddress ? """
            <div class="warning-box" role="alert"><h3>\(t("admin.mailing.postal.title"))</h3>
            <p>\(t("admin.mailing.postal.body"))</p><p><a href="\(t.path("/admin/settings#f-postal_address"))">\(t("admin.mailing.postal.link"))</a></p></div>
            """ as HTML : preview.tested ? sendForms(m, preview, scheduleError: scheduleError, token: token, t: t)
                : "<p class=\"notice\" role=\"status\">\(t("admin.mailing.test_first"))</p>")
            </section>
            """
    }

    /// Send now, or at a set time.
    static func sendForms(_ m: Mailing, _ preview: MailingPreview, scheduleError: String?, token: HTML, t: Localizer) -> HTML {
        """
        <form method="post" action="\(t.path("/admin/mailings/\(m.id)/send"))">\(token)
        <div class="actions"><button type="submit" class="button">\(t.plural("admin.mailing.send_now", preview.count))</button></div></form>
        <form method="post" action="\(t.path("/admin/mailings/\(m.id)/schedule"))" novalidate>\(token)
        <fieldset><legend>\(t("admin.mailing.schedule"))</legend>
        \(Form.input(Form.Field(name: "send_at", label: t("admin.mailing.send_at"), type: "datetime-local", required: true), FormState(errors: scheduleError.map { ["send_at": $0] } ?? [:]), t: t))
        \(Form.select(name: "time_zone", label: t("admin.mailing.time_zone"), options: MailingForm.timeZones.map { ($0, $0.replacingOccurrences(of: "America/", with: "").replacingOccurrences(of: "_", with: " ")) }, selected: "America/Toronto"))
        <div class="actions"><button type="submit" class="button secondary">\(t("admin.mailing.schedule.submit"))</button></div>
        </fieldset></form>
        """
    }

    /// The last step before sending: who, how many, what; the button sends to exactly that
    /// many (the count travels with it, so a changed audience is asked about again).
    static func confirmSend(_ m: Mailing, count: Int, audience: String, csrf: String, t: Localizer) -> HTML {
        guard count > 0 else {
            return """
                <h1>\(t("admin.mailing.confirm.title"))</h1>
                <p class="lede">\(t("admin.mailing.confirm.nobody", ["audience": audience]))</p>
                <p><a href="\(t.path("/admin/mailings/\(m.id)"))">\(t("admin.mailing.confirm.back"))</a></p>
                """
        }
        return """
            <h1>\(t("admin.mailing.confirm.title"))</h1>
            <dl class="facts">
            <dt>\(t("admin.mailing.subject"))</dt><dd>\(m.subjectEn)</dd>
            <dt>\(t("admin.mailing.audience"))</dt><dd>\(audience)</dd>
            <dt>\(t("admin.mailing.confirm.people"))</dt><dd>\(t.formatNumber(count))</dd>
            </dl>
            <p class="lede">\(t.plural("admin.mailing.confirm.body", count, ["audience": audience]))</p>
            <form method="post" action="\(t.path("/admin/mailings/\(m.id)/send"))">
            <input type="hidden" name="_csrf" value="\(csrf)"><input type="hidden" name="confirm" value="\(count)">
            <div class="actions"><button type="submit" class="button">\(t.plural("admin.mailing.confirm.submit", count))</button>
            <a class="button secondary" href="\(t.path("/admin/mailings/\(m.id)"))">\(t("admin.mailing.confirm.back"))</a></div>
            </form>
            """
    }

    /// A mailing going out or gone: numbers, progress, pause / resume / cancel.
    static func status(_ m: Mailing, audience: String, progress: MailingProgress, csrf: String, t: Localizer) -> HTML {
        let token: HTML = "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">"
        func button(_ action: String, secondary: Bool = true) -> HTML {
            """
            <form method="post" action="\(t.path("/admin/mailings/\(m.id)/\(action)"))">\(token)
            <button type="submit" class="button\(secondary ? HTML(trusted: " secondary") : .empty)">\(t("admin.mailing.\(action)"))</button></form>
            """
        }
        let done = m.sent + m.failed
        let remaining = progress.waiting + progress.retrying + progress.held
        let percent = m.recipients == 0 ? 100 : min(100, done * 100 / m.recipients)
        var controls: [HTML] = []
        if m.state == .sending { controls.append(button("pause")) }
        if m.state == .paused { controls.append(button("resume", secondary: false)) }
        if [.sending, .paused].contains(m.state) { controls.append(button("cancel")) }
        return """
            <p><a href="\(t.path("/admin/mailings"))">\(t("admin.mailings.back"))</a></p>
            <h1>\(m.subjectEn)</h1>
            <p>\(stateBadge(m, t: t)) \(when(m, t: t))</p>
            <dl class="facts">
            <dt>\(t("admin.mailing.audience"))</dt><dd>\(audience)</dd>
            <dt>\(t("admin.mailing.recipients"))</dt><dd>\(t.formatNumber(m.recipients))</dd>
            <dt>\(t("admin.mailing.sent"))</dt><dd>\(t.formatNumber(m.sent))</dd>
            <dt>\(t("admin.mailing.failed"))</dt><dd>\(t.formatNumber(m.failed))</dd>
            <dt>\(t("admin.mailing.waiting"))</dt><dd>\(t.formatNumber(remaining))</dd>
            <dt>\(t("admin.mailing.unsubscribes"))</dt><dd>\(t.formatNumber(m.unsubscribes))</dd>
            </dl>
            <progress max="100" value="\(percent)" aria-labelledby="mailing-progress"></progress>
            <p class="meta" id="mailing-progress">\(t("admin.mailing.progress", ["done": t.formatNumber(done), "total": t.formatNumber(m.recipients)]))</p>
            <div class="actions">\(controls)</div>
            <h2>\(t("admin.mailing.message"))</h2>
            <pre class="mail-text" lang="en">\(m.bodyEn)</pre>
            \(m.hasFrench ? "<pre class=\"mail-text\" lang=\"fr\">\(m.bodyFr)</pre>" as HTML : .empty)
            """
    }
}
