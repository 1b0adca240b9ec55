import HTTP

/// The pieces of pages that gather several features' offers (`OfferGroup`).
enum OfferViews {
    /// "What next?" on a thanks page: other actions as cards with a button each.
    static func nextSteps(_ cards: [HTML], t: Localizer) -> HTML {
        guard !cards.isEmpty else { return .empty }
        return """
            <section class="next-steps" aria-labelledby="next-steps"><h2 id="next-steps">\(t("next.title"))</h2>
            <ul class="cards">\(cards)</ul></section>
            """
    }

    /// Things to do, each kind under its heading (`level`: h2 on its own section, h3 within one).
    static func actions(_ groups: [OfferGroup], level: Int, t: Localizer) -> [HTML] {
        groups.filter { $0.role == .action && !$0.items.isEmpty }.map { group in
            "<h\(level)>\(t(group.heading))</h\(level)><ul class=\"cards\">\(group.items.map(\.html))</ul>"
        }
    }

    /// Things to read, a section each; `id` names the section for its heading.
    static func reading(_ group: OfferGroup, id: String, sectionClass: String? = nil, t: Localizer) -> HTML {
        let more: HTML = group.more.map { "<p><a href=\"\(t.path($0.path))\">\(t($0.label))</a></p>" } ?? .empty
        let list: HTML =
            group.items.isEmpty
            ? group.empty.map { Layout.emptyState(t($0)) } ?? .empty : "<ul class=\"list\">\(group.items.map(\.html))</ul>"
        return """
            <section\(sectionClass.map { " class=\"\($0)\"" as HTML } ?? .empty) aria-labelledby="\(id)"><h2 id="\(id)">\(t(group.heading))</h2>
            \(list)\(more)</section>
            """
    }

    /// The forms and notes at a page's foot.
    static func asides(_ groups: [OfferGroup]) -> HTML {
        HTML.join(groups.filter { $0.role == .aside }.flatMap { $0.items.map(\.html) })
    }
}
