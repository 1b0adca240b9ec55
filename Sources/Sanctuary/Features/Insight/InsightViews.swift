import Foundation

enum InsightViews {
    static func page(_ insight: Insight, kind: (title: String, table: String, back: String), t: Localizer) -> HTML {
        let base = "/admin/insight/\(insight.item.action)/\(insight.item.id)"
        let periods: [HTML] = InsightFeature.periods.map { d in
            "<li><a href=\"\(t.path("\(base)?days=\(d)"))\"\(d == insight.days ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("admin.sources.days", ["days": String(d)]))</a></li>"
        }
        let totals = insight.byDay.reduce(into: FunnelRow(key: t("insight.period_total"))) { sum, row in
            for stage in FunnelStage.allCases { sum.counts[stage, default: 0] += row[stage] }
        }
        var sections: [HTML] = []
        if let petition = insight.petition {
            let shown = insight.daily.reduce(0) { $0 + $1.count }
            sections.append(
                Charts.timeline(
                    insight.daily, before: max(0, petition.signatureCount - shown), goal: petition.goal, title: t("insight.chart.timeline"),
                    t: t))
        }
        sections.append(
            """
            <h2>\(t("insight.funnel"))</h2>
            <p class="hint">\(t("insight.funnel_hint"))</p>
            \(funnelTable([totals], first: t("insight.period"), t: t))
            \(Charts.pairs(insight.byDay, title: t("insight.chart.rate"), t: t))
            \(insight.byHour.isEmpty ? HTML.empty : """
            <details><summary>\(t("insight.by_hour"))</summary>
            \(funnelTable(Array(insight.byHour.map { FunnelRow(key: DateText.dateTime($0.key + ":00:00Z", t: t, timeZone: t.timeZone), counts: $0.counts) }.reversed()), first: t("insight.hour"), t: t, sorted: false))
            </details>
            """)
            """)
        if let petition = insight.petition {
            sections.append(
                """
                <h2>\(t("insight.sources"))</h2>
                \(insight.sources.isEmpty ? Layout.emptyState(t("insight.no_confirmed")) : Charts.bars(insight.sources.prefix(10).map { ($0.source.isEmpty ? t("admin.sources.none") : $0.source, $0.count) }, title: t("insight.chart.sources"), t: t))
                \(insight.bySource.isEmpty ? HTML.empty : funnelTable(insight.bySource, first: t("admin.sources.source"), t: t))
                <h2>\(t("insight.referrers"))</h2>
                \(insight.referrers.isEmpty ? Layout.emptyState(t("insight.no_referrers")) : Charts.bars(insight.referrers.map { ($0.host, $0.count) }, title: t("insight.referrers"), t: t))
                <h2>\(t("places.title"))</h2>
                \(insight.provinces.contains { !$0.0.isEmpty && $0.1 > 0 } ? PlacesViews.provinceTable(insight.provinces, total: petition.signatureCount, t: t) + PlacesViews.ridingTable(insight.ridings, t: t) : Layout.emptyState(t("places.none")))
                <p><a href="\(t.path("/petitions/\(petition.slug)/ridings.csv"))">\(t("places.ridings_csv"))</a> · <a href="\(t.path("/petitions/\(petition.slug)/ridings"))">\(t("places.all_ridings"))</a> · <a href="\(t.path("/admin/petitions/\(petition.id)/triage"))">\(t("triage.title_short"))</a></p>
                """)
        } else {
            sections.append(
                """
                <h2>\(t("insight.sources"))</h2>
                \(insight.bySource.isEmpty ? Layout.emptyState(t("admin.sources.empty")) : funnelTable(insight.bySource, first: t("admin.sources.source"), t: t))
                <h2>\(t("insight.referrers"))</h2>
                \(insight.referrers.isEmpty ? Layout.emptyState(t("insight.no_referrers")) : Charts.bars(insight.referrers.map { ($0.host, $0.count) }, title: t("insight.referrers"), t: t))
                \(insight.item.action != "letter" || insight.ridings.isEmpty ? HTML.empty : """
                <h2>\(t("places.title"))</h2>
                \(PlacesViews.provinceTable(insight.provinces, total: insight.provinces.reduce(0) { $0 + $1.1 }, caption: t("insight.letter_provinces"), counted: t("insight.letters"), t: t))
                \(PlacesViews.ridingTable(insight.ridings, caption: t("insight.letter_ridings"), counted: t("insight.letters"), t: t))
                <p><a href="\(t.path("/letters/\(insight.slug)/ridings.csv"))">\(t("places.ridings_csv"))</a> · <a href="\(t.path("/letters/\(insight.slug)/responses"))">\(t("insight.letter_responses"))</a></p>
                """)
                """)
        }
        return """
            <p><a href="\(t.path(kind.back))">\(t(kind.title))</a></p>
            <h1>\(t("insight.title", ["title": insight.title.text(t)]))</h1>
            <nav aria-label="\(t("admin.sources.period"))"><ul class="filters">\(periods)</ul></nav>
            \(sections)
            """
    }

    /// Views, starts, stored and confirmed per row, with the share of views that ended confirmed.
    static func funnelTable(_ rows: [FunnelRow], first: String, t: Localizer, sorted: Bool = true) -> HTML {
        // Largest first: confirmed, then stored, then seen.
        let ordered = sorted ? rows.sorted { ($0[.confirmed], $0[.stored], $0[.view]) > ($1[.confirmed], $1[.stored], $1[.view]) } : rows
        let body: [HTML] = ordered.map { row in
            let cells: [HTML] = FunnelStage.allCases.map { "<td class=\"number\">\(t.formatNumber(row[$0]))</td>" }
            return
                "<tr><th scope=\"row\">\(row.key.isEmpty ? t("admin.sources.none") : row.key)</th>\(cells)<td class=\"number\">\(Charts.rate(row[.confirmed], row[.view]))</td></tr>"
        }
        let heads: [HTML] = FunnelStage.allCases.map { "<th scope=\"col\">\(t("insight.stage.\($0.rawValue)"))</th>" }
        return """
            <div class="table-wrap"><table><thead><tr><th scope="col">\(first)</th>\(heads)<th scope="col">\(t("insight.conversion"))</th></tr></thead>
            <tbody>\(body)</tbody></table></div>
            """
    }
}
