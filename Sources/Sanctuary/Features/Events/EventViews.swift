import HTTP

/// Pieces of event pages.
enum EventViews {
    /// `/events` (upcoming) or `/events?past=1`.
    static func list(_ events: [EventSummary], past: Bool, t: Localizer) -> HTML {
        let items: [HTML] = events.map { EventViews.card($0, t: t) }
        return """
            <h1>\(t(past ? "events.past_title" : "events.title"))</h1>
            <p>\(past ? "<a href=\"\(t.path("/events"))\">\(t("events.see_upcoming"))</a>" as HTML : "<a href=\"\(t.path("/events?past=1"))\">\(t("events.see_past"))</a>") · <a href="\(t.path("/events.ics"))">\(t("events.subscribe"))</a></p>
            \(events.isEmpty ? Layout.emptyState(t(past ? "events.no_past" : "home.no_events")) : "<ul class=\"cards\">\(items)</ul>")
            """
    }

    static func card(_ event: EventSummary, t: Localizer) -> HTML {
        """
        <li class="card\(event.state == .cancelled ? HTML(trusted: " is-closed") : .empty)">
        \(event.state == .cancelled ? "<p class=\"badge\">\(t("events.cancelled"))</p>" as HTML : event.full ? "<p class=\"badge muted\">\(t("events.full"))</p>" as HTML : .empty)
        <h2 class="card-title"><a href="\(t.path("/events/\(event.slug)"))">\(event.title.html(t))</a></h2>
        <p class="meta"><time datetime="\(event.startsAt)">\(DateText.dateTime(event.startsAt, t: t, timeZone: event.timeZone))</time>\(event.venue.english.isEmpty ? HTML.empty : " · \(event.venue.html(t))")</p>
        <p\(event.summary.langAttribute(t))>\(event.summary.text(t))</p>
        \(event.state == .cancelled ? HTML.empty : Layout.cardAction(t("cta.attend"), href: t.path("/events/\(event.slug)"), title: event.title.text(t)))
        </li>
        """
    }

    /// `Tuesday 8 December 2026, 7:00 PM – 9:00 PM EST (America/Toronto)`;
    /// `le mardi 8 décembre 2026 de 19 h à 21 h HNE (America/Toronto)`.
    static func when(_ event: EventSummary, t: Localizer) -> String {
        let zoneID = event.timeZone
        guard let start = Timestamp.parse(event.startsAt) else { return event.startsAt }
        let startDay = DateText.weekdayDate(start, t: t, timeZone: zoneID)
        let zone = DateText.zone(start, t: t, timeZone: zoneID)
        guard let end = event.endsAt.flatMap(Timestamp.parse) else {
            return t(
                "events.when.single",
                ["date": startDay, "time": DateText.time(start, t: t, timeZone: zoneID), "zone": zone, "zone_id": zoneID])
        }
        if DateText.weekdayDate(end, t: t, timeZone: zoneID) == startDay {
            return t(
                "events.when.same_day",
                [
                    "date": startDay, "start": DateText.time(start, t: t, timeZone: zoneID),
                    "end": DateText.time(end, t: t, timeZone: zoneID), "zone": zone, "zone_id": zoneID,
                ])
        }
        return t(
            "events.when.days",
            [
                "start": DateText.dateTime(event.startsAt, t: t, timeZone: zoneID),
                "end": DateText.dateTime(event.endsAt ?? "", t: t, timeZone: zoneID), "zone_id": zoneID,
            ])
    }

