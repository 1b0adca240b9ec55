import HTTP

/// The stories' staff screens.
enum StoryAdminViews {
    static let queueStates: [StoryState] = [.confirmed, .published, .declined, .withdrawn]

    static func queue(
        _ stories: [Story], counts: [StoryState: Int], state: StoryState, digest: Bool, csrf: String, timeZone: String, t: Localizer
    ) -> HTML {
        let filters: [HTML] = queueStates.map { s in
            "<li><a href=\"\(t.path("/admin/stories?state=\(s.rawValue)"))\"\(state == s ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("admin.stories.state.\(s.rawValue)")) (\(t.formatNumber(counts[s] ?? 0)))</a></li>"
        }
        let rows: [HTML] = stories.map { s in
            """
            <tr><td><a href="\(t.path("/admin/stories/\(s.id)"))">#\(s.id)</a></td>
            <td>\(s.erasedAt == nil ? AdminViews.time(s.confirmedAt ?? s.createdAt, timeZone: timeZone, t: t) : HTML(stringLiteral: HTML.escape(t("admin.stories.erased"))))</td>
            <td\(StoryViews.lang(s.language, t))>\(s.erasedAt == nil ? s.headline : "")</td>
            <td>\(s.erasedAt == nil ? StoryViews.byline(s, t: t) : "")</td>
            <td>\([s.mediaID == nil ? "" : t("admin.stories.has_photo"), s.featured ? t("stories.featured") : ""].filter { !$0.isEmpty }.joined(separator: " · "))</td></tr>
            """
        }
        return """
            <h1>\(t("admin.stories.title"))</h1>
            <p class="lede">\(t("admin.stories.intro"))</p>
            <p>\((counts[.submitted] ?? 0) > 0 ? t.plural("admin.stories.submitted", counts[.submitted] ?? 0) : "") <a href="\(t.path("/admin/stories/settings"))">\(t("admin.stories.settings"))</a> · <a href="\(t.path("/stories"))">\(t("admin.stories.public"))</a></p>
            <form method="post" action="\(t.path("/admin/stories/digest"))" class="inline-form"><input type="hidden" name="_csrf" value="\(csrf)">
            <input type="hidden" name="digest" value="\(digest ? "off" : "on")">
            <p>\(t(digest ? "admin.stories.digest.on" : "admin.stories.digest.off")) <button type="submit" class="button secondary">\(t(digest ? "admin.stories.digest.stop" : "admin.stories.digest.start"))</button></p></form>
            <nav aria-label="\(t("admin.stories.filter"))"><ul class="filters">\(filters)</ul></nav>
            \(stories.isEmpty ? Layout.emptyState(t("admin.stories.empty")) : """
            <div class="table-wrap"><table>
            <thead><tr><th scope="col">#</th><th scope="col">\(t("admin.stories.when"))</th><th scope="col">\(t("admin.stories.headline"))</th><th scope="col">\(t("admin.stories.by"))</th><th scope="col">\(t("admin.stories.with"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """)
            """
    }

    /// One story: what the teller sent (kept as it was) beside what is published, and the actions.
    static func story(
        _ story: Story, media: Media?, campaigns: [(Int64, String)], state: FormState?, csrf: String, timeZone: String, t: Localizer
    ) -> HTML {
        let id = story.id
        guard story.erasedAt == nil else {
            return """
                <h1>\(t("admin.stories.story", ["id": String(id)]))</h1>
                <p class="lede">\(t("admin.stories.state.\(story.state.rawValue)")) · \(t("admin.stories.erased"))</p>
                <p><a href="\(t.path("/admin/stories"))">\(t("admin.stories.back"))</a></p>
                """
        }
        let form =
            state
            ?? FormState(values: [
                "title": story.title, "body": story.body, "caption": story.caption, "photographer": story.photographer,
                "campaign": story.campaignID.map(String.init) ?? "", "featured": story.featured ? "yes" : "",
            ])
        let hidden: HTML = "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">"
        let edited = story.body != story.bodyOriginal || story.caption != story.captionOriginal
        let choices = [("", t("admin.stories.no_campaign"))] + campaigns.map { (String($0.0), $0.1) }
        let cropFields: [HTML] = ["left", "top", "right", "bottom"].map { side in
            Form.input(
                Form.Field(name: side, label: t("admin.stories.crop.\(side)"), type: "number", inputMode: "numeric"),
                FormState(values: [side: "0"]), t: t)
        }
        let photo: HTML =
            media.map { media in
                """
                <section aria-labelledby="photo-heading"><h2 id="photo-heading">\(t("admin.stories.photo"))</h2>
                \(MediaViews.figure(media, t: t, sizes: "(min-width: 48rem) 30rem, 100vw"))
                <p>\(story.peopleConsent ? t("admin.stories.people_agreed") : t("admin.stories.people_unknown"))</p>
                <div class="button-row">
                <form method="post" action="\(t.path("/admin/stories/\(id)/rotate"))">\(hidden)<input type="hidden" name="direction" value="left"><button type="submit" class="button secondary">\(t("admin.stories.rotate_left"))</button></form>
                <form method="post" action="\(t.path("/admin/stories/\(id)/rotate"))">\(hidden)<input type="hidden" name="direction" value="right"><button type="submit" class="button secondary">\(t("admin.stories.rotate_right"))</button></form>
                <a class="button secondary" href="\(t.path("/admin/stories/\(id)/image"))">\(t("admin.stories.replace_photo"))</a>
                </div>
                <form method="post" action="\(t.path("/admin/stories/\(id)/crop"))" novalidate>\(hidden)
                <fieldset class="field\(form.errors["crop"] != nil ? HTML(trusted: " has-error") : .empty)" id="f-crop"><legend>\(t("admin.stories.crop"))</legend>
                <p class="hint">\(t("admin.stories.crop.hint"))</p>
                \(form.errors["crop"].map { "<p class=\"error\">\($0)</p>" as HTML })
                \(cropFields)
                </fieldset>
                <div class="actions"><button type="submit" class="button secondary">\(t("admin.stories.crop.submit"))</button></div>
                </form></section>
                """
            } ?? .empty
        let publish: HTML =
            switch story.state {
            case .confirmed, .declined:
                "<form method=\"post\" action=\"\(t.path("/admin/stories/\(id)/publish"))\">\(hidden)\(Form.submit(t("admin.stories.publish")))</form>"
            case .published:
                "<p><a href=\"\(t.path("/stories/\(id)"))\">\(t("admin.view"))</a></p><form method=\"post\" action=\"\(t.path("/admin/stories/\(id)/unpublish"))\">\(hidden)<div class=\"actions\"><button type=\"submit\" class=\"button secondary\">\(t("admin.stories.unpublish"))</button></div></form>"
            case .submitted, .withdrawn: .empty
            }
        let decline: HTML =
            story.state == .confirmed || story.state == .published
            ? """
            <section aria-labelledby="decline-heading"><h2 id="decline-heading">\(t("admin.stories.decline"))</h2>
            <form method="post" action="\(t.path("/admin/stories/\(id)/decline"))" novalidate>\(hidden)
            \(Form.input(Form.Field(name: "reason", label: t("admin.stories.reason"), type: "textarea", hint: t("admin.stories.reason.hint"), maxLength: 2000), form, t: t))
            \(Form.checkbox(name: "tell", label: t("admin.stories.tell"), checked: false))
            <div class="actions"><button type="submit" class="button danger">\(t("admin.stories.decline"))</button></div>
            </form></section>
            """ : .empty
        let original: HTML =
            edited
            ? """
            <section aria-labelledby="original-heading" class="original"><h2 id="original-heading">\(t("admin.stories.original"))</h2>
            \(StoryViews.body(story.bodyOriginal, language: story.language, t: t))
            \(story.captionOriginal.isEmpty ? HTML.empty : "<p class=\"meta\">\(t("stories.field.caption")): \(story.captionOriginal)</p>")
            </section>
            """ : .empty
        return """
            <p><a href="\(t.path("/admin/stories"))">\(t("admin.stories.back"))</a></p>
            <h1>\(t("admin.stories.story", ["id": String(id)]))</h1>
            <p class="lede"><span class="badge">\(t("admin.stories.state.\(story.state.rawValue)"))</span> \(StoryViews.byline(story, t: t)) · \(t("admin.stories.naming.\(story.naming.rawValue)")) · \(AdminViews.time(story.confirmedAt ?? story.createdAt, timeZone: timeZone, t: t))</p>
            <p class="meta">\(t("admin.stories.consent")): “\(story.consentText)”</p>
            \(story.declineReason.isEmpty ? HTML.empty : "<p class=\"meta\">\(t("admin.stories.reason")): \(story.declineReason)</p>")
            \(publish)
            \(original)
            \(photo)
            <section aria-labelledby="edit-heading"><h2 id="edit-heading">\(edited ? t("admin.stories.edited") : t("admin.stories.as_published"))</h2>
            <form method="post" action="\(t.path("/admin/stories/\(id)"))" novalidate>\(hidden)
            \(Form.input(Form.Field(name: "title", label: t("admin.stories.headline"), hint: t("admin.stories.headline.hint"), maxLength: 200), form, t: t))
            \(Form.input(Form.Field(name: "body", label: t("admin.stories.text"), type: "textarea", required: true, maxLength: StoryForm.maxCharacters, language: story.language, rows: 12), form, t: t))
            \(Form.input(Form.Field(name: "caption", label: t("stories.field.caption"), maxLength: 300, language: story.language), form, t: t))
            \(Form.input(Form.Field(name: "photographer", label: t("stories.field.photographer"), maxLength: 100), form, t: t))
            \(Form.select(name: "campaign", label: t("admin.stories.campaign"), options: choices, selected: form["campaign"]))
            \(Form.checkbox(name: "featured", label: t("admin.stories.feature"), checked: form["featured"] == "yes"))
            \(Form.submit(t("admin.save")))
            </form></section>
            \(decline)
            """
    }

    static func settings(
        _ settings: StorySettings, campaigns: [(Int64, String)], gathering: Set<Int64>, state: FormState?, csrf: String, t: Localizer
    ) -> HTML {
        let form = state ?? FormState(values: ["max_words": String(settings.maxWords)])
        let boxes: [HTML] = campaigns.map { id, title in
            """
            <div class="field checkbox"><input id="campaign-\(id)" name="campaign" type="checkbox" value="\(id)"\(gathering.contains(id) ? HTML(trusted: " checked") : .empty)>
            <label for="campaign-\(id)">\(title)</label></div>
            """
        }
        return """
            <p><a href="\(t.path("/admin/stories"))">\(t("admin.stories.back"))</a></p>
            <h1>\(t("admin.stories.settings"))</h1>
            <form method="post" action="\(t.path("/admin/stories/settings"))" novalidate><input type="hidden" name="_csrf" value="\(csrf)">
            \(Form.input(Form.Field(name: "max_words", label: t("admin.stories.max_words"), type: "number", required: true, inputMode: "numeric"), form, t: t))
            \(Form.checkbox(name: "photo_project", label: t("admin.stories.photo_project"), checked: settings.photoProject))
            <fieldset class="field"><legend>\(t("admin.stories.gathering"))</legend>
            <p class="hint">\(t("admin.stories.gathering.hint"))</p>
            \(boxes.isEmpty ? Layout.emptyState(t("admin.stories.no_campaigns")) : HTML.join(boxes))
            </fieldset>
            \(Form.submit(t("admin.save")))
            </form>
            """
    }
}
