import HTTP

/// Pieces of the stories pages. A story is shown in the language it was told in (`lang`),
/// named only as its teller chose, never with their address.
enum StoryViews {
    /// A campaign the form is for: its slug and title.
    struct CampaignRef: Sendable {
        let id: Int64
        let slug: String
        let title: String
    }

    /// The public form. `photoAgain`: a photo was sent with a form that had mistakes (a file
    /// input cannot be filled again, so the visitor is told to choose it again).
    static func form(
        campaign: CampaignRef?, settings: StorySettings, state: FormState, csrf: String, consent: String, site: String,
        photoAgain: Bool, t: Localizer
    ) -> HTML {
        let action = "\(t.path(StoryForm.action))?_csrf=\(csrf)"
        let naming: [HTML] = StoryNaming.allCases.map { choice in
            """
            <div class="checkbox field"><input type="radio" id="naming-\(choice.rawValue)" name="naming" value="\(choice.rawValue)"\(state["naming"] == choice.rawValue ? HTML(trusted: " checked") : .empty)>\
            <label for="naming-\(choice.rawValue)">\(t("stories.naming.\(choice.rawValue)"))</label></div>
            """
        }
        var photoState = state
        if photoAgain && photoState.errors["photo"] == nil { photoState.errors["photo"] = t("stories.error.photo_again") }
        let fields: [HTML] = [
            Form.input(
                Form.Field(
                    name: "story", label: t("stories.field.story"), type: "textarea", required: true,
                    hint: t("stories.field.story.hint", ["max": t.formatNumber(settings.maxWords)]), maxLength: StoryForm.maxCharacters,
                    rows: 10), state, t: t),
            Form.input(
                Form.Field(
                    name: "photo", label: t("stories.field.photo"), type: "file", required: settings.photoProject,
                    hint: t("stories.field.photo.hint"), accept: "image/jpeg,image/png"), photoState, t: t),
            Form.input(Form.Field(name: "caption", label: t("stories.field.caption"), maxLength: 300), state, t: t),
            Form.input(Form.Field(name: "photographer", label: t("stories.field.photographer"), maxLength: 100), state, t: t),
        ]
        let about: [HTML] = [
            Form.input(
                Form.Field(name: "first_name", label: t("stories.field.first_name"), autocomplete: "given-name", maxLength: 100), state,
                t: t),
            Form.input(
                Form.Field(name: "last_name", label: t("stories.field.last_name"), autocomplete: "family-name", maxLength: 100), state,
                t: t),
            """
            <fieldset class="field\(state.errors["naming"] != nil ? HTML(trusted: " has-error") : .empty)" id="f-naming">
            <legend>\(t("stories.field.naming"))</legend>
            \(state.errors["naming"].map { "<p class=\"error\">\($0)</p>" as HTML })
            \(naming)
            </fieldset>
            """,
            Form.input(
                Form.Field(name: "place", label: t("stories.field.place"), hint: t("stories.field.place.hint"), maxLength: 100), state,
                t: t),
            Form.input(
                Form.Field(
                    name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email",
                    hint: t("stories.field.email.hint"), maxLength: 254), state, t: t),
        ]
        let consents: HTML = """
            <fieldset class="field consents">
            <legend>\(t("stories.consents"))</legend>
            \(box("consent_people", t("stories.consent_people"), state))
            \(box("consent_publish", consent, state))
            </fieldset>
            """
        let hidden: HTML = campaign.map { "<input type=\"hidden\" name=\"campaign\" value=\"\($0.slug)\">" as HTML } ?? .empty
        return """
            <section class="story-form">
            \(Form.errorSummary(state, title: t("form.error_summary"), order: StoryForm.order))
            <p class="eyebrow">\(campaign?.title ?? t("stories.title"))</p>
            <h1>\(t("stories.new.title"))</h1>
            <p class="lede">\(t("stories.new.lede", ["site": site]))</p>
            <form method="post" action="\(action)" enctype="multipart/form-data" novalidate class="sign-box">
            <input type="hidden" name="_csrf" value="\(csrf)">\(hidden)
            \(Form.honeypot(t))
            <h2>\(t("stories.new.your_story"))</h2>
            \(fields)
            <h2>\(t("stories.new.about_you"))</h2>
            \(about)
            \(consents)
            <p class="hint">\(t("stories.new.how"))</p>
            \(Form.submit(t("stories.new.submit")))
            \(Form.privacyNote(t))
            </form>
            </section>
            """
    }

