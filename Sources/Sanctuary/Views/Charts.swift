import Foundation

/// Charts drawn on the server as SVG: no script, no third party, readable without styles. Each
/// is an image with a title and a description, followed by the same numbers as a table for
/// anyone who cannot see it.
enum Charts {
    static let width = 640.0
    static let height = 220.0
    static let left = 56.0
    static let bottom = 28.0
    static let top = 12.0

    /// The running total as a line (the area under it shaded), and the goal as a dashed line.
    /// `before`: the total counted before the first day shown. The table under it has each day's count too.
    static func timeline(_ days: [(day: String, count: Int)], before: Int, goal: Int, title: String, t: Localizer) -> HTML {
        guard !days.isEmpty else { return .empty }
        var running = before
        let totals = days.map { day -> Int in
            running += day.count
            return running
        }
        let peak = Double(max(totals.last ?? 0, goal, 1)) * 1.08
        let plotWidth = width - left - 8
        let plotHeight = height - top - bottom
        let step = plotWidth / Double(max(days.count - 1, 1))
        func y(_ value: Int) -> Double { top + plotHeight - Double(value) / peak * plotHeight }
        let points = totals.enumerated().map { "\(f(left + Double($0.offset) * step)),\(f(y($0.element)))" }
        let line = points.joined(separator: " ")
        let area = "\(f(left)),\(f(top + plotHeight)) " + line + " \(f(left + Double(days.count - 1) * step)),\(f(top + plotHeight))"
        let goalLine =
            goal > 0
            ? "<line stroke=\"#1e6b3a\" stroke-width=\"2\" stroke-dasharray=\"6 4\" x1=\"\(f(left))\" x2=\"\(f(width - 8))\" y1=\"\(f(y(goal)))\" y2=\"\(f(y(goal)))\"/><text font-size=\"12\" fill=\"#3d454e\" x=\"\(f(width - 10))\" y=\"\(f(y(goal) - 4))\" text-anchor=\"end\">\(HTML.escape(t("insight.chart.goal", ["goal": t.formatNumber(goal)])))</text>"
            : ""
        let axis = axisLabels(peak: peak, y: y, t: t)
        let firstDay = days.first.map { DateText.day($0.day, t: t) } ?? ""
        let lastDay = days.last.map { DateText.day($0.day, t: t) } ?? ""
        let description = t(
            "insight.chart.timeline_desc",
            ["from": firstDay, "to": lastDay, "total": t.formatNumber(totals.last ?? 0), "goal": t.formatNumber(goal)])
        let svg = """
            <svg viewBox="0 0 \(f(width)) \(f(height))" role="img" aria-labelledby="\(id(title))-t \(id(title))-d" xmlns="http://www.w3.org/2000/svg">\
            <title id="\(id(title))-t">\(HTML.escape(title))</title><desc id="\(id(title))-d">\(HTML.escape(description))</desc>\
            \(axis)<polygon fill="#c6d4e6" points="\(area)"/><polyline fill="none" stroke="#1d4e89" stroke-width="2.5" points="\(line)"/>\(goalLine)\
            <text font-size="12" fill="#3d454e" x="\(f(left))" y="\(f(height - 8))">\(HTML.escape(firstDay))</text>\
            <text font-size="12" fill="#3d454e" x="\(f(width - 8))" y="\(f(height - 8))" text-anchor="end">\(HTML.escape(lastDay))</text></svg>
            """
        let rows: [HTML] = zip(days, totals).reversed().map { day, total in
            "<tr><td>\(DateText.day(day.day, t: t))</td><td class=\"number\">\(t.formatNumber(day.count))</td><td class=\"number\">\(t.formatNumber(total))</td></tr>"
        }
        return """
            <figure class="chart">\(HTML(trusted: svg))<figcaption>\(title)</figcaption></figure>
            <details><summary>\(t("insight.chart.as_table"))</summary><div class="table-wrap"><table>
            <thead><tr><th scope="col">\(t("insight.day"))</th><th scope="col">\(t("insight.signed_that_day"))</th><th scope="col">\(t("insight.total"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div></details>
            """
    }

