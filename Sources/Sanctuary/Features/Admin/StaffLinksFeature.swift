import Foundation
import HTTP
import Storage

/// Links mailed to staff: invitations from an admin (`/admin/invite/{token}`, 7 days) and
/// "Forgot your password?" (`/admin/password-reset/{token}`, 1 hour). Both single use; the
/// reset request answers the same whether or not the account exists, and a new password
/// ends the account's sessions.
struct StaffLinksFeature: Feature {
    let app: Application

    static let inviteLifetime: TimeInterval = 7 * 86_400
    static let resetLifetime: TimeInterval = 3600
    /// Reset requests, throttled per address.
    let resetsByAddress: RateLimiter

    init(app: Application) {
        self.app = app
        resetsByAddress = app.rateLimiter("resets.address", capacity: 5, per: 15 * 60)
    }

    func register() {
        app.router.post("/admin/accounts/invite", async: invite)
        app.router.post("/admin/accounts/invitations/{key}/resend", async: { try await changeInvitation($0, resend: true) })
        app.router.post("/admin/accounts/invitations/{key}/revoke", async: { try await changeInvitation($0, resend: false) })
        app.router.get("/admin/invite/{token}", sensitive: true, invitation)
        app.router.post("/admin/invite/{token}", sensitive: true, async: acceptInvitation)
        app.router.get("/admin/password-reset") { request in try resetRequestPage(request) }
        app.router.post("/admin/password-reset", async: requestReset)
        app.router.get("/admin/password-reset/sent", resetSent)
        app.router.get("/admin/password-reset/{token}", sensitive: true, resetPage)
        app.router.post("/admin/password-reset/{token}", sensitive: true, async: reset)
    }

    /// What an invitation will create, carried in its token.
    struct Invitation: Codable, Sendable {
        let email: String, name: String, role: StaffUser.Role, invitedBy: String
    }

    // MARK: Invitations

