import Foundation
import HTTP
import Storage

/// The admin area: sign-in and out, the first-run setup link, the dashboard, petitions
/// with their exports, accounts and the audit log.
struct AdminFeature: Feature {
    let app: Application
    /// Sign-in attempts, throttled per address and per account.
    let loginsByAddress: RateLimiter
    let loginsByAccount: RateLimiter
    /// Verified when the account does not exist, so a missing account takes as long as a
    /// wrong password: made with the configured cost (a fixed cost 15 beside accounts hashed
    /// at another cost told who has an account), once, on the first attempt.
    let dummyHash: LazyValue<String>

    init(app: Application) {
        self.app = app
        loginsByAddress = app.rateLimiter("logins.address", capacity: 10, per: 15 * 60)
        loginsByAccount = app.rateLimiter("logins.account", capacity: 5, per: 15 * 60)
        dummyHash = LazyValue { (try? app.passwordHasher.hash(SecretToken.make())) ?? "" }
    }

    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin", label: "admin.nav.dashboard", area: .dashboard, order: 0)]
    }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "staff accounts", table: "users", email: "email", columns: ["email", "name", "role", "created_at", "last_login_at"],
                erase: .keep("a staff account is closed on the accounts screen, which keeps the audit log's names right"))
        ]
    }

    func register() {
        let router = app.router

        router.get("/admin/login", loginForm)

        router.post("/admin/login", async: login)

        SecondFactorFeature(app: app).registerSignIn(limiter: loginsByAccount)

        router.post(
            "/admin/logout",
            async: logout)

        router.get("/admin/setup/{token}", sensitive: true, setupForm)

        router.post("/admin/setup/{token}", sensitive: true, async: setup)

        router.get("/admin", home)

        for resource in app.adminResources { AdminResourceScreens(app: app, resource: resource).register() }
    }

    func loginForm(_ request: Request) throws -> Response {
        if AdminAuth.session(app, request) != nil { return .redirect(to: "/admin") }
        return loginPage(
            request, email: "", error: nil, notice: request.query["reset"] == "1" ? app.t(request)("admin.reset.done") : nil)
    }

    func logout(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .dashboard, beforeSecondFactor: true)
        try await app.database.write { db in
            try StaffStore.endSession(db, token: session.token)
            try StaffStore.record(db, user: session.user, action: "logout")
        }
        var response = Response.redirect(to: "/admin/login")
        response.headers.add("Set-Cookie", AdminAuth.cookie(app, request, token: nil))
        return response
    }

    func setupForm(_ request: Request) throws -> Response {
        let token = request.parameter("token")
        guard try app.database.read({ try StaffStore.setupTokenIsValid($0, token) }) else { throw HTTPError.notFound }
        return setupPage(request, token: token, state: FormState())
    }

    func home(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .dashboard)
        return try dashboard(request, session)
    }

    /// `POST /admin/login`: the password, throttled per address and per account (an attempt
    /// counted before the slow check, given back when right), then a session, or the
    /// second-factor step for an account that has one.
    func login(_ request: Request) async throws -> Response {
        let t = app.t(request)
        let form = request.form
        if let forged = ErrorPages.rejectForgedForm(app, request, form, action: "/admin/login") { return forged }
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form["password"] ?? ""
        // An attempt is counted before the password is checked, in one step with the check of
        // the limit: checking first and counting after a slow KDF let a burst of parallel
        // guesses all pass the check. A correct password gives its attempt back.
        for (limiter, key) in [(loginsByAddress, request.clientKey), (loginsByAccount, email)] {
            if case .limited(let wait) = limiter.take(key) { return ErrorPages.rateLimited(app, request, retryAfter: wait) }
        }
        let found = try app.database.read { try StaffStore.find($0, email: email) }
        // Always run the KDF, so a missing account takes as long as a wrong password.
        let verified = PasswordHasher.verify(password, against: found?.1 ?? dummyHash.value) && found != nil
        guard verified, let user = found?.0, !user.disabled else {
            let clientHash = app.clientHashes.hash(request.clientKey)
            if let user = found?.0 {
                try await app.database.write { db in
                    try StaffStore.record(db, user: user, action: "login_failed", clientHash: clientHash)
                }
            }
            return loginPage(request, email: email, error: t("admin.login.failed"), status: .unauthorized)
        }
        loginsByAddress.giveBack(request.clientKey)
        loginsByAccount.giveBack(email)
        let old = request.cookies[AdminAuth.cookieName]
        let clientHash = app.clientHashes.hash(request.clientKey)
        // A hash made with other parameters than the configured ones is remade now, so every
        // account costs the same to check (and a raised cost reaches old accounts).
        let stored = found.flatMap { PasswordHasher.parse($0.1) }
        let rehashed =
            stored?.logN == app.passwordHasher.logN && stored?.r == app.passwordHasher.r && stored?.p == app.passwordHasher.p
            ? nil : try? app.passwordHasher.hash(password)
        if user.secondFactor {
            // The password was right; the code comes next, on its own page, within minutes.
            let challenge = try await app.database.write { db -> String in
                if let rehashed { try StaffStore.setPasswordHash(db, userID: user.id, hash: rehashed) }
                return try SecondFactorStore.startChallenge(db, userID: user.id)
            }
            var response = Response.redirect(to: "/admin/login/code")
            response.headers.add("Set-Cookie", SecondFactorFeature(app: app).challengeCookie(request, token: challenge))
            return response
        }
        let token = try await app.database.write { db -> String in
            if let rehashed { try StaffStore.setPasswordHash(db, userID: user.id, hash: rehashed) }
            let token = try StaffStore.startSession(db, userID: user.id, replacing: old)
            try StaffStore.record(db, user: user, action: "login", clientHash: clientHash)
            return token
        }
        var response = Response.redirect(to: "/admin")
        response.headers.add("Set-Cookie", AdminAuth.cookie(app, request, token: token))
        return response
    }

    func loginPage(
        _ request: Request, email: String, error: String?, notice: String? = nil, status: Status = .ok
    ) -> Response {
        let csrf = app.formTokens.make(for: "/admin/login")
        var response = app.page(request, title: app.t(request)("admin.login.title"), status: status) {
            AdminViews.login(email: email, error: error, notice: notice, csrf: csrf, t: $0.t)
        }
        response.cache(.noStore)
        return response
    }

    func setupPage(_ request: Request, token: String, state: FormState, status: Status = .ok) -> Response {
        let csrf = app.formTokens.make(for: "/admin/setup")
        var response = app.page(request, title: app.t(request)("admin.setup.title"), status: status) {
            AdminViews.setup(token: token, state: state, csrf: csrf, t: $0.t)
        }
        response.cache(.noStore)
        return response
    }

    func setup(_ request: Request) async throws -> Response {
        let token = request.parameter("token")
        let form = request.form
        guard try app.database.read({ try StaffStore.setupTokenIsValid($0, token) }) else { throw HTTPError.notFound }
        if let forged = ErrorPages.rejectForgedForm(app, request, form, action: "/admin/setup") { return forged }
        switch AccountsFeature.validate(form, t: app.t(request), withRole: false) {
        case .failure(let invalid):
            return setupPage(request, token: token, state: invalid.state, status: .unprocessableContent)
        case .success(let account):
            let hash = try app.passwordHasher.hash(account.password)
            let token = token
            let created = try await app.database.write { db -> String? in
                guard try StaffStore.consumeSetupToken(db, token) else { return nil }
                let id = try StaffStore.create(db, email: account.email, name: account.name, role: .admin, passwordHash: hash)
                try StaffStore.record(db, user: nil, actor: account.email, action: "create", subject: "user \(id)", detail: "first admin")
                return try StaffStore.startSession(db, userID: id, replacing: nil)
            }
            guard let session = created else { throw HTTPError.notFound }
            var response = Response.redirect(to: "/admin")
            response.headers.add("Set-Cookie", AdminAuth.cookie(app, request, token: session))
            return response
        }
    }

    func dashboard(_ request: Request, _ session: AdminAuth.Session) throws -> Response {
        let relay = try app.database.read { try RelayStatusStore.current($0) }
        let cards = try app.features.flatMap { try $0.dashboardCards(session.user, app.t(request)) }
        return AdminViews.page(app, request, session, title: app.t(request)("admin.dashboard.title")) { c, csrf in
            """
            \(MailStatusViews.relayWarning(relay, csrf: session.user.may(.outbox) ? csrf : nil, timeZone: app.config.siteTimeZone, t: c.t))
            \(session.user.may(.mailings) ? MailStatusViews.capsWarning(app.unconfirmedMail.bites, t: c.t) : .empty)
            \(AdminViews.dashboard(user: session.user, t: c.t))
            \(cards)
            """
        }
    }

}
