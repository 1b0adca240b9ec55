import HTTP

/// The privacy screens and the public notice.
enum PrivacyViews {
    static func home(
        state: FormState, csrf: String, found: HTML, map: [PersonalData], due: [(what: String, count: Int)], retention: [String],
        backups: String, t: Localizer
    ) -> HTML {
        let rows: [HTML] = map.map { d in
            let erasure: String
            switch d.erase {
            case .delete: erasure = t("admin.privacy.map.delete")
            case .blank(let values): erasure = t("admin.privacy.map.blank", ["columns": values.keys.sorted().joined(separator: ", ")])
            case .keep(let why): erasure = t("admin.privacy.map.keep", ["why": why])
            }
            return """
                <tr><td>\(d.what)</td><td><code>\(d.table)</code></td><td><code>\(d.email)</code></td><td>\(d.columns.joined(separator: ", "))</td>
                <td>\(erasure)\(d.remove == nil ? "" : " " + t("admin.privacy.map.removable"))</td></tr>
                """
        }
        let dueRows: [HTML] = due.map { "<tr><td>\($0.what)</td><td class=\"number\">\(t.formatNumber($0.count))</td></tr>" }
        return """
            <h1>\(t("admin.privacy.title"))</h1>
            <p class="lede">\(t("admin.privacy.intro"))</p>
            <form method="post" action="\(t.path("/admin/privacy/search"))" novalidate class="sign-box"><input type="hidden" name="_csrf" value="\(csrf)">
            \(Form.errorSummary(state, title: t("form.error_summary"), order: ["email", "why"]))
            \(Form.input(Form.Field(name: "email", label: t("sign.email"), type: "email", required: true, maxLength: 254), state, t: t))
            \(Form.input(Form.Field(name: "why", label: t("admin.privacy.why"), required: true, hint: t("admin.privacy.why.hint"), maxLength: 500), state, t: t))
            \(Form.submit(t("admin.privacy.search")))
            </form>
            \(found)
            <section aria-labelledby="retention-heading"><h2 id="retention-heading">\(t("admin.privacy.retention"))</h2>
            <ul>\(retention.map { "<li>\($0)</li>" as HTML })</ul>
            <p>\(backups)</p>
            <div class="table-wrap"><table><caption>\(t("admin.privacy.due"))</caption>
            <thead><tr><th scope="col">\(t("admin.privacy.rule"))</th><th scope="col">\(t("admin.privacy.due_now"))</th></tr></thead>
            <tbody>\(dueRows)</tbody></table></div>
            </section>
            <section aria-labelledby="map-heading"><h2 id="map-heading">\(t("admin.privacy.map"))</h2>
            <p>\(t("admin.privacy.map.intro"))</p>
            <div class="table-wrap"><table>
            <thead><tr><th scope="col">\(t("admin.privacy.map.what"))</th><th scope="col">\(t("admin.privacy.map.table"))</th><th scope="col">\(t("admin.privacy.map.found_by"))</th><th scope="col">\(t("admin.privacy.map.columns"))</th><th scope="col">\(t("admin.privacy.map.erasing"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            </section>
            """
    }

    /// What a search found, with the export and the erasure's preview.
    static func found(
        _ found: [PersonalDataStore.Found], preview: [PersonalDataStore.Outcome], email: String, why: String, language: String,
        csrf: String,
        t: Localizer
    ) -> HTML {
        let hidden: HTML = """
            <input type="hidden" name="_csrf" value="\(csrf)"><input type="hidden" name="email" value="\(email)"><input type="hidden" name="why" value="\(why)">
            """
        guard !found.isEmpty else {
            return
                "<section aria-labelledby=\"found-heading\"><h2 id=\"found-heading\">\(t("admin.privacy.found"))</h2>\(Layout.emptyState(t("admin.privacy.none")))</section>"
        }
        let tables: [HTML] = found.map { table in
            let columns = Array(Set(table.rows.flatMap(\.keys))).sorted()
            let rows: [HTML] = table.rows.prefix(50).map { row in
                "<tr>\(columns.map { "<td>\(row[$0] ?? "")</td>" as HTML })</tr>"
            }
            return """
                <h3>\(table.what) (\(t.formatNumber(table.rows.count)))</h3>
                <div class="table-wrap"><table><thead><tr>\(columns.map { "<th scope=\"col\">\($0)</th>" as HTML })</tr></thead><tbody>\(rows)</tbody></table></div>
                """
        }
        let previewItems: [HTML] = preview.map { o in
            var parts: [String] = []
            if o.deleted > 0 { parts.append(t("admin.privacy.preview.deleted", ["count": t.formatNumber(o.deleted)])) }
            if o.blanked > 0 { parts.append(t("admin.privacy.preview.blanked", ["count": t.formatNumber(o.blanked)])) }
            if o.kept > 0 { parts.append(t("admin.privacy.preview.kept", ["count": t.formatNumber(o.kept), "why": o.keptBecause])) }
            return "<li>\(o.what): \(parts.joined(separator: "; "))</li>"
        }
        let removable = found.contains { $0.table == "signatures" }
        return """
            <section aria-labelledby="found-heading"><h2 id="found-heading">\(t("admin.privacy.found"))</h2>
            \(tables)
            <h3>\(t("admin.privacy.export"))</h3>
            <form method="post" action="\(t.path("/admin/privacy/export"))">\(hidden)
            \(Form.select(name: "language", label: t("admin.privacy.export.language"), options: [("en", "English"), ("fr", "Français")], selected: language))
            \(Form.submit(t("admin.privacy.export.submit")))
            </form>
            <h3>\(t("admin.privacy.erase"))</h3>
            <ul>\(previewItems)</ul>
            <form method="post" action="\(t.path("/admin/privacy/erase"))">\(hidden)
            \(removable ? Form.checkbox(name: "remove", label: t("admin.privacy.erase.remove"), checked: false) : .empty)
            \(Form.checkbox(name: "confirm", label: t("admin.privacy.erase.confirm"), checked: false))
            <div class="actions"><button type="submit" class="button danger">\(t("admin.privacy.erase.submit"))</button></div>
            </form>
            </section>
            """
    }

