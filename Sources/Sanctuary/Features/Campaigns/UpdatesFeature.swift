import Foundation
import HTTP
import Storage

/// "Stay informed": a sign-up with explicit, unticked consent stored verbatim with its time
/// (CASL), and an unsubscribe link that works once.
struct UpdatesFeature: Feature {
    let app: Application

    static var mailingAudiences: [MailingAudience] { [.subscribers] }

    /// "Stay informed" at the foot of the home page and of each campaign's page.
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        let slug: String?
        switch scope {
        case .home: slug = nil
        case .campaign(let id): slug = try CampaignStore.slug(db, id: id)
        case .featuredActions, .campaignActions, .event: return []
        }
        return [
            OfferGroup(
                kind: "updates", role: .aside, heading: "updates.heading", order: 100,
                items: [.init(id: 0, html: form(campaignSlug: slug, t: t))])
        ]
    }

    func referrals(_ db: Connection, since: String, _ t: Localizer) throws -> [ReferralCount] {
        try ReferralCount.read(
            db,
            """
            SELECT '' AS item, referral AS source, count(*) AS n FROM subscribers
            WHERE confirmed_at >= ? AND unsubscribed_at IS NULL GROUP BY referral
            """, since: since, action: t("admin.sources.subscribers"))
    }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "subscriptions to updates", table: "subscribers", email: "email",
                columns: ["email", "name", "postal_code", "campaign_id", "consent_text", "consented_at", "unsubscribed_at"])
        ]
    }

    func register() {
        app.router.post("/updates", writes: subscribe)
        app.router.get("/updates/sent", ErrorPages.handler(app, title: "updates.sent.title", body: "updates.sent.body"))
        app.router.get("/updates/confirmed", confirmed)
        app.router.get("/updates/confirm/{token}", sensitive: true, askToConfirm)
        app.router.post("/updates/confirm/{token}", sensitive: true, writes: confirm)
        app.router.get(
            "/admin/subscribers.csv",
            async: exportSubscribers)

        app.router.get("/updates/unsubscribe/{id}/{token}", sensitive: true, askToUnsubscribe)

        // One click (RFC 8058 style): the unguessable link is the authority, so no CSRF token.
        app.router.post(
            "/updates/unsubscribe/{id}/{token}", sensitive: true,
            writes: unsubscribe)
    }

    func exportSubscribers(_ request: Request) async throws -> Response {
        let session = try AdminAuth.require(app, request, .exports)
        try await app.database.write { db in try StaffStore.record(db, user: session.user, action: "export", subject: "subscribers")
        }
        return StaffExport.csvResponse(try export().stream(app.database), filename: "subscribers.csv")
    }

    func askToUnsubscribe(_ request: Request) throws -> Response {
        guard let id = Int64(request.parameter("id")), isValid(id: id, token: request.parameter("token")) else {
            throw HTTPError.notFound
        }
        guard try app.database.read({ try SubscriberStore.isSubscribed($0, id: id) }) else {
            return ErrorPages.message(
                app, request, status: .gone, title: app.t(request)("updates.used.title"), body: app.t(request)("updates.used.body"))
        }
        return app.page(request, title: app.t(request)("updates.unsubscribe.title")) { c in
            """
            <section class="narrow"><h1>\(c.t("updates.unsubscribe.title"))</h1>
            <form method="post" action="\(c.t.path("/updates/unsubscribe/\(id)/\(request.parameter("token"))"))">\(Form.submit(c.t("updates.unsubscribe.submit")))</form>
            </section>
            """
        }
    }

    func unsubscribe(_ request: Request) async throws -> Response {
        guard let id = Int64(request.parameter("id")), isValid(id: id, token: request.parameter("token")) else {
            throw HTTPError.notFound
        }
        guard try await app.database.write({ db in try SubscriberStore.unsubscribe(db, id: id) }) else {
            return ErrorPages.message(
                app, request, status: .gone, title: app.t(request)("updates.used.title"), body: app.t(request)("updates.used.body"))
        }
        return ErrorPages.message(
            app, request, status: .ok, title: app.t(request)("updates.unsubscribed.title"),
            body: app.t(request)("updates.unsubscribed.body"))
    }

    /// The token in an unsubscribe link: an HMAC of the subscriber's id, so exports can
    /// print each person's link without storing it.
    func token(id: Int64) -> String {
        app.serverKey.mac(String(id), purpose: "unsubscribe").prefix(24).base64URL
    }

    func isValid(id: Int64, token: String) -> Bool {
        constantTimeEqual(self.token(id: id).utf8, token.utf8)
    }

    /// The subscriber's own link, in the language they signed up in.
    func unsubscribeURL(id: Int64, language: String) -> String {
        let t = app.languages.localizer(language) ?? app.languages.english
        return app.absoluteURL(t.path("/updates/unsubscribe/\(id)/\(token(id: id))"))
    }

    /// The "stay informed" form, with a fresh form token.
    func form(campaignSlug: String?, t: Localizer, state: FormState = FormState()) -> HTML {
        UpdatesViews.form(campaignSlug: campaignSlug, csrf: app.formTokens.make(for: UpdatesForm.action), state: state, t: t)
    }

    /// `POST /updates`, through the public-form pipeline (token, honeypot, 422, 429).
    func subscribe(_ request: Request) async throws -> Response {
        let t = app.t(request)
        let campaign = try request.form["campaign"].flatMap { $0.isEmpty ? nil : $0 }.flatMap { slug in
            try app.database.read { try CampaignStore.find($0, slug: slug) }
        }
        return try await app.publicFormPost(
            request, action: UpdatesForm.action, honeypot: .redirect(to: "/updates/sent"),
            check: { form in
                PublicFormCheck(UpdatesForm.validate(form, t: t)) { state in
                    app.page(request, title: t("updates.heading"), status: .unprocessableContent) { c in
                        "<h1>\(c.t("updates.heading"))</h1>\(self.form(campaignSlug: campaign?.slug, t: c.t, state: state))"
                    }
                }
            },
            accept: { input, clientHash in
                let pending = PendingSubscription(
                    email: input.email, name: input.name, postalCode: input.postalCode, campaignID: campaign?.id,
                    consentText: t("updates.consent"), consentedAt: Timestamp.now(), clientHash: clientHash, language: t.language,
                    referral: Referral.clean(request.form[Referral.field]))
                try await app.database.write(gathered: true) { db in try app.mailToConfirmSubscription(db, pending) }
                app.mailer.wake()
                // The same answer for a new address, a subscribed one and an unsubscribed one.
                return .redirect(to: "/updates/sent")
            })
    }

    /// What a sign-up will become once confirmed, carried in the token's payload: nothing
    /// about the address is stored as a subscription until its owner says so.
    struct PendingSubscription: Codable, Sendable {
        let email: String, name: String, postalCode: String, campaignID: Int64?, consentText: String, consentedAt: String,
            clientHash: String, language: String
        /// Where the consent was given (`updates` when absent: links mailed before it was kept).
        var source: String? = nil
        /// Where the person came from, as their link said (`Referral`).
        var referral: String? = nil
    }

    static let confirmAction = "updates-confirm"

    static let linkTexts = MailLinkTexts(
        usedTitle: "updates.thanks.title", usedBody: "updates.confirm.used", expiredBody: "updates.confirm.expired")

    func askToConfirm(_ request: Request) throws -> Response {
        try app.mailLinkAsk(
            request, purpose: .subscribe, Self.linkTexts, title: "updates.confirm.title", body: "updates.confirm.body",
            button: "updates.confirm.submit", action: Self.confirmAction)
    }

    /// `POST /updates/confirm/{token}`: the subscription is made from the token's payload.
    func confirm(_ request: Request) async throws -> Response {
        try await app.mailLinkPost(
            request, action: Self.confirmAction, purpose: .subscribe, Self.linkTexts,
            act: { db, token in
                let p = try JSONDecoder().decode(PendingSubscription.self, from: Data(token.payload.utf8))
                try SubscriberStore.subscribe(
                    db, email: p.email, name: p.name, postalCode: p.postalCode, campaignID: p.campaignID, consentText: p.consentText,
                    consentedAt: p.consentedAt, clientHash: p.clientHash, language: p.language, source: p.source ?? "updates",
                    referral: p.referral ?? "")
                return true
            }, done: { .redirect(to: "/updates/confirmed") })
    }

    /// `GET /updates/confirmed`: signed up, and what to do next.
    func confirmed(_ request: Request) throws -> Response {
        let t = app.t(request)
        let next = try app.database.read { try app.nextSteps($0, after: "updates", id: 0, campaignID: nil, t) }
        var response = app.page(request, title: t("updates.thanks.title")) { c in
            "<section class=\"thanks\"><h1>\(c.t("updates.thanks.title"))</h1><p class=\"lede\">\(c.t("updates.thanks.body"))</p></section>"
                + next
        }
        response.cache(.noStore)
        return response
    }

    /// Current subscribers, with where each consent came from.
    func export() -> CSVExport {
        CSVExport(
            header: SubscriberStore.exportColumns, sql: SubscriberStore.exportSQL,
            cell: { row, index in
                if index == 7 {
                    guard !row.isNull(at: 7) else { return "" }
                    return unsubscribeURL(id: row.int64(at: 7), language: row.withText(at: 8) { String(decoding: $0, as: UTF8.self) })
                }
                return nil
            })
    }
}

