import Foundation
import HTTP
import Storage

/// Two-step sign-in for staff: after the password, a code from an authenticator app (RFC
/// 6238) or a one-use recovery code.
///
/// - `/admin/login/code`: the step after a right password, for an account that has it. The
///   browser holds a challenge cookie for five minutes and five tries (and each wrong code
///   counts against the account's sign-in throttle too); only then is a session made.
/// - `/admin/account/security` (every staff member, their own): set it up (a key shown as a
///   QR code and as text, confirmed by a code), new recovery codes, turn it off; each needs
///   a current code, and each is audited. With `security.require_admin_second_factor`, an
///   admin without it is sent here before any other admin page.
/// - Admins can take it off another account (a lost phone), which ends that account's sessions.
struct SecondFactorFeature: Feature {
    let app: Application

    static let challengeCookieName = "sanctuary_sign_in"

    func register() {
        app.router.get("/admin/account/security", securityPage)
        app.router.post("/admin/account/security/start", async: start)
        app.router.post("/admin/account/security/confirm", async: confirm)
        app.router.post("/admin/account/security/codes", async: newCodes)
        app.router.post("/admin/account/security/off", async: turnOff)
        app.router.post("/admin/accounts/{id}/second-factor/remove", async: removeForLostPhone)
    }

    // MARK: Signing in

    func registerSignIn(limiter: RateLimiter) {
        app.router.get("/admin/login/code", codeForm)

        app.router.post(
            "/admin/login/code",
            async: { request in try await checkCode(request, limiter: limiter) })
    }

    /// `POST /admin/login/code`: the code from the app (or a recovery code) for the sign-in
    /// the challenge cookie carries, counted against the account's sign-in throttle.
    func checkCode(_ request: Request, limiter: RateLimiter) async throws -> Response {
        let form = request.form
        if let forged = ErrorPages.rejectForgedForm(app, request, form, action: "/admin/login/code") { return forged }
        guard let token = request.cookies[Self.challengeCookieName], token.count < 200,
            let user = try app.database.read({ try SecondFactorStore.challengeUser($0, token: token) })
        else {
            // Expired, used up, or never there: the password again.
            return AdminFeature(app: app).loginPage(
                request, email: "", error: app.t(request)("admin.code.expired"), status: .unauthorized)
        }
        if case .limited(let wait) = limiter.take(user.email) { return ErrorPages.rateLimited(app, request, retryAfter: wait) }
        let typed = String((form["code"] ?? "").prefix(64))
        let clientHash = app.clientHashes.hash(request.clientKey)
        let old = request.cookies[AdminAuth.cookieName]
        let outcome = try await app.database.write { db -> String? in
            guard let method = try SecondFactorStore.verify(db, userID: user.id, typed: typed) else {
                try SecondFactorStore.failChallenge(db, token: token)
                try StaffStore.record(db, user: user, action: "login_failed", detail: "wrong code", clientHash: clientHash)
                return nil
            }
            try SecondFactorStore.endChallenge(db, token: token)
            let session = try StaffStore.startSession(db, userID: user.id, replacing: old)
            try StaffStore.record(db, user: user, action: "login", detail: "with a \(method.rawValue)", clientHash: clientHash)
            return session
        }
        guard let session = outcome else {
            return codePage(request, error: app.t(request)("admin.code.wrong"), status: .unauthorized)
        }
        limiter.giveBack(user.email)
        var response = Response.redirect(to: "/admin")
        response.headers.add("Set-Cookie", AdminAuth.cookie(app, request, token: session))
        response.headers.add("Set-Cookie", challengeCookie(request, token: nil))
        return response
    }

    func codeForm(_ request: Request) throws -> Response {
        guard let token = request.cookies[Self.challengeCookieName], token.count < 200,
            try app.database.read({ try SecondFactorStore.challengeUser($0, token: token) }) != nil
        else { return .redirect(to: "/admin/login") }
        return codePage(request, error: nil)
    }

    /// The cookie that carries a sign-in between the password and the code (or, with nil,
    /// one that deletes it). Only the code page sees it.
    func challengeCookie(_ request: Request, token: String?) -> String {
        Cookies.setCookie(
            name: Self.challengeCookieName, value: token ?? "", path: "/admin/login",
            maxAge: token == nil ? 0 : Int(SecondFactorStore.challengeSeconds), httpOnly: true, secure: app.secureCookies(request),
            sameSite: "Strict")
    }

