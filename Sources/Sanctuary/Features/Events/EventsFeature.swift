import Foundation
import HTTP
import Mail
import Storage
import Synchronization

/// `/events` (upcoming, or past with `?past=1`), `/events/{slug}` with its RSVP form,
/// `POST /events/{slug}/rsvp`, and iCalendar feeds.
struct EventsFeature: Feature {
    let app: Application

    static var searchKinds: [SearchKind] { [SearchKind(kind: "event", label: "search.kind.event", order: 20)] }

    static var mailingAudiences: [MailingAudience] { [.attendees] }

    /// The next events on the home page (a list), a campaign's as cards.
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        switch scope {
        case .home:
            let items: [OfferGroup.Item] = try EventStore.upcoming(db, limit: 3).map { event in
                .init(
                    id: event.id,
                    html:
                        "<li><a href=\"\(t.path("/events/\(event.slug)"))\">\(event.title.html(t))</a> <span class=\"meta\">\(DateText.dateTime(event.startsAt, t: t, timeZone: event.timeZone))</span></li>"
                )
            }
            var group = OfferGroup(kind: "events", role: .reading, heading: "home.next_events", order: 70, items: items)
            (group.empty, group.more) = ("home.no_events", ("/events", "home.all_events"))
            return [group]
        case .campaign(let id), .campaignActions(let id): return [Self.actions(try EventStore.upcoming(db, campaignID: id), t)]
        case .featuredActions: return [Self.actions(try EventStore.upcoming(db, limit: 2), t)]
        case .event: return []
        }
    }

    private static func actions(_ events: [EventSummary], _ t: Localizer) -> OfferGroup {
        OfferGroup(
            kind: "events", role: .action, heading: "campaigns.attend", order: 40,
            items: events.map { .init(id: $0.id, html: EventViews.card($0, t: t)) })
    }

    static var adminResources: [AdminResource] { [.events] }
    static var pictureOwners: [MediaOwner] { [.events] }
    static var funnelPages: [FunnelPage] {
        [FunnelPage(action: "event", prefix: "/events/", lookup: "SELECT id FROM events WHERE slug = ?")]
    }
    static var adminDependents: [String: [AdminDependent]] {
        ["campaigns": [AdminDependent(key: "rsvps", count: { try EventStore.rsvpRows($0, campaignID: $1) })]]
    }

    /// Registrations and waiting lists of the latest events.
    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] {
        let rsvps = try app.database.read { try EventStore.recentRSVPCounts($0) }
        let rows: [HTML] = rsvps.map { title, confirmed, waitlist in
            "<tr><td>\(title)</td><td class=\"number\">\(t.formatNumber(confirmed))</td><td class=\"number\">\(t.formatNumber(waitlist))</td></tr>"
        }
        return [
            """
            <section aria-labelledby="rsvps-heading">
            <h2 id="rsvps-heading">\(t("admin.dashboard.rsvps"))</h2>
            \(rows.isEmpty ? Layout.emptyState(t("home.no_events")) : "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">\(t("admin.dashboard.event"))</th><th scope=\"col\">\(t("admin.dashboard.confirmed"))</th><th scope=\"col\">\(t("admin.dashboard.waitlist"))</th></tr></thead><tbody>\(rows)</tbody></table></div>")
            </section>
            """
        ]
    }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "event registrations", table: "rsvps", email: "email",
                columns: ["event_id", "name", "email", "note", "status", "created_at"], erase: .blank(EventStore.anonymised)),
            PersonalData(
                "registrations waiting for their e-mail link", table: "rsvp_requests", email: "email",
                columns: ["event_id", "name", "email", "note", "created_at"]),
        ]
    }

    static var navigation: [NavigationEntry] { [NavigationEntry(path: "/events", label: "nav.events", order: 40)] }

    func sitemap(_ db: Connection) throws -> [String] {
        ["/events", "/events?past=1"] + (try (EventStore.upcoming(db) + EventStore.past(db)).map { "/events/\($0.slug)" })
    }

    func referrals(_ db: Connection, since: String, _ t: Localizer) throws -> [ReferralCount] {
        try ReferralCount.read(
            db,
            """
            SELECT e.title AS item, r.referral AS source, count(*) AS n FROM rsvps r JOIN events e ON e.id = r.event_id
            WHERE r.created_at >= ? GROUP BY e.id, e.title, r.referral
            """, since: since, action: t("admin.sources.registrations"))
    }

    /// Registrations anonymised `privacy.rsvp_days` after their event: status and dates stay.
    func retention() -> [RetentionRule] {
        let days = app.config.rsvpRetentionDays
        let cutoff: @Sendable (Date) -> String = { Timestamp.format($0.addingTimeInterval(-Double(days) * 86_400)) }
        return [
            RetentionRule(
                "registrations for events \(days) days past, anonymised",
                due: { try EventStore.namedAfterEnding($0, endedBefore: cutoff($1)) },
                apply: { try EventStore.anonymise($0, ids: $1) })
        ]
    }

    func jobs() -> [ScheduledJob] {
        let hours = app.config.rsvpConfirmHours
        return [
            ScheduledJob("event reminders", .mail) { try sendReminders() },
            .purge(
                "registrations never confirmed", app, isDue: { try EventStore.expiredRequestsExist($0, hours: hours) },
                purge: { try EventStore.purgeRequests($0, hours: hours) }),
        ]
    }

    func register() {
        StaffExport.route(
            app, "/admin/events/{id}/rsvps.csv", subject: "event", file: "rsvps.csv",
            slug: { db, id in try EventStore.slug(db, id: id) }, stream: { id in try RSVPExport.stream(app.database, eventID: id) })
        app.router.get("/events", list)
        app.router.get("/events/{slug}", page)
        app.router.get("/events/{slug}.ics", calendar)
        app.router.get("/events.ics", calendarFeed)
        app.router.get("/events/{slug}/registered", registered)
        app.router.get("/events/{slug}/check-email", checkEmail)
        app.router.get("/events/{slug}/confirm/{token}", sensitive: true, askToConfirm)
        app.router.post("/events/{slug}/confirm/{token}", sensitive: true, writes: confirm)
        app.router.get("/events/{slug}/rsvp/{token}", sensitive: true, manage)
        app.router.post("/events/{slug}/rsvp/{token}", sensitive: true, writes: cancel)
        app.router.get("/events/{slug}/unregistered", unregistered)
        app.router.post("/events/{slug}/rsvp", writes: rsvp)
    }

    /// `GET /events`.
    func list(_ request: Request) throws -> Response {
        let past = request.query["past"] == "1"
        let events = try app.database.read { past ? try EventStore.past($0) : try EventStore.upcoming($0) }
        var response = app.page(request, title: app.t(request)(past ? "events.past_title" : "events.title")) {
            EventViews.list(events, past: past, t: $0.t)
        }
        response.cache(.publicPage(shared: 30))
        return response
    }

    /// `GET /events/{slug}`.
    func page(_ request: Request) throws -> Response {
        let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }).orNotFound()
        var response = eventPage(request, event, form: FormState())
        response.cache(.publicPage(shared: 5))
        return response
    }

    /// `GET /events/{slug}.ics`.
    func calendar(_ request: Request) throws -> Response {
        let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }).orNotFound()
        let t = app.t(request)
        var calendar = ICalendar(name: event.summary.title.text(t), language: t.language)
        calendar.add(calendarEvent(event, t: t, base: app.baseURL(request)))
        return Self.calendarResponse(calendar, filename: "\(event.summary.slug).ics")
    }

    /// `GET /events.ics`.
    func calendarFeed(_ request: Request) throws -> Response {
        let events = try app.database.read { db -> [Event] in
            let summaries = try EventStore.upcoming(db) + EventStore.past(db, limit: 50)
            return try summaries.compactMap { try EventStore.find(db, slug: $0.slug) }
        }
        let t = app.t(request)
        var calendar = ICalendar(name: "\(app.siteName) · \(t("events.title"))", language: t.language)
        for event in events { calendar.add(calendarEvent(event, t: t, base: app.baseURL(request))) }
        return Self.calendarResponse(calendar, filename: "events.ics")
    }

    func eventPage(_ request: Request, _ event: Event, form: FormState, status: Status = .ok) -> Response {
        let s = event.summary
        let csrf = app.formTokens.make(for: RSVPForm.action(slug: s.slug))
        let t = app.t(request)
        let media: Media?
        let offers: [OfferGroup]
        do {
            (media, offers) = try app.database.read { db in
                (try MediaStore.of(db, .events, id: s.id), try app.offers(db, .event(s.id), t))
            }
        } catch {
            // Never a page that silently shows less: the error is logged and said.
            return ErrorPages.readFailed(app, request, error)
        }
        return app.page(
            request, title: s.title.text(t), status: status, description: s.summary.text(t), alternate: "/events/\(s.slug)",
            share: SharePreview(image: media?.shareImage(t))
        ) {
            EventViews.page(
                event, media: media, form: form, csrf: csrf, shareURL: app.absoluteURL($0.t.path("/events/\(s.slug)"), request), t: $0.t)
                + OfferViews.asides(offers)
        }
    }

    /// The event for a calendar. `joinLink` only in a confirmed registrant's own copy (the
    /// mail's attachment): the feeds anyone can read say the event is online, not where.
    func calendarEvent(_ event: Event, t: Localizer, base: String, joinLink: String? = nil) -> ICalendar.Event {
        let s = event.summary
        let host = URL(string: app.config.publicBaseURL)?.host ?? "sanctuary"
        var description = s.summary.text(t)
        if !event.speakers.isEmpty { description += "\n\n" + event.speakers.map(\.name).joined(separator: ", ") }
        if let joinLink { description += "\n\n" + t("mail.rsvp.join", ["link": joinLink]) }
        description += "\n\n" + base + t.path("/events/\(s.slug)")
        var location = [s.venue.text(t), event.address].filter { !$0.isEmpty }.joined(separator: ", ")
        if location.isEmpty, event.online { location = joinLink ?? t("events.attendance.online") }
        // The same UID in both languages: it is one event, whichever feed a calendar took it from.
        return ICalendar.Event(
            uid: "event-\(s.id)@\(host)", start: s.startsAt, end: s.endsAt, summary: s.title.text(t),
            description: description, location: location, url: base + t.path("/events/\(s.slug)"), cancelled: s.state == .cancelled,
            updated: event.updatedAt)
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
    func rsvp(_ request: Request) async throws -> Response {
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
            funnel: FunnelItem("event", event.summary.id),
            check: { form in
                PublicFormCheck(RSVPForm.validate(form, t: t)) { eventPage(request, event, form: $0, status: .unprocessableContent) }
            },
            accept: { input, _ in
                let (eventID, language) = (event.summary.id, t.language)
                try await app.database.write(gathered: true) { db in
                    let outcome = try EventStore.request(
                        db, eventID: eventID, name: input.name, email: input.email, note: input.note, consent: input.consentUpdates,
                        language: language, referral: input.referral)
                    try mailAbout(db, outcome, event: event)
                }
                app.mailer.wake()
                // The same answer whether or not the address had registered (its mail tells
                // its owner), and no place is held until the owner confirms.
                return .redirect(to: "/events/\(slug)/check-email")
            })
    }

    /// The mail a registration causes: the button that confirms it (nothing the visitor
    /// typed in it: the address is not confirmed yet), or, for an address already
    /// registered, its manage link again; at most three per address and event.
    func mailAbout(_ db: Connection, _ outcome: EventStore.RequestOutcome, event: Event) throws {
        switch outcome {
        case .already(let rsvp):
            if rsvp.mailsSent < 3 { try mail(db, kind: .again, rsvp: rsvp, event: event) }
        case .waiting(let request):
            guard request.mailsSent < 3 else { return }
            let t = app.localizer(request.language)
            let s = event.summary
            let token = NewMailToken(lifetime: app.config.rsvpConfirmHours * 3600, key: app.mailLinks)
            let vars = [
                "title": s.title.text(t), "when": EventViews.when(s, t: t),
                "link": app.absoluteURL(t.path("/events/\(s.slug)/confirm/\(token.placeholder)")),
                "hours": t.formatNumber(Int(app.config.rsvpConfirmHours.rounded(.up))),
            ]
            let message = app.mail(
                to: request.email, language: request.language, subject: t("mail.rsvp.request.subject", vars),
                text: t("mail.rsvp.request.body", vars), button: t("rsvp.confirm.submit"))
            // The link is stored only with a mail that goes (a capped one is not sent).
            guard try app.enqueueUnconfirmed(db, kind: "rsvp.request", RenderedMail(message)) else { return }
            try MailTokenStore.insert(db, token, purpose: .rsvp, subjectID: request.id, payload: Self.requestPayload)
            try EventStore.noteRequestMail(db, requestID: request.id)
        }
    }

    /// A confirmation link's token carries this payload; a manage link's carries none.
    static let requestPayload = "request"
    static let confirmAction = "rsvp-confirm"
    static let confirmTexts = MailLinkTexts(
        usedTitle: "rsvp.confirm.used.title", usedBody: "rsvp.confirm.used.body", expiredBody: "rsvp.confirm.expired")

    /// `/events/{slug}/check-email`: what every registration is answered with.
    func checkEmail(_ request: Request) throws -> Response {
        let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }).orNotFound()
        let t = app.t(request)
        var response = app.page(request, title: t("rsvp.check.title")) { c in EventViews.checkEmail(event, t: c.t) }
        response.cache(.noStore)
        return response
    }

    /// The request and the link's token, when the token confirms a registration for this event.
    func requestLink(_ request: Request) throws -> (Event, RSVPRequest?, MailToken) {
        try app.database.read { db -> (Event, RSVPRequest?, MailToken)? in
            guard let event = try EventStore.find(db, slug: request.parameter("slug")),
                let token = try MailTokenStore.find(db, token: request.parameter("token"), purpose: .rsvp),
                token.payload == Self.requestPayload, let id = token.subjectID
            else { return nil }
            let pending = try EventStore.request(db, id: id)
            if let pending, pending.eventID != event.summary.id { return nil }
            return (event, pending, token)
        }.orNotFound()
    }

    /// The page the confirmation mail opens: the event, and one button.
    func askToConfirm(_ request: Request) throws -> Response {
        let (event, pending, token) = try requestLink(request)
        let t = app.t(request)
        return try app.mailLink(request, pending == nil ? .used : token.status, Self.confirmTexts) {
            app.mailLinkPage(
                request, title: t("rsvp.confirm.title"),
                body:
                    "<p class=\"lede\">\(t("rsvp.confirm.body", ["title": event.summary.title.text(t), "when": EventViews.when(event.summary, t: t)]))</p>",
                button: t("rsvp.confirm.submit"), action: Self.confirmAction)
        }
    }

    /// `POST /events/{slug}/confirm/{token}`: the registration takes a place (or joins the
    /// waiting list) now, and its owner gets the details and the manage link; one transaction.
    func confirm(_ request: Request) async throws -> Response {
        let (event, _, _) = try requestLink(request)
        let slug = event.summary.slug
        guard event.takesRSVPs() else {
            let t = app.t(request)
            return ErrorPages.message(app, request, status: .gone, title: t("rsvp.closed.title"), body: t("rsvp.closed.body"))
        }
        let outcome = Mutex<EventStore.RSVPOutcome?>(nil)
        let response = try await app.mailLinkPost(
            request, action: Self.confirmAction, purpose: .rsvp, Self.confirmTexts,
            act: { db, token in
                guard token.payload == Self.requestPayload, let id = token.subjectID, let pending = try EventStore.request(db, id: id)
                else { return false }
                let result = try EventStore.confirm(db, request: pending)
                outcome.withLock { $0 = result }
                if pending.consent {
                    try app.joinList(
                        db,
                        ListOptIn(
                            email: pending.email, name: pending.name, campaignID: event.summary.campaignID, source: "event:" + slug,
                            language: pending.language, consentedAt: pending.createdAt, referral: pending.referral))
                }
                _ = try mailAbout(db, result, event: event)
                return true
            }, done: { .redirect(to: "/events/\(slug)/registered") })
        guard case .waitlisted = outcome.withLock({ $0 }) else { return response }
        return .redirect(to: "/events/\(slug)/registered?list=\(RSVPStatus.waitlist.rawValue)")
    }

    /// The mail a confirmed registration causes, written with it: the place (with the event
    /// as an `.ics` file) or the waiting-list notice, each with the link to cancel; for an
    /// address that had registered, its link again (at most three times). Answers whether
    /// the page should say "waiting list".
    func mailAbout(_ db: Connection, _ outcome: EventStore.RSVPOutcome, event: Event) throws -> Bool {
        switch outcome {
        case .confirmed(let id):
            guard let rsvp = try EventStore.rsvp(db, id: id) else { return false }
            try mail(db, kind: .confirmed, rsvp: rsvp, event: event)
            return false
        case .waitlisted(let id):
            guard let rsvp = try EventStore.rsvp(db, id: id) else { return true }
            try mail(db, kind: .waitlist, rsvp: rsvp, event: event)
            return true
        case .already(let rsvp, let full):
            if rsvp.mailsSent < 3 { try mail(db, kind: .again, rsvp: rsvp, event: event) }
            return full
        }
    }

    enum MailKind: String { case confirmed, waitlist, again, promoted, reminder }

    /// Writes one mail about an RSVP into the outbox, with a fresh link to its manage page.
    func mail(_ db: Connection, kind: MailKind, rsvp: RSVPRecord, event: Event) throws {
        let t = app.localizer(rsvp.language)
        let s = event.summary
        let lifetime = max(86_400, (Timestamp.parse(s.endsAt ?? s.startsAt)?.timeIntervalSinceNow ?? 0) + 86_400)
        let token = try MailTokenStore.make(db, purpose: .rsvp, subjectID: rsvp.id, lifetime: lifetime, key: app.mailLinks)
        // The join link goes to confirmed registrants only (their confirmation, a place that
        // opened, the reminder), never to the waiting list.
        let joinLink = rsvp.status == .confirmed && event.online ? try EventStore.joinLink(db, eventID: s.id) : nil
        var place = [s.venue.text(t), event.address].filter { !$0.isEmpty }.joined(separator: ", ")
        if event.online {
            let online = joinLink.map { t("mail.rsvp.join", ["link": $0]) } ?? t("events.attendance.online")
            place = place.isEmpty ? online : place + "\n" + online
        }
        let vars = [
            "name": rsvp.name, "title": s.title.text(t), "when": EventViews.when(s, t: t),
            "where": place.isEmpty ? "—" : place,
            "link": app.absoluteURL(t.path("/events/\(s.slug)/rsvp/\(token)")),
            "event_link": app.absoluteURL(t.path("/events/\(s.slug)")),
            "status": t(rsvp.status == .confirmed ? "mail.rsvp.status.confirmed" : "mail.rsvp.status.waitlist"),
        ]
        var attachments: [MailAttachment] = []
        if rsvp.status == .confirmed {
            var calendar = ICalendar(name: s.title.text(t), language: t.language)
            calendar.add(calendarEvent(event, t: t, base: app.config.publicBaseURL, joinLink: joinLink))
            attachments.append(
                MailAttachment(
                    filename: "\(s.slug).ics", contentType: "text/calendar; charset=utf-8; method=PUBLISH",
                    data: Array(calendar.render().utf8)))
        }
        let message = app.mail(
            to: rsvp.email, name: rsvp.name, language: rsvp.language, subject: t("mail.rsvp.\(kind.rawValue).subject", vars),
            text: t("mail.rsvp.\(kind.rawValue).body", vars), attachments: attachments)
        switch kind {
        case .again:
            // Caused by the form, which anyone can fill with this address.
            guard try app.enqueueUnconfirmed(db, kind: "rsvp.\(kind.rawValue)", RenderedMail(message)) else { return }
        case .confirmed, .waitlist, .promoted, .reminder:
            try OutboxStore.enqueue(db, kind: "rsvp.\(kind.rawValue)", message: message)
        }
        try EventStore.noteMail(db, rsvpID: rsvp.id)
    }

    /// `/events/{slug}/registered`: the place is taken, or the visitor is on the waiting list.
    func registered(_ request: Request) throws -> Response {
        let found = try app.database.read { db -> (Event, HTML)? in
            guard let event = try EventStore.find(db, slug: request.parameter("slug")) else { return nil }
            return (
                event,
                try app.nextSteps(db, after: "events", id: event.summary.id, campaignID: event.summary.campaignID, app.t(request))
            )
        }
        guard let (event, next) = found else { throw HTTPError.notFound }
        let waitlisted = request.query["list"].flatMap(RSVPStatus.init) == .waitlist
        var response = app.page(request, title: app.t(request)(waitlisted ? "rsvp.waitlist.title" : "rsvp.confirmed.title")) { c in
            EventViews.registered(event, waitlisted: waitlisted, t: c.t) + next
        }
        response.cache(.noStore)
        return response
    }

    /// The page an RSVP mail links to: the registration, and a button to cancel it.
    func manage(_ request: Request) throws -> Response {
        let (event, rsvp, token) = try rsvpLink(request)
        return try app.mailLink(request, rsvp == nil ? .used : token.status, Self.linkTexts) {
            let csrf = app.formTokens.make(for: Self.cancelAction)
            var response = app.page(request, title: app.t(request)("rsvp.manage.title")) { c in
                EventViews.manage(event, rsvp: rsvp, action: c.t.path(request.path), csrf: csrf, t: c.t)
            }
            response.cache(.privateNoStore)
            return response
        }
    }

    static let cancelAction = "rsvp-cancel"
    static let linkTexts = MailLinkTexts(
        usedTitle: "rsvp.cancelled.title", usedBody: "rsvp.cancelled.used", expiredBody: "rsvp.link_expired")

    /// `POST /events/{slug}/rsvp/{token}`: cancels, gives the place to the first person
    /// waiting and mails them, all in one transaction; then `303` to a page that says so.
    func cancel(_ request: Request) async throws -> Response {
        let (event, _, _) = try rsvpLink(request)
        return try await app.mailLinkPost(
            request, action: Self.cancelAction, purpose: .rsvp, Self.linkTexts,
            act: { db, token in
                guard let id = token.subjectID else { return false }
                // The RSVP's other links (from "you registered again" mails) go with it.
                try MailTokenStore.retire(db, purpose: .rsvp, subjectID: id)
                guard let rsvp = try EventStore.rsvp(db, id: id) else { return false }
                if let promoted = try EventStore.cancel(db, rsvp: rsvp) {
                    try mail(db, kind: .promoted, rsvp: promoted, event: event)
                }
                return true
            }, done: { .redirect(to: "/events/\(event.summary.slug)/unregistered") })
    }

    func unregistered(_ request: Request) throws -> Response {
        let event = try app.database.read({ try EventStore.find($0, slug: request.parameter("slug")) }).orNotFound()
        let t = app.t(request)
        var response = ErrorPages.message(
            app, request, status: .ok, title: t("rsvp.cancelled.title"),
            body: t("rsvp.cancelled.body", ["title": event.summary.title.text(t)]))
        response.cache(.noStore)
        return response
    }

    /// The event, the RSVP (nil once cancelled) and the link's token; `404` when the token is
    /// unknown or was made for another event.
    func rsvpLink(_ request: Request) throws -> (Event, RSVPRecord?, MailToken) {
        try app.database.read { db -> (Event, RSVPRecord?, MailToken)? in
            guard let event = try EventStore.find(db, slug: request.parameter("slug")),
                let token = try MailTokenStore.find(db, token: request.parameter("token"), purpose: .rsvp),
                token.payload != Self.requestPayload,
                let id = token.subjectID
            else { return nil }
            let rsvp = try EventStore.rsvp(db, id: id)
            if let rsvp, rsvp.eventID != event.summary.id { return nil }
            return (event, rsvp, token)
        }.orNotFound()
    }

    /// Reminders `events.reminder_hours` before each event, once per attendee: the mail
    /// and the mark that it went are one transaction, so a restart never sends one twice,
    /// and the mark is claimed in it (`claimReminder`), so two nodes' passes never both send.
    /// Someone who registered inside that window has just had their confirmation; they are
    /// marked and not reminded. (The candidates are read outside the write, which a pass with
    /// nothing due never takes; what decides is read again inside it.)
    func sendReminders() throws {
        let hours = app.config.reminderHours
        guard hours > 0 else { return }
        let due = try app.database.read { try EventStore.dueReminders($0, hours: hours) }
        guard !due.isEmpty else { return }
        try app.database.writeAndWait { db in
            for (rsvp, slug, startsAt) in due {
                guard let createdAt = try EventStore.claimReminder(db, rsvpID: rsvp.id) else { continue }
                let windowOpened = Timestamp.parse(startsAt).map { Timestamp.format($0.addingTimeInterval(-Double(hours) * 3600)) } ?? ""
                guard createdAt < windowOpened, let event = try EventStore.find(db, slug: slug) else { continue }
                try mail(db, kind: .reminder, rsvp: rsvp, event: event)
            }
        }
        app.mailer.wake()
    }
}
