import Foundation
import HTTP
import Storage

/// Petitions for the public: the list, each petition's page and open data, signing, thanks.
struct PetitionsFeature: Feature {
    let app: Application
    static var searchKinds: [SearchKind] { [SearchKind(kind: "petition", label: "search.kind.petition", order: 30)] }

    /// Petitions as signing reads them (see `StaffEditedCache`).
    let signing: StaffEditedCache<Petition>

    init(app: Application) {
        self.app = app
        signing = StaffEditedCache(app.staffChanges)
    }

    static var mailingAudiences: [MailingAudience] { [.signers, .outcome] }

    /// Featured petitions on the home page (the first open one its call to action), and
    /// the open ones of a campaign.
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        switch scope {
        case .home:
            let petitions = try PetitionStore.featured(db, limit: 3)
            let media = try MediaStore.of(db, .petitions, ids: petitions.map(\.id))
            var group = OfferGroup(
                kind: "petitions", role: .action, heading: "home.act_now", order: 20,
                items: petitions.map { .init(id: $0.id, html: PetitionViews.card($0, media: media[$0.id], t: t)) })
            group.empty = "home.no_petitions"
            if let lead = petitions.first(where: { $0.isOpen() }) {
                group.lead =
                    "<p><a class=\"button button-large\" href=\"\(t.path("/petitions/\(lead.slug)"))\">\(t("home.lead", ["title": lead.title.text(t)]))</a></p>"
                group.picture = media[lead.id]
            }
            return [group]
        case .campaign(let id), .campaignActions(let id):
            return [Self.actions(try PetitionStore.open(db, campaignID: id), t)]
        case .featuredActions:
            return [Self.actions(try PetitionStore.featured(db, limit: 3).filter { $0.isOpen() }, t)]
        case .event: return []
        }
    }

    private static func actions(_ petitions: [PetitionSummary], _ t: Localizer) -> OfferGroup {
        var group = OfferGroup(
            kind: "petitions", role: .action, heading: "campaigns.sign", order: 20,
            items: petitions.map { .init(id: $0.id, html: PetitionViews.card($0, t: t)) })
        group.mostNext = 2
        return group
    }

    static var adminResources: [AdminResource] { [.petitions] }
    static var pictureOwners: [MediaOwner] { [.petitions] }
    static var adminDependents: [String: [AdminDependent]] {
        ["campaigns": [AdminDependent(key: "signatures", count: { try PetitionStore.signatureRows($0, campaignID: $1) })]]
    }

    /// Signatures: the total, those waiting for their link, a chart of the last 30 days, each petition.
    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] {
        let calendar = (0..<30).reversed().map { String(Timestamp.format(Date().addingTimeInterval(-Double($0) * 86_400)).prefix(10)) }
        let (petitions, daily, pending) = try app.database.read { db in
            (try PetitionStore.allForStaff(db), try PetitionStore.dailyTotals(db, fromDay: calendar[0]), try PetitionStore.pendingCount(db))
        }
        let total = petitions.reduce(0) { $0 + $1.signatureCount }
        let rows: [HTML] = petitions.map { p in
            "<tr><td><a href=\"\(t.path("/admin/insight/petition/\(p.id)"))\">\(p.title.html(t))</a></td><td class=\"number\">\(t.formatNumber(p.signatureCount))</td><td class=\"number\">\(t.formatNumber(p.goal))</td></tr>"
        }
        return [
            """
            <section aria-labelledby="signatures-heading">
            <h2 id="signatures-heading">\(t("admin.dashboard.signatures", ["count": t.formatNumber(total)]))</h2>
            \(pending > 0 ? "<p>\(t.plural("admin.dashboard.pending", pending))</p>" as HTML : .empty)
            \(AdminViews.chart(daily, days: calendar, t: t))
            <div class="table-wrap"><table><thead><tr><th scope="col">\(t("admin.petitions.col.title"))</th><th scope="col">\(t("admin.petitions.col.signatures"))</th><th scope="col">\(t("admin.petitions.col.goal"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            </section>
            """
        ]
    }

    func sampleMetrics(_ gauges: MetricGauges) throws {
        let (confirmed, pending) = try app.database.read { db in (try PetitionStore.confirmedTotal(db), try PetitionStore.pendingCount(db))
        }
        let help = "Signatures: confirmed (counted) and pending (waiting for their e-mail link)."
        gauges.set("signatures", help: help, labels: [("state", "confirmed")], Double(confirmed))
        gauges.set("signatures", help: help, labels: [("state", "pending")], Double(pending))
    }

    static var navigation: [NavigationEntry] { [NavigationEntry(path: "/petitions", label: "nav.petitions", order: 20)] }

    func sitemap(_ db: Connection) throws -> [String] {
        ["/petitions"] + (try PetitionStore.all(db).map { "/petitions/\($0.slug)" })
    }

    func referrals(_ db: Connection, since: String, _ t: Localizer) throws -> [ReferralCount] {
        try ReferralCount.read(
            db,
            """
            SELECT p.title AS item, c.source AS source, sum(c.count) AS n FROM petition_source_counts c JOIN petitions p ON p.id = c.petition_id
            WHERE c.day >= substr(?, 1, 10) GROUP BY p.id, p.title, c.source HAVING sum(c.count) > 0
            """, since: since, action: t("admin.sources.signatures"))
    }

    /// Signatures anonymised `privacy.signature_months` after their petition closes: province,
    /// riding and dates stay, so every count does.
    func retention() -> [RetentionRule] {
        let months = app.config.signatureRetentionMonths
        let cutoff: @Sendable (Date) -> String = { Timestamp.format(Timestamp.monthsBefore(months, $0)) }
        return [
            RetentionRule(
                "signatures of petitions closed \(months) months ago, anonymised",
                due: { try PetitionStore.namedAfterClosing($0, closedBefore: cutoff($1)) },
                apply: { try PetitionStore.anonymise($0, ids: $1) })
        ]
    }

    func jobs() -> [ScheduledJob] {
        [
            .purge(
                "unconfirmed signatures", app, isDue: { try PetitionStore.unconfirmedPurgeIsDue($0) },
                purge: { try PetitionStore.purgeUnconfirmed($0) })
        ]
    }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "petition signatures", table: "signatures", email: "email",
                columns: [
                    "petition_id", "first_name", "last_name", "email", "postal_code", "province", "riding", "comment", "consent_updates",
                    "show_publicly", "language", "created_at", "confirmed_at", "partner_consent",
                ], erase: .blank(PetitionStore.anonymised), remove: { try PetitionStore.removeSignatures($0, ids: $1) })
        ]
    }

    static let publicCaching = CachePolicy.publicPage(shared: 5)

    static var funnelPages: [FunnelPage] {
        [FunnelPage(action: "petition", prefix: "/petitions/", lookup: "SELECT id FROM petitions WHERE slug = ?")]
    }

    func register() {
        StaffExport.route(
            app, "/admin/petitions/{id}/signatures.csv", subject: "petition", file: "signatures.csv",
            slug: { db, id in try PetitionStore.slug(db, id: id) },
            stream: { id in try SignatureExport.stream(app.database, petitionID: id) })
        app.router.get("/petitions", list)
        app.router.get("/petitions/{slug}", page)
        app.router.get("/petitions/{slug}.json", openData)
        app.router.get("/petitions/{slug}/thanks") { request in try thanks(request, confirmed: false) }
        app.router.get("/petitions/{slug}/confirmed") { request in try thanks(request, confirmed: true) }
        app.router.get("/petitions/{slug}/confirm/{token}", sensitive: true, askToConfirm)
        app.router.post("/petitions/{slug}/confirm/{token}", sensitive: true, writes: confirm)
        app.router.post("/petitions/{slug}/sign", writes: sign)
        app.router.post("/petitions/{slug}/resend", writes: resend)
    }

    /// `GET /petitions`.
    func list(_ request: Request) throws -> Response {
        let (petitions, media) = try app.database.read { db in
            let petitions = try PetitionStore.all(db)
            return (petitions, try MediaStore.of(db, .petitions, ids: petitions.map(\.id)))
        }
        var response = app.page(request, title: app.t(request)("petitions.title")) {
            PetitionViews.list(petitions, media: media, t: $0.t)
        }
        response.cache(Self.publicCaching)
        return response
    }

    /// `GET /petitions/{slug}`.
    func page(_ request: Request) throws -> Response {
        let petition = try app.database.read({ try PetitionStore.find($0, slug: request.parameter("slug")) }).orNotFound()
        var response = petitionPage(request, petition, form: FormState())
        response.cache(Self.publicCaching)
        return response
    }

    /// `GET /petitions/{slug}.json`.
    func openData(_ request: Request) throws -> Response {
        let found = try app.database.read { db -> (Petition, [(String, Int)], [RidingCount], PetitionOutcome?)? in
            guard let petition = try PetitionStore.find(db, slug: request.parameter("slug")) else { return nil }
            return (
                petition, try PetitionStore.countsByProvince(db, petitionID: petition.id),
                try InsightStore.ridings(db, petitionID: petition.id), try OutcomeStore.all(db, petitionID: petition.id).first
            )
        }
        guard let (petition, provinces, ridings, outcome) = found else {
            return .json("{\"error\":\"not found\"}", status: .notFound)
        }
        var response = Response.json(
            PetitionJSON(petition: petition, provinces: provinces, ridings: ridings, response: outcome, t: app.t(request)).encoded())
        response.cache(.publicData(seconds: 5))
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    }

    func petitionPage(
        _ request: Request, _ petition: Petition, form: FormState,
        status: Status = .ok
    ) -> Response {
        let csrf = app.formTokens.make(for: SignatureForm.action(slug: petition.slug))
        let t = app.t(request)
        let outcomes: [PetitionOutcome]
        let media: Media?
        let signers: [PublicSigner]
        let provinces: [(String, Int)]
        let ridings: [RidingCount]
        do {
            (outcomes, media, signers, provinces, ridings) = try app.database.read { db in
                (
                    try OutcomeStore.all(db, petitionID: petition.id), try MediaStore.of(db, .petitions, id: petition.id),
                    try PetitionStore.publicSigners(db, petitionID: petition.id, limit: 8),
                    try PetitionStore.countsByProvince(db, petitionID: petition.id),
                    try InsightStore.ridings(db, petitionID: petition.id, limit: 10)
                )
            }
        } catch {
            return ErrorPages.readFailed(app, request, error)
        }
        return app.page(
            request, title: petition.title.text(t), status: status, description: petition.summary.summary.text(t),
            alternate: "/petitions/\(petition.slug)", share: SharePreview(image: media?.shareImage(t))
        ) { c in
            PetitionViews.page(
                petition, outcomes: outcomes, media: media, form: form, csrf: csrf,
                shareURL: app.absoluteURL(c.t.path("/petitions/\(petition.slug)"), request), confirms: app.config.confirmSignatures,
                signers: signers,
                paused: app.signingGate.pause,
                places: PlacesViews.section(
                    slug: petition.slug, total: petition.summary.signatureCount, provinces: provinces, ridings: ridings, t: c.t), c: c)
        }
    }

    /// `POST /petitions/{slug}/sign`, through the public-form pipeline (closed → 410, token,
    /// honeypot, 422, 429), then a group-committed write: the visitor hears "thank you" only
    /// once the signature is on disk.
    func sign(_ request: Request) async throws -> Response {
        let slug = request.parameter("slug")
        let petition = try signing.value(slug) { try app.database.read { try PetitionStore.find($0, slug: slug) } }
            .orNotFound()
        return try await sign(request, petition, thanks: "/petitions/\(slug)/thanks") { state, status in
            petitionPage(request, petition, form: state, status: status)
        }
    }

    /// Signing, wherever the form is (the petition's page, a partner's embed): closed or paused
    /// answered plainly, the public-form pipeline, the block lists, then a group-committed
    /// write. `again` shows the form (its mistakes, or the pause); `thanks` is where a stored
    /// signature goes; `partner`: the embedding partner whose box the signer may tick.
    func sign(
        _ request: Request, _ petition: Petition, thanks: String, partner: Partner? = nil,
        again: @escaping @Sendable (FormState, Status) -> Response
    ) async throws -> Response {
        let slug = petition.slug
        let t = app.t(request)
        let gate = app.signingGate
        gate.followOthers(app.database)
        var closed =
            petition.summary.isOpen()
            ? nil : ErrorPages.message(app, request, status: .gone, title: t("petition.closed_heading"), body: t("petition.closed_body"))
        if closed == nil, gate.pause != nil {
            // Paused by staff: nothing is stored; the visitor is told plainly and may come back.
            closed = again(FormState(), .serviceUnavailable)
            closed?.headers["Retry-After"] = "3600"
        }
        return try await app.publicFormPost(
            request, action: SignatureForm.action(slug: slug), closed: closed, honeypot: .redirect(to: thanks),
            funnel: FunnelItem("petition", petition.id), again: again,
            check: { form in PublicFormCheck(SignatureForm.validate(form, t: t)) { again($0, .unprocessableContent) } },
            accept: { input, clientHash in
                var signature = input
                signature.clientHash = clientHash
                // Only a box the embedding partner showed counts.
                signature.partnerConsent = partner != nil && input.partnerConsent == partner?.key ? input.partnerConsent : ""
                if gate.canonicalEmails { signature.email = CanonicalEmail.of(signature.email) }
                if let block = gate.blocking(email: signature.email, clientHash: clientHash) {
                    // Refused, and answered exactly as a signature is (the same redirect and cookie,
                    // after a write of its own), so nothing tells a sender they are blocked.
                    try await app.database.write(gathered: true) { db in try TriageStore.noteHit(db, blockID: block) }
                    var response = Response.redirect(to: thanks)
                    if app.config.confirmSignatures {
                        response.headers.add("Set-Cookie", sentCookie(request, slug: slug, email: signature.email))
                    }
                    return response
                }
                let (petitionID, stored, language, confirm) = (petition.id, signature, t.language, app.config.confirmSignatures)
                // The likely mail is made here, on the event loop, so the writer thread (which
                // every signature waits for) only inserts rows.
                let prepared =
                    confirm ? confirmationMail(petition: petition, to: stored.email, name: stored.firstName, language: language) : nil
                try await app.database.write(gathered: true) { db in
                    let outcome = try PetitionStore.sign(db, petitionID: petitionID, stored, language: language, confirm: confirm)
                    // Counted at once (no confirmation asked): a "send me updates" joins the list now.
                    if case .counted = outcome, stored.consentUpdates {
                        try app.joinList(
                            db,
                            ListOptIn(
                                email: stored.email, name: stored.firstName + " " + stored.lastName, postalCode: stored.postalCode,
                                campaignID: petition.summary.campaignID, source: "petition:" + petition.slug, language: language,
                                consentedAt: Timestamp.now(), clientHash: stored.clientHash, referral: stored.referral))
                    }
                    try mailAbout(db, outcome, petition: petition, input: stored, language: language, prepared: prepared)
                }
                app.mailer.wake()
                // The same answer whether or not this address had signed: the mail tells its owner.
                var response = Response.redirect(to: thanks)
                if confirm { response.headers.add("Set-Cookie", sentCookie(request, slug: slug, email: stored.email)) }
                return response
            })
    }

    /// A confirmation mail with its new link, made before the write.
    func confirmationMail(
        petition: Petition, to email: String, name: String, language: String
    ) -> (token: NewMailToken, mail: RenderedMail) {
        let t = app.localizer(language)
        let token = NewMailToken(lifetime: 30 * 86_400, key: app.mailLinks)
        let vars = [
            "title": petition.title.text(t), "link": app.absoluteURL(t.path("/petitions/\(petition.slug)/confirm/\(token.placeholder)")),
        ]
        // Nothing the signer typed goes to an address nobody has confirmed (not even a name).
        let message = app.mail(
            to: email, language: language, subject: t("mail.signature.confirm.subject", vars),
            text: t("mail.signature.confirm.body", vars), button: t("confirm.submit"))
        return (token, RenderedMail(message))
    }

    /// The mail a signature causes, written with it: the confirmation link for a new or
    /// still-pending signature, "you have already signed" for a confirmed one; at most
    /// three per address and petition, so the form cannot be used to flood someone.
    func mailAbout(
        _ db: Connection, _ outcome: PetitionStore.SignOutcome, petition: Petition, input: SignatureInput,
        language: String, prepared: (token: NewMailToken, mail: RenderedMail)?
    ) throws {
        func send(_ signatureID: Int64, _ confirmation: (token: NewMailToken, mail: RenderedMail)) throws {
            guard try app.enqueueUnconfirmed(db, kind: "signature.confirm", confirmation.mail) else { return }
            try MailTokenStore.insert(db, confirmation.token, purpose: .signature, subjectID: signatureID)
        }
        switch outcome {
        case .counted(_, let crossed):
            try announce(db, crossed, petition: petition)
        case .pending(let id):
            // Its mail is counted in the row already (`mails_sent` = 1).
            try send(id, prepared ?? confirmationMail(petition: petition, to: input.email, name: input.firstName, language: language))
        case .again(let id, let confirmed, let firstName, let mailsSent):
            guard mailsSent < 3 else { return }
            try PetitionStore.noteMail(db, signatureID: id)
            guard confirmed else {
                return try send(id, confirmationMail(petition: petition, to: input.email, name: firstName, language: language))
            }
            let t = app.localizer(language)
            let vars = ["title": petition.title.text(t), "link": app.absoluteURL(t.path("/petitions/\(petition.slug)"))]
            let message = app.mail(
                to: input.email, language: language, subject: t("mail.signature.already.subject", vars),
                text: t("mail.signature.already.body", vars))
            try OutboxStore.enqueue(db, kind: "signature.already", message: message)
        }
    }

    /// What a signature made the count reach, told in its transaction: the goal to organizers;
    /// a milestone (1,000, 10,000…) to the signers who asked for updates, as a mailing of its
    /// own, when the site has the postal address every mailing carries.
    func announce(_ db: Connection, _ crossed: PetitionStore.Crossed, petition: Petition) throws {
        if crossed.goal { try goalMail(db, petition: petition) }
        guard let milestone = crossed.milestone, !app.siteSettings.current.settings.postalAddress.isEmpty else { return }
        func text(_ language: String) -> (subject: String, body: String) {
            let t = app.localizer(language)
            let vars = [
                "title": petition.title.text(t), "count": t.formatNumber(milestone),
                "link": app.absoluteURL(t.path("/petitions/\(petition.slug)")),
            ]
            return (String(t("mail.milestone.subject", vars).prefix(200)), t("mail.milestone.body", vars))
        }
        let (en, fr) = (text("en"), text("fr"))
        let draft = MailingDraft(
            subjectEn: en.subject, bodyEn: en.body, subjectFr: fr.subject, bodyFr: fr.body, audience: .signers, audienceID: petition.id)
        let id = try BulkMailStore.create(db, draft, by: "milestone")
        try BulkMailStore.queue(db, id: id, audiences: [.signers])
        try StaffStore.record(
            db, user: nil, actor: "milestone", action: "send", subject: "mailing \(id)", detail: "\(milestone) signatures")
    }

    /// The goal is reached: organizers and admins hear of it, in the same transaction.
    func goalMail(_ db: Connection, petition: Petition) throws {
        let t = app.localizer("en")
        let vars = [
            "title": petition.title.english, "goal": t.formatNumber(petition.summary.goal),
            "link": app.absoluteURL("/petitions/\(petition.slug)"), "outcome": app.absoluteURL("/admin/petitions/\(petition.id)/outcome"),
        ]
        for (email, name) in try StaffStore.organizers(db) {
            let message = app.mail(
                to: email, name: name, language: "en", subject: t("mail.goal.subject", vars), text: t("mail.goal.body", vars))
            try OutboxStore.enqueue(db, kind: "petition.goal", message: message)
        }
    }

    // MARK: The address a visitor signed with, on the check-your-e-mail page

    static let sentCookieName = "sanctuary_sent"
    static let sentCookieSeconds = 3_600

    /// A cookie that lets the check-your-e-mail page show the address the visitor typed and
    /// send its link again: sealed (the browser can neither read nor change it), for this
    /// petition, for an hour, out of scripts' reach. nil `email`: the cookie is removed.
    func sentCookie(_ request: Request, slug: String, email: String?, now: Date = Date()) -> String {
        let value = email.map { app.serverKey.seal("\(Int(now.timeIntervalSince1970))|\($0)", purpose: "sent:\(slug)") } ?? ""
        var cookie = "\(Self.sentCookieName)=\(value); Path=/; Max-Age=\(email == nil ? 0 : Self.sentCookieSeconds); HttpOnly; SameSite=Lax"
        if app.secureCookies(request) { cookie += "; Secure" }
        return cookie
    }

    /// The address in the visitor's cookie for this petition, while it is at most an hour old.
    func sentAddress(_ request: Request, slug: String, now: Date = Date()) -> String? {
        guard let sealed = request.cookies[Self.sentCookieName], let text = app.serverKey.open(sealed, purpose: "sent:\(slug)"),
            let bar = text.firstIndex(of: "|"), let issued = Double(text[..<bar])
        else { return nil }
        let age = now.timeIntervalSince1970 - issued
        guard age >= -60, age < Double(Self.sentCookieSeconds) else { return nil }
        return String(text[text.index(after: bar)...])
    }

    static func resendAction(slug: String) -> String { "/petitions/\(slug)/resend" }

    /// `POST /petitions/{slug}/resend`: the confirmation link again, to the address in the
    /// visitor's cookie (at most three mails per address and petition, as signing again); the
    /// same answer whatever was found.
    func resend(_ request: Request) async throws -> Response {
        let slug = request.parameter("slug")
        let petition = try signing.value(slug) { try app.database.read { try PetitionStore.find($0, slug: slug) } }.orNotFound()
        let language = app.t(request).language
        let back = Response.redirect(to: "/petitions/\(slug)/thanks?resent=1")
        return try await app.publicFormPost(
            request, action: Self.resendAction(slug: slug), honeypot: back,
            check: { _ -> PublicFormCheck<String> in
                guard let email = sentAddress(request, slug: slug) else { return .answer(.redirect(to: "/petitions/\(slug)/thanks")) }
                return .valid(email)
            },
            accept: { (email: String, _) in
                try await app.database.write { db in
                    guard let again = try PetitionStore.again(db, petitionID: petition.id, email: email) else { return }
                    let input = SignatureInput(
                        firstName: "", lastName: "", email: email, postalCode: "", comment: "", consentUpdates: false, clientHash: "")
                    try mailAbout(db, again, petition: petition, input: input, language: language, prepared: nil)
                }
                app.mailer.wake()
                return back
            })
    }

    /// `/petitions/{slug}/thanks` (after signing: "check your e-mail" when signatures are
    /// confirmed) and `/petitions/{slug}/confirmed` (after confirming).
    func thanks(_ request: Request, confirmed: Bool) throws -> Response {
        let t = app.t(request)
        let found = try app.database.read { db -> (Petition, HTML, Media?)? in
            guard let petition = try PetitionStore.find(db, slug: request.parameter("slug")) else { return nil }
            return (
                petition, try app.nextSteps(db, after: "petitions", id: petition.id, campaignID: petition.summary.campaignID, t),
                try MediaStore.of(db, .petitions, id: petition.id)
            )
        }
        guard let (petition, next, media) = found else { throw HTTPError.notFound }
        let pending = !confirmed && app.config.confirmSignatures
        // A link to this page, shared, is a link to the petition: its address, title and picture.
        var response = app.page(
            request, title: t(pending ? "thanks.check_email.title" : "thanks.title"), description: petition.summary.summary.text(t),
            head: "<meta name=\"robots\" content=\"noindex\">",
            share: SharePreview(image: media?.shareImage(t), title: petition.title.text(t), path: "/petitions/\(petition.slug)")
        ) { c in
            PetitionViews.thanks(
                petition, pending: pending, shareURL: app.absoluteURL(c.t.path("/petitions/\(petition.slug)"), request),
                sent: pending ? sentAddress(request, slug: petition.slug) : nil, resent: request.query["resent"] == "1",
                resendCSRF: app.formTokens.make(for: Self.resendAction(slug: petition.slug)), t: c.t)
                + next
        }
        response.cache(.noStore)
        return response
    }

    /// The page a confirmation mail links to: a button, because mail scanners open links
    /// and a GET must change nothing.
    func askToConfirm(_ request: Request) throws -> Response {
        let (petition, token) = try confirmationLink(request)
        let t = app.t(request)
        return try app.mailLink(request, token.status, Self.linkTexts, vars: ["title": petition.title.text(t)]) {
            app.mailLinkPage(
                request, title: t("confirm.title"),
                body: "<p class=\"lede\">\(t("confirm.body", ["title": petition.title.text(t)]))</p>",
                button: t("confirm.submit"), action: Self.confirmAction)
        }
    }

    static let confirmAction = "petition-confirm"
    static let linkTexts = MailLinkTexts(
        usedTitle: "confirm.used.title", usedBody: "confirm.used.body", expiredBody: "confirm.expired.body")

    /// `POST /petitions/{slug}/confirm/{token}`: uses the token and counts the signature in
    /// one transaction, then `303` to the confirmed page.
    func confirm(_ request: Request) async throws -> Response {
        let (petition, _) = try confirmationLink(request)
        return try await app.mailLinkPost(
            request, action: Self.confirmAction, purpose: .signature, Self.linkTexts, vars: ["title": petition.title.text(app.t(request))],
            act: { db, token in
                guard let id = token.subjectID else { return false }
                guard case .counted(_, let crossed, let optIn) = try PetitionStore.confirm(db, signatureID: id) else { return false }
                if let optIn { try app.joinList(db, optIn) }
                try announce(db, crossed, petition: petition)
                return true
            }, done: { .redirect(to: "/petitions/\(petition.slug)/confirmed") })
    }

    /// The petition and the link's token, when the token was made for a signature on it; else `404`.
    /// The petition comes from the signing cache, as when signing: a national petition's
    /// links are opened thousands of times a minute, and decoding its row each time cost more
    /// than the rest of the page.
    func confirmationLink(_ request: Request) throws -> (Petition, MailToken) {
        let slug = request.parameter("slug")
        let petition = try signing.value(slug) { try app.database.read { try PetitionStore.find($0, slug: slug) } }.orNotFound()
        return try app.database.read { db -> (Petition, MailToken)? in
            guard let token = try MailTokenStore.find(db, token: request.parameter("token"), purpose: .signature),
                let id = token.subjectID, try PetitionStore.petitionID(db, signatureID: id) == petition.id
            else { return nil }
            return (petition, token)
        }.orNotFound()
    }
}

