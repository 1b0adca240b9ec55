import Foundation

enum TriageViews {
    static func page(
        _ petition: PetitionSummary, report: TriageReport, hours: Int, blocks: [SigningBlock], invalidations: [Invalidation],
        paused: String?, canonical: Bool, csrf: String, t: Localizer
    ) -> HTML {
        let base = "/admin/petitions/\(petition.id)/triage"
        let windows: [HTML] = TriageFeature.windows.map { h in
            "<li><a href=\"\(t.path("\(base)?hours=\(h)"))\"\(h == hours ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("triage.hours", ["hours": String(h)]))</a></li>"
        }
        let token: HTML = "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">"
        let dimensions: [HTML] = TriageDimension.allCases.map { dimension in
            dimensionTable(dimension, report: report, petitionID: petition.id, csrf: token, t: t)
        }
        return """
            <p><a href="\(t.path("/admin/insight/petition/\(petition.id)"))">\(t("insight.title", ["title": petition.title.text(t)]))</a></p>
            <h1>\(t("triage.title", ["title": petition.title.text(t)]))</h1>
            <p class="lede">\(t("triage.intro"))</p>
            \(pauseForm(petition, paused: paused, canonical: canonical, csrf: token, t: t))
            <h2>\(t("triage.who"))</h2>
            <nav aria-label="\(t("triage.window"))"><ul class="filters">\(windows)</ul></nav>
            <p>\(t.plural("triage.window_total", report.total, ["hours": String(hours)]))\(report.capped ? " " + t("triage.capped", ["n": t.formatNumber(TriageStore.windowCap)]) : "")\(report.hasUsual || report.total == 0 ? "" : " " + t("triage.no_usual"))</p>
            \(dimensions)
            \(blockList(petition, blocks, csrf: token, t: t))
            \(invalidationList(petition, invalidations, csrf: token, t: t))
            """
    }

    static func pauseForm(_ petition: PetitionSummary, paused: String?, canonical: Bool, csrf: HTML, t: Localizer) -> HTML {
        """
        <section class="card" aria-labelledby="pause-heading">
        <h2 id="pause-heading">\(t("triage.pause.heading"))</h2>
        \(paused != nil ? "<p class=\"notice\" role=\"status\"><strong>\(t("triage.pause.now_paused"))</strong></p>" as HTML : .empty)
        <form method="post" action="\(t.path("/admin/petitions/\(petition.id)/triage/settings"))">\(csrf)
        \(Form.checkbox(name: "paused", label: t("triage.pause.label"), checked: paused != nil))
        <div class="field"><label for="f-message">\(t("triage.pause.message"))</label>
        <p class="hint" id="f-message-hint">\(t("triage.pause.message_hint"))</p>
        <textarea id="f-message" name="message" rows="3" maxlength="500" aria-describedby="f-message-hint">\(paused ?? "")</textarea></div>
        \(Form.checkbox(name: "canonical_emails", label: t("triage.canonical.label"), checked: canonical))
        <p class="hint">\(t("triage.canonical.hint"))</p>
        \(Form.submit(t("triage.pause.save")))
        </form>
        </section>
        """
    }

    static func dimensionTable(_ dimension: TriageDimension, report: TriageReport, petitionID: Int64, csrf: HTML, t: Localizer) -> HTML {
        let rows = report.rows[dimension] ?? []
        let heading = t("triage.dimension.\(dimension.rawValue)")
        guard !rows.isEmpty else {
            return "<h3>\(heading)</h3>\(Layout.emptyState(t("triage.none")))"
        }
        let body: [HTML] = rows.map { row in
            let query = [
                "dimension": dimension.rawValue, "value": row.value, "since": report.since, "until": report.until,
            ].sorted { $0.key < $1.key }.map { "\($0.key)=\(percentEncoded($0.value))" }.joined(separator: "&")
            let label = row.value.isEmpty ? t("triage.empty_value") : dimension == .client ? String(row.value.prefix(12)) + "…" : row.value
            let block: HTML =
                dimension == .domain || dimension == .client
                ? """
                <form method="post" action="\(t.path("/admin/petitions/\(petitionID)/triage/blocks"))" class="inline">\(csrf)\
                <input type="hidden" name="kind" value="\(dimension.rawValue)"><input type="hidden" name="value" value="\(row.value)">\
                <button type="submit" class="button secondary">\(t("triage.block"))</button></form>
                """ : .empty
            return """
                <tr\(row.unusual ? HTML(trusted: " class=\"unusual\"") : .empty)><th scope="row"><code>\(label)</code>\(row.unusual ? " <strong class=\"badge\">\(t("triage.unusual"))</strong>" as HTML : .empty)</th>\
                <td class="number">\(t.formatNumber(row.count))</td><td class="number">\(percent(row.share))</td>\
                <td class="number">\(row.usualShare.map(percent) ?? "–")</td><td>\(sparkline(row.perHour, label: t("triage.per_hour", ["value": label])))</td>\
                <td><a href="\(t.path("/admin/petitions/\(petitionID)/triage/invalidate?\(query)"))">\(t("triage.preview_invalidation"))</a> \(block)</td></tr>
                """
        }
        return """
            <div class="table-wrap"><table class="triage"><caption>\(heading)</caption>
            <thead><tr><th scope="col">\(t("triage.value"))</th><th scope="col">\(t("triage.count"))</th><th scope="col">\(t("triage.share"))</th><th scope="col">\(t("triage.usual"))</th><th scope="col">\(t("triage.hourly"))</th><th scope="col">\(t("triage.actions"))</th></tr></thead>
            <tbody>\(body)</tbody></table></div>
            """
    }