    /// Horizontal bars, one per row, largest first as given (top sources, referring sites).
    static func bars(_ rows: [(label: String, value: Int)], title: String, t: Localizer) -> HTML {
        guard !rows.isEmpty else { return .empty }
        let rowHeight = 26.0
        let labelWidth = 200.0
        let h = Double(rows.count) * rowHeight + 8
        let peak = Double(max(rows.map(\.value).max() ?? 1, 1))
        var body = ""
        for (index, row) in rows.enumerated() {
            let y = 4 + Double(index) * rowHeight
            let w = Double(row.value) / peak * (width - labelWidth - 80)
            let label = row.label.count > 28 ? String(row.label.prefix(27)) + "…" : row.label
            body += """
                <text font-size="12" fill="#3d454e" x="\(f(labelWidth - 6))" y="\(f(y + 17))" text-anchor="end">\(HTML.escape(label))</text>\
                <rect fill="#1d4e89" x="\(f(labelWidth))" y="\(f(y + 3))" width="\(f(max(w, 1)))" height="\(f(rowHeight - 8))"/>\
                <text font-size="12" fill="#3d454e" x="\(f(labelWidth + max(w, 1) + 6))" y="\(f(y + 17))">\(HTML.escape(t.formatNumber(row.value)))</text>
                """
        }
        let description = rows.prefix(3).map { "\($0.label): \(t.formatNumber($0.value))" }.joined(separator: "; ")
        let svg = """
            <svg viewBox="0 0 \(f(width)) \(f(h))" role="img" aria-labelledby="\(id(title))-t \(id(title))-d" xmlns="http://www.w3.org/2000/svg">\
            <title id="\(id(title))-t">\(HTML.escape(title))</title><desc id="\(id(title))-d">\(HTML.escape(description))</desc>\(body)</svg>
            """
        return "<figure class=\"chart\">\(HTML(trusted: svg))<figcaption>\(title)</figcaption></figure>"
    }

    /// Per day, rows stored beside rows confirmed (two bars), with the day's rate in the table.
    /// `rows`: one per day of the period, oldest first (days with nothing included, so the bars
    /// keep their place in time).
    static func pairs(_ rows: [FunnelRow], title: String, t: Localizer) -> HTML {
        guard rows.contains(where: { $0[.stored] > 0 || $0[.confirmed] > 0 }) else { return .empty }
        let plotWidth = width - left - 8
        let plotHeight = height - top - bottom
        let step = plotWidth / Double(rows.count)
        let peak = Double(max(rows.map { max($0[.stored], $0[.confirmed]) }.max() ?? 1, 1)) * 1.08
        func y(_ value: Int) -> Double { top + plotHeight - Double(value) / peak * plotHeight }
        var body = axisLabels(peak: peak, y: y, t: t)
        for (index, row) in rows.enumerated() {
            let x = left + Double(index) * step
            body +=
                "<rect fill=\"#9fb7d3\" x=\"\(f(x + step * 0.1))\" y=\"\(f(y(row[.stored])))\" width=\"\(f(step * 0.4))\" height=\"\(f(top + plotHeight - y(row[.stored])))\"/>"
            body +=
                "<rect fill=\"#1d4e89\" x=\"\(f(x + step * 0.5))\" y=\"\(f(y(row[.confirmed])))\" width=\"\(f(step * 0.4))\" height=\"\(f(top + plotHeight - y(row[.confirmed])))\"/>"
        }
        let stored = rows.reduce(0) { $0 + $1[.stored] }
        let confirmed = rows.reduce(0) { $0 + $1[.confirmed] }
        let description = t(
            "insight.chart.rate_desc",
            ["stored": t.formatNumber(stored), "confirmed": t.formatNumber(confirmed), "rate": rate(confirmed, stored)])
        let svg = """
            <svg viewBox="0 0 \(f(width)) \(f(height))" role="img" aria-labelledby="\(id(title))-t \(id(title))-d" xmlns="http://www.w3.org/2000/svg">\
            <title id="\(id(title))-t">\(HTML.escape(title))</title><desc id="\(id(title))-d">\(HTML.escape(description))</desc>\(body)\
            <text font-size="12" fill="#3d454e" x="\(f(left))" y="\(f(height - 8))">\(HTML.escape(rows.first.map { DateText.day($0.key, t: t) } ?? ""))</text>\
            <text font-size="12" fill="#3d454e" x="\(f(width - 8))" y="\(f(height - 8))" text-anchor="end">\(HTML.escape(rows.last.map { DateText.day($0.key, t: t) } ?? ""))</text></svg>
            """
        return """
            <figure class="chart">\(HTML(trusted: svg))<figcaption>\(title) · <span class="key key-stored">\(t("insight.stage.stored"))</span> <span class="key">\(t("insight.stage.confirmed"))</span></figcaption></figure>
            """
    }

    /// "87%" of `part` in `whole` ("–" when there is no whole).
    static func rate(_ part: Int, _ whole: Int) -> String {
        guard whole > 0 else { return "–" }
        return "\(Int((Double(part) / Double(whole) * 100).rounded()))%"
    }

    private static func axisLabels(peak: Double, y: (Int) -> Double, t: Localizer) -> String {
        let top = Int(peak / 1.08)
        return [0, top / 2, top].map { value in
            "<line stroke=\"#d5dbe1\" x1=\"\(f(left))\" x2=\"\(f(width - 8))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\"/><text font-size=\"12\" fill=\"#3d454e\" x=\"\(f(left - 6))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\">\(HTML.escape(t.formatNumber(value)))</text>"
        }.joined()
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func id(_ title: String) -> String {
        "chart-"
            + String(title.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : "-" }.prefix(24)).lowercased()
    }
}
