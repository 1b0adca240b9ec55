import Foundation
import HTTP

/// `/events` (upcoming, or past with `?past=1`), `/events/{slug}` with its RSVP form,
/// `POST /events/{slug}/rsvp`, and iCalendar feeds.
enum EventsFeature: Feature {

    static func register(in app: Application) {
        app.router.get("/events") { request in
            let past = request.query["past"] == "1"
            let events = try app.database.read { past ? try EventStore.past($0) : try EventStore.upcoming($0) }
            var response = app.page(request, title: app.t(request)(past ? "events.past_title" : "events.title")) { c in
                let t = c.t
                let items: [HTML] = events.map { card($0, t: t) }
                return """
                    <h1>\(t(past ? "events.past_title" : "events.title"))</h1>
                    <p>\(past ? "<a href=\"\(t.path("/events"))\">\(t("events.see_upcoming"))</a>" as HTML : "<a href=\"\(t.path("/events?past=1"))\">\(t("events.see_past"))</a>") · <a href="\(t.path("/events.ics"))">\(t("events.subscribe"))</a></p>
                    \(events.isEmpty ? Layout.emptyState(t(past ? "events.no_past" : "home.no_events")) : "<ul class=\"cards\">\(items)</ul>")
                    """
            }
            response.cache(.publicPage(shared: 30))
            return response
        }

        app.router.get("/events/{slug}") { request in
            let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }).orNotFound()
            var response = eventPage(app, request, event, form: FormState())
            response.cache(.publicPage(shared: 5))
            return response
        }

        app.router.get("/events/{slug}.ics") { request in
            let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }).orNotFound()
            let t = app.t(request)
            var calendar = ICalendar(name: event.summary.title.text(t), language: t.language)
            calendar.add(calendarEvent(app, event, t: t, request: request))
            return calendarResponse(calendar, filename: "\(event.summary.slug).ics")
        }

        app.router.get("/events.ics") { request in
            let events = try app.database.read { db -> [Event] in
                let summaries = try EventStore.upcoming(db) + EventStore.past(db, limit: 50)
                return try summaries.compactMap { try EventStore.find(db, slug: $0.slug) }
            }
            let t = app.t(request)
            var calendar = ICalendar(name: "\(app.config.siteName) · \(t("events.title"))", language: t.language)
            for event in events { calendar.add(calendarEvent(app, event, t: t, request: request)) }
            return calendarResponse(calendar, filename: "events.ics")
        }

        app.router.get("/events/{slug}/registered") { request in
            let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }).orNotFound()
            let waitlisted = request.query["list"].flatMap(RSVPStatus.init) == .waitlist
            var response = app.page(request, title: app.t(request)(waitlisted ? "rsvp.waitlist.title" : "rsvp.confirmed.title")) { c in
                """
                <section class="thanks">
                <h1>\(c.t(waitlisted ? "rsvp.waitlist.title" : "rsvp.confirmed.title"))</h1>
                <p class="lede">\(c.t(waitlisted ? "rsvp.waitlist.body" : "rsvp.confirmed.body", ["title": event.summary.title.text(c.t)]))</p>
                <p><a class="button" href="\(c.t.path("/events/\(event.summary.slug).ics"))">\(c.t("events.add_to_calendar"))</a></p>
                <p><a href="\(c.t.path("/events/\(event.summary.slug)"))">\(c.t("rsvp.back"))</a></p>
                </section>
                """
            }
            response.cache(.noStore)
            return response
        }

        app.router.post("/events/{slug}/rsvp", async: { request in try await rsvp(app, request) })
    }

    static func card(_ event: EventSummary, t: Localizer) -> HTML {
        """
        <li class="card\(event.state == .cancelled ? HTML(trusted: " is-closed") : .empty)">
        \(event.state == .cancelled ? "<p class=\"badge\">\(t("events.cancelled"))</p>" as HTML : .empty)
        <h2 class="card-title"><a href="\(t.path("/events/\(event.slug)"))">\(event.title.html(t))</a></h2>
        <p class="meta"><time datetime="\(event.startsAt)">\(DateText.dateTime(event.startsAt, t: t, timeZone: event.timeZone))</time>\(event.venue.english.isEmpty ? HTML.empty : " · \(event.venue.html(t))")</p>
        <p\(event.summary.langAttribute(t))>\(event.summary.text(t))</p>
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

    static func eventPage(_ app: Application, _ request: Request, _ event: Event, form: FormState, status: Status = .ok) -> Response {
        let s = event.summary
        let csrf = app.formTokens.make(for: RSVPForm.action(slug: s.slug))
        let t = app.t(request)
        return app.page(request, title: s.title.text(t), status: status, description: s.summary.text(t), alternate: "/events/\(s.slug)") {
            c in
            let t = c.t
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
                    \(Form.errorSummary(form, title: t("form.error_summary"), order: ["name", "email", "note"]))
                    \(Form.form(action: t.path("/events/\(s.slug)/rsvp"), csrf: csrf, honeypotLabel: t("form.honeypot"), """
                    \(fields)
                    \(Form.checkbox(name: "consent_updates", label: t("sign.consent_updates"), checked: form["consent_updates"] == "yes"))
                    \(Form.submit(t("rsvp.submit")))
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
                <p class="eyebrow">\(t("events.eyebrow"))</p>
                \(s.state == .cancelled ? "<p class=\"badge\">\(t("events.cancelled"))</p>" as HTML : .empty)
                <h1>\(s.title.html(t))</h1>
                <dl class="facts">
                <dt>\(t("events.when"))</dt><dd><time datetime="\(s.startsAt)">\(when(s, t: t))</time></dd>
                \(s.venue.english.isEmpty && event.address.isEmpty ? HTML.empty : "<dt>\(t("events.where"))</dt><dd>\(s.venue.html(t))\(event.address.isEmpty ? HTML.empty : "<br>\(event.address)")</dd>")
                \(event.onlineURL.isEmpty || !Markdown.isSafeLink(event.onlineURL) ? HTML.empty : "<dt>\(t("events.online"))</dt><dd><a href=\"\(event.onlineURL)\">\(event.onlineURL)</a></dd>")
                \(event.moderator.isEmpty ? HTML.empty : "<dt>\(t("events.moderator"))</dt><dd>\(event.moderator)</dd>")
                </dl>
                <p><a class="button secondary" href="\(t.path("/events/\(s.slug).ics"))">\(t("events.add_to_calendar"))</a></p>
                <div class="petition-layout">
                <div>
                <p class="lede"\(s.summary.langAttribute(t))>\(s.summary.text(t))</p>
                \(event.body.block(t, Markdown.cached))
                \(speakers.isEmpty ? HTML.empty : "<h2>\(t("events.speakers"))</h2><ul class=\"speakers\">\(speakers)</ul>")
                \(links.isEmpty ? HTML.empty : "<h2>\(t("events.links"))</h2><ul>\(links)</ul>")
                </div>
                \(rsvp)
                </div>
                </article>
                """
        }
    }

    static func calendarEvent(_ app: Application, _ event: Event, t: Localizer, request: Request) -> ICalendar.Event {
        let s = event.summary
        let host = URL(string: app.config.publicBaseURL)?.host ?? "sanctuary"
        var description = s.summary.text(t)
        if !event.speakers.isEmpty { description += "\n\n" + event.speakers.map(\.name).joined(separator: ", ") }
        description += "\n\n" + app.absoluteURL(t.path("/events/\(s.slug)"), request)
        // The same UID in both languages: it is one event, whichever feed a calendar took it from.
        return ICalendar.Event(
            uid: "event-\(s.id)@\(host)", start: s.startsAt, end: s.endsAt, summary: s.title.text(t),
            description: description, location: [s.venue.text(t), event.address].filter { !$0.isEmpty }.joined(separator: ", "),
            url: app.absoluteURL(t.path("/events/\(s.slug)"), request), cancelled: s.state == .cancelled, updated: event.updatedAt)
    }

    static func calendarResponse(_ calendar: ICalendar, filename: String) -> Response {
        var response = Response(status: .ok, contentType: "text/calendar; charset=utf-8", body: Array(calendar.render().utf8))
        response.headers["Content-Disposition"] = "inline; filename=\"\(filename)\""
        response.cache(.publicFor(seconds: 300))
        return response
    }

    /// `POST /events/{slug}/rsvp`, through the public-form pipeline (closed → 410, token,
    /// honeypot, 422, 429), then a group-committed write that takes a place or joins the
    /// waiting list.
    static func rsvp(_ app: Application, _ request: Request) async throws -> Response {
        let slug = request.parameter("slug")
        let t = app.t(request)
        guard let event = try app.database.read({ try EventStore.find($0, slug: slug) }), event.rsvpEnabled else {
            throw HTTPError.notFound
        }
        let closed =
            event.takesRSVPs()
            ? nil : ErrorPages.message(app, request, status: .gone, title: t("rsvp.closed.title"), body: t("rsvp.closed.body"))
        return try await app.publicFormPost(
            request, action: RSVPForm.action(slug: slug), closed: closed, honeypot: .redirect(to: "/events/\(slug)/registered"),
            check: { form in
                PublicFormCheck(RSVPForm.validate(form, t: t)) { eventPage(app, request, event, form: $0, status: .unprocessableContent) }
            },
            accept: { input, _ in
                let eventID = event.summary.id
                let outcome = try await app.database.write { db in
                    try EventStore.rsvp(
                        db, eventID: eventID, name: input.name, email: input.email, note: input.note, consent: input.consentUpdates)
                }
                switch outcome {
                case .confirmed, .already(.confirmed): return .redirect(to: "/events/\(slug)/registered")
                default: return .redirect(to: "/events/\(slug)/registered?list=\(RSVPStatus.waitlist.rawValue)")
                }
            })
    }
}