    static func blockList(_ petition: PetitionSummary, _ blocks: [SigningBlock], csrf: HTML, t: Localizer) -> HTML {
        let rows: [HTML] = blocks.map { b in
            """
            <tr><td>\(t("triage.kind.\(b.kind.rawValue)"))</td><td><code>\(b.kind == .domain ? b.value : String(b.value.prefix(12)) + "…")</code></td><td>\(b.note)</td>\
            <td class="number">\(t.formatNumber(b.hits))</td><td>\(b.createdBy)</td>\
            <td><form method="post" action="\(t.path("/admin/petitions/\(petition.id)/triage/blocks/\(b.id)/delete"))" class="inline">\(csrf)<button type="submit" class="button secondary">\(t("triage.unblock"))</button></form></td></tr>
            """
        }
        let kinds: [HTML] = SigningBlock.Kind.allCases.map {
            "<option value=\"\($0.rawValue)\">\(t("triage.kind.\($0.rawValue)"))</option>"
        }
        return """
            <h2 id="blocks-heading">\(t("triage.blocks"))</h2>
            <p class="hint">\(t("triage.blocks_hint"))</p>
            \(blocks.isEmpty ? Layout.emptyState(t("triage.no_blocks")) : """
            <div class="table-wrap"><table><thead><tr><th scope="col">\(t("triage.kind"))</th><th scope="col">\(t("triage.value"))</th><th scope="col">\(t("triage.note"))</th><th scope="col">\(t("triage.hits"))</th><th scope="col">\(t("triage.by"))</th><th scope="col">\(t("triage.actions"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """)
            <form method="post" action="\(t.path("/admin/petitions/\(petition.id)/triage/blocks"))" class="stack">\(csrf)
            <div class="field"><label for="f-kind">\(t("triage.kind"))</label><select id="f-kind" name="kind">\(kinds)</select></div>
            <div class="field"><label for="f-value">\(t("triage.value"))</label><input id="f-value" name="value" type="text" required maxlength="254"></div>
            <div class="field"><label for="f-note">\(t("triage.note"))</label><input id="f-note" name="note" type="text" maxlength="200"></div>
            \(Form.submit(t("triage.add_block")))
            </form>
            """
    }

    static func invalidationList(_ petition: PetitionSummary, _ list: [Invalidation], csrf: HTML, t: Localizer) -> HTML {
        let cutoff = Timestamp.format(Date().addingTimeInterval(-TriageStore.undoDays * 86_400))
        let rows: [HTML] = list.map { i in
            let action: HTML =
                i.undoneAt != nil
                ? "\(t("triage.undone", ["date": DateText.day(i.undoneAt ?? "", t: t)]))"
                : i.createdAt < cutoff
                    ? "\(t("triage.undo_expired"))"
                    : """
                    <form method="post" action="\(t.path("/admin/petitions/\(petition.id)/triage/invalidations/\(i.id)/undo"))" class="inline">\(csrf)<button type="submit" class="button secondary">\(t("triage.undo"))</button></form>
                    """
            return """
                <tr><td>\(DateText.day(i.createdAt, t: t))</td><td><code>\(i.rule)</code></td><td class="number">\(t.formatNumber(i.count))</td><td>\(i.reason)</td><td>\(i.createdBy)</td><td>\(action)</td></tr>
                """
        }
        return """
            <h2>\(t("triage.invalidations"))</h2>
            \(list.isEmpty ? Layout.emptyState(t("triage.no_invalidations")) : """
            <div class="table-wrap"><table><thead><tr><th scope="col">\(t("insight.day"))</th><th scope="col">\(t("triage.rule"))</th><th scope="col">\(t("triage.count"))</th><th scope="col">\(t("triage.reason"))</th><th scope="col">\(t("triage.by"))</th><th scope="col">\(t("triage.actions"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """)
            """
    }

    static func preview(_ petition: PetitionSummary, _ preview: TriagePreview, csrf: String, t: Localizer) -> HTML {
        let s = preview.selection
        let provinces: [HTML] = preview.provinces.map {
            "<tr><th scope=\"row\">\($0.0.isEmpty ? "–" : t("province.\($0.0)"))</th><td class=\"number\">−\(t.formatNumber($0.1))</td></tr>"
        }
        let days: [HTML] = preview.days.map {
            "<tr><th scope=\"row\">\(DateText.day($0.0, t: t))</th><td class=\"number\">−\(t.formatNumber($0.1))</td></tr>"
        }
        let sample: [HTML] = preview.sample.map {
            "<li>\($0.firstName) · \($0.postalCode) · \(DateText.dateTime($0.createdAt, t: t, timeZone: t.timeZone))</li>"
        }
        let hidden: [HTML] = [
            ("dimension", s.dimension.rawValue), ("value", s.value), ("since", s.since), ("until", s.until), ("up_to", String(s.upTo)),
        ].map {
            "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">"
        }
        return """
            <p><a href="\(t.path("/admin/petitions/\(petition.id)/triage"))">\(t("triage.title", ["title": petition.title.text(t)]))</a></p>
            <h1>\(t("triage.preview.title"))</h1>
            <p class="lede">\(t("triage.preview.rule", ["dimension": t("triage.dimension.\(s.dimension.rawValue)"), "value": s.value, "from": DateText.dateTime(s.since, t: t, timeZone: t.timeZone), "to": DateText.dateTime(s.until, t: t, timeZone: t.timeZone)]))</p>
            <p id="preview-count">\(t("triage.preview.counts", ["rows": t.formatNumber(preview.rows), "confirmed": t.formatNumber(preview.confirmed), "before": t.formatNumber(preview.totalBefore), "after": t.formatNumber(max(0, preview.totalBefore - preview.confirmed))]))</p>
            \(provinces.isEmpty ? HTML.empty : "<div class=\"table-wrap\"><table><caption>\(t("triage.preview.provinces"))</caption><tbody>\(provinces)</tbody></table></div>" as HTML)
            \(days.isEmpty ? HTML.empty : "<div class=\"table-wrap\"><table><caption>\(t("triage.preview.days"))</caption><tbody>\(days)</tbody></table></div>" as HTML)
            \(sample.isEmpty ? HTML.empty : "<h2>\(t("triage.preview.sample"))</h2><ul>\(sample)</ul>" as HTML)
            \(preview.rows == 0 ? Layout.emptyState(t("triage.preview.nothing")) : """
            <form method="post" action="\(t.path("/admin/petitions/\(petition.id)/triage/invalidate"))"><input type="hidden" name="_csrf" value="\(csrf)">\(hidden)
            <div class="field"><label for="f-reason">\(t("triage.reason"))</label><input id="f-reason" name="reason" type="text" maxlength="300"></div>
            \(Form.checkbox(name: "confirm", label: t("triage.preview.confirm", ["n": t.formatNumber(preview.rows)]), checked: false))
            \(Form.submit(t("triage.preview.submit")))
            </form>
            """)
            """
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    static func percentEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    /// A row's signatures per hour as small bars (its title says it in words).
    static func sparkline(_ values: [Int], label: String) -> HTML {
        let peak = Double(max(values.max() ?? 1, 1))
        let step = 120.0 / Double(max(values.count, 1))
        var bars = ""
        for (index, value) in values.enumerated() where value > 0 {
            let h = max(1, Double(value) / peak * 20)
            bars +=
                "<rect x=\"\(String(format: "%.1f", Double(index) * step))\" y=\"\(String(format: "%.1f", 22 - h))\" width=\"\(String(format: "%.1f", max(step - 0.5, 0.5)))\" height=\"\(String(format: "%.1f", h))\" fill=\"#1d4e89\"/>"
        }
        return HTML(
            trusted:
                "<svg viewBox=\"0 0 120 22\" width=\"120\" height=\"22\" role=\"img\" aria-label=\"\(HTML.escape(label + ": " + values.map(String.init).joined(separator: ", ")))\" xmlns=\"http://www.w3.org/2000/svg\">\(bars)</svg>"
        )
    }
}
