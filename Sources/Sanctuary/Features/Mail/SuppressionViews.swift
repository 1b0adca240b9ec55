import HTTP

/// The suppressions screen, and the relay's warning that the dashboard and the outbox show.
enum SuppressionViews {
    static func list(
        _ rows: [SuppressedAddress], counts: [Suppression: Int], kind: Suppression?, search: String, csrf: String, timeZone: String,
        t: Localizer
    ) -> HTML {
        let kinds: [Suppression] = [.hard, .soft, .complaint, .staff]
        let filters: [HTML] =
            [
                "<li><a href=\"\(t.path("/admin/suppressions"))\"\(kind == nil ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("admin.outbox.all"))</a></li>"
            ]
            + kinds.map { k in
                "<li><a href=\"\(t.path("/admin/suppressions?kind=\(k.rawValue)"))\"\(kind == k ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("admin.suppressions.kind.\(k.rawValue)")) (\(t.formatNumber(counts[k] ?? 0)))</a></li>"
            }
        let token: HTML = "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">"
        let items: [HTML] = rows.map { row in
            let lift: HTML =
                row.suppression == .complaint
                ? "\(t("admin.suppressions.complaint_note"))"
                : """
                <form method="post" action="\(t.path("/admin/suppressions/\(row.id)/lift"))">\(token)<button type="submit" class="button secondary">\(t("admin.suppressions.lift"))<span class="visually-hidden"> \(row.address)</span></button></form>
                """
            return """
                <tr><td>\(row.address)</td><td>\(t("admin.suppressions.kind.\(row.suppression.rawValue)"))</td>
                <td><time datetime="\(row.suppressedAt)">\(DateText.dateTime(row.suppressedAt, t: t, timeZone: timeZone))</time></td>
                <td class="reply">\(row.reason)</td><td>\(lift)</td></tr>
                """
        }
        return """
            <h1>\(t("admin.suppressions.title"))</h1>
            <p class="lede">\(t("admin.suppressions.intro"))</p>
            <nav aria-label="\(t("admin.outbox.filter"))"><ul class="filters">\(filters)</ul></nav>
            <form method="get" action="\(t.path("/admin/suppressions"))" class="search">
            \(kind.map { "<input type=\"hidden\" name=\"kind\" value=\"\($0.rawValue)\">" as HTML })
            <div class="field"><label for="f-q">\(t("admin.suppressions.search"))</label>
            <input id="f-q" name="q" type="search" value="\(search)" inputmode="email"></div>
            <div class="actions"><button type="submit" class="button secondary">\(t("admin.suppressions.search.submit"))</button></div>
            </form>
            \(rows.isEmpty ? Layout.emptyState(t("admin.suppressions.empty")) : """
            <div class="table-wrap"><table>
            <thead><tr><th scope="col">\(t("admin.outbox.recipient"))</th><th scope="col">\(t("admin.suppressions.why"))</th><th scope="col">\(t("admin.suppressions.since"))</th><th scope="col">\(t("admin.suppressions.reply"))</th><th scope="col"><span class="visually-hidden">\(t("admin.suppressions.lift"))</span></th></tr></thead>
            <tbody>\(items)</tbody></table></div>
            """)
            <h2>\(t("admin.suppressions.range.title"))</h2>
            <p>\(t("admin.suppressions.range.intro"))</p>
            <form method="post" action="\(t.path("/admin/suppressions/lift"))" novalidate>\(token)
            \(Form.select(name: "kind", label: t("admin.suppressions.why"), options: [("", t("admin.suppressions.kind.any"))] + [Suppression.hard, .soft, .staff].map { ($0.rawValue, t("admin.suppressions.kind.\($0.rawValue)")) }, selected: ""))
            <div class="field"><label for="f-from">\(t("admin.suppressions.range.from"))</label><input id="f-from" name="from" type="date" required></div>
            <div class="field"><label for="f-to">\(t("admin.suppressions.range.to"))</label><input id="f-to" name="to" type="date" required></div>
            \(Form.submit(t("admin.suppressions.range.submit")))
            </form>
            """
    }

    static func confirmRange(count: Int, kind: Suppression?, from: String, to: String, csrf: String, t: Localizer) -> HTML {
        """
        <section class="narrow">
        <h1>\(t("admin.suppressions.lift.title"))</h1>
        <p>\(t.plural("admin.suppressions.lift.count", count, ["from": from, "to": to]))</p>
        <form method="post" action="\(t.path("/admin/suppressions/lift"))"><input type="hidden" name="_csrf" value="\(csrf)">
        <input type="hidden" name="kind" value="\(kind?.rawValue ?? "")"><input type="hidden" name="from" value="\(from)">
        <input type="hidden" name="to" value="\(to)"><input type="hidden" name="confirm" value="yes">
        \(Form.submit(t("admin.suppressions.lift.confirm")))
        </form>
        <p><a href="\(t.path("/admin/suppressions"))">\(t("admin.suppressions.back"))</a></p>
        </section>
        """
    }

    static func rangeError(t: Localizer) -> HTML {
        """
        <div class="error-summary" role="alert" tabindex="-1"><h2>\(t("form.error_summary"))</h2><p>\(t("admin.suppressions.range.invalid"))</p></div>
        <p><a href="\(t.path("/admin/suppressions"))">\(t("admin.suppressions.back"))</a></p>
        """
    }
}
