import Foundation
import HTTP
import Storage

/// Accounts (admins only): list, create, disable and enable; and the audit log.
struct AccountsFeature: Feature {
    let app: Application

    static var adminNavigation: [AdminNavigationEntry] {
        [
            AdminNavigationEntry(path: "/admin/accounts", label: "admin.nav.accounts", area: .accounts, order: 100),
            AdminNavigationEntry(path: "/admin/audit", label: "admin.nav.audit", area: .audit, order: 110),
        ]
    }

    static let order = ["email", "name", "role", "password", "password_confirm"]

    /// Audit entries older than `privacy.audit_months` go.
    func retention() -> [RetentionRule] {
        let months = app.config.auditRetentionMonths
        let cutoff: @Sendable (Date) -> String = { Timestamp.format(Timestamp.monthsBefore(months, $0)) }
        return [
            RetentionRule(
                "audit log entries older than \(months) months, deleted",
                due: { try $0.query("SELECT id FROM audit_log WHERE created_at < ? ORDER BY id", cutoff($1)) { $0.int64(at: 0) } },
                apply: { db, ids in
                    guard !ids.isEmpty else { return 0 }
                    return try db.run(
                        "DELETE FROM audit_log WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))", parameters: ids)
                })
        ]
    }

    struct NewAccount {
        let email: String, name: String, role: StaffUser.Role, password: String
    }

    static func fields(t: Localizer, withRole: Bool) -> [Form.Field] {
        var fields = [
            Form.Field(name: "email", label: t("admin.account.email"), type: "email", required: true, autocomplete: "email"),
            Form.Field(name: "name", label: t("admin.account.name"), autocomplete: "name", maxLength: 100),
        ]
        if withRole {
            fields.append(Form.Field(name: "role", label: t("admin.account.role"), required: true, hint: t("admin.account.role.hint")))
        }
        fields.append(
            Form.Field(
                name: "password", label: t("admin.account.password"), type: "password", required: true,
                autocomplete: "new-password", hint: t("admin.account.password.hint", ["min": String(PasswordHasher.minimumLength)])))
        fields.append(
            Form.Field(
                name: "password_confirm", label: t("admin.account.password_confirm"), type: "password", required: true,
                autocomplete: "new-password"))
        return fields
    }

    static func validate(_ form: FormFields, t: Localizer, withRole: Bool) -> Result<NewAccount, FormStateError> {
        var state = FormState()
        for name in ["email", "name", "role"] { state.values[name] = form[name] ?? "" }
        let email = Input.email(form["email"])
        if email == nil { state.errors["email"] = t("sign.error.email.invalid") }
        var name = ""
        switch Input.text(form["name"], required: false, maxLength: 100) {
        case .success(let value): name = value
        case .failure: state.errors["name"] = t("sign.error.invalid_characters")
        }
        let role = withRole ? StaffUser.Role(rawValue: form["role"] ?? "") : .admin
        if role == nil { state.errors["role"] = t("admin.account.role.invalid") }
        let password = form["password"] ?? ""
        if password.count < PasswordHasher.minimumLength || password.count > PasswordHasher.maximumLength {
            state.errors["password"] = t("admin.account.password.short", ["min": String(PasswordHasher.minimumLength)])
        } else if password != form["password_confirm"] {
            state.errors["password_confirm"] = t("admin.account.password.mismatch")
        }
        guard state.isValid, let email, let role else { return .failure(FormStateError(state: state)) }
        return .success(NewAccount(email: email, name: name, role: role, password: password))
    }

    func register() {
        app.router.get("/admin/accounts", list)

        // Sites without mail: an account with a password the admin passes on.
        app.router.get("/admin/accounts/new", new)

        app.router.post("/admin/accounts", async: create)

        app.router.post("/admin/accounts/{id}/disable", async: { request in try await setDisabled(request, true) })
        app.router.post("/admin/accounts/{id}/enable", async: { request in try await setDisabled(request, false) })

        app.router.get("/admin/audit", audit)
    }

