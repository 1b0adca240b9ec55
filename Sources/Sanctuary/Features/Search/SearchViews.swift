import Foundation
import HTTP

/// `/search`: the form, the filters with their counts, and the results.
enum SearchViews {
    struct Results {
        let text: String
        let query: SearchQuery
        let kind: String?
        let campaignID: Int64?
        let hits: [SearchHit]
        let counts: [String: Int]
        /// More matched than were counted (`SearchStore.counted`).
        let more: Bool
        let page: Int
        let pageSize: Int
    }

    static func page(_ results: Results, kinds: [SearchKind], campaigns: [(id: Int64, title: String)], t: Localizer) -> HTML {
        let total = results.kind.map { results.counts[$0] ?? 0 } ?? results.counts.values.reduce(0, +)
        // Past the counted matches, the total is "1,000+" and the kinds' counts (the newest
        // matches') are left out rather than shown too low.
        let kindOptions = [("", t("search.kind.all"))] + kinds.map { ($0.kind, t($0.label)) }
        let campaignOptions = [("", t("search.campaign.all"))] + campaigns.map { (String($0.id), $0.title) }
        return """
            <h1>\(t("search.title"))</h1>
            <form class="search-form" method="get" action="\(t.path("/search"))" role="search">
            <div class="field"><label for="f-q">\(t("search.label"))</label>
            <input id="f-q" name="q" type="search" value="\(results.text)" maxlength="\(SearchQuery.maxLength)"></div>
            <div class="search-filters">
            \(Form.select(name: "kind", label: t("search.kind"), options: kindOptions, selected: results.kind ?? ""))
            \(campaigns.isEmpty ? HTML.empty : Form.select(name: "campaign", label: t("search.campaign"), options: campaignOptions, selected: results.campaignID.map(String.init) ?? ""))
            </div>
            \(Form.submit(t("search.submit")))
            </form>
            \(results.query.isEmpty ? (results.text.isEmpty ? HTML.empty : "<p>\(t("search.too_short"))</p>") : summary(results, total: total, kinds: kinds, t: t))
            """
    }

    static func summary(_ results: Results, total: Int, kinds: [SearchKind], t: Localizer) -> HTML {
        let found: HTML =
            "<p class=\"search-count\" role=\"status\">\(t("search.count", ["count": results.more ? number(SearchStore.counted + 1, t) : t.formatNumber(total), "query": results.text]))</p>"
        guard total > 0 else { return found + "<p>\(t("search.none"))</p>" }
        let facets: [HTML] = kinds.compactMap { kind in
            guard let count = results.counts[kind.kind], count > 0 else { return nil }
            let current = results.kind == kind.kind
            return
                "<li><a href=\"\(link(results, kind: kind.kind, page: 1, t: t))\"\(current ? HTML(trusted: " aria-current=\"true\"") : .empty)>\(t(kind.label))\(results.more ? "" : " (\(t.formatNumber(count)))")</a></li>"
        }
        let labels = Dictionary(kinds.map { ($0.kind, $0.label) }, uniquingKeysWith: { a, _ in a })
        let items: [HTML] = results.hits.map { hit in item(hit, results, label: t(labels[hit.kind] ?? "search.kind.all"), t: t) }
        var pager: [HTML] = []
        if results.page > 1 {
            pager.append(
                "<a rel=\"prev\" href=\"\(link(results, kind: results.kind, page: results.page - 1, t: t))\">\(t("search.previous"))</a>")
        }
        let reachable = min(total, SearchStore.ranked)
        if results.page * results.pageSize < reachable {
            pager.append(
                "<a rel=\"next\" href=\"\(link(results, kind: results.kind, page: results.page + 1, t: t))\">\(t("search.next"))</a>")
        }
        return """
            \(found)
            \(facets.count > 1 || results.kind != nil ? kindLinks(results, facets, t: t) : .empty)
            <ol class="search-results">\(items)</ol>
            \(pager.isEmpty ? HTML.empty : "<nav class=\"pager\" aria-label=\"\(t("search.pages"))\">\(HTML.join(pager, separator: " "))</nav>")
            \(total > reachable && results.page * results.pageSize >= reachable ? "<p class=\"hint\">\(t("search.narrow", ["count": t.formatNumber(SearchStore.ranked)]))</p>" as HTML : .empty)
            """
    }

    /// A count, "1,000+" past where counting stops (`SearchStore.counted`).
    static func number(_ count: Int, _ t: Localizer) -> String {
        count > SearchStore.counted ? t("search.more_than", ["count": t.formatNumber(SearchStore.counted)]) : t.formatNumber(count)
    }

    static func kindLinks(_ results: Results, _ facets: [HTML], t: Localizer) -> HTML {
        let all: HTML = results.kind == nil ? HTML(trusted: " aria-current=\"true\"") : .empty
        return """
            <nav aria-label="\(t("search.kind"))"><ul class="search-kinds">\
            <li><a href="\(link(results, kind: nil, page: 1, t: t))"\(all)>\(t("search.kind.all"))</a></li>\(facets)</ul></nav>
            """
    }

    /// One result: its kind, its title and a few lines around the words asked for, in the
    /// page's language when the item has it, else in the other, marked as such.
    static func item(_ hit: SearchHit, _ results: Results, label: String, t: Localizer) -> HTML {
        let english = Text(title: hit.title, body: hit.body, language: "en")
        let french = Text(title: hit.titleFr, body: hit.bodyFr, language: "fr")
        var (mine, other) = t.language == "fr" ? (french, english) : (english, french)
        if mine.isEmpty { (mine, other) = (other, mine) }
        let href = hit.path.hasPrefix("/") && !hit.path.hasPrefix("//") ? t.path(hit.path) : hit.path
        let heading = mine.title.isEmpty ? other : mine
        var paragraph: HTML = .empty
        if let excerpt = SearchSnippet.excerpt(mine.body, results.query, required: true) {
            paragraph = "<p\(mine.attribute(t))>\(excerpt)</p>"
        } else if let excerpt = SearchSnippet.excerpt(other.body, results.query, required: true) {
            paragraph = "<p\(other.attribute(t))>\(excerpt)</p>"
        } else if let excerpt = SearchSnippet.excerpt(mine.body, results.query) {
            paragraph = "<p\(mine.attribute(t))>\(excerpt)</p>"
        }
        return """
            <li class="search-result"><p class="meta">\(label)</p>
            <h2><a href="\(href)"\(heading.attribute(t))>\(SearchSnippet.title(heading.title, results.query))</a></h2>
            \(paragraph)</li>
            """
    }

    struct Text {
        let title: String
        let body: String
        let language: String

        var isEmpty: Bool { title.isEmpty && body.trimmingCharacters(in: .whitespaces).isEmpty }
        /// `lang` when the text is not in the page's language.
        func attribute(_ t: Localizer) -> HTML { language == t.language ? .empty : " lang=\"\(language)\"" }
    }

    static func link(_ results: Results, kind: String?, page: Int, t: Localizer) -> String {
        var parts = ["q=" + PercentEncoding.encode(results.text)]
        if let kind { parts.append("kind=" + PercentEncoding.encode(kind)) }
        if let campaign = results.campaignID { parts.append("campaign=\(campaign)") }
        if page > 1 { parts.append("page=\(page)") }
        return t.path("/search") + "?" + parts.joined(separator: "&")
    }
}
