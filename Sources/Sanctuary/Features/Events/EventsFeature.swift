import Foundation
import HTTP

/// `/events` (upcoming, or past with `?past=1`), `/events/{slug}` with its RSVP form,
/// `POST /events/{slug}/rsvp`, and iCalendar feeds.
enum EventsFeature: Feature {
    static let maxNoteWords = 100

    static func register(in app: Application) {
        app.router.get("/events") { request in
            let past = request.query["past"] == "1"
            let events = try app.database.read { past ? try EventStore.past($0) : try EventStore.upcoming($0) }
            var response = app.page(request, title: app.strings(past ? "events.past_title" : "events.title")) { c in
                let t = c.t
                let items: [HTML] = events.map { card($0, t: t) }
                return """
                <h1>\(t(past ? "events.past_title" : "events.title"))</h1>
                <p>\(past ? "<a href=\"/events\">\(t("events.see_upcoming"))</a>" as HTML : "<a href=\"/events?past=1\">\(t("events.see_past"))</a>") · <a href="/events.ics">\(t("events.subscribe"))</a></p>
                \(events.isEmpty ? Layout.emptyState(t(past ? "events.no_past" : "home.no_events")) : "<ul class=\"cards\">\(items)</ul>")
                """
            }
            response.headers["Cache-Control"] = CachePolicy.publicPage(shared: 30)
            return response
        }

        app.router.get("/events/{slug}") { request in
            guard let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }) else {
                return ErrorPages.notFound(app, request)
            }
            var response = eventPage(app, request, event, form: FormState())
            response.headers["Cache-Control"] = CachePolicy.publicPage(shared: 5)
            return response
        }

        app.router.get("/events/{slug}.ics") { request in
            guard let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }) else {
                return ErrorPages.notFound(app, request)
            }
            var calendar = ICalendar(name: event.summary.title)
            calendar.add(calendarEvent(app, event))
            return calendarResponse(calendar, filename: "\(event.summary.slug).ics")
        }

        app.router.get("/events.ics") { _ in
            let events = try app.database.read { db -> [Event] in
                let summaries = try EventStore.upcoming(db) + EventStore.past(db, limit: 50)
                return try summaries.compactMap { try EventStore.find(db, slug: $0.slug) }
            }
            var calendar = ICalendar(name: "\(app.config.siteName) · \(app.strings("events.title"))")
            for event in events { calendar.add(calendarEvent(app, event)) }
            return calendarResponse(calendar, filename: "events.ics")
        }

        app.router.get("/events/{slug}/registered") { request in
            guard let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }) else {
                return ErrorPages.notFound(app, request)
            }
            let waitlisted = request.query["list"] == "waitlist"
            var response = app.page(request, title: app.strings(waitlisted ? "rsvp.waitlist.title" : "rsvp.confirmed.title")) { c in
                """
                <section class="thanks">
                <h1>\(c.t(waitlisted ? "rsvp.waitlist.title" : "rsvp.confirmed.title"))</h1>
                <p class="lede">\(c.t(waitlisted ? "rsvp.waitlist.body" : "rsvp.confirmed.body", ["title": event.summary.title]))</p>
                <p><a class="button" href="/events/\(event.summary.slug).ics">\(c.t("events.add_to_calendar"))</a></p>
                <p><a href="/events/\(event.summary.slug)">\(c.t("rsvp.back"))</a></p>
                </section>
                """
            }
            response.headers["Cache-Control"] = "no-store"
            return response
        }

        app.router.post("/events/{slug}/rsvp", async: { request in try await rsvp(app, request) })
    }

    static func card(_ event: EventSummary, t: Localizer) -> HTML {
        """
        <li class="card\(event.state == "cancelled" ? HTML(trusted: " is-closed") : .empty)">
        \(event.state == "cancelled" ? "<p class=\"badge\">\(t("events.cancelled"))</p>" as HTML : .empty)
        <h2 class="card-title"><a href="/events/\(event.slug)">\(event.title)</a></h2>
        <p class="meta"><time datetime="\(event.startsAt)">\(DateText.dateTime(event.startsAt, t: t, timeZone: event.timeZone))</time>\(event.venue.isEmpty ? HTML.empty : " · \(event.venue)")</p>
        <p>\(event.summary)</p>
        </li>
        """
    }

    /// `Tuesday 8 December 2026, 7:00 PM – 9:00 PM EST (America/Toronto)`.
    static func when(_ event: EventSummary, t: Localizer) -> String {
        let start = DateText.dateTime(event.startsAt, t: t, timeZone: event.timeZone)
        guard let end = event.endsAt else { return "\(start) (\(event.timeZone))" }
        let sameDay = DateText.day(event.startsAt, t: t, timeZone: event.timeZone) == DateText.day(end, t: t, timeZone: event.timeZone)
        let endText = sameDay ? DateText.time(end, t: t, timeZone: event.timeZone) : DateText.dateTime(end, t: t, timeZone: event.timeZone)
        return "\(start) – \(endText) (\(event.timeZone))"
    }

    static func eventPage(_ app: Application, _ request: Request, _ event: Event, form: FormState, status: Status = .ok) -> Response {
        let s = event.summary
        let csrf = app.formTokens.make(for: "/events/\(s.slug)/rsvp")
        return app.page(request, title: s.title, status: status, description: s.summary) { c in
            let t = c.t
            let speakers: [HTML] = event.speakers.map { "<li><strong>\($0.name)</strong>\($0.bio.isEmpty ? HTML.empty : " — \($0.bio)")</li>" }
            let links: [HTML] = event.links.filter { Markdown.isSafeLink($0.url) }.map { "<li><a href=\"\($0.url)\">\($0.label)</a></li>" }
            let rsvp: HTML
            if event.takesRSVPs() {
                let fields = [
                    Form.Field(name: "name", label: t("rsvp.name"), required: true, autocomplete: "name", maxLength: 100),
                    Form.Field(name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email"),
                    Form.Field(name: "note", label: t("rsvp.note"), type: "textarea", hint: t("rsvp.note.hint", ["max": String(maxNoteWords)])),
                ].map { Form.input($0, form, t: t) }
                let places: HTML = event.placesLeft.map {
                    "<p class=\"places\">\($0 > 0 ? t.plural("rsvp.places_left", $0) : t("rsvp.full"))</p>"
                } ?? .empty
                rsvp = """
                <section class="sign-box" aria-labelledby="rsvp-heading">
                <h2 id="rsvp-heading">\(t("rsvp.heading"))</h2>
                \(places)
                \(event.rsvpDeadline.map { "<p class=\"deadline\">\(t("rsvp.deadline", ["date": DateText.dateTime($0, t: t, timeZone: s.timeZone)]))</p>" as HTML })
                \(Form.errorSummary(form, title: t("form.error_summary"), order: ["name", "email", "note"]))
                \(Form.form(action: "/events/\(s.slug)/rsvp", csrf: csrf, honeypotLabel: t("form.honeypot"), """
                \(fields)
                \(Form.checkbox(name: "consent_updates", label: t("sign.consent_updates"), checked: form["consent_updates"] == "yes"))
                \(Form.submit(t("rsvp.submit")))
                """))
                </section>
                """
            } else if event.rsvpEnabled && s.state == "published" && s.startsAt > Timestamp.now() {
                rsvp = "<section class=\"closed-notice\" role=\"status\"><h2>\(t("rsvp.closed.title"))</h2><p>\(t("rsvp.closed.body"))</p></section>"
            } else {
                rsvp = .empty
            }
            return """
            <article class="event">
            <p class="eyebrow">\(t("events.eyebrow"))</p>
            \(s.state == "cancelled" ? "<p class=\"badge\">\(t("events.cancelled"))</p>" as HTML : .empty)
            <h1>\(s.title)</h1>
            <dl class="facts">
            <dt>\(t("events.when"))</dt><dd><time datetime="\(s.startsAt)">\(when(s, t: t))</time></dd>
            \(s.venue.isEmpty && event.address.isEmpty ? HTML.empty : "<dt>\(t("events.where"))</dt><dd>\(s.venue)\(event.address.isEmpty ? HTML.empty : "<br>\(event.address)")</dd>")
            \(event.onlineURL.isEmpty || !Markdown.isSafeLink(event.onlineURL) ? HTML.empty : "<dt>\(t("events.online"))</dt><dd><a href=\"\(event.onlineURL)\">\(event.onlineURL)</a></dd>")
            \(event.moderator.isEmpty ? HTML.empty : "<dt>\(t("events.moderator"))</dt><dd>\(event.moderator)</dd>")
            </dl>
            <p><a class="button secondary" href="/events/\(s.slug).ics">\(t("events.add_to_calendar"))</a></p>
            <div class="petition-layout">
            <div>
            <p class="lede">\(s.summary)</p>
            \(Markdown.render(event.body))
            \(speakers.isEmpty ? HTML.empty : "<h2>\(t("events.speakers"))</h2><ul class=\"speakers\">\(speakers)</ul>")
            \(links.isEmpty ? HTML.empty : "<h2>\(t("events.links"))</h2><ul>\(links)</ul>")
            </div>
            \(rsvp)
            </div>
            </article>
            """
        }
    }

    static func calendarEvent(_ app: Application, _ event: Event) -> ICalendar.Event {
        let s = event.summary
        let host = URL(string: app.config.publicBaseURL)?.host ?? "sanctuary"
        var description = s.summary
        if !event.speakers.isEmpty { description += "\n\n" + event.speakers.map(\.name).joined(separator: ", ") }
        description += "\n\n" + app.absoluteURL("/events/\(s.slug)")
        return ICalendar.Event(uid: "event-\(s.id)@\(host)", start: s.startsAt, end: s.endsAt, summary: s.title,
                               description: description, location: [s.venue, event.address].filter { !$0.isEmpty }.joined(separator: ", "),
                               url: app.absoluteURL("/events/\(s.slug)"), cancelled: s.state == "cancelled", updated: event.updatedAt)
    }

    static func calendarResponse(_ calendar: ICalendar, filename: String) -> Response {
        var response = Response(status: .ok, contentType: "text/calendar; charset=utf-8", body: Array(calendar.render().utf8))
        response.headers["Content-Disposition"] = "inline; filename=\"\(filename)\""
        response.headers["Cache-Control"] = "public, max-age=300"
        return response
    }

    /// `POST /events/{slug}/rsvp`: like signing — 410 once closed, CSRF, honeypot, 422, 429 —
    /// then a group-committed write that takes a place or joins the waiting list.
    static func rsvp(_ app: Application, _ request: Request) async throws -> Response {
        let slug = request.parameter("slug")
        let t = app.strings
        guard let event = try app.database.read({ try EventStore.find($0, slug: slug) }), event.rsvpEnabled else {
            return ErrorPages.notFound(app, request)
        }
        guard event.takesRSVPs() else {
            return ErrorPages.message(app, request, status: .gone, title: t("rsvp.closed.title"), body: t("rsvp.closed.body"))
        }
        let form = request.form
        if let forged = ErrorPages.rejectForgedForm(app, request, form, action: "/events/\(slug)/rsvp") { return forged }
        if !(form["website"] ?? "").isEmpty { return .redirect(to: "/events/\(slug)/registered") }
        var state = FormState(values: ["name": form["name"] ?? "", "email": form["email"] ?? "", "note": form["note"] ?? "",
                                       "consent_updates": form["consent_updates"] == "yes" ? "yes" : ""])
        var name = ""
        switch Input.text(form["name"], required: true, maxLength: 100) {
        case .success(let value): name = value
        case .failure(.missing): state.errors["name"] = t("rsvp.error.name")
        case .failure(.tooLong): state.errors["name"] = t("sign.error.too_long", ["max": "100", "count": String((form["name"] ?? "").count)])
        case .failure(.invalidCharacters): state.errors["name"] = t("sign.error.invalid_characters")
        }
        let email = Input.email(form["email"])
        if email == nil { state.errors["email"] = t("sign.error.email.invalid") }
        var note = ""
        switch Input.text(form["note"], required: false, maxLength: 2000, multiline: true) {
        case .success(let value):
            let words = value.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).count
            if words > maxNoteWords {
                state.errors["note"] = t("rsvp.error.note_words", ["max": String(maxNoteWords), "count": String(words)])
            }
            note = value
        case .failure(.tooLong): state.errors["note"] = t("rsvp.error.note_words", ["max": String(maxNoteWords), "count": "100+"])
        case .failure: state.errors["note"] = t("sign.error.invalid_characters")
        }
        guard state.isValid, let email else {
            var response = eventPage(app, request, event, form: state, status: .unprocessableContent)
            response.headers["Cache-Control"] = "no-store"
            return response
        }
        if case .limited(let retryAfter) = app.actionLimiter.take(request.remoteAddress) {
            return ErrorPages.rateLimited(app, request, retryAfter: retryAfter)
        }
        let eventID = event.summary.id
        let consent = form["consent_updates"] == "yes"
        let (finalName, finalNote) = (name, note)
        let outcome = try await app.database.write { db in
            try EventStore.rsvp(db, eventID: eventID, name: finalName, email: email, note: finalNote, consent: consent)
        }
        switch outcome {
        case .confirmed, .already("confirmed"): return .redirect(to: "/events/\(slug)/registered")
        default: return .redirect(to: "/events/\(slug)/registered?list=waitlist")
        }
    }
}
