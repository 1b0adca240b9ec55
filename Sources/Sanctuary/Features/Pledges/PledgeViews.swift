import HTTP

/// `/pledges`, `/pledges/{slug}` and a pledge's card.
enum PledgeViews {
    /// "12 people, 3 organisations, 1 municipality".
    static func counts(_ byKind: [PledgerKind: Int], kinds: [PledgerKind], t: Localizer) -> String {
        kinds.map { t.plural("pledges.count.\($0.rawValue)", byKind[$0] ?? 0) }.joined(separator: " · ")
    }

    static func progress(_ pledge: Pledge, t: Localizer) -> HTML {
        let total: HTML = "<p class=\"count\"><strong>\(t.plural("pledges.total", pledge.pledgerCount))</strong></p>"
        guard pledge.goal > 0 else { return total }
        return total + """
            <p class="goal"><progress max="\(pledge.goal)" value="\(min(pledge.pledgerCount, pledge.goal))">\(t.formatNumber(pledge.pledgerCount))</progress> \
            \(t("pledges.goal", ["goal": t.formatNumber(pledge.goal)]))</p>
            """
    }

    static func card(_ pledge: Pledge, t: Localizer) -> HTML {
        let href = t.path("/pledges/\(pledge.slug)")
        let open = pledge.isOpen()
        return """
            <li class="card\(open ? HTML.empty : HTML(trusted: " is-closed"))">
            \(open ? HTML.empty : "<p class=\"badge\">\(t("pledges.closed_badge"))</p>")
            <h3><a href="\(href)">\(pledge.title.html(t))</a></h3>
            <p\(pledge.summary.langAttribute(t))>\(pledge.summary.text(t))</p>
            \(progress(pledge, t: t))
            \(Layout.cardAction(t(open ? "pledges.cta" : "cta.read"), href: href, title: pledge.title.text(t)))
            </li>
            """
    }

    static func list(_ pledges: [Pledge], t: Localizer) -> HTML {
        """
        <h1>\(t("pledges.title"))</h1>
        <p class="lede">\(t("pledges.lede"))</p>
        \(pledges.isEmpty ? Layout.emptyState(t("pledges.none")) : "<ul class=\"cards\">\(pledges.map { card($0, t: t) })</ul>")
        """
    }

    struct PageData {
        let pledge: Pledge
        let counts: [(kind: PledgerKind, province: String, count: Int)]
        let listed: [PledgerKind: [Pledger]]
    }

    static func page(_ data: PageData, form: FormState, csrf: String, t: Localizer) -> HTML {
        let pledge = data.pledge
        var byKind: [PledgerKind: Int] = [:]
        var byProvince: [String: Int] = [:]
        for row in data.counts {
            byKind[row.kind, default: 0] += row.count
            if !row.province.isEmpty { byProvince[row.province, default: 0] += row.count }
        }
        let provinces = byProvince.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        let open = pledge.isOpen()
        let lists: [HTML] = pledge.kinds.compactMap { kind in
            let people = data.listed[kind] ?? []
            guard !people.isEmpty else { return nil }
            let named = people.filter { !$0.name.isEmpty }
            let unnamed = (byKind[kind] ?? 0) - named.count
            let items: [HTML] = named.map { p in
                "<li><strong>\(p.name)</strong>\(p.place.isEmpty ? HTML.empty : " — \(p.place)")\(p.province.isEmpty ? HTML.empty : " (\(p.province))")</li>"
            }
            return """
                <section class="pledgers" aria-labelledby="pledgers-\(kind.rawValue)"><h3 id="pledgers-\(kind.rawValue)">\(t("pledges.list.\(kind.rawValue)"))</h3>
                <ul class="pledger-list">\(items)</ul>
                \(unnamed > 0 ? "<p class=\"meta\">\(t.plural("pledges.unnamed", unnamed))</p>" as HTML : .empty)</section>
                """
        }
        return """
            <article class="pledge">
            <p class="eyebrow">\(t("pledges.eyebrow"))</p>
            <h1>\(pledge.title.html(t))</h1>
            \(pledge.summary.english.isEmpty ? HTML.empty : "<p class=\"lede\"\(pledge.summary.langAttribute(t))>\(pledge.summary.text(t))</p>")
            <blockquote class="pledge-text"\(pledge.pledgeText.langAttribute(t))><p>\(pledge.pledgeText.text(t))</p></blockquote>
            \(progress(pledge, t: t))
            <p class="meta">\(counts(byKind, kinds: pledge.kinds, t: t))</p>
            \(open ? formHTML(pledge, form: form, csrf: csrf, t: t) : "<p class=\"notice\">\(t("pledges.closed"))</p>")
            \(pledge.body.block(t, Markdown.cached))
            \(lists.isEmpty ? HTML.empty : "<section aria-labelledby=\"pledgers\"><h2 id=\"pledgers\">\(t("pledges.who"))</h2>\(lists)</section>")
            \(provinces.isEmpty ? HTML.empty : """
                <section class="places" aria-labelledby="places-heading"><h2 id="places-heading">\(t("pledges.where"))</h2>
                <div class="places-grid">\(PlacesViews.map(provinces, t: t))\(PlacesViews.provinceTable(provinces, total: pledge.pledgerCount, caption: t("pledges.by_province"), counted: t("pledges.title"), t: t))</div></section>
                """)
            <p><a href="\(t.path("/pledges/\(pledge.slug).json"))">\(t("pledges.json"))</a></p>
            </article>
            """
    }

