import Foundation
import HTTP
import Storage

/// Whether representatives answer: two weeks after a letter went, its writer gets one mail
/// asking whether the recipient replied (one question, a button, no login); staff can record
/// a reply they received; `/letters/{slug}/responses` shows riding by riding who replied,
/// quoting them only with consent, and the response rate; `/representatives` shows each
/// member's record.
struct ResponsesFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/letters/{slug}/responses", page)
        app.router.get("/letters/{slug}/ridings.csv", ridingsCSV)
        app.router.get("/letters/{slug}/response/{token}", sensitive: true, ask)
        app.router.post("/letters/{slug}/response/{token}", sensitive: true, writes: answer)
        app.router.get("/admin/letters/{id}/responses", admin)
        app.router.post("/admin/letters/{id}/responses", writes: record)
        app.router.post("/admin/letters/{id}/responses/{response}/delete", writes: delete)
    }

    func jobs() -> [ScheduledJob] { [ScheduledJob("letter follow-ups", .housekeeping) { try followUp() }] }

    func sitemap(_ db: Connection) throws -> [String] {
        try LetterStore.open(db).map { "/letters/\($0.slug)/responses" }
    }

    /// The mail to every writer whose letter went two weeks ago, in batches.
    func followUp(now: Date = Date()) throws {
        while true {
            let due = try app.database.read { try ResponseStore.dueFollowUps($0, now: now) }
            guard !due.isEmpty else { return }
            try app.database.writeAndWait { db in
                let stamp = Timestamp.format(now)
                for letter in due {
                    let id = try ResponseStore.ask(
                        db, letterID: letter.id, campaignID: letter.campaignID, riding: letter.riding, recipient: letter.recipient,
                        language: letter.language, now: stamp)
                    let t = app.localizer(letter.language)
                    let token = try MailTokenStore.make(
                        db, purpose: .response, subjectID: id, lifetime: ResponseStore.linkLifetime, key: app.mailLinks, now: now)
                    let recipient = letter.recipient.isEmpty ? t("responses.your_mp") : letter.recipient
                    try OutboxStore.enqueue(
                        db, kind: "letter.follow_up", priority: .bulk,
                        message: app.mail(
                            to: letter.email, language: letter.language,
                            subject: t("mail.response.subject", ["recipient": recipient]),
                            text: t(
                                "mail.response.body",
                                [
                                    "recipient": recipient, "campaign": letter.title.text(t), "site": app.siteName,
                                    "link": app.absoluteURL(t.path("/letters/\(letter.slug)/response/\(token)")),
                                ]), button: t("responses.mail.button")))
                }
            }
            app.mailer.wake()
            if due.count < 200 { return }
        }
    }

    // MARK: Public

    func page(_ request: Request) throws -> Response {
        let (found, ridings) = try app.database.read { db -> (LetterCampaign?, [RidingResponses]) in
            guard let campaign = try LetterStore.find(db, slug: request.parameter("slug")) else { return (nil, []) }
            return (campaign, try ResponseStore.byRiding(db, campaignID: campaign.id))
        }
        let campaign = try found.orNotFound()
        let t = app.t(request)
        var response = app.page(
            request, title: t("responses.title_of", ["campaign": campaign.title.text(t)]), description: t("responses.lede")
        ) { ResponseViews.page(campaign, ridings: ridings, t: $0.t) }
        response.cache(.publicPage(shared: 30))
        return response
    }

    /// Letters by riding with each riding's member: counts only, as open data (the petitions'
    /// `ridings.csv` in the same shape, `letters` for `signatures`).
    func ridingsCSV(_ request: Request) throws -> Response {
        let (found, ridings) = try app.database.read { db -> (LetterCampaign?, [RidingCount]) in
            guard let campaign = try LetterStore.find(db, slug: request.parameter("slug")) else { return (nil, []) }
            return (campaign, try InsightStore.letterRidings(db, campaignID: campaign.id, limit: nil))
        }
        let campaign = try found.orNotFound()
        return PlacesFeature.ridingsCSV(ridings, counted: "letters", name: "\(campaign.slug)-ridings.csv")
    }

    static func action(slug: String) -> String { "response-\(slug)" }

    /// The campaign and the answer row a follow-up link names, when the link still works.
    func target(_ request: Request) throws -> (LetterCampaign, LetterResponse)? {
        try app.database.read { db in
            guard let campaign = try LetterStore.find(db, slug: request.parameter("slug")),
                let token = try MailTokenStore.find(db, token: request.parameter("token"), purpose: .response), token.status == .valid,
                let id = token.subjectID, let response = try ResponseStore.find(db, id: id), response.campaignId == campaign.id
            else { return nil }
            return (campaign, response)
        }
    }

    func formPage(
        _ request: Request, _ campaign: LetterCampaign, _ response: LetterResponse, state: FormState, status: Status = .ok
    ) -> Response {
        let t = app.t(request)
        let csrf = app.formTokens.make(for: Self.action(slug: campaign.slug))
        var page = app.page(request, title: t("responses.ask.title", ["recipient": response.recipientName]), status: status) {
            ResponseViews.form(campaign, response: response, state: state, action: $0.t.path(request.path), csrf: csrf, t: $0.t)
        }
        page.headers["X-Robots-Tag"] = "noindex"
        page.cache(.privateNoStore)
        return page
    }

    /// `GET /letters/{slug}/response/{token}`: the question, with the answer given so far.
    func ask(_ request: Request) throws -> Response {
        guard let (campaign, response) = try target(request) else {
            let t = app.t(request)
            return ErrorPages.message(app, request, status: .notFound, title: t("responses.link.title"), body: t("responses.link.expired"))
        }
        let values: [String: String] = [
            "reply": response.reply == .unknown ? "" : response.reply.rawValue, "said": response.said,
            "consent": response.quoteConsent ? "yes" : "",
        ]
        return formPage(request, campaign, response, state: FormState(values: values))
    }

    /// `POST /letters/{slug}/response/{token}`: the answer kept (and may be changed while the link lasts).
    func answer(_ request: Request) async throws -> Response {
        let form = request.form
        let slug = request.parameter("slug")
        if let forged = ErrorPages.rejectForgedForm(app, request, form, action: Self.action(slug: slug)) { return forged }
        guard let (campaign, response) = try target(request) else { throw HTTPError.notFound }
        let t = app.t(request)
        var checks = FieldChecks(form, t: t, fields: ["reply", "said", "consent"])
        let reply = ResponseReply(rawValue: form["reply"] ?? "").flatMap { $0 == .unknown ? nil : $0 }
        if reply == nil { checks.state.errors["reply"] = t("responses.error.reply") }
        let said = checks.text("said", required: false, max: 5000, multiline: true)
        let consent = checks.ticked("consent")
        guard checks.isValid, let reply else {
            return formPage(request, campaign, response, state: checks.state, status: .unprocessableContent)
        }
        try await app.database.write { db in
            _ = try ResponseStore.answer(
                db, id: response.id, reply: reply, said: reply == .yes ? said : "", consent: consent, now: Timestamp.now())
        }
        var state = checks.state
        state.notice = t("responses.thanks")
        return formPage(request, campaign, response, state: state)
    }

    // MARK: Staff

    func adminPage(_ request: Request, _ session: AdminAuth.Session, id: Int64, state: FormState, status: Status = .ok) throws -> Response {
        let t = app.t(request)
        let (found, responses, ridings) = try app.database.read {
            db -> (LetterCampaign?, [LetterResponse], [(code: String, name: String)]) in
            guard let slug = try db.scalar("SELECT slug FROM letter_campaigns WHERE id = ?", id, as: String.self),
                let campaign = try LetterStore.find(db, slug: slug)
            else { return (nil, [], []) }
            let ridings = try ResponseStore.byRiding(db, campaignID: id).map {
                (code: $0.ridingCode, name: $0.ridingName.text(t) + ($0.member.isEmpty ? "" : " — \($0.member)"))
            }
            return (campaign, try ResponseStore.all(db, campaignID: id), ridings)
        }
        let campaign = try found.orNotFound()
        let flash = request.query["saved"] == "1" ? t("admin.saved") : nil
        return AdminViews.page(
            app, request, session, title: t("responses.admin.title", ["title": campaign.title.text(t)]), status: status, flash: flash
        ) {
            c, csrf in
            ResponseViews.admin(campaign, responses: responses, ridings: ridings, state: state, csrf: csrf, t: c.t)
        }
    }

    func admin(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .letters)
        return try adminPage(
            request, session, id: try Int64(request.parameter("id")).orNotFound(), state: FormState(values: ["reply": "yes"]))
    }

    /// A reply staff received, for a riding the campaign's letters came from.
    func record(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .letters)
        let id = try Int64(request.parameter("id")).orNotFound()
        let t = app.t(request)
        let form = request.form
        var checks = FieldChecks(form, t: t, fields: ["riding", "reply", "said", "quotable"])
        let riding = form["riding"] ?? ""
        let member = try app.database.read { db -> String? in
            guard
                try db.scalar("SELECT count FROM letter_counts WHERE campaign_id = ? AND riding_code = ?", id, riding, as: Int.self) != nil
            else { return nil }
            return try db.scalar("SELECT name FROM members WHERE riding_code = ?", riding, as: String.self) ?? ""
        }
        if member == nil { checks.state.errors["riding"] = t("responses.error.riding") }
        let reply = ResponseReply(rawValue: form["reply"] ?? "").flatMap { $0 == .yes || $0 == .no ? $0 : nil }
        if reply == nil { checks.state.errors["reply"] = t("responses.error.reply") }
        let said = checks.text("said", required: false, max: 5000, multiline: true)
        let quotable = checks.ticked("quotable")
        guard checks.isValid, let reply, let member else {
            return try adminPage(request, session, id: id, state: checks.state, status: .unprocessableContent)
        }
        try await app.database.write { db in
            try ResponseStore.record(
                db, campaignID: id, riding: riding, recipient: member, reply: reply, said: said, quotable: quotable, now: Timestamp.now())
            try StaffStore.record(db, user: session.user, action: "record response", subject: "letter campaign \(id)", detail: riding)
        }
        return .redirect(to: t.path("/admin/letters/\(id)/responses") + "?saved=1")
    }

    func delete(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .letters)
        guard let id = Int64(request.parameter("id")), let responseID = Int64(request.parameter("response")) else {
            throw HTTPError.notFound
        }
        let deleted = try await app.database.write { db -> Bool in
            guard try ResponseStore.delete(db, id: responseID, campaignID: id) else { return false }
            try StaffStore.record(
                db, user: session.user, action: "delete response", subject: "letter campaign \(id)", detail: "#\(responseID)")
            return true
        }
        guard deleted else { throw HTTPError.notFound }
        return .redirect(to: app.t(request).path("/admin/letters/\(id)/responses") + "?saved=1")
    }
}