    func invite(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .accounts)
        let t = app.t(request)
        var checks = FieldChecks(request.form, t: t, fields: ["email", "name", "role"])
        let email = checks.email()
        let name = checks.text("name", required: false, max: 100)
        let role = StaffUser.Role(rawValue: request.form["role"] ?? "")
        if role == nil { checks.state.errors["role"] = t("admin.account.role.invalid") }
        guard checks.isValid, let email, let role else {
            return try AccountsFeature(app: app).page(request, session, state: checks.state, status: .unprocessableContent)
        }
        let invitation = Invitation(
            email: email, name: name, role: role, invitedBy: session.user.name.isEmpty ? session.user.email : session.user.name)
        let (user, language) = (session.user, t.language)
        let sent = try await app.database.write { db -> Bool in
            guard try StaffStore.find(db, email: email) == nil else { return false }
            try send(db, invitation, language: language)
            try StaffStore.record(db, user: user, action: "invite", subject: email, detail: role.rawValue)
            return true
        }
        guard sent else {
            var state = checks.state
            state.errors["email"] = t("admin.account.email.taken")
            return try AccountsFeature(app: app).page(request, session, state: state, status: .unprocessableContent)
        }
        app.mailer.wake()
        return .redirect(to: "/admin/accounts?invited=1")
    }

    /// An invitation's link made and mailed, in the caller's transaction.
    func send(_ db: Connection, _ invitation: Invitation, language: String) throws {
        let payload = String(decoding: try JSONEncoder().encode(invitation), as: UTF8.self)
        let token = try MailTokenStore.make(
            db, purpose: .invite, subjectID: nil, payload: payload, lifetime: Self.inviteLifetime, key: app.mailLinks)
        let mt = app.localizer(language)
        let vars = [
            "site": app.siteName, "inviter": invitation.invitedBy, "role": mt("admin.role.\(invitation.role.rawValue)"),
            "link": app.absoluteURL(mt.path("/admin/invite/\(token)")), "name": invitation.name,
        ]
        try OutboxStore.enqueue(
            db, kind: "staff.invite",
            message: app.mail(
                to: invitation.email, name: invitation.name, language: language, subject: mt("mail.invite.subject", vars),
                text: mt("mail.invite.body", vars), button: mt("admin.invite.accept")))
    }

    /// `POST /admin/accounts/invitations/{key}/resend|revoke`: a pending invitation sent again
    /// (its old link ended, a new one for another week) or withdrawn; both audited.
    func changeInvitation(_ request: Request, resend: Bool) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .accounts)
        let (key, user, language) = (request.parameter("key"), session.user, app.t(request).language)
        let changed = try await app.database.write { db -> Bool in
            guard let payload = try MailTokenStore.revoke(db, key: key, purpose: .invite),
                let invitation = try? JSONDecoder().decode(Invitation.self, from: Data(payload.utf8))
            else { return false }
            if resend { try send(db, invitation, language: language) }
            try StaffStore.record(db, user: user, action: resend ? "invite_again" : "invite_revoke", subject: invitation.email)
            return true
        }
        guard changed else { throw HTTPError.notFound }
        if resend { app.mailer.wake() }
        return .redirect(to: "/admin/accounts?saved=1#invitations")
    }

    func invitation(_ request: Request) throws -> Response {
        let token = try app.database.read { try MailTokenStore.find($0, token: request.parameter("token"), purpose: .invite) }
        if let refusal = try app.mailLinkRefusal(request, token?.status, Self.linkTexts) { return refusal }
        let invitation = try Self.decode(token.orNotFound())
        return passwordPage(
            request, title: "admin.invite.title",
            intro: app.t(request)(
                "admin.invite.intro", ["email": invitation.email, "role": app.t(request)("admin.role.\(invitation.role.rawValue)")]),
            action: "/admin/invite/\(request.parameter("token"))", csrfAction: "/admin/invite",
            state: FormState(values: ["name": invitation.name]),
            withName: true)
    }

    func acceptInvitation(_ request: Request) async throws -> Response {
        if let forged = ErrorPages.rejectForgedForm(app, request, request.form, action: "/admin/invite") { return forged }
        let raw = request.parameter("token")
        let token = try app.database.read { try MailTokenStore.find($0, token: raw, purpose: .invite) }
        if let refusal = try app.mailLinkRefusal(request, token?.status, Self.linkTexts) { return refusal }
        let invitation = try Self.decode(token.orNotFound())
        let t = app.t(request)
        var checks = FieldChecks(request.form, t: t, fields: ["name"])
        let name = checks.text("name", required: false, max: 100)
        let password = Self.newPassword(&checks)
        guard checks.isValid, let password else {
            return passwordPage(
                request, title: "admin.invite.title",
                intro: t("admin.invite.intro", ["email": invitation.email, "role": t("admin.role.\(invitation.role.rawValue)")]),
                action: "/admin/invite/\(raw)", csrfAction: "/admin/invite", state: checks.state, withName: true,
                status: .unprocessableContent)
        }
        let hash = try app.passwordHasher.hash(password)
        let session = try await app.database.write { db -> String? in
            guard try MailTokenStore.use(db, token: raw, purpose: .invite)?.status == .valid,
                try StaffStore.find(db, email: invitation.email) == nil
            else { return nil }
            let id = try StaffStore.create(db, email: invitation.email, name: name, role: invitation.role, passwordHash: hash)
            try StaffStore.record(
                db, user: nil, actor: invitation.email, action: "create", subject: "user \(id)",
                detail: "invited by \(invitation.invitedBy)")
            return try StaffStore.startSession(db, userID: id, replacing: nil)
        }
        guard let session else { return try app.mailLinkRefusal(request, .used, Self.linkTexts) ?? .redirect(to: "/admin/login") }
        var response = Response.redirect(to: "/admin")
        response.headers.add("Set-Cookie", AdminAuth.cookie(app, request, token: session))
        return response
    }

    // MARK: Password reset

    func resetRequestPage(_ request: Request, state: FormState = FormState(), status: Status = .ok) throws -> Response {
        let csrf = app.formTokens.make(for: "/admin/password-reset")
        var response = app.page(request, title: app.t(request)("admin.reset.title"), status: status) { c in
            """
            <section class="narrow">
            <h1>\(c.t("admin.reset.title"))</h1>
            <p>\(c.t("admin.reset.intro"))</p>
            \(Form.form(action: c.t.path("/admin/password-reset"), csrf: csrf, """
            \(Form.input(Form.Field(name: "email", label: c.t("admin.login.email"), type: "text", required: true, autocomplete: "username", inputMode: "email"), state, t: c.t))
            \(Form.submit(c.t("admin.reset.submit")))
            """))
            <p><a href="\(c.t.path("/admin/login"))">\(c.t("admin.reset.back"))</a></p>
            </section>
            """
        }
        response.cache(.noStore)
        return response
    }

    /// Always `303` to the same page: whether an account exists is not for the asker to learn.
    func requestReset(_ request: Request) async throws -> Response {
        if let forged = ErrorPages.rejectForgedForm(app, request, request.form, action: "/admin/password-reset") { return forged }
        if case .limited(let wait) = resetsByAddress.take(request.clientKey) {
            return ErrorPages.rateLimited(app, request, retryAfter: wait)
        }
        guard let email = Input.email(request.form["email"]) else {
            var state = FormState(values: ["email": request.form["email"] ?? ""])
            state.errors["email"] = app.t(request)("sign.error.email.invalid")
            return try resetRequestPage(request, state: state, status: .unprocessableContent)
        }
        let language = app.t(request).language
        try await app.database.write { db in
            guard let (user, _) = try StaffStore.find(db, email: email), !user.disabled else { return }
            // At most three links an hour per account: the form cannot flood a colleague.
            let since = Timestamp.format(Date().addingTimeInterval(-3600))
            guard try OutboxStore.recentCount(db, recipient: user.email, kind: "staff.reset", since: since) < 3 else { return }
            let token = try MailTokenStore.make(
                db, purpose: .reset, subjectID: user.id, lifetime: Self.resetLifetime, key: app.mailLinks)
            let t = app.localizer(language)
            let vars = ["site": app.siteName, "link": app.absoluteURL(t.path("/admin/password-reset/\(token)"))]
            try OutboxStore.enqueue(
                db, kind: "staff.reset",
                message: app.mail(
                    to: user.email, name: user.name, language: language, subject: t("mail.reset.subject", vars),
                    text: t("mail.reset.body", vars)))
            try StaffStore.record(db, user: user, action: "password_reset_requested")
        }
        app.mailer.wake()
        return .redirect(to: "/admin/password-reset/sent")
    }

    func resetSent(_ request: Request) throws -> Response {
        let t = app.t(request)
        var response = ErrorPages.message(
            app, request, status: .ok, title: t("admin.reset.sent.title"), body: t("admin.reset.sent.body"))
        response.cache(.noStore)
        return response
    }

    func resetPage(_ request: Request) throws -> Response {
        let token = try app.database.read { try MailTokenStore.find($0, token: request.parameter("token"), purpose: .reset) }
        if let refusal = try app.mailLinkRefusal(request, token?.status, Self.linkTexts) { return refusal }
        return passwordPage(
            request, title: "admin.reset.choose", intro: app.t(request)("admin.reset.choose_intro"),
            action: "/admin/password-reset/\(request.parameter("token"))", csrfAction: "/admin/password-reset/new", state: FormState(),
            withName: false)
    }

    func reset(_ request: Request) async throws -> Response {
        if let forged = ErrorPages.rejectForgedForm(app, request, request.form, action: "/admin/password-reset/new") { return forged }
        let raw = request.parameter("token")
        let token = try app.database.read { try MailTokenStore.find($0, token: raw, purpose: .reset) }
        if let refusal = try app.mailLinkRefusal(request, token?.status, Self.linkTexts) { return refusal }
        var checks = FieldChecks(request.form, t: app.t(request), fields: [])
        guard let password = Self.newPassword(&checks), checks.isValid else {
            return passwordPage(
                request, title: "admin.reset.choose", intro: app.t(request)("admin.reset.choose_intro"),
                action: "/admin/password-reset/\(raw)",
                csrfAction: "/admin/password-reset/new", state: checks.state, withName: false, status: .unprocessableContent)
        }
        let hash = try app.passwordHasher.hash(password)
        let done = try await app.database.write { db -> Bool in
            guard let used = try MailTokenStore.use(db, token: raw, purpose: .reset), used.status == .valid, let id = used.subjectID,
                try StaffStore.isEnabled(db, userID: id)
            else { return false }
            try StaffStore.setPasswordHash(db, userID: id, hash: hash)
            // The account's other reset links (asked for earlier, perhaps by someone else) are used up.
            try MailTokenStore.retire(db, purpose: .reset, subjectID: id)
            // Whoever knew the old password is signed out everywhere.
            try StaffStore.endAllSessions(db, userID: id)
            try StaffStore.record(db, user: nil, actor: "user \(id)", action: "password_reset", subject: "user \(id)")
            return true
        }
        guard done else { return try app.mailLinkRefusal(request, .used, Self.linkTexts) ?? .redirect(to: "/admin/login") }
        return .redirect(to: "/admin/login?reset=1")
    }

    // MARK: Shared pieces

    static func decode(_ token: MailToken) throws -> Invitation {
        try JSONDecoder().decode(Invitation.self, from: Data(token.payload.utf8))
    }

    static let linkTexts = MailLinkTexts(
        usedTitle: "admin.link.used.title", usedBody: "admin.link.used.body", expiredBody: "admin.link.expired.body")

    /// The new password, checked against the length rules and its confirmation.
    static func newPassword(_ checks: inout FieldChecks) -> String? {
        let password = checks.form["password"] ?? ""
        if password.count < PasswordHasher.minimumLength || password.count > PasswordHasher.maximumLength {
            checks.state.errors["password"] = checks.t("admin.account.password.short", ["min": String(PasswordHasher.minimumLength)])
            return nil
        }
        guard password == checks.form["password_confirm"] else {
            checks.state.errors["password_confirm"] = checks.t("admin.account.password.mismatch")
            return nil
        }
        return password
    }

    func passwordPage(
        _ request: Request, title: String, intro: String, action: String, csrfAction: String, state: FormState,
        withName: Bool, status: Status = .ok
    ) -> Response {
        let csrf = app.formTokens.make(for: csrfAction)
        var response = app.page(request, title: app.t(request)(title), status: status) { c in
            let t = c.t
            let fields = AccountsFeature.fields(t: t, withRole: false).filter { $0.name != "email" && (withName || $0.name != "name") }
                .map { Form.input($0, state, t: t) }
            return """
                <section class="narrow">
                <h1>\(t(title))</h1>
                <p>\(intro)</p>
                \(Form.errorSummary(state, title: t("form.error_summary"), order: ["name", "password", "password_confirm"]))
                \(Form.form(action: t.path(action), csrf: csrf, "\(fields)\(Form.submit(t("admin.reset.save")))"))
                </section>
                """
        }
        response.cache(.privateNoStore)
        return response
    }
}