    func codePage(_ request: Request, error: String?, status: Status = .ok) -> Response {
        let csrf = app.formTokens.make(for: "/admin/login/code")
        var response = app.page(request, title: app.t(request)("admin.code.title"), status: status) { c in
            let t = c.t
            return """
                <section class="narrow">
                <h1>\(t("admin.code.title"))</h1>
                \(error.map { "<div class=\"error-summary\" role=\"alert\"><p>\($0)</p></div>" as HTML })
                <p>\(t("admin.code.intro"))</p>
                \(Form.form(action: t.path("/admin/login/code"), csrf: csrf, """
                \(Self.codeField(t, hint: t("admin.code.hint"), autofocus: true))
                \(Form.submit(t("admin.code.submit")))
                """))
                <p><a href="\(t.path("/admin/login"))">\(t("admin.code.start_over"))</a></p>
                </section>
                """
        }
        response.cache(.noStore)
        return response
    }

    /// The field a code is typed in: digits on a phone's keyboard, never filled from a
    /// browser's saved values (axe refuses `one-time-code`, which browsers keep for SMS codes).
    static func codeField(_ t: Localizer, hint: String, id: String = "f-code", autofocus: Bool = false) -> HTML {
        """
        <div class="field"><label for="\(id)">\(t("admin.code.label"))</label>
        <p class="hint" id="\(id)-hint">\(hint)</p>
        <input id="\(id)" name="code" type="text" required autocomplete="off" inputmode="numeric" spellcheck="false" maxlength="20" aria-describedby="\(id)-hint"\(autofocus ? " autofocus" as HTML : .empty)></div>
        """
    }

    // MARK: Setting it up

