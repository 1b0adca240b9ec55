import Foundation
import HTTP
import Mail
import Storage

extension StaffUser.Area {
    /// Pledges and approving the organisations and municipalities that take them.
    public static let pledges = StaffUser.Area("pledges", roles: [.organizer])
}

extension MediaOwner {
    public static let pledges = MediaOwner("pledges", area: .pledges)
}

/// Pledges (`/pledges`): a public promise beside petitions, taken by people, organisations
/// and municipalities, each confirmed by a mailed link; a person is then listed under the
/// name they chose (or counted without one), an organisation or municipality once staff
/// approve it (`/admin/pledges/{id}/pledgers`). The same rules as signatures: one form
/// pipeline (token, honeypot, rate), one answer whatever the address, unconfirmed rows
/// purged, the CSV for staff, every pledger in the privacy tools.
struct PledgesFeature: Feature {
    let app: Application

    static var navigation: [NavigationEntry] { [NavigationEntry(path: "/pledges", label: "nav.pledges", order: 25)] }
    static var adminResources: [AdminResource] { [.pledges] }
    static var pictureOwners: [MediaOwner] { [.pledges] }
    static var searchKinds: [SearchKind] { [SearchKind(kind: "pledge", label: "search.kind.pledge", order: 35)] }
    static var adminDependents: [String: [AdminDependent]] { [:] }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "pledges", table: "pledgers", email: "email",
                columns: [
                    "pledge_id", "kind", "name", "contact_name", "email", "postal_code", "province", "place", "state", "language",
                    "created_at",
                    "confirmed_at",
                ], erase: .blank(PledgeStore.erased))
        ]
    }

    /// Days an unconfirmed pledger is kept: the link in their mail lasts as long.
    static let unconfirmedDays = 30.0

    func sitemap(_ db: Connection) throws -> [String] { ["/pledges"] + (try PledgeStore.published(db).map { "/pledges/\($0.slug)" }) }

    func jobs() -> [ScheduledJob] {
        // Read first: a write (even of nothing) would end every cached page.
        let before: @Sendable () -> String = { Timestamp.format(Date().addingTimeInterval(-Self.unconfirmedDays * 86_400)) }
        return [
            .purge(
                "unconfirmed pledges", app, isDue: { try PledgeStore.unconfirmedBefore($0, before()) },
                purge: { try PledgeStore.purgeUnconfirmed($0, before: before()) })
        ]
    }

    func referrals(_ db: Connection, since: String, _ t: Localizer) throws -> [ReferralCount] {
        try ReferralCount.read(
            db,
            """
            SELECT p.title AS item, r.referral AS source, count(*) AS n FROM pledgers r JOIN pledges p ON p.id = r.pledge_id
            WHERE r.confirmed_at >= ? GROUP BY p.title, r.referral
            """, since: since, action: t("admin.sources.pledges"))
    }

    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] {
        guard user.may(.pledges) else { return [] }
        let waiting = try app.database.read { try PledgeStore.waitingCount($0) }
        guard waiting > 0 else { return [] }
        return [
            """
            <section aria-labelledby="pledges-heading"><h2 id="pledges-heading">\(t("admin.pledges.title"))</h2>
            <p><a href="\(t.path("/admin/pledges"))">\(t.plural("admin.pledges.waiting", waiting))</a></p></section>
            """
        ]
    }

    /// Open pledges: featured on the home page, a campaign's on its page and in "what next".
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        let now = Timestamp.now()
        let pledges: [Pledge]
        switch scope {
        case .home, .featuredActions: pledges = try PledgeStore.open(db, featuredOnly: true, now: now)
        case .campaign(let id), .campaignActions(let id): pledges = try PledgeStore.open(db, campaignID: id, now: now)
        case .event: return []
        }
        guard !pledges.isEmpty else { return [] }
        return [
            OfferGroup(
                kind: "pledges", role: .action, heading: "pledges.title", order: 25,
                items: pledges.prefix(3).map { .init(id: $0.id, html: PledgeViews.card($0, t: t)) })
        ]
    }

    func register() {
        StaffExport.route(
            app, "/admin/pledges/{id}/pledgers.csv", subject: "pledge", file: "pledgers.csv",
            slug: { db, id in try PledgeStore.find(db, id: id)?.slug },
            stream: { id in try PledgeExport.stream(app.database, pledgeID: id) })
        app.router.get("/pledges", list)
        app.router.get("/pledges/confirm/{token}", sensitive: true, askToConfirm)
        app.router.post("/pledges/confirm/{token}", sensitive: true, writes: confirm)
        app.router.get("/pledges/{slug}", page)
        app.router.get("/pledges/{slug}.json", json)
        app.router.post("/pledges/{slug}", writes: pledge)
        app.router.get("/pledges/{slug}/check-email", checkEmail)
        app.router.get("/pledges/{slug}/thanks", thanks)
        app.router.get("/admin/pledges/{id}/pledgers", pledgers)
        app.router.post("/admin/pledges/{id}/pledgers/{pledger}/{decision}", writes: decide)
    }

    // MARK: Public pages

    func list(_ request: Request) throws -> Response {
        let pledges = try app.database.read { try PledgeStore.published($0) }
        var response = app.page(request, title: app.t(request)("pledges.title")) { PledgeViews.list(pledges, t: $0.t) }
        response.cache(.publicPage(shared: 30))
        return response
    }

    func pageData(_ db: Connection, _ pledge: Pledge) throws -> PledgeViews.PageData {
        var listed: [PledgerKind: [Pledger]] = [:]
        for kind in pledge.kinds {
            // Organisations and municipalities are few and each is the point: all of them; people, the latest.
            listed[kind] = try PledgeStore.listed(db, pledgeID: pledge.id, kind: kind, limit: kind == .person ? 100 : 2_000)
        }
        return PledgeViews.PageData(pledge: pledge, counts: try PledgeStore.counts(db, pledgeID: pledge.id), listed: listed)
    }

    func page(_ request: Request) throws -> Response {
        let data = try app.database.read { db -> PledgeViews.PageData? in
            guard let pledge = try PledgeStore.find(db, slug: request.parameter("slug")) else { return nil }
            return try pageData(db, pledge)
        }
        var response = try pledgePage(request, data.orNotFound(), form: FormState(values: ["show": "full"]))
        response.cache(.publicPage(shared: 5))
        return response
    }

    func pledgePage(_ request: Request, _ data: PledgeViews.PageData, form: FormState, status: Status = .ok) -> Response {
        let t = app.t(request)
        let csrf = app.formTokens.make(for: PledgeForm.action(slug: data.pledge.slug))
        return app.page(
            request, title: data.pledge.title.text(t), status: status,
            description: data.pledge.summary.english.isEmpty ? data.pledge.pledgeText.text(t) : data.pledge.summary.text(t),
            alternate: "/pledges/\(data.pledge.slug)"
        ) { PledgeViews.page(data, form: form, csrf: csrf, t: $0.t) }
    }

    /// `GET /pledges/{slug}.json`: the listed pledgers by kind and by province.
    func json(_ request: Request) throws -> Response {
        let (pledge, counts) = try app.database.read { db -> (Pledge?, [(kind: PledgerKind, province: String, count: Int)]) in
            guard let pledge = try PledgeStore.find(db, slug: request.parameter("slug")) else { return (nil, []) }
            return (pledge, try PledgeStore.counts(db, pledgeID: pledge.id))
        }
        guard let pledge else { throw HTTPError.notFound }
        var byKind: [String: Int] = Dictionary(uniqueKeysWithValues: pledge.kinds.map { ($0.rawValue, 0) })
        var byProvince: [String: Int] = [:]
        for row in counts {
            byKind[row.kind.rawValue, default: 0] += row.count
            if !row.province.isEmpty { byProvince[row.province, default: 0] += row.count }
        }
        let object: [String: Any] = [
            "slug": pledge.slug, "title": pledge.title.english, "state": pledge.isOpen() ? "open" : "closed", "goal": pledge.goal,
            "pledger_count": pledge.pledgerCount, "by_kind": byKind, "by_province": byProvince,
        ]
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        var response = Response.json(String(decoding: body, as: UTF8.self))
        response.cache(.publicPage(shared: 5))
        return response
    }

    // MARK: Pledging

    /// `POST /pledges/{slug}`: the public pipeline, then one answer whatever the address.
    func pledge(_ request: Request) async throws -> Response {
        let slug = request.parameter("slug")
        let found = try app.database.read { db -> PledgeViews.PageData? in
            guard let pledge = try PledgeStore.find(db, slug: slug) else { return nil }
            return try pageData(db, pledge)
        }
        let data = try found.orNotFound()
        let t = app.t(request)
        let checkEmail = Response.redirect(to: t.path("/pledges/\(slug)/check-email"))
        // The signing rules hold for pledges: the site-wide pause, and the block lists that
        // answer exactly as a pledge is answered.
        let gate = app.signingGate
        gate.followOthers(app.database)
        var closed =
            data.pledge.isOpen()
            ? nil : ErrorPages.message(app, request, status: .gone, title: t("pledges.closed_title"), body: t("pledges.closed"))
        if closed == nil, let pause = gate.pause {
            closed = ErrorPages.message(app, request, status: .serviceUnavailable, title: t("pledges.paused"), body: pause)
            closed?.headers["Retry-After"] = "3600"
        }
        return try await app.publicFormPost(
            request, action: PledgeForm.action(slug: slug), closed: closed,
            honeypot: checkEmail, again: { state, status in pledgePage(request, data, form: state, status: status) },
            check: { form -> PublicFormCheck<PledgerInput> in
                var checks = FieldChecks(form, t: t, fields: PledgeForm.order)
                guard let input = PledgeForm.validate(&checks, pledge: data.pledge) else {
                    return .answer(pledgePage(request, data, form: checks.state, status: .unprocessableContent))
                }
                return .valid(input)
            },
            accept: { (input: PledgerInput, clientHash: String) in
                if let block = gate.blocking(email: input.email, clientHash: clientHash) {
                    try await app.database.write(gathered: true) { db in try TriageStore.noteHit(db, blockID: block) }
                    return checkEmail
                }
                let token = NewMailToken(lifetime: 30 * 86_400, key: app.mailLinks)
                try await app.database.write(gathered: true) { db in
                    guard let id = try PledgeStore.insert(db, pledgeID: data.pledge.id, input, clientHash: clientHash, now: Timestamp.now())
                    else { return }
                    let mail = confirmationMail(data.pledge, token: token, kind: input.kind, to: input.email, language: input.language)
                    if try app.enqueueUnconfirmed(db, kind: "pledge.confirm", RenderedMail(mail)) {
                        try MailTokenStore.insert(db, token, purpose: .pledge, subjectID: id)
                    }
                }
                app.mailer.wake()
                return checkEmail
            })
    }

    /// To an address nobody has confirmed: the pledge's own words and the link, nothing the visitor typed.
    func confirmationMail(_ pledge: Pledge, token: NewMailToken, kind: PledgerKind, to email: String, language: String) -> MailMessage {
        let t = app.localizer(language)
        return app.mail(
            to: email, language: language, subject: t("mail.pledge.confirm.subject", ["title": pledge.title.text(t)]),
            text: t(
                kind.needsApproval ? "mail.pledge.confirm.body_approval" : "mail.pledge.confirm.body",
                [
                    "site": app.siteName, "title": pledge.title.text(t), "pledge": pledge.pledgeText.text(t),
                    "link": app.absoluteURL(t.path("/pledges/confirm/\(token.placeholder)")),
                ]), button: t("pledges.confirm.submit"))
    }

    func checkEmail(_ request: Request) throws -> Response {
        let t = app.t(request)
        var response = ErrorPages.message(
            app, request, status: .ok, title: t("pledges.check_email.title"), body: t("pledges.check_email.body"))
        response.cache(.noStore)
        return response
    }

    static let confirmAction = "pledge-confirm"
    static let linkTexts = MailLinkTexts(
        usedTitle: "pledges.confirmed.title", usedBody: "pledges.confirm.used", expiredBody: "pledges.confirm.expired")

    func askToConfirm(_ request: Request) throws -> Response {
        try app.mailLinkAsk(
            request, purpose: .pledge, Self.linkTexts, title: "pledges.confirm.title", body: "pledges.confirm.body",
            button: "pledges.confirm.submit", action: Self.confirmAction)
    }

    func confirm(_ request: Request) async throws -> Response {
        let token = try app.database.read { try MailTokenStore.find($0, token: request.parameter("token"), purpose: .pledge) }
        let pledger = try token?.subjectID.flatMap { id in try app.database.read { try PledgeStore.pledger($0, id: id) } }
        let slug = try pledger.flatMap { p in try app.database.read { try PledgeStore.find($0, id: p.pledgeId)?.slug } } ?? ""
        let kind = pledger?.kind ?? .person
        let t = app.t(request)
        return try await app.mailLinkPost(
            request, action: Self.confirmAction, purpose: .pledge, Self.linkTexts,
            act: { db, token in
                guard let id = token.subjectID else { return false }
                return try PledgeStore.confirm(db, id: id, now: Timestamp.now())
            }, done: { .redirect(to: t.path("/pledges/\(slug)/thanks") + (kind.needsApproval ? "?waiting=1" : "")) })
    }

    /// `GET /pledges/{slug}/thanks`: listed now, or once staff approve; what to do next.
    func thanks(_ request: Request) throws -> Response {
        let t = app.t(request)
        let found = try app.database.read { db -> (Pledge, HTML)? in
            guard let pledge = try PledgeStore.find(db, slug: request.parameter("slug")) else { return nil }
            return (pledge, try app.nextSteps(db, after: "pledges", id: pledge.id, campaignID: pledge.campaignId, t))
        }
        guard let (pledge, next) = found else { throw HTTPError.notFound }
        let waiting = request.query["waiting"] == "1"
        var response = app.page(request, title: t("pledges.confirmed.title")) { c in
            """
            <section class="thanks"><h1>\(c.t("pledges.confirmed.title"))</h1>
            <p class="lede">\(c.t(waiting ? "pledges.confirmed.waiting" : "pledges.confirmed.body"))</p>
            <p><a href="\(c.t.path("/pledges/\(pledge.slug)"))">\(pledge.title.html(c.t))</a></p></section>
            """ + next
        }
        response.cache(.noStore)
        return response
    }

    // MARK: Staff

    /// `GET /admin/pledges/{id}/pledgers`: organisations and municipalities waiting for approval, and the CSV.
    func pledgers(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .pledges)
        let id = try Int64(request.parameter("id")).orNotFound()
        let (found, waiting) = try app.database.read { db in (try PledgeStore.find(db, id: id), try PledgeStore.waiting(db, pledgeID: id)) }
        let pledge = try found.orNotFound()
        let t = app.t(request)
        let flash = request.query["done"].map { t("admin.pledges.done.\($0 == "approve" ? "approve" : "decline")") }
        return AdminViews.page(app, request, session, title: t("admin.pledges.pledgers", ["title": pledge.title.text(t)]), flash: flash) {
            c, csrf in
            PledgeAdminViews.pledgers(pledge, waiting: waiting, csrf: csrf, t: c.t)
        }
    }

    /// `POST /admin/pledges/{id}/pledgers/{pledger}/approve|decline`.
    func decide(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .pledges)
        guard let pledgeID = Int64(request.parameter("id")), let pledgerID = Int64(request.parameter("pledger")) else {
            throw HTTPError.notFound
        }
        let decision = request.parameter("decision")
        guard decision == "approve" || decision == "decline" else { throw HTTPError.notFound }
        let changed = try await app.database.write { db -> Bool in
            guard let pledger = try PledgeStore.pledger(db, id: pledgerID), pledger.pledgeId == pledgeID else { return false }
            let now = Timestamp.now()
            guard
                try decision == "approve"
                    ? PledgeStore.approve(db, id: pledgerID, now: now) : PledgeStore.decline(db, id: pledgerID, now: now)
            else { return false }
            try StaffStore.record(db, user: session.user, action: decision, subject: "pledger #\(pledgerID)", detail: "pledge \(pledgeID)")
            return true
        }
        guard changed else { throw HTTPError.notFound }
        return .redirect(to: app.t(request).path("/admin/pledges/\(pledgeID)/pledgers") + "?done=\(decision)")
    }
}