    /// A required box with its message above it.
    static func box(_ name: String, _ label: String, _ state: FormState) -> HTML {
        """
        <div class="field checkbox\(state.errors[name] != nil ? HTML(trusted: " has-error") : .empty)">
        \(state.errors[name].map { "<p class=\"error\" id=\"f-\(name)-error\">\($0)</p>" as HTML })
        <input id="f-\(name)" name="\(name)" type="checkbox" value="yes"\(state[name] == "yes" ? HTML(trusted: " checked") : .empty)\(state.errors[name] != nil ? HTML(trusted: " aria-invalid=\"true\" aria-describedby=\"f-\(name)-error\"") : .empty)>
        <label for="f-\(name)">\(label)</label>
        </div>
        """
    }

    /// Who told it, as they chose, and where from.
    static func byline(_ story: Story, t: Localizer) -> String {
        let name = story.shownName ?? t("stories.anonymous")
        return story.place.isEmpty ? name : "\(name), \(story.place)"
    }

    /// The teller's words: paragraphs in the language they wrote in.
    static func body(_ text: String, language: String, t: Localizer) -> HTML {
        let paragraphs: [HTML] = text.components(separatedBy: "\n\n").map { paragraph in
            let lines: [HTML] = paragraph.components(separatedBy: "\n").map { "\($0)" }
            return "<p>\(HTML.join(lines, separator: "<br>"))</p>"
        }
        return "<div class=\"story-text\"\(lang(language, t))>\(paragraphs)</div>"
    }

    static func lang(_ language: String, _ t: Localizer) -> HTML {
        language == t.language ? .empty : HTML(trusted: " lang=\"\(language == "fr" ? "fr" : "en")\"")
    }

    /// A story as a card in a list.
    static func card(_ story: Story, media: Media?, t: Localizer) -> HTML {
        """
        <li class="card story-card">\(MediaViews.thumbnail(media, t: t))
        <h3 class="card-title"><a href="\(t.path("/stories/\(story.id)"))"\(lang(story.language, t))>\(story.headline)</a></h3>
        \(story.featured ? "<p class=\"badge\">\(t("stories.featured"))</p>" as HTML : .empty)
        <p\(lang(story.language, t))>\(story.excerpt())</p>
        <p class="meta">\(byline(story, t: t))</p>
        </li>
        """
    }

    /// A photo in the gallery: the picture, its caption and credit, linking to the story.
    static func tile(_ story: Story, media: Media, t: Localizer) -> HTML {
        let smallest = media.sizes.first ?? media.width
        let caption = story.caption.isEmpty ? story.headline : story.caption
        return """
            <li class="gallery-item"><a href="\(t.path("/stories/\(story.id)"))">
            <img src="\(media.path(width: smallest))" srcset="\(media.srcset)" sizes="(min-width: 48rem) 16rem, 50vw" width="\(smallest)" height="\(media.height(forWidth: smallest))" alt="\(caption)" loading="lazy" decoding="async">
            </a><p class="meta"\(lang(story.language, t))>\(caption)\(story.photographer.isEmpty ? "" : " · " + t("stories.photo_by", ["name": story.photographer]))</p></li>
            """
    }