    static func page(_ event: Event, media: Media? = nil, form: FormState, csrf: String, shareURL: String, t: Localizer) -> HTML {
        let s = event.summary
        let speakers: [HTML] = event.speakers.map {
            "<li><strong>\($0.name)</strong>\($0.bio.english.isEmpty ? HTML.empty : " — \($0.bio.html(t))")</li>"
        }
        let links: [HTML] = event.links.filter { Markdown.isSafeLink($0.url) }.map {
            "<li><a href=\"\($0.url)\">\($0.label.html(t))</a></li>"
        }
        let rsvp: HTML
        if event.takesRSVPs() {
            let fields = [
                Form.Field(name: "name", label: t("rsvp.name"), required: true, autocomplete: "name", maxLength: 100),
                Form.Field(name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email"),
                Form.Field(
                    name: "note", label: t("rsvp.note"), type: "textarea",
                    hint: t("rsvp.note.hint", ["max": String(RSVPForm.maxNoteWords)])),
            ].map { Form.input($0, form, t: t) }
            let places: HTML =
                event.placesLeft.map {
                    "<p class=\"places\">\($0 > 0 ? t.plural("rsvp.places_left", $0) : t("rsvp.full"))</p>"
                } ?? .empty
            rsvp = """
                <section class="sign-box" aria-labelledby="rsvp-heading">
                <h2 id="rsvp-heading">\(t("rsvp.heading"))</h2>
                \(places)
                \(event.rsvpDeadline.map { "<p class=\"deadline\">\(t("rsvp.deadline", ["date": DateText.dateTime($0, t: t, timeZone: s.timeZone)]))</p>" as HTML })
                \(Form.form(action: t.path("/events/\(s.slug)/rsvp"), csrf: csrf, visitor: t, """
                \(fields)
                \(Form.checkbox(name: "consent_updates", label: t("sign.consent_updates"), checked: form["consent_updates"] == "yes"))
                \(Form.submit(t(s.full ? "rsvp.submit_waitlist" : "rsvp.submit")))
                """))
                </section>
                """
        } else if event.rsvpEnabled && s.state == .published && s.startsAt > Timestamp.now() {
            rsvp =
                "<section class=\"closed-notice\" role=\"status\"><h2>\(t("rsvp.closed.title"))</h2><p>\(t("rsvp.closed.body"))</p></section>"
        } else {
            rsvp = .empty
        }
        return """
            <article class="event">
            \(Form.errorSummary(form, title: t("form.error_summary"), order: ["name", "email", "note"]))
            <p class="eyebrow">\(t("events.eyebrow"))</p>
            \(s.state == .cancelled ? "<p class=\"badge\">\(t("events.cancelled"))</p>" as HTML : .empty)
            <h1>\(s.title.html(t))</h1>
            \(event.archivedAt == nil ? HTML.empty : "<p class=\"notice\" role=\"status\">\(t("events.archived"))</p>")
            \(event.takesRSVPs() ? "<p class=\"jump-to-form\"><a class=\"button\" href=\"#rsvp-heading\">\(t("rsvp.jump"))</a></p>" as HTML : .empty)
            <dl class="facts">
            <dt>\(t("events.when"))</dt><dd><time datetime="\(s.startsAt)">\(when(s, t: t))</time></dd>
            \(s.venue.english.isEmpty && event.address.isEmpty ? HTML.empty : "<dt>\(t("events.where"))</dt><dd>\(s.venue.html(t))\(event.address.isEmpty ? HTML.empty : "<br>\(event.address)")</dd>")
            \(event.online ? "<dt>\(t("events.online"))</dt><dd>\(t("events.join_by_mail"))</dd>" as HTML : .empty)
            \(event.moderator.isEmpty ? HTML.empty : "<dt>\(t("events.moderator"))</dt><dd>\(event.moderator)</dd>")
            </dl>
            <p><a class="button secondary" href="\(t.path("/events/\(s.slug).ics"))">\(t("events.add_to_calendar"))</a></p>
            \(MediaViews.figure(media, t: t, sizes: "(min-width: 48rem) 44rem, 100vw"))
            <div class="petition-layout">
            <div>
            <p class="lede"\(s.summary.langAttribute(t))>\(s.summary.text(t))</p>
            \(event.body.block(t, Markdown.cached))
            \(speakers.isEmpty ? HTML.empty : "<h2>\(t("events.speakers"))</h2><ul class=\"speakers\">\(speakers)</ul>")
            \(links.isEmpty ? HTML.empty : "<h2>\(t("events.links"))</h2><ul>\(links)</ul>")
            </div>
            \(rsvp)
            </div>
            \(ShareViews.links(title: s.title.text(t), url: shareURL, t: t))
            </article>
            """
    }

    /// After an RSVP: registered, or on the waiting list; the details come by mail.
    static func registered(_ event: Event, waitlisted: Bool, t: Localizer) -> HTML {
        let s = event.summary
        return """
            <section class="thanks">
            <h1>\(t(waitlisted ? "rsvp.waitlist.title" : "rsvp.confirmed.title"))</h1>
            <p class="lede">\(t(waitlisted ? "rsvp.waitlist.body" : "rsvp.confirmed.body", ["title": s.title.text(t)]))</p>
            <dl class="facts">
            <dt>\(t("events.when"))</dt><dd><time datetime="\(s.startsAt)">\(when(s, t: t))</time></dd>
            \(s.venue.english.isEmpty && event.address.isEmpty ? HTML.empty : "<dt>\(t("events.where"))</dt><dd>\(s.venue.html(t))\(event.address.isEmpty ? HTML.empty : "<br>\(event.address)")</dd>")
            </dl>
            <p>\(t("rsvp.mail_sent"))</p>
            <p><a class="button" href="\(t.path("/events/\(s.slug).ics"))">\(t("events.add_to_calendar"))</a></p>
            <p><a href="\(t.path("/events/\(s.slug)"))">\(t("rsvp.back"))</a></p>
            </section>
            """
    }

    /// After the form: the registration waits for its owner to confirm it by mail.
    static func checkEmail(_ event: Event, t: Localizer) -> HTML {
        let s = event.summary
        return """
            <section class="thanks">
            <h1>\(t("rsvp.check.title"))</h1>
            <p class="lede">\(t("rsvp.check.body", ["title": s.title.text(t)]))</p>
            <p>\(t("thanks.check_email.spam"))</p>
            <p><a href="\(t.path("/events/\(s.slug)"))">\(t("rsvp.back"))</a></p>
            </section>
            """
    }

    /// The manage page an RSVP mail links to.
    static func manage(_ event: Event, rsvp: RSVPRecord?, action: String, csrf: String, t: Localizer) -> HTML {
        let s = event.summary
        return """
            <section class="narrow">
            <h1>\(t("rsvp.manage.title"))</h1>
            <p class="lede">\(t(rsvp?.status == .confirmed ? "rsvp.manage.confirmed" : "rsvp.manage.waitlist", ["title": s.title.text(t), "name": rsvp?.name ?? ""]))</p>
            <dl class="facts">
            <dt>\(t("events.when"))</dt><dd><time datetime="\(s.startsAt)">\(when(s, t: t))</time></dd>
            \(s.venue.english.isEmpty && event.address.isEmpty ? HTML.empty : "<dt>\(t("events.where"))</dt><dd>\(s.venue.html(t))\(event.address.isEmpty ? HTML.empty : "<br>\(event.address)")</dd>")
            </dl>
            <form method="post" action="\(action)"><input type="hidden" name="_csrf" value="\(csrf)">
            <button type="submit" class="button secondary">\(t("rsvp.manage.cancel"))</button>
            </form>
            <p><a href="\(t.path("/events/\(s.slug)"))">\(t("rsvp.back"))</a></p>
            </section>
            """
    }
}