    func securityPage(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .dashboard, beforeSecondFactor: true)
        let status = try app.database.read { try SecondFactorStore.status($0, userID: session.user.id) }
        let t = app.t(request)
        let flash: String? =
            request.query["off"] == "1"
            ? t("admin.security.turned_off")
            : request.query["required"] == "1" && AdminAuth.mustSetUpSecondFactor(app, session.user)
                ? t("admin.security.required") : nil
        return AdminViews.page(app, request, session, title: t("admin.security.title"), flash: flash) { c, csrf in
            view(session.user, status, issuer: c.siteName, csrf: csrf, error: nil, t: c.t)
        }
    }

    func view(
        _ user: StaffUser, _ status: SecondFactorStore.Status, issuer: String, csrf: String, error: String?,
        t: Localizer
    ) -> HTML {
        let errorBox: HTML = error.map { "<div class=\"error-summary\" role=\"alert\"><p>\($0)</p></div>" } ?? .empty
        let body: HTML
        if status.enabled {
            let mayTurnOff = !(app.config.requireAdminSecondFactor && user.role == .admin)
            body = """
                <p class="flash" role="status">\(t("admin.security.on"))</p>
                <p>\(t.plural("admin.security.codes_left", status.recoveryCodesLeft))</p>
                <h2>\(t("admin.security.new_codes"))</h2>
                <p>\(t("admin.security.new_codes_intro"))</p>
                \(Form.form(action: t.path("/admin/account/security/codes"), csrf: csrf, "\(Self.codeField(t, hint: t("admin.security.code_hint")))\(Form.submit(t("admin.security.new_codes")))"))
                \(mayTurnOff ? """
                <h2>\(t("admin.security.off"))</h2>
                <p>\(t("admin.security.off_intro"))</p>
                \(Form.form(action: t.path("/admin/account/security/off"), csrf: csrf, "\(Self.codeField(t, hint: t("admin.security.code_hint"), id: "f-code-off"))<button type=\"submit\" class=\"button secondary\">\(t("admin.security.off"))</button>"))
                """ as HTML : "<p>\(t("admin.security.off_required"))</p>")
                """
        } else if let key = status.pendingKey {
            let code = TimeBasedCode(key: key)
            let uri = code.provisioningURI(account: user.email, issuer: issuer)
            let picture = QRCodePicture.svg(uri, label: t("admin.security.qr_label"))
            body = """
                <ol class="steps">
                <li>\(t("admin.security.step_app"))</li>
                <li>\(picture.map { "\(t("admin.security.step_scan"))<div class=\"qr-box\">\($0)</div>" as HTML } ?? .empty)
                <p>\(t("admin.security.step_key"))</p>
                <p><code class="secret-key">\(Base32.grouped(key))</code></p>
                <p><a href="\(uri)">\(t("admin.security.open_app"))</a></p></li>
                <li>\(t("admin.security.step_confirm"))
                \(Form.form(action: t.path("/admin/account/security/confirm"), csrf: csrf, "\(Self.codeField(t, hint: t("admin.security.confirm_hint")))\(Form.submit(t("admin.security.confirm")))"))</li>
                </ol>
                """
        } else {
            body = """
                <p>\(t("admin.security.intro"))</p>
                \(Form.form(action: t.path("/admin/account/security/start"), csrf: csrf, Form.submit(t("admin.security.start"))))
                """
        }
        return """
            <h1>\(t("admin.security.title"))</h1>
            \(errorBox)
            \(body)
            <p><a href="\(t.path("/admin/sessions"))">\(t("admin.sessions.title"))</a></p>
            """
    }

    /// The page that shows new recovery codes, once: they are not kept anywhere readable.
    func codesPage(_ request: Request, _ session: AdminAuth.Session, codes: [String]) -> Response {
        let t = app.t(request)
        var response = AdminViews.page(app, request, session, title: t("admin.security.codes_title")) { c, _ in
            let items: [HTML] = codes.map { "<li><code>\($0)</code></li>" }
            return """
                <h1>\(c.t("admin.security.codes_title"))</h1>
                <p class="flash" role="status">\(c.t("admin.security.on"))</p>
                <p>\(c.t("admin.security.codes_intro"))</p>
                <ul class="recovery-codes">\(items)</ul>
                <p><a class="button" href="\(c.t.path("/admin"))">\(c.t("admin.security.codes_done"))</a></p>
                """
        }
        response.cache(.noStore)
        return response
    }

    func start(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .dashboard, beforeSecondFactor: true)
        let user = session.user
        guard !user.secondFactor else { return .redirect(to: "/admin/account/security") }
        try await app.database.write { db in _ = try SecondFactorStore.startSetup(db, userID: user.id) }
        return .redirect(to: "/admin/account/security")
    }

    func confirm(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .dashboard, beforeSecondFactor: true)
        let user = session.user
        let typed = String((request.form["code"] ?? "").prefix(64))
        let codes = try await app.database.write { db -> [String]? in
            guard let codes = try SecondFactorStore.confirmSetup(db, userID: user.id, typed: typed) else { return nil }
            try StaffStore.record(db, user: user, action: "second factor on", subject: "user \(user.id)")
            return codes
        }
        guard let codes else { return try wrongCode(request, session) }
        return codesPage(request, session, codes: codes)
    }

    func newCodes(_ request: Request) async throws -> Response {
        try await withCurrentCode(request) { db, user in
            try StaffStore.record(db, user: user, action: "recovery codes renewed", subject: "user \(user.id)")
            return try SecondFactorStore.newRecoveryCodes(db, userID: user.id)
        } then: { session, codes in
            codesPage(request, session, codes: codes)
        }
    }

    func turnOff(_ request: Request) async throws -> Response {
        // Where the site requires it of admins, an admin cannot turn it off.
        if let session = AdminAuth.session(app, request), app.config.requireAdminSecondFactor, session.user.role == .admin {
            throw HTTPError(.forbidden)
        }
        return try await withCurrentCode(request) { db, user in
            try SecondFactorStore.turnOff(db, userID: user.id)
            try StaffStore.record(db, user: user, action: "second factor off", subject: "user \(user.id)")
        } then: { _, _ in
            .redirect(to: "/admin/account/security?off=1")
        }
    }

    /// A change to one's own second factor: the form's code must be current (the app's, or a
    /// recovery code) before `act` runs, in the same write; a wrong one shows the page again.
    func withCurrentCode<R: Sendable>(
        _ request: Request, act: @escaping @Sendable (Connection, StaffUser) throws -> R,
        then answer: (AdminAuth.Session, R) -> Response
    ) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .dashboard, beforeSecondFactor: true)
        let user = session.user
        let typed = String((request.form["code"] ?? "").prefix(64))
        let done = try await app.database.write { db -> R? in
            guard try SecondFactorStore.verify(db, userID: user.id, typed: typed) != nil else { return nil }
            return try act(db, user)
        }
        guard let done else { return try wrongCode(request, session) }
        return answer(session, done)
    }

    func wrongCode(_ request: Request, _ session: AdminAuth.Session) throws -> Response {
        let status = try app.database.read { try SecondFactorStore.status($0, userID: session.user.id) }
        let t = app.t(request)
        return AdminViews.page(app, request, session, title: t("admin.security.title"), status: .unprocessableContent) { c, csrf in
            view(session.user, status, issuer: c.siteName, csrf: csrf, error: c.t("admin.code.wrong"), t: c.t)
        }
    }

    /// An admin takes the second factor off another account (a lost phone, no recovery code):
    /// that account is signed out everywhere, and signs in with its password alone until it
    /// sets one up again.
    func removeForLostPhone(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .accounts)
        let id = try Int64(request.parameter("id")).orNotFound()
        let admin = session.user
        try await app.database.write { db in
            guard try StaffStore.exists(db, userID: id) else { throw HTTPError(.notFound) }
            try SecondFactorStore.turnOff(db, userID: id)
            try StaffStore.endAllSessions(db, userID: id)
            try StaffStore.record(db, user: admin, action: "second factor removed", subject: "user \(id)")
        }
        return .redirect(to: "/admin/accounts")
    }
}