    /// `/stories`: a page of stories (or of photos), with the campaign filter and a pager.
    static func list(
        _ stories: [Story], media: [Int64: Media], page: Int, pages: Int, photos: Bool, photoProject: Bool = false, campaign: CampaignRef?,
        campaigns: [CampaignRef], t: Localizer
    ) -> HTML {
        func link(page: Int? = nil, photos: Bool = photos, campaign: String? = campaign?.slug) -> String {
            var query: [String] = []
            if let campaign { query.append("campaign=\(campaign)") }
            if photos != photoProject { query.append(photos ? "view=photos" : "view=stories") }
            if let page, page > 1 { query.append("page=\(page)") }
            return t.path("/stories") + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        }
        let items: [HTML] =
            photos
            ? stories.compactMap { story in story.mediaID.flatMap { media[$0] }.map { tile(story, media: $0, t: t) } }
            : stories.map { card($0, media: $0.mediaID.flatMap { media[$0] }, t: t) }
        var pager: [HTML] = []
        if page > 1 { pager.append("<a rel=\"prev\" href=\"\(link(page: page - 1))\">\(t("news.newer"))</a>") }
        if pages > 1 { pager.append("<span>\(t("news.page_of", ["page": String(page), "pages": String(pages)]))</span>") }
        if page < pages { pager.append("<a rel=\"next\" href=\"\(link(page: page + 1))\">\(t("news.older"))</a>") }
        let filters: [HTML] =
            [
                ("<a href=\"\(link(campaign: nil))\"\(campaign == nil ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("stories.all_campaigns"))</a>"
                    as HTML)
            ]
            + campaigns.map { c in
                "<a href=\"\(link(campaign: c.slug))\"\(campaign?.slug == c.slug ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(c.title)</a>"
            }
        return """
            <h1>\(campaign.map { t("stories.title_of", ["campaign": $0.title]) } ?? t("stories.title"))</h1>
            <p class="lede">\(t("stories.lede"))</p>
            <p><a class="button" href="\(t.path("/stories/new"))\(campaign.map { "?campaign=\($0.slug)" } ?? "")">\(t("stories.tell"))</a></p>
            <nav aria-label="\(t("stories.views"))"><ul class="filters">
            <li><a href="\(link(photos: false))"\(photos ? HTML.empty : HTML(trusted: " aria-current=\"page\""))>\(t("stories.view.stories"))</a></li>
            <li><a href="\(link(photos: true))"\(photos ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("stories.view.photos"))</a></li>
            </ul></nav>
            \(campaigns.isEmpty ? HTML.empty : "<nav aria-label=\"\(t("stories.filter"))\"><ul class=\"filters\">\(filters.map { "<li>\($0)</li>" as HTML })</ul></nav>")
            \(items.isEmpty ? Layout.emptyState(t("stories.none")) : photos ? "<ul class=\"gallery\">\(items)</ul>" : "<ul class=\"cards\">\(items)</ul>")
            \(pager.isEmpty ? HTML.empty : "<nav class=\"pager\" aria-label=\"\(t("news.pages"))\">\(HTML.join(pager, separator: " "))</nav>")
            <p><a href="\(t.path("/stories.atom"))">\(t("stories.feed"))</a></p>
            """
    }

    /// `/stories/{id}`: the story, its photo at full size with caption and credit.
    static func page(_ story: Story, media: Media?, campaign: CampaignRef?, shareURL: String, t: Localizer) -> HTML {
        let figure: HTML =
            media.map { media in
                let largest = media.sizes.last ?? media.width
                return """
                    <figure class="hero-image"><img src="\(media.path(width: largest))" srcset="\(media.srcset)" sizes="(min-width: 48rem) 44rem, 100vw" width="\(media.width)" height="\(media.height)" alt="\(story.caption.isEmpty ? t("stories.photo_alt") : story.caption)">
                    <figcaption\(lang(story.language, t))>\([story.caption, story.photographer.isEmpty ? "" : t("stories.photo_by", ["name": story.photographer])].filter { !$0.isEmpty }.joined(separator: " · "))</figcaption></figure>
                    """
            } ?? .empty
        return """
            <article class="story">
            <p class="eyebrow">\(campaign.map { "<a href=\"\(t.path("/campaigns/\($0.slug)"))\">\($0.title)</a>" as HTML } ?? HTML(stringLiteral: HTML.escape(t("stories.eyebrow"))))</p>
            <h1\(lang(story.language, t))>\(story.headline)</h1>
            <p class="meta">\(byline(story, t: t))\(story.publishedAt.map { " · <time datetime=\"\($0)\">\(DateText.day($0, t: t))</time>" as HTML } ?? .empty)</p>
            \(figure)
            \(body(story.body, language: story.language, t: t))
            </article>
            \(ShareViews.links(title: story.headline, url: shareURL, t: t))
            <p><a href="\(t.path("/stories"))">\(t("stories.all"))</a> · <a href="\(t.path("/stories/new"))">\(t("stories.tell"))</a></p>
            """
    }
}