    static func formHTML(_ pledge: Pledge, form state: FormState, csrf: String, t: Localizer) -> HTML {
        let kinds = pledge.kinds
        let kindChoice: HTML
        if kinds.count == 1 {
            kindChoice = "<input type=\"hidden\" name=\"kind\" value=\"\(kinds[0].rawValue)\">"
        } else {
            let radios: [HTML] = kinds.map { kind in
                """
                <div class="checkbox field"><input type="radio" id="kind-\(kind.rawValue)" name="kind" value="\(kind.rawValue)"\(state["kind"] == kind.rawValue ? HTML(trusted: " checked") : .empty)>\
                <label for="kind-\(kind.rawValue)">\(t("pledges.kind.\(kind.rawValue)"))</label></div>
                """
            }
            kindChoice = """
                <fieldset class="field\(state.errors["kind"] != nil ? HTML(trusted: " has-error") : .empty)" id="f-kind">
                <legend>\(t("pledges.field.kind"))</legend>
                \(state.errors["kind"].map { "<p class=\"error\">\($0)</p>" as HTML })\(radios)</fieldset>
                """
        }
        let shows: [HTML] = PledgeForm.Show.allCases.map { show in
            """
            <div class="checkbox field"><input type="radio" id="show-\(show.rawValue)" name="show" value="\(show.rawValue)"\(state["show"] == show.rawValue ? HTML(trusted: " checked") : .empty)>\
            <label for="show-\(show.rawValue)">\(t("pledges.show.\(show.rawValue)"))</label></div>
            """
        }
        let showChoice: HTML =
            kinds.contains(.person)
            ? """
            <fieldset class="field\(state.errors["show"] != nil ? HTML(trusted: " has-error") : .empty)" id="f-show">
            <legend>\(t("pledges.field.show"))</legend><p class="hint">\(t("pledges.field.show.hint"))</p>
            \(state.errors["show"].map { "<p class=\"error\">\($0)</p>" as HTML })\(shows)</fieldset>
            """ : .empty
        let nameField: HTML =
            kinds == [.person]
            ? .empty
            : Form.input(
                Form.Field(name: "name", label: t("pledges.field.name"), hint: t("pledges.field.name.hint"), maxLength: 200), state, t: t)
        let agree: HTML = """
            <div class="field checkbox\(state.errors["agree"] != nil ? HTML(trusted: " has-error") : .empty)" id="f-agree">\
            \(state.errors["agree"].map { "<p class=\"error\">\($0)</p>" as HTML })\
            <input type="checkbox" id="agree" name="agree" value="yes"\(state["agree"] == "yes" ? HTML(trusted: " checked") : .empty)>\
            <label for="agree">\(t("pledges.field.agree"))</label></div>
            """
        return """
            <section class="sign-box" aria-labelledby="pledge-form"><h2 id="pledge-form">\(t("pledges.form.title"))</h2>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: PledgeForm.order))
            \(Form.form(action: t.path(PledgeForm.action(slug: pledge.slug)), csrf: csrf, visitor: t, """
                \(kindChoice)\(nameField)
                \(Form.input(Form.Field(name: "contact_name", label: t("pledges.field.contact_name"), required: true, autocomplete: "name", maxLength: 200), state, t: t))
                \(showChoice)
                \(Form.input(Form.Field(name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email", hint: t("pledges.field.email.hint"), maxLength: 254), state, t: t))
                \(Form.input(Form.Field(name: "postal_code", label: t("sign.postal_code"), required: true, autocomplete: "postal-code", hint: t("pledges.field.postal_code.hint"), maxLength: 7), state, t: t))
                \(Form.input(Form.Field(name: "place", label: t("pledges.field.place"), hint: t("pledges.field.place.hint"), maxLength: 100), state, t: t))
                \(agree)
                \(Form.submit(t("pledges.submit")))
                """))
            </section>
            """
    }
}
