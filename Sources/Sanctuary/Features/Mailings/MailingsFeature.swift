import Foundation
import HTTP
import Mail
import Storage

/// Mailings (organizers and admins): compose in English and French, choose the audience,
/// preview one recipient's message and the count, send a test to yourself, send now or at
/// a set time; watch it go, pause, resume, cancel. Messages go into the outbox behind
/// transactional mail and are rendered one by one as the sender takes them.
struct MailingsFeature: Feature {
    let app: Application

    /// A mailing's message, stored without its text, made as the sender takes it.
    func renderStoredMail(_ message: DueMessage, sending: Bool) throws -> String? {
        try renderForSender(message, sending: sending)
    }

    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin/mailings", label: "admin.nav.mailings", area: .mailings, order: 80)]
    }

    func jobs() -> [ScheduledJob] { [ScheduledJob("scheduled mailings", .mail) { try sendDue() }] }

    func register() {
        app.router.get("/admin/mailings", list)
        app.router.get("/admin/mailings/new", new)
        app.router.post("/admin/mailings", async: create)
        app.router.get("/admin/mailings/{id}", show)
        app.router.get("/admin/mailings/{id}/preview/{language}", previewHTML)
        app.router.post("/admin/mailings/{id}", async: save)
        app.router.post("/admin/mailings/{id}/test", async: test)
        app.router.post("/admin/mailings/{id}/send", async: send)
        app.router.post("/admin/mailings/{id}/schedule", async: schedule)
        for (action, change) in [("pause", MailingStore.pause), ("resume", MailingStore.resume), ("cancel", MailingStore.cancel)] {
            app.router.post("/admin/mailings/{id}/\(action)", async: { request in try await control(request, action: action, change) })
        }
    }

    // MARK: Pages

    func list(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .mailings)
        let mailings = try app.database.read { try MailingStore.all($0) }
        return AdminViews.page(app, request, session, title: app.t(request)("admin.mailings.title")) { c, _ in
            MailingViews.list(mailings, t: c.t)
        }
    }

    func new(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .mailings)
        return try editor(request, session, mailing: nil, state: FormState())
    }

    /// The HTML one recipient gets, alone, for the editor's preview frame. Its own policy
    /// lets the message's inline styles apply (the site's pages allow none) and runs nothing:
    /// no script, no form, sandboxed even when opened directly.
    func previewHTML(_ request: Request) throws -> Response {
        _ = try AdminAuth.require(app, request, .mailings)
        let mailing = try find(request)
        let language = request.parameter("language")
        guard ["en", "fr"].contains(language) else { throw HTTPError(.notFound) }
        let message = try app.database.read { db in
            try sampleMessage(db, mailing, language: mailing.language(for: language))
        }
        guard let html = message.html else { throw HTTPError(.notFound) }
        var response = Response.html(html)
        response.headers["Content-Security-Policy"] =
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; frame-ancestors 'self'; sandbox"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.cache(.noStore)
        return response
    }

    func show(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .mailings)
        let mailing = try find(request)
        guard mailing.isDraft else { return try status(request, session, mailing) }
        return try editor(request, session, mailing: mailing, state: MailingForm.values(mailing))
    }

    /// The editor, and for a saved draft its preview, count, test and send buttons.
    func editor(
        _ request: Request, _ session: AdminAuth.Session, mailing: Mailing?, state: FormState,
        scheduleError: String? = nil, status: Status = .ok
    ) throws -> Response {
        let t = app.t(request)
        let (choices, preview) = try app.database.read { db in
            (
                try MailingForm.choices(db, app.mailingAudiences, t: t).map { ($0.value, $0.label) },
                try mailing.map { try self.preview(db, $0) }
            )
        }
        let flash = ["saved": "admin.saved", "tested": "admin.mailing.tested"].first { request.query[$0.key] == "1" }.map { t($0.value) }
        return AdminViews.page(
            app, request, session, title: mailing.map { $0.subjectEn } ?? t("admin.mailing.new"), status: status, flash: flash
        ) { c, csrf in
            MailingViews.editor(
                mailing: mailing, state: state, choices: choices, preview: preview, scheduleError: scheduleError, csrf: csrf, t: c.t)
        }
    }

    /// A mailing that went (or goes): its numbers and what can still be done.
    func status(_ request: Request, _ session: AdminAuth.Session, _ mailing: Mailing) throws -> Response {
        let t = app.t(request)
        let (progress, audience) = try app.database.read { db in
            (try MailingStore.progress(db, id: mailing.id), try audienceLabel(db, mailing, t: t))
        }
        let flash = ["sent", "paused", "resumed", "cancelled"].first { request.query[$0] == "1" }.map { t("admin.mailing.flash.\($0)") }
        return AdminViews.page(app, request, session, title: mailing.subjectEn, flash: flash) { c, csrf in
            MailingViews.status(mailing, audience: audience, progress: progress, csrf: csrf, t: c.t)
        }
    }

    /// What one recipient will get, in each language someone will read it in, and the count.
    func preview(_ db: Connection, _ mailing: Mailing) throws -> MailingPreview {
        let count =
            try app.mailingAudience(mailing.audience).map {
                try BulkMailStore.recipientCount(db, audience: $0, audienceID: mailing.audienceID)
            } ?? 0
        let messages = try (mailing.hasFrench ? ["en", "fr"] : ["en"]).map { language in
            (language: language, message: try sampleMessage(db, mailing, language: language))
        }
        return MailingPreview(
            count: count, messages: messages, audience: try audienceLabel(db, mailing, t: app.localizer("en")),
            needsPostalAddress: app.siteSettings.current.settings.postalAddress.isEmpty, tested: mailing.testedAt != nil)
    }

    /// The message one real recipient reading `language` would get (a placeholder address
    /// when the audience has nobody in that language yet).
    func sampleMessage(_ db: Connection, _ mailing: Mailing, language: String) throws -> MailMessage {
        let sample =
            try app.mailingAudience(mailing.audience).flatMap {
                try BulkMailStore.sampleRecipient(db, audience: $0, audienceID: mailing.audienceID, language: language)
            } ?? ("supporter@example.org", "")
        let addressID = try BulkMailStore.knownAddressID(db, sample.email) ?? 0
        return message(mailing, to: sample.email, addressID: addressID, language: language, name: sample.name)
    }

    func audienceLabel(_ db: Connection, _ mailing: Mailing, t: Localizer) throws -> String {
        try app.mailingAudience(mailing.audience)?.label(db, mailing.audienceID, t)
            ?? MailingForm.choice(mailing.audience, mailing.audienceID)
    }

    // MARK: Actions

    func create(_ request: Request) async throws -> Response {
        let t = app.t(request)
        return try await app.staffFormPost(
            request, .mailings,
            validate: { form in
                MailingForm.validate(
                    form, choices: try app.database.read { try MailingForm.choices($0, app.mailingAudiences, t: t) }, t: t)
            },
            again: { session, state in try editor(request, session, mailing: nil, state: state, status: .unprocessableContent) },
            accept: { session, draft in
                let user = session.user
                let id = try await app.database.write { db in
                    let id = try BulkMailStore.create(db, draft, by: user.email)
                    try StaffStore.record(db, user: user, action: "create", subject: "mailing \(id)")
                    return id
                }
                return .redirect(to: "/admin/mailings/\(id)?saved=1")
            })
    }

    func save(_ request: Request) async throws -> Response {
        try AdminAuth.requirePost(app, request, .mailings)
        let mailing = try find(request)
        let t = app.t(request)
        return try await app.staffFormPost(
            request, .mailings,
            validate: { form in
                MailingForm.validate(
                    form, choices: try app.database.read { try MailingForm.choices($0, app.mailingAudiences, t: t) }, t: t)
            },
            again: { session, state in try editor(request, session, mailing: mailing, state: state, status: .unprocessableContent)
            },
            accept: { session, draft in
                let (user, id) = (session.user, mailing.id)
                let saved = try await app.database.write { db -> Bool in
                    guard try MailingStore.update(db, id: id, draft) else { return false }
                    try StaffStore.record(db, user: user, action: "update", subject: "mailing \(id)")
                    return true
                }
                return try saved ? .redirect(to: "/admin/mailings/\(id)?saved=1") : alreadyGone(request)
            })
    }

    /// A test to the author's own address, in the language of the page, marked as a test.
    func test(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .mailings)
        let mailing = try find(request)
        let (user, language) = (session.user, app.t(request).language)
        try await app.database.write { db in
            let addressID = try BulkMailStore.addressID(db, user.email)
            var test = message(mailing, to: user.email, addressID: addressID, language: language)
            test.subject = app.localizer(language)("admin.mailing.test_prefix") + " " + test.subject
            try OutboxStore.enqueue(db, kind: "mailing.test", message: test)
            try MailingStore.noteTest(db, id: mailing.id)
            try StaffStore.record(db, user: user, action: "test", subject: "mailing \(mailing.id)")
        }
        app.mailer.wake()
        return .redirect(to: "/admin/mailings/\(mailing.id)?tested=1")
    }

    /// Send now: first a page naming the audience and how many people it reaches now, whose
    /// button sends (`confirm` = that count); then every recipient queued in one transaction.
    /// If the audience grew or shrank meanwhile, the page asks again with the new count.
    func send(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .mailings)
        let mailing = try find(request)
        if let refusal = try refuseWithoutPostalAddress(request, session, mailing) { return refusal }
        if let refusal = try refuseUntested(request, session, mailing) { return refusal }
        let t = app.t(request)
        let (count, audience) = try app.database.read { db in
            (
                try app.mailingAudience(mailing.audience).map {
                    try BulkMailStore.recipientCount(db, audience: $0, audienceID: mailing.audienceID)
                } ?? 0, try audienceLabel(db, mailing, t: t)
            )
        }
        guard request.form["confirm"] == String(count), count > 0 else {
            var response = AdminViews.page(app, request, session, title: t("admin.mailing.confirm.title")) { c, csrf in
                MailingViews.confirmSend(mailing, count: count, audience: audience, csrf: csrf, t: c.t)
            }
            response.cache(.noStore)
            return response
        }
        let (user, id, started) = (session.user, mailing.id, Date())
        let queued = try await app.database.write { try queue($0, id: id, by: user) }
        guard let queued else { return try alreadyGone(request) }
        logQueued(id: id, count: queued, since: started)
        app.mailer.wake()
        return .redirect(to: "/admin/mailings/\(id)?sent=1")
    }

    func schedule(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .mailings)
        let mailing = try find(request)
        if let refusal = try refuseWithoutPostalAddress(request, session, mailing) { return refusal }
        if let refusal = try refuseUntested(request, session, mailing) { return refusal }
        switch MailingForm.sendAt(request.form, t: app.t(request)) {
        case .failure(let invalid):
            return try editor(
                request, session, mailing: mailing, state: MailingForm.values(mailing),
                scheduleError: invalid.state.errors["send_at"],
                status: .unprocessableContent)
        case .success(let date):
            let (user, id, at) = (session.user, mailing.id, Timestamp.format(date))
            let scheduled = try await app.database.write { db -> Bool in
                guard try MailingStore.schedule(db, id: id, at: at) else { return false }
                try StaffStore.record(db, user: user, action: "schedule", subject: "mailing \(id)", detail: at)
                return true
            }
            return try scheduled ? .redirect(to: "/admin/mailings/\(id)?saved=1") : alreadyGone(request)
        }
    }

    /// A mailing goes (or is scheduled) only once its author has had a test of its current
    /// text: until then `409` with the editor, which says so beside the test button.
    func refuseUntested(_ request: Request, _ session: AdminAuth.Session, _ mailing: Mailing) throws -> Response? {
        guard mailing.testedAt == nil else { return nil }
        return try editor(request, session, mailing: mailing, state: MailingForm.values(mailing), status: .conflict)
    }

    /// Every mailing carries the organisation's postal address (CASL): until an admin sets
    /// one, sending and scheduling answer `409` with the editor, which says where to set it.
    func refuseWithoutPostalAddress(
        _ request: Request, _ session: AdminAuth.Session, _ mailing: Mailing
    ) throws -> Response? {
        guard app.siteSettings.current.settings.postalAddress.isEmpty else { return nil }
        return try editor(request, session, mailing: mailing, state: MailingForm.values(mailing), status: .conflict)
    }

    /// Pause, resume, cancel: each recorded in the audit log.
    func control(
        _ request: Request, action: String, _ change: @escaping @Sendable (Connection, Int64, String) throws -> Bool
    ) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .mailings)
        let mailing = try find(request)
        let (user, id) = (session.user, mailing.id)
        let changed = try await app.database.write { db -> Bool in
            guard try change(db, id, Timestamp.now()) else { return false }
            try StaffStore.record(db, user: user, action: action, subject: "mailing \(id)")
            return true
        }
        guard changed else { return try alreadyGone(request) }
        app.mailer.wake()
        let flash = ["pause": "paused", "resume": "resumed", "cancel": "cancelled"][action] ?? "saved"
        return .redirect(to: "/admin/mailings/\(id)?\(flash)=1")
    }

    func find(_ request: Request) throws -> Mailing {
        let id = try Int64(request.parameter("id")).orNotFound()
        return try app.database.read { try MailingStore.find($0, id: id) }.orNotFound()
    }

    /// The mailing moved on meanwhile (another tab sent or cancelled it).
    func alreadyGone(_ request: Request) throws -> Response {
        let t = app.t(request)
        return ErrorPages.message(
            app, request, status: .conflict, title: t("admin.mailing.conflict.title"), body: t("admin.mailing.conflict.body"))
    }

    // MARK: The message

    /// The message one recipient gets: the text (and its HTML alternative) in their
    /// language, the site's signature, an unsubscribe footer, and the RFC 8058 headers.
    func message(
        _ mailing: Mailing, to address: String, addressID: Int64, language: String, outboxID: Int64? = nil, name: String = ""
    ) -> MailMessage {
        let language = mailing.language(for: language)
        let t = app.localizer(language)
        let unsubscribe = UnsubscribeFeature(app: app).url(addressID: addressID, mailingID: mailing.id, t: t)
        // Merge fields, filled for this recipient (the first word of the name their audience knows).
        let fields = ["first_name": name.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""]
        let body = Template.fill(mailing.body(language), fields)
        let subject = Template.fill(mailing.subject(language), fields)
        let postal = app.siteSettings.current.settings.postalAddress
        // Why they get it, how to stop, and who sends it: above the signature's "-- ", which
        // mail programs fold away.
        let footer = t("mail.mailing.footer", ["link": unsubscribe]) + (postal.isEmpty ? "" : "\n\n" + postal)
        var message = app.mail(
            to: address, language: language, subject: subject,
            text: MailText.plain(body, app: app) + "\n\n" + footer)
        let base = app.config.publicBaseURL
        let htmlFooter: HTML = """
            <p style="font-size: 0.9em; color: #555"><a href="\(unsubscribe)">\(t("mail.mailing.unsubscribe"))</a></p>
            \(postal.isEmpty ? HTML.empty : "<p style=\"font-size: 0.9em; color: #555\">\(HTML.join(postal.split(separator: "\n").map { HTML(stringLiteral: HTML.escape(String($0))) }, separator: "<br>"))</p>")
            """
        let html = MailHTML.page(
            app, language: language, title: subject, body: MailText.absoluteLinks(Markdown.render(body), base: base),
            footer: htmlFooter)
        message.html = html.rendered
        // A mailto the site itself reads (through `sanctuary mail bounce`), when it has a
        // bounce domain; never a person's inbox.
        let mailto = outboxID.flatMap { id in
            app.config.bounceAddress.map { ReturnPath.unsubscribeAddress($0, outboxID: id, key: app.serverKey) }
        }
        message.headers.append(("List-Unsubscribe", "<\(unsubscribe)>" + (mailto.map { ", <mailto:\($0)?subject=unsubscribe>" } ?? "")))
        message.headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        message.headers.append(("List-Id", "\(HeaderEncoding.phrase(app.siteName, used: 9)) <mailings.\(app.mailer.domain)>"))
        message.headers.append(("Precedence", "bulk"))
        return message
    }

    /// The sender's renderer: a mailing's message for one queued recipient. Nil when the
    /// mailing is gone, or (`sending`) no longer going out: paused or cancelled meanwhile.
    func renderForSender(_ due: DueMessage, sending: Bool = true) throws -> String? {
        guard let mailingID = due.mailingID,
            let (mailing, addressID) = try app.database.read({ db -> (Mailing, Int64)? in
                guard let mailing = try MailingStore.find(db, id: mailingID), !sending || mailing.state == .sending,
                    let id = try BulkMailStore.knownAddressID(db, due.recipient)
                else { return nil }
                return (mailing, id)
            })
        else { return nil }
        var message = message(
            mailing, to: due.recipient, addressID: addressID, language: due.language, outboxID: due.id, name: due.recipientName)
        // Fixed by the queued row, so a message sent again (after a crash between the relay's
        // answer and our record of it) is recognisably the same message.
        message.messageID = ReturnPath.messageID(mailingID: mailing.id, outboxID: due.id, domain: app.mailer.domain, key: app.serverKey)
        return message.rendered()
    }

    /// Scheduled mailings whose time has come are queued (the mailer's scheduled jobs).
    func sendDue() throws {
        let due = try app.database.read { try MailingStore.due($0) }
        for id in due {
            let started = Date()
            if let queued = try app.database.writeAndWait({ try queue($0, id: id, by: nil) }) {
                logQueued(id: id, count: queued, since: started)
            }
        }
        if !due.isEmpty { app.mailer.wake() }
    }

    /// Queues every recipient of a draft or scheduled mailing in the caller's transaction and
    /// records who sent it (nil: the scheduler) in the audit log.
    func queue(_ db: Connection, id: Int64, by user: StaffUser?) throws -> Int? {
        guard let queued = try BulkMailStore.queue(db, id: id, audiences: app.mailingAudiences) else { return nil }
        try StaffStore.record(
            db, user: user, actor: user == nil ? "scheduler" : nil, action: "send", subject: "mailing \(id)",
            detail: "\(queued) recipients")
        return queued
    }

    /// One line for the operator: how many and how long (no addresses).
    func logQueued(id: Int64, count: Int, since started: Date) {
        let seconds = Date().timeIntervalSince(started)
        app.logger.notice("mail: mailing \(id): \(count) recipients queued in \(String(format: "%.2f", seconds)) s")
    }
}