    /// `POST /admin/accounts/{id}/disable` and `…/enable` (never one's own account).
    func setDisabled(_ request: Request, _ disabled: Bool) async throws -> Response {
        let action = disabled ? "disable" : "enable"
        let session = try AdminAuth.requirePost(app, request, .accounts)
        guard let id = Int64(request.parameter("id")), id != session.user.id else {
            return ErrorPages.message(
                app, request, status: .unprocessableContent, title: app.t(request)("admin.account.self.title"),
                body: app.t(request)("admin.account.self.body"))
        }
        let user = session.user
        // An id that names no account changes nothing and says so (it once said "Saved."
        // and wrote an audit entry about nobody).
        let changed = try await app.database.write { db -> Bool in
            guard try StaffStore.setDisabled(db, userID: id, disabled) else { return false }
            try StaffStore.record(db, user: user, action: action, subject: "user \(id)")
            return true
        }
        guard changed else { throw HTTPError.notFound }
        return .redirect(to: "/admin/accounts?saved=1")
    }

    func list(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .accounts)
        let flash = request.query["invited"] == "1" ? "admin.accounts.invited" : request.query["saved"] == "1" ? "admin.saved" : nil
        return try page(request, session, state: FormState(), flash: flash.map { app.t(request)($0) })
    }

    func new(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .accounts)
        return try page(request, session, state: FormState(), creating: true)
    }

    func create(_ request: Request) async throws -> Response {
        try await app.staffFormPost(
            request, .accounts, validate: { Self.validate($0, t: app.t(request), withRole: true) },
            again: { session, state in try page(request, session, state: state, creating: true, status: .unprocessableContent)
            },
            accept: { session, account in
                let hash = try app.passwordHasher.hash(account.password)
                let user = session.user
                let created = try await app.database.write { db -> Bool in
                    guard try StaffStore.find(db, email: account.email) == nil else { return false }
                    let id = try StaffStore.create(
                        db, email: account.email, name: account.name, role: account.role, passwordHash: hash)
                    try StaffStore.record(db, user: user, action: "create", subject: "user \(id)", detail: account.role.rawValue)
                    return true
                }
                guard created else {
                    var state = FormState(values: ["email": account.email, "name": account.name, "role": account.role.rawValue])
                    state.errors["email"] = app.t(request)("admin.account.email.taken")
                    return try page(request, session, state: state, creating: true, status: .unprocessableContent)
                }
                return .redirect(to: "/admin/accounts?saved=1")
            })
    }

    func audit(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .audit)
        let entries = try app.database.read { try StaffStore.recentAudit($0) }
        return AdminViews.page(app, request, session, title: app.t(request)("admin.audit.title")) { c, _ in
            let rows: [HTML] = entries.map { e in
                "<tr><td>\(AdminViews.time(e.createdAt, timeZone: app.config.siteTimeZone, t: c.t))</td><td>\(e.actor)</td><td>\(e.action)</td><td>\(e.subject)</td><td>\(e.detail)</td></tr>"
            }
            return """
                <h1>\(c.t("admin.audit.title"))</h1>
                <div class="table-wrap"><table><thead><tr><th scope="col">\(c.t("admin.audit.when"))</th><th scope="col">\(c.t("admin.audit.who"))</th>
                <th scope="col">\(c.t("admin.audit.action"))</th><th scope="col">\(c.t("admin.audit.subject"))</th><th scope="col">\(c.t("admin.audit.detail"))</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """
        }
    }

    /// The accounts and one form: the invitation, or (`creating`) an account with a password.
    func page(
        _ request: Request, _ session: AdminAuth.Session, state: FormState, creating: Bool = false,
        status: Status = .ok, flash: String? = nil
    ) throws -> Response {
        let (users, invitations) = try app.database.read { db in
            (
                try StaffStore.all(db),
                try MailTokenStore.pending(db, purpose: .invite).compactMap { pending in
                    (try? JSONDecoder().decode(StaffLinksFeature.Invitation.self, from: Data(pending.payload.utf8))).map {
                        (key: pending.key, invitation: $0, expiresAt: pending.expiresAt)
                    }
                }
            )
        }
        return AdminViews.page(app, request, session, title: app.t(request)("admin.accounts.title"), status: status, flash: flash) {
            c, csrf in
            let t = c.t
            let rows: [HTML] = users.map { user in
                let action = user.disabled ? "enable" : "disable"
                let button: HTML =
                    user.id == session.user.id
                    ? .empty
                    : """
                    <form method="post" action="\(t.path("/admin/accounts/\(user.id)/\(action)"))"><input type="hidden" name="_csrf" value="\(csrf)">
                    <button type="submit" class="button secondary">\(t("admin.account.\(action)"))</button></form>
                    \(user.secondFactor ? """
                    <form method="post" action="\(t.path("/admin/accounts/\(user.id)/second-factor/remove"))"><input type="hidden" name="_csrf" value="\(csrf)">
                    <button type="submit" class="button secondary">\(t("admin.account.remove_second_factor"))</button></form>
                    """ as HTML : .empty)
                    """
                return
                    "<tr><td>\(user.email)</td><td>\(user.name)</td><td>\(t("admin.role.\(user.role.rawValue)"))</td><td>\(user.disabled ? t("admin.account.disabled") : t("admin.account.active"))\(user.secondFactor ? " · \(t("admin.account.two_step"))" : "")</td><td>\(button)</td></tr>"
            }
            let roles = StaffUser.Role.allCases.map {
                ($0.rawValue, t("admin.role.\($0.rawValue)") + " — " + t("admin.role.\($0.rawValue).hint"))
            }
            let role = Form.select(
                name: "role", label: t("admin.account.role"), options: roles,
                selected: state.values["role"] ?? StaffUser.Role.editor.rawValue,
                error: state.errors["role"])
            let form: HTML
            if creating {
                let passwordFields = Self.fields(t: t, withRole: false).map { Form.input($0, state, t: t) }
                form = """
                    <h2 id="new-account">\(t("admin.accounts.new"))</h2>
                    <p>\(t("admin.accounts.new_intro"))</p>
                    \(Form.errorSummary(state, title: t("form.error_summary"), order: Self.order))
                    <form method="post" action="\(t.path("/admin/accounts"))" novalidate><input type="hidden" name="_csrf" value="\(csrf)">
                    \(passwordFields)
                    \(role)
                    \(Form.submit(t("admin.accounts.create")))
                    </form>
                    <p><a href="\(t.path("/admin/accounts"))">\(t("admin.accounts.invite_instead"))</a></p>
                    """
            } else {
                let inviteFields = Self.fields(t: t, withRole: false).filter { $0.name == "email" || $0.name == "name" }.map {
                    Form.input($0, state, t: t)
                }
                form = """
                    <h2>\(t("admin.accounts.invite"))</h2>
                    <p>\(t("admin.accounts.invite_intro"))</p>
                    \(Form.errorSummary(state, title: t("form.error_summary"), order: Self.order))
                    <form method="post" action="\(t.path("/admin/accounts/invite"))" novalidate><input type="hidden" name="_csrf" value="\(csrf)">
                    \(inviteFields)
                    \(role)
                    \(Form.submit(t("admin.accounts.invite_submit")))
                    </form>
                    <p><a href="\(t.path("/admin/accounts/new"))">\(t("admin.accounts.new"))</a></p>
                    """
            }
            return """
                <h1>\(t("admin.accounts.title"))</h1>
                <div class="table-wrap"><table><thead><tr><th scope="col">\(t("admin.account.email"))</th><th scope="col">\(t("admin.account.name"))</th>
                <th scope="col">\(t("admin.account.role"))</th><th scope="col">\(t("admin.account.status"))</th><th scope="col"><span class="visually-hidden">\(t("admin.account.actions"))</span></th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                \(Self.invitations(invitations, csrf: csrf, timeZone: app.config.siteTimeZone, t: t))
                \(form)
                """
        }
    }

    /// Invitations sent and not yet taken up: who, which role, until when; each can be sent
    /// again (a new link, the old one ended) or withdrawn.
    static func invitations(
        _ pending: [(key: String, invitation: StaffLinksFeature.Invitation, expiresAt: String)], csrf: String, timeZone: String,
        t: Localizer
    ) -> HTML {
        guard !pending.isEmpty else { return .empty }
        let rows: [HTML] = pending.map { item in
            func button(_ action: String) -> HTML {
                """
                <form method="post" action="\(t.path("/admin/accounts/invitations/\(item.key)/\(action)"))"><input type="hidden" name="_csrf" value="\(csrf)">
                <button type="submit" class="button secondary">\(t("admin.invitations.\(action)"))</button></form>
                """
            }
            return """
                <tr><td>\(item.invitation.email)</td><td>\(t("admin.role.\(item.invitation.role.rawValue)"))</td>
                <td>\(AdminViews.time(item.expiresAt, timeZone: timeZone, t: t))</td><td class="row-links">\(button("resend")) \(button("revoke"))</td></tr>
                """
        }
        return """
            <h2 id="invitations">\(t("admin.invitations.title"))</h2>
            <div class="table-wrap"><table><thead><tr><th scope="col">\(t("admin.account.email"))</th><th scope="col">\(t("admin.account.role"))</th>
            <th scope="col">\(t("admin.invitations.expires"))</th><th scope="col"><span class="visually-hidden">\(t("admin.account.actions"))</span></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }
}
