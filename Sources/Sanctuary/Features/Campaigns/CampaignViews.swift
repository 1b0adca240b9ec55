import HTTP

/// Pieces of campaign pages.
enum CampaignViews {
    /// `/campaigns`: the active campaigns.
    static func list(_ campaigns: [Campaign], media: [Int64: Media] = [:], t: Localizer) -> HTML {
        let items: [HTML] = campaigns.map { card($0, media: media[$0.id], t: t) }
        return """
            <h1>\(t("campaigns.title"))</h1>
            \(campaigns.isEmpty ? Layout.emptyState(t("campaigns.none")) : "<ul class=\"cards\">\(items)</ul>")
            """
    }

    /// A campaign hub: the case, every open action, the asks, key dates, what to read
    /// (resources, news), share links and the "stay informed" form, as the features offer them.
    static func page(_ campaign: Campaign, offers: [OfferGroup], media: Media? = nil, shareURL: String, t: Localizer) -> HTML {
        let asks: [HTML] = campaign.askList(t).map {
            "<li><h3>\($0.heading)</h3>\($0.text.isEmpty ? HTML.empty : "<p>\($0.text)</p>")</li>"
        }
        let dates: [HTML] = campaign.keyDateList(t).map { "<li>\($0)</li>" }
        let actions = OfferViews.actions(offers, level: 3, t: t)
        let reading = offers.filter { $0.role == .reading }.map { OfferViews.reading($0, id: "campaign-\($0.kind)", t: t) }
        return """
            <article class="campaign">
            \(campaign.state == .archived ? "<p class=\"badge\">\(t("campaigns.archived"))</p>" as HTML : .empty)
            <p class="eyebrow">\(t("campaigns.eyebrow"))</p>
            <h1>\(campaign.title.html(t))</h1>
            \(campaign.tagline.english.isEmpty ? HTML.empty : "<p class=\"lede\"\(campaign.tagline.langAttribute(t))>\(campaign.tagline.text(t))</p>")
            \(MediaViews.figure(media, t: t))
            <p\(campaign.summary.langAttribute(t))>\(campaign.summary.text(t))</p>
            <section aria-labelledby="take-action" class="take-action"><h2 id="take-action">\(t("campaigns.take_action"))</h2>
            \(actions.isEmpty ? Layout.emptyState(t("campaigns.no_actions")) : HTML.join(actions))
            </section>
            \(campaign.body.block(t, Markdown.cached))
            \(asks.isEmpty ? HTML.empty : "<section aria-labelledby=\"asks\"><h2 id=\"asks\">\(t("campaigns.asks"))</h2><ol class=\"asks\"\(campaign.asks.langAttribute(t))>\(asks)</ol></section>")
            \(dates.isEmpty ? HTML.empty : "<section aria-labelledby=\"dates\"><h2 id=\"dates\">\(t("campaigns.key_dates"))</h2><ul\(campaign.keyDates.langAttribute(t))>\(dates)</ul></section>")
            \(HTML.join(reading))
            \(ShareViews.links(title: campaign.title.text(t), url: shareURL, t: t))
            \(OfferViews.asides(offers))
            </article>
            """
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