/// What the editor shows of a saved draft before it goes.
struct MailingPreview {
    let count: Int
    let messages: [(language: String, message: MailMessage)]
    let audience: String
    /// No postal address is set: nothing can be sent until an admin sets one.
    var needsPostalAddress = false
    /// Its author had a test of its current text: it may be sent.
    var tested = true
}

/// Markdown as the plain text of a mail: readable as it is, links spelled out.
enum MailText {
    /// `[text](url)` → `text (url)`, with the site's paths made absolute; the marks of bold,
    /// italics and headings left out (`**word**` → `word`), as a person would type it.
    static func plain(_ markdown: String, app: Application) -> String {
        let base = app.config.publicBaseURL
        return markdown.replacingOccurrences(
            of: #"\[([^\]\n]*)\]\((/[^)\s]*)\)"#, with: "$1 (\(base)$2)", options: .regularExpression
        ).replacingOccurrences(of: #"\[([^\]\n]*)\]\(([^)\s]+)\)"#, with: "$1 ($2)", options: .regularExpression)
            .replacingOccurrences(of: #"\*\*([^*\n]+)\*\*"#, with: "$1", options: .regularExpression)
            .replacingOccurrences(of: #"__([^_\n]+)__"#, with: "$1", options: .regularExpression)
            .replacingOccurrences(of: #"(?<![*\w])\*([^*\s][^*\n]*)\*(?![*\w])"#, with: "$1", options: .regularExpression)
            .replacingOccurrences(of: #"(?m)^#{1,6}[ \t]+"#, with: "", options: .regularExpression)
    }

    /// Links to the site's own paths made absolute (a mail has no base address).
    static func absoluteLinks(_ html: HTML, base: String) -> HTML {
        let escapedBase: HTML = "\(base)"
        return HTML(trusted: html.rendered.replacingOccurrences(of: "href=\"/", with: "href=\"\(escapedBase.rendered)/"))
    }
}