extension Application {
    /// The mail that asks an address's owner to confirm a subscription (or says "you are
    /// already subscribed"), at most three a day per address; the link carries what the
    /// subscription will be.
    func mailToConfirmSubscription(_ db: Connection, _ pending: UpdatesFeature.PendingSubscription) throws {
        let since = Timestamp.format(Date().addingTimeInterval(-86_400))
        guard
            try OutboxStore.recentCount(db, recipient: pending.email, kind: "subscribe.confirm", since: since)
                + OutboxStore.recentCount(db, recipient: pending.email, kind: "subscribe.already", since: since) < 3
        else { return }
        let t = localizer(pending.language)
        if try SubscriberStore.isSubscribed(db, email: pending.email, campaignID: pending.campaignID) {
            let message = mail(
                to: pending.email, language: pending.language, subject: t("mail.subscribe.already.subject"),
                text: t("mail.subscribe.already.body", ["link": absoluteURL(t.path("/"))]))
            try OutboxStore.enqueue(db, kind: "subscribe.already", message: message)
            return
        }
        let payload = String(decoding: try JSONEncoder().encode(pending), as: UTF8.self)
        let token = NewMailToken(lifetime: 7 * 86_400, key: mailLinks)
        let message = mail(
            to: pending.email, language: pending.language, subject: t("mail.subscribe.confirm.subject"),
            text: t("mail.subscribe.confirm.body", ["link": absoluteURL(t.path("/updates/confirm/\(token.placeholder)"))]),
            button: t("updates.confirm.submit"))
        // The link is stored only with a mail that goes (a capped one is not sent).
        guard try enqueueUnconfirmed(db, kind: "subscribe.confirm", RenderedMail(message)) else { return }
        try MailTokenStore.insert(db, token, purpose: .subscribe, subjectID: nil, payload: payload)
    }

    /// A "send me updates" ticked on a form whose address nobody confirms otherwise (a letter
    /// the visitor sends themselves): the list is joined once the mailed link is pressed.
    public func askToJoinList(_ db: Connection, _ optIn: ListOptIn) throws {
        try mailToConfirmSubscription(
            db,
            UpdatesFeature.PendingSubscription(
                email: optIn.email, name: optIn.name, postalCode: optIn.postalCode, campaignID: optIn.campaignID,
                consentText: localizer(optIn.language)("sign.consent_updates"), consentedAt: optIn.consentedAt,
                clientHash: optIn.clientHash, language: optIn.language == "fr" ? "fr" : "en", source: optIn.source,
                referral: optIn.referral))
    }

    /// A "send me updates" ticked on an action's form, its address now confirmed: the person
    /// joins the list, with the words of that box in their language as the consent kept.
    public func joinList(_ db: Connection, _ optIn: ListOptIn) throws {
        try SubscriberStore.join(db, optIn, consentText: localizer(optIn.language)("sign.consent_updates"))
    }
}
