import Foundation
import HTTP
import SQLite

/// "Stay informed": a sign-up with explicit, unticked consent stored verbatim with its time
/// (CASL), and an unsubscribe link that works once.
enum UpdatesFeature: Feature {
    static func register(in app: Application) {
        app.router.post("/updates", async: { request in try await subscribe(app, request) })

        app.router.get(
            "/admin/subscribers.csv",
            async: { request in
                let session = try AdminAuth.require(app, request, .exports)
                try await app.database.write { db in try StaffStore.record(db, user: session.user, action: "export", subject: "subscribers")
                }
                let consent = app.t(request)("sign.consent_updates")
                return AdminFeature.csvResponse(try export(app).stream(app.database, consent, consent), filename: "subscribers.csv")
            })

        app.router.get("/updates/unsubscribe/{id}/{token}", sensitive: true) { request in
            guard let id = Int64(request.parameter("id")), isValid(app, id: id, token: request.parameter("token")) else {
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

        // One click (RFC 8058 style): the unguessable link is the authority, so no CSRF token.
        app.router.post(
            "/updates/unsubscribe/{id}/{token}", sensitive: true,
            async: { request in
                guard let id = Int64(request.parameter("id")), isValid(app, id: id, token: request.parameter("token")) else {
                    throw HTTPError.notFound
                }
                guard try await app.database.write({ db in try SubscriberStore.unsubscribe(db, id: id) }) else {
                    return ErrorPages.message(
                        app, request, status: .gone, title: app.t(request)("updates.used.title"), body: app.t(request)("updates.used.body"))
                }
                return ErrorPages.message(
                    app, request, status: .ok, title: app.t(request)("updates.unsubscribed.title"),
                    body: app.t(request)("updates.unsubscribed.body"))
            })
    }

    /// The token in an unsubscribe link: an HMAC of the subscriber's id, so exports can
    /// print each person's link without storing it.
    static func token(_ app: Application, id: Int64) -> String {
        app.serverKey.mac(String(id), purpose: "unsubscribe").prefix(24).base64URL
    }

    static func isValid(_ app: Application, id: Int64, token: String) -> Bool {
        constantTimeEqual(Data(self.token(app, id: id).utf8), Data(token.utf8))
    }

    /// The subscriber's own link, in the language they signed up in.
    static func unsubscribeURL(_ app: Application, id: Int64, language: String) -> String {
        let t = app.languages.localizer(language) ?? app.languages.english
        return app.absoluteURL(t.path("/updates/unsubscribe/\(id)/\(token(app, id: id))"))
    }

    static func form(_ app: Application, campaignSlug: String?, t: Localizer, state: FormState = FormState()) -> HTML {
        let fields = [
            Form.Field(name: "name", label: t("rsvp.name"), required: true, autocomplete: "name", maxLength: 100),
            Form.Field(name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email"),
            Form.Field(name: "postal_code", label: t("sign.postal_code"), autocomplete: "postal-code", maxLength: 7),
        ].map { Form.input($0, state, t: t) }
        let campaign: HTML = campaignSlug.map { "<input type=\"hidden\" name=\"campaign\" value=\"\($0)\">" } ?? .empty
        return """
            <section class="sign-box updates" aria-labelledby="updates-heading">
            <h2 id="updates-heading">\(t("updates.heading"))</h2>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: ["name", "email", "postal_code", "consent_updates"]))
            \(Form.form(action: t.path("/updates"), csrf: app.formTokens.make(for: UpdatesForm.action), honeypotLabel: t("form.honeypot"), """
            \(campaign)\(fields)
            <div class="field checkbox\(state.errors["consent_updates"] != nil ? HTML(trusted: " has-error") : .empty)">
            <input id="f-consent_updates" name="consent_updates" type="checkbox" value="yes"\(state.errors["consent_updates"] != nil ? HTML(trusted: " aria-invalid=\"true\" aria-describedby=\"f-consent_updates-error\"") : .empty)>
            <label for="f-consent_updates">\(t("updates.consent"))</label>
            </div>
            \(state.errors["consent_updates"].map { "<p class=\"error\" id=\"f-consent_updates-error\">\($0)</p>" as HTML })
            \(Form.submit(t("updates.submit")))
            """))
            </section>
            """
    }

    /// `POST /updates`, through the public-form pipeline (token, honeypot, 422, 429).
    static func subscribe(_ app: Application, _ request: Request) async throws -> Response {
        let t = app.t(request)
        let thanks = { ErrorPages.message(app, request, status: .ok, title: t("updates.thanks.title"), body: t("updates.thanks.body")) }
        let campaign = try request.form["campaign"].flatMap { $0.isEmpty ? nil : $0 }.flatMap { slug in
            try app.database.read { try CampaignStore.find($0, slug: slug) }
        }
        return try await app.publicFormPost(
            request, action: UpdatesForm.action, honeypot: thanks(),
            check: { form in
                PublicFormCheck(UpdatesForm.validate(form, t: t)) { state in
                    app.page(request, title: t("updates.heading"), status: .unprocessableContent) { c in
                        "<h1>\(c.t("updates.heading"))</h1>\(UpdatesFeature.form(app, campaignSlug: campaign?.slug, t: c.t, state: state))"
                    }
                }
            },
            accept: { input, clientHash in
                let consentText = t("updates.consent")
                let campaignID = campaign?.id
                let language = t.language
                try await app.database.write { db in
                    try SubscriberStore.subscribe(
                        db, email: input.email, name: input.name, postalCode: input.postalCode, campaignID: campaignID,
                        consentText: consentText, clientHash: clientHash, language: language)
                }
                var response = thanks()
                response.cache(.noStore)
                return response
            })
    }

    /// Current subscribers, and petition signers and RSVPs who ticked "consent_updates",
    /// with where each consent came from.
    static func export(_ app: Application) -> CSVExport {
        CSVExport(
            header: SubscriberStore.exportColumns, sql: SubscriberStore.exportSQL,
            cell: { row, index in
                if index == 7 {
                    guard !row.isNull(at: 7) else { return "" }
                    return unsubscribeURL(app, id: row.int64(at: 7), language: row.withText(at: 8) { String(decoding: $0, as: UTF8.self) })
                }
                return nil
            })
    }
}
