import Foundation
import HTTP
import Mail
import Storage
import Synchronization

/// A supporter asks for their own data, or to be forgotten, without writing to anyone:
/// `/privacy/request` mails a link to the address (the same answer whatever the address
/// holds, so the form tells a stranger nothing); its button gives the ZIP or erases, once.
extension PrivacyFeature {
    func registerRequests() {
        app.router.get("/privacy/request", requestForm)
        app.router.post("/privacy/request", writes: request)
        app.router.get(
            "/privacy/request/sent", ErrorPages.handler(app, title: "privacy.request.sent.title", body: "privacy.request.sent.body"))
        app.router.get("/privacy/request/{token}", sensitive: true, askToAct)
        app.router.post("/privacy/request/{token}", sensitive: true, async: act)
    }

    static let requestAction = "/privacy/request"
    static let actAction = "privacy-act"
    static let linkTexts = MailLinkTexts(
        usedTitle: "privacy.request.used.title", usedBody: "privacy.request.used.body", expiredBody: "privacy.request.expired")

    /// What a request asks, carried in the mailed link's payload.
    struct Asked: Codable, Sendable {
        let email: String
        /// `export` or `erase`.
        let what: String
        let language: String
    }

    func requestForm(_ request: HTTP.Request) throws -> Response {
        var response = requestPage(request, state: FormState(values: ["what": "export"]))
        response.cache(.publicPage(shared: 5))
        return response
    }

    func requestPage(_ request: HTTP.Request, state: FormState, status: Status = .ok) -> Response {
        let csrf = app.formTokens.make(for: Self.requestAction)
        let t = app.t(request)
        return app.page(request, title: t("privacy.request.title"), status: status) { c in
            PrivacyViews.request(state: state, csrf: csrf, t: c.t)
        }
    }

    /// `POST /privacy/request`, through the public pipeline: the link goes to the address.
    func request(_ request: HTTP.Request) async throws -> Response {
        let t = app.t(request)
        return try await app.publicFormPost(
            request, action: Self.requestAction, honeypot: .redirect(to: "/privacy/request/sent"),
            check: { form -> PublicFormCheck<Asked> in
                var checks = FieldChecks(form, t: t, fields: ["email", "what"])
                let email = checks.email()
                let what = form["what"] == "erase" ? "erase" : "export"
                checks.state.values["what"] = what
                guard let email, checks.isValid else {
                    return .answer(requestPage(request, state: checks.state, status: .unprocessableContent))
                }
                return .valid(Asked(email: email, what: what, language: t.language))
            },
            accept: { (asked: Asked, _: String) in
                let payload = String(decoding: try JSONEncoder().encode(asked), as: UTF8.self)
                let token = NewMailToken(lifetime: 2 * 86_400, key: app.mailLinks)
                let lt = app.localizer(asked.language)
                let message = app.mail(
                    to: asked.email, language: asked.language, subject: lt("mail.privacy.\(asked.what).subject", ["site": app.siteName]),
                    text: lt(
                        "mail.privacy.\(asked.what).body",
                        ["site": app.siteName, "link": app.absoluteURL(lt.path("/privacy/request/\(token.placeholder)"))]),
                    button: lt("privacy.request.\(asked.what).submit"))
                try await app.database.write(gathered: true) { db in
                    // The link is stored only with a mail that goes (a capped one is not sent).
                    guard try app.enqueueUnconfirmed(db, kind: "privacy.\(asked.what)", RenderedMail(message)) else { return }
                    try MailTokenStore.insert(db, token, purpose: .privacy, subjectID: nil, payload: payload)
                }
                app.mailer.wake()
                return .redirect(to: "/privacy/request/sent")
            })
    }

    func asked(_ token: MailToken?) -> Asked? {
        token.flatMap { try? JSONDecoder().decode(Asked.self, from: Data($0.payload.utf8)) }
    }

    /// The mailed link's page: what will happen, and one button.
    func askToAct(_ request: HTTP.Request) throws -> Response {
        let token = try app.database.read { try MailTokenStore.find($0, token: request.parameter("token"), purpose: .privacy) }
        let t = app.t(request)
        return try app.mailLink(request, token?.status, Self.linkTexts) {
            guard let asked = asked(token) else { throw HTTPError.notFound }
            return app.mailLinkPage(
                request, title: t("privacy.request.\(asked.what).title"),
                body: "<p class=\"lede\">\(t("privacy.request.\(asked.what).body"))</p>",
                button: t("privacy.request.\(asked.what).submit"), action: Self.actAction)
        }
    }

    /// `POST /privacy/request/{token}`: the link is used, then the ZIP is given or the data erased.
    func act(_ request: HTTP.Request) async throws -> Response {
        let taken = Mutex<Asked?>(nil)
        let answer = try await app.mailLinkPost(
            request, action: Self.actAction, purpose: .privacy, Self.linkTexts,
            act: { _, token in
                guard let asked = asked(token) else { return false }
                taken.withLock { $0 = asked }
                return true
            }, done: { .redirect(to: "/privacy/request/sent") })
        guard let asked = taken.withLock({ $0 }) else { return answer }
        let t = app.t(request)
        switch asked.what {
        case "erase":
            _ = try await app.eraseEverywhere(
                email: asked.email, removing: false, actorName: "the person, by a mailed link", why: "asked to be forgotten")
            var response = ErrorPages.message(
                app, request, status: .ok, title: t("privacy.request.erased.title"), body: t("privacy.request.erased.body"))
            response.cache(.noStore)
            return response
        default:
            let fingerprint = app.addressFingerprint(asked.email)
            let zip = try await app.database.write { db -> Data in
                try StaffStore.record(
                    db, user: nil, actor: "the person, by a mailed link", action: "privacy export", subject: "personal data",
                    detail: "address \(fingerprint); why: asked for their data")
                return try app.privacyExport(db, email: asked.email, language: asked.language)
            }
            var response = Response(status: .ok, contentType: "application/zip", body: [UInt8](zip))
            response.headers["Content-Disposition"] = "attachment; filename=\"my-data.zip\""
            response.cache(.noStore)
            return response
        }
    }
}