/// The open-data view of a petition: counts only, never a signer's details.
struct PetitionJSON: Encodable {
    let petition: Petition
    let provinces: [(String, Int)]
    let ridings: [RidingCount]
    /// The newest outcome (a response or a delivery note), if any.
    let response: PetitionOutcome?
    let t: Localizer

    /// The JSON's field names, as the SPEC writes them.
    enum Keys: String, CodingKey {
        case slug, title, goal, state
        case signatureCount = "signature_count"
        case closesAt = "closes_at"
        case signaturesByProvince = "signatures_by_province"
        case signaturesByRiding = "signatures_by_riding"
        case response
    }

    enum ResponseKeys: String, CodingKey {
        case kind, date, text
    }

    /// A riding in `signatures_by_riding`, as the SPEC writes it.
    struct Riding: Encodable {
        let code: String
        let name: String
        let mp: String
        let count: Int
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        let s = petition.summary
        try container.encode(s.slug, forKey: .slug)
        try container.encode(s.title.text(t), forKey: .title)
        try container.encode(s.signatureCount, forKey: .signatureCount)
        try container.encode(s.goal, forKey: .goal)
        if let closes = s.closesAt { try container.encode(closes, forKey: .closesAt) } else { try container.encodeNil(forKey: .closesAt) }
        try container.encode(s.isOpen() ? ActionState.open.rawValue : ActionState.closed.rawValue, forKey: .state)
        try container.encode(Dictionary(provinces, uniquingKeysWith: +), forKey: .signaturesByProvince)
        try container.encode(
            ridings.map { Riding(code: $0.code, name: $0.name(t), mp: $0.member, count: $0.count) }, forKey: .signaturesByRiding)
        if let response {
            var nested = container.nestedContainer(keyedBy: ResponseKeys.self, forKey: .response)
            try nested.encode(response.kind.rawValue, forKey: .kind)
            try nested.encode(response.happenedOn, forKey: .date)
            try nested.encode(response.body(t.language), forKey: .text)
        } else {
            try container.encodeNil(forKey: .response)
        }
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
