import HTTP

/// Pictures on pages: responsive copies with `srcset`, alt text, caption and credit.
enum MediaViews {
    /// A picture at the head of a page (`sizes`: how wide it is shown).
    static func figure(_ media: Media?, t: Localizer, sizes: String = "(min-width: 72rem) 70rem, 100vw", eager: Bool = true) -> HTML {
        guard let media else { return .empty }
        let caption = media.caption.text(t)
        let credit = media.credit
        let figcaption: HTML =
            caption.isEmpty && credit.isEmpty
            ? .empty
            : """
            <figcaption>\(caption.isEmpty ? HTML.empty : "<span\(media.caption.langAttribute(t))>\(caption)</span>")\
            \(credit.isEmpty ? HTML.empty : " <span class=\"credit\">\(t("media.credit", ["credit": credit]))</span>")</figcaption>
            """
        return """
            <figure class="hero-image">\(image(media, t: t, sizes: sizes, eager: eager))\(figcaption)</figure>
            """
    }

    /// The `<img>`: the largest copy as `src`, every copy in `srcset`, its own size given
    /// (no layout shift), lazy below the first screen.
    static func image(_ media: Media, t: Localizer, sizes: String, eager: Bool = false) -> HTML {
        let largest = media.sizes.last ?? media.width
        return """
            <img src="\(media.path(width: largest))" srcset="\(media.srcset)" sizes="\(sizes)" width="\(media.width)" height="\(media.height)" \
            alt="\(media.alt.text(t))"\(media.alt.langAttribute(t))\(eager ? HTML.empty : HTML(trusted: " loading=\"lazy\"")) decoding="async">
            """
    }

    /// A card's picture (decorative there: the card's title says what it is).
    static func thumbnail(_ media: Media?, t: Localizer) -> HTML {
        guard let media else { return .empty }
        let smallest = media.sizes.first ?? media.width
        return """
            <img class="card-image" src="\(media.path(width: smallest))" srcset="\(media.srcset)" sizes="(min-width: 48rem) 22rem, 100vw" \
            width="\(smallest)" height="\(media.height(forWidth: smallest))" alt="" loading="lazy" decoding="async">
            """
    }

    /// The picture form for one item, with its current picture.
    static func editor(
        owner: MediaOwner, id: Int64, title: String, current: Media?, state: FormState, csrf: String, t: Localizer
    ) -> HTML {
        let fields = MediaForm.fields(t: t)
        let action = "/admin/\(owner.key)/\(id)/image"
        return """
            <p><a href="\(t.path(owner.editPath(id)))">\(t("admin.media.back", ["title": title]))</a></p>
            <h1>\(t("admin.media.title", ["title": title]))</h1>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: MediaForm.order, labels: Form.labels(fields)))
            \(current.map { media in
                """
                <section aria-labelledby="current-image"><h2 id="current-image">\(t("admin.media.current"))</h2>
                \(figure(media, t: t, sizes: "(min-width: 48rem) 40rem, 100vw", eager: false))
                <form method="post" action="\(t.path(action + "/remove"))"><input type="hidden" name="_csrf" value="\(csrf)">
                <button type="submit" class="button secondary">\(t("admin.media.remove"))</button></form></section>
                """ as HTML
            })
            <h2>\(current == nil ? t("admin.media.add") : t("admin.media.replace"))</h2>
            <p class="hint">\(t("admin.media.privacy"))</p>
            <form method="post" action="\(t.path(action))?_csrf=\(csrf)" enctype="multipart/form-data" novalidate>\
            <input type="hidden" name="_csrf" value="\(csrf)">
            \(fields.map { Form.input($0, state, t: t) })
            \(Form.submit(t("admin.media.submit")))
            </form>
            """
    }
}
