import HTTP

/// The import screens: the form, and the preview that asks before anything is kept.
enum SubscriberImportViews {
    static let order = ["file", "campaign_id", "consent_note", "consented_on"]

    static func form(campaigns: [(Int64, String)], state: FormState, csrf: String, t: Localizer) -> HTML {
        let campaignOptions = [("", t("import.campaign.none"))] + campaigns.map { (String($0.0), $0.1) }
        let fileError = state.errors["file"]
        return """
            <p><a href="\(t.path("/admin/mailings"))">\(t("admin.mailings.back"))</a></p>
            <h1>\(t("import.title"))</h1>
            <p class="lede">\(t("import.intro"))</p>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: order, labels: ["file": t("import.file"), "campaign_id": t("import.campaign"), "consent_note": t("import.note"), "consented_on": t("import.day")]))
            <form method="post" action="\(t.path("/admin/subscribers/import"))?_csrf=\(csrf)" enctype="multipart/form-data" novalidate><input type="hidden" name="_csrf" value="\(csrf)">
            <div class="field\(fileError != nil ? HTML(trusted: " has-error") : .empty)"><label for="f-file">\(t("import.file"))</label>
            <p class="hint" id="f-file-hint">\(t("import.file.hint"))</p>
            \(fileError.map { "<p class=\"error\" id=\"f-file-error\">\($0)</p>" as HTML })
            <input id="f-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="f-file-hint\(fileError != nil ? HTML(trusted: " f-file-error") : .empty)"></div>
            \(Form.select(name: "campaign_id", label: t("import.campaign"), options: campaignOptions, selected: state["campaign_id"], error: state.errors["campaign_id"]))
            \(Form.input(Form.Field(name: "consent_note", label: t("import.note"), type: "textarea", required: true, hint: t("import.note.hint"), maxLength: 500, rows: 3), state, t: t))
            \(Form.input(Form.Field(name: "consented_on", label: t("import.day"), type: "date", required: true, hint: t("import.day.hint")), state, t: t))
            \(Form.submit(t("import.submit")))
            </form>
            """
    }

    static func preview(
        _ imported: SubscriberImport, _ preview: SubscriberImport.Preview, stash: String, fields: [String: String], campaign: String?,
        csrf: String, t: Localizer
    ) -> HTML {
        let problems: [HTML] = imported.invalid.prefix(50).map {
            "<li>\(t("import.line", ["line": String($0.line)])): \(t($0.reason))</li>"
        }
        let hidden: [HTML] = ["campaign_id", "consent_note", "consented_on"].map {
            "<input type=\"hidden\" name=\"\($0)\" value=\"\(fields[$0] ?? "")\">"
        }
        return """
            <h1>\(t("import.preview.title"))</h1>
            <dl class="facts">
            <dt>\(t("import.count.new"))</dt><dd>\(t.formatNumber(preview.new.count))</dd>
            <dt>\(t("import.count.already"))</dt><dd>\(t.formatNumber(preview.already))</dd>
            <dt>\(t("import.count.suppressed"))</dt><dd>\(t.formatNumber(preview.suppressed))</dd>
            <dt>\(t("import.count.invalid"))</dt><dd>\(t.formatNumber(imported.invalid.count))</dd>
            <dt>\(t("import.count.repeated"))</dt><dd>\(t.formatNumber(imported.repeated))</dd>
            <dt>\(t("import.campaign"))</dt><dd>\(campaign ?? t("import.campaign.none"))</dd>
            <dt>\(t("import.note"))</dt><dd>\(fields["consent_note"] ?? "") (\(fields["consented_on"] ?? ""))</dd>
            </dl>
            \(imported.ignoredColumns.isEmpty ? HTML.empty : "<p>\(t("import.ignored", ["columns": imported.ignoredColumns.joined(separator: ", ")]))</p>")
            \(problems.isEmpty ? HTML.empty : "<h2>\(t("import.problems"))</h2><ul>\(problems)</ul>")
            <p>\(t("import.suppressed.note"))</p>
            \(preview.new.isEmpty ? "<p>\(t("import.nothing"))</p>" as HTML : """
            <form method="post" action="\(t.path("/admin/subscribers/import/confirm"))"><input type="hidden" name="_csrf" value="\(csrf)">
            <input type="hidden" name="import" value="\(stash)">\(hidden)
            \(Form.submit(t.plural("import.confirm", preview.new.count)))
            </form>
            """)
            <p><a href="\(t.path("/admin/subscribers/import"))">\(t("import.start_again"))</a></p>
            """
    }

    static func message(_ error: SubscriberImport.ReadError, t: Localizer) -> String {
        switch error {
        case .notCSV(let line, let reason): t("import.error.csv", ["line": String(line), "reason": reason])
        case .noEmailColumn: t("import.error.no_email_column")
        case .empty: t("import.error.empty")
        case .tooManyRows(let count):
            t("import.error.too_many", ["count": t.formatNumber(count), "max": t.formatNumber(SubscriberImport.maxRows)])
        }
    }
}