    static func erased(_ outcomes: [PersonalDataStore.Outcome], t: Localizer) -> HTML {
        let items: [HTML] = outcomes.map { o in
            "<li>\(o.what): \(t("admin.privacy.erased.line", ["deleted": t.formatNumber(o.deleted + o.removed), "blanked": t.formatNumber(o.blanked), "kept": t.formatNumber(o.kept)]))</li>"
        }
        return """
            <section aria-labelledby="erased-heading" class="flash" role="status"><h2 id="erased-heading">\(t("admin.privacy.erased"))</h2>
            \(outcomes.isEmpty ? HTML(stringLiteral: HTML.escape(t("admin.privacy.none"))) : "<ul>\(items)</ul>")</section>
            """
    }

    /// `/privacy/request`: an address, and what the person wants.
    static func request(state: FormState, csrf: String, t: Localizer) -> HTML {
        let choices: [HTML] = ["export", "erase"].map { what in
            """
            <div class="checkbox field"><input type="radio" id="what-\(what)" name="what" value="\(what)"\(state["what"] == what ? HTML(trusted: " checked") : .empty)>\
            <label for="what-\(what)">\(t("privacy.request.what.\(what)"))</label></div>
            """
        }
        return """
            <section class="narrow">
            \(Form.errorSummary(state, title: t("form.error_summary"), order: ["email"]))
            <h1>\(t("privacy.request.title"))</h1>
            <p class="lede">\(t("privacy.request.lede"))</p>
            \(Form.form(action: t.path("/privacy/request"), csrf: csrf, visitor: t, """
                \(Form.input(Form.Field(name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email", maxLength: 254), state, t: t))
                <fieldset class="field"><legend>\(t("privacy.request.what"))</legend>\(choices)</fieldset>
                \(Form.submit(t("privacy.request.submit")))
                """))
            </section>
            """
    }

    /// `/privacy`: what each form collects, why, for how long, and who to ask.
    static func notice(site: String, contact: String, retention: [String], backups: String, t: Localizer) -> HTML {
        let forms = ["signatures", "rsvps", "letters", "updates", "stories"].map { "<li>\(t("privacy.notice.form.\($0)"))</li>" as HTML }
        return """
            <article class="narrow">
            <h1>\(t("privacy.notice.title"))</h1>
            <p class="lede">\(t("privacy.notice.lede", ["site": site]))</p>
            <h2>\(t("privacy.notice.collect"))</h2>
            <ul>\(forms)</ul>
            <h2>\(t("privacy.notice.never"))</h2>
            <p>\(t("privacy.notice.never.body"))</p>
            <h2>\(t("privacy.notice.keep"))</h2>
            <ul>\(retention.map { "<li>\($0)</li>" as HTML })</ul>
            <p>\(backups)</p>
            <h2>\(t("privacy.notice.rights"))</h2>
            <p>\(t("privacy.notice.rights.body"))</p>
            <p><a class="button" href="\(t.path("/privacy/request"))">\(t("privacy.notice.request"))</a></p>
            \(contact.isEmpty ? HTML.empty : "<p>\(t("privacy.notice.contact")) <a href=\"mailto:\(contact)\">\(contact)</a></p>")
            </article>
            """
    }
}
