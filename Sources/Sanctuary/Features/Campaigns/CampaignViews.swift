import HTTP

/// Pieces of campaign pages.
enum CampaignViews {
    typealias Actions = (petitions: [PetitionSummary], letters: [LetterCampaign], events: [EventSummary], news: [NewsSummary])

    /// `/campaigns`: the active campaigns.
    static func list(_ campaigns: [Campaign], media: [Int64: Media] = [:], t: Localizer) -> HTML {
        let items: [HTML] = campaigns.map { card($0, media: media[$0.id], t: t) }
        return """
            <h1>\(t("campaigns.title"))</h1>
            \(campaigns.isEmpty ? Layout.emptyState(t("campaigns.none")) : "<ul class=\"cards\">\(items)</ul>")
            """
    }

    /// A campaign hub: the case, the asks, key dates, every open action, resources, news,
    /// share links and the "stay informed" form.
    static func page(
        _ campaign: Campaign, actions: Actions, resources: [Resource], media: Media? = nil, shareURL: String, updatesForm: HTML,
        t: Localizer
    ) -> HTML {
        let asks: [HTML] = campaign.askList(t).map {
            "<li><h3>\($0.heading)</h3>\($0.text.isEmpty ? HTML.empty : "<p>\($0.text)</p>")</li>"
        }
        let dates: [HTML] = campaign.keyDateList(t).map { "<li>\($0)</li>" }
        var actionBlocks: [HTML] = []
        if !actions.petitions.isEmpty {
            actionBlocks.append(
                "<h3>\(t("campaigns.sign"))</h3><ul class=\"cards\">\(actions.petitions.map { PetitionViews.card($0, t: t) })</ul>")
        }
        if !actions.letters.isEmpty {
            actionBlocks.append(
                "<h3>\(t("campaigns.write"))</h3><ul class=\"cards\">\(actions.letters.map { letter in "<li class=\"card\"><h4><a href=\"\(t.path("/letters/\(letter.slug)"))\">\(letter.title.html(t))</a></h4><p class=\"count\">\(t.plural("letters.sent", letter.letterCount))</p>\(Layout.cardAction(t("cta.write"), href: t.path("/letters/\(letter.slug)"), title: letter.title.text(t)))</li>" as HTML })</ul>"
            )
        }
        if !actions.events.isEmpty {
            actionBlocks.append(
                "<h3>\(t("campaigns.attend"))</h3><ul class=\"cards\">\(actions.events.map { EventViews.card($0, t: t) })</ul>")
        }
        return """
            <article class="campaign">
            \(campaign.state == .archived ? "<p class=\"badge\">\(t("campaigns.archived"))</p>" as HTML : .empty)
            <p class="eyebrow">\(t("campaigns.eyebrow"))</p>
            <h1>\(campaign.title.html(t))</h1>
            \(campaign.tagline.english.isEmpty ? HTML.empty : "<p class=\"lede\"\(campaign.tagline.langAttribute(t))>\(campaign.tagline.text(t))</p>")
            \(MediaViews.figure(media, t: t))
            <p\(campaign.summary.langAttribute(t))>\(campaign.summary.text(t))</p>
            <section aria-labelledby="take-action" class="take-action"><h2 id="take-action">\(t("campaigns.take_action"))</h2>
            \(actionBlocks.isEmpty ? Layout.emptyState(t("campaigns.no_actions")) : HTML.join(actionBlocks))
            </section>
            \(campaign.body.block(t, Markdown.cached))
            \(asks.isEmpty ? HTML.empty : "<section aria-labelledby=\"asks\"><h2 id=\"asks\">\(t("campaigns.asks"))</h2><ol class=\"asks\"\(campaign.asks.langAttribute(t))>\(asks)</ol></section>")
            \(dates.isEmpty ? HTML.empty : "<section aria-labelledby=\"dates\"><h2 id=\"dates\">\(t("campaigns.key_dates"))</h2><ul\(campaign.keyDates.langAttribute(t))>\(dates)</ul></section>")
            \(resources.isEmpty ? HTML.empty : "<section aria-labelledby=\"resources\"><h2 id=\"resources\">\(t("campaigns.resources"))</h2><ul class=\"list\">\(resourceItems(resources, t: t))</ul></section>")
            \(actions.news.isEmpty ? HTML.empty : "<section aria-labelledby=\"campaign-news\"><h2 id=\"campaign-news\">\(t("home.latest_news"))</h2><ul class=\"list\">\(actions.news.map { "<li><a href=\"\(t.path("/news/\($0.slug)"))\">\($0.title.html(t))</a></li>" as HTML })</ul></section>")
            \(PetitionViews.shareLinks(title: campaign.title.text(t), url: shareURL, t: t))
            \(updatesForm)
            </article>
            """
    }

    /// "What next?" on a thanks page: other actions as cards with a button each.
    static func nextSteps(_ next: (petitions: [PetitionSummary], letters: [LetterCampaign], events: [EventSummary]), t: Localizer) -> HTML {
        let letters: [HTML] = next.letters.map { letter in
            let href = t.path("/letters/\(letter.slug)")
            return """
                <li class="card"><h3><a href="\(href)">\(letter.title.html(t))</a></h3><p\(letter.intro.langAttribute(t))>\(letter.intro.text(t))</p>\
                \(Layout.cardAction(t("cta.write"), href: href, title: letter.title.text(t)))</li>
                """
        }
        let cards = next.petitions.map { PetitionViews.card($0, t: t) } + letters + next.events.map { EventViews.card($0, t: t) }
        guard !cards.isEmpty else { return .empty }
        return """
            <section class="next-steps" aria-labelledby="next-steps"><h2 id="next-steps">\(t("next.title"))</h2>
            <ul class="cards">\(cards)</ul></section>
            """
    }

    /// Resources in the page's language first; one in another language says so (its title
    /// and description are in that language, so the item is marked with it).
    static func resourceItems(_ resources: [Resource], t: Localizer) -> [HTML] {
        let ordered = resources.filter { $0.language == t.language } + resources.filter { $0.language != t.language }
        return ordered.map { r in
            let other = r.language != t.language
            // A link to a page of this site stays in the visitor's language.
            let href = r.kind == .link && r.href.hasPrefix("/") && !r.href.hasPrefix("//") ? t.path(r.href) : r.href
            return """
                <li\(other ? " lang=\"\(r.language)\"" as HTML : .empty)><a href="\(href)"\(other ? " hreflang=\"\(r.language)\"" as HTML : .empty)>\(r.title)</a>\
                \(r.description.isEmpty ? HTML.empty : " — \(r.description)")\(other ? " <span class=\"meta\">(\(t("language.name.\(r.language)")))</span>" as HTML : .empty)</li>
                """
        }
    }

    static func card(_ campaign: Campaign, media: Media? = nil, t: Localizer) -> HTML {
        let href = t.path("/campaigns/\(campaign.slug)")
        return """
            <li class="card">\(MediaViews.thumbnail(media, t: t))<h2 class="card-title"><a href="\(href)">\(campaign.title.html(t))</a></h2>
            \(campaign.tagline.english.isEmpty ? HTML.empty : "<p class=\"meta\"\(campaign.tagline.langAttribute(t))>\(campaign.tagline.text(t))</p>")
            <p\(campaign.summary.langAttribute(t))>\(campaign.summary.text(t))</p>
            \(Layout.cardAction(t("cta.act"), href: href, title: campaign.title.text(t)))</li>
            """
    }
}
