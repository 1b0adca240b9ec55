import Foundation
import HTTP

/// `/admin/sessions` (every staff member, their own): where their account is signed in, and
/// "sign out everywhere else" (a lost phone, a shared computer), audited.
struct StaffSessionsFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/admin/sessions", list)
        app.router.post("/admin/sessions/others/end", async: endOthers)
    }

    func list(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .dashboard)
        let sessions = try app.database.read { try StaffStore.sessions($0, userID: session.user.id, current: session.token) }
        let t = app.t(request)
        let flash = request.query["ended"].flatMap { Int($0) }.map { t.plural("admin.sessions.ended", $0) }
        return AdminViews.page(app, request, session, title: t("admin.sessions.title"), flash: flash) { c, csrf in
            Self.view(sessions, csrf: csrf, timeZone: app.config.siteTimeZone, t: c.t)
        }
    }

    func endOthers(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .dashboard)
        let (user, token) = (session.user, session.token)
        let ended = try await app.database.write { db -> Int in
            let ended = try StaffStore.endOtherSessions(db, userID: user.id, keeping: token)
            try StaffStore.record(db, user: user, action: "sign out elsewhere", detail: "\(ended) sessions")
            return ended
        }
        return .redirect(to: "/admin/sessions?ended=\(ended)")
    }

    static func view(_ sessions: [StaffStore.SessionRow], csrf: String, timeZone: String, t: Localizer) -> HTML {
        let rows: [HTML] = sessions.map { s in
            """
            <tr><td><time datetime="\(s.createdAt)">\(DateText.dateTime(s.createdAt, t: t, timeZone: timeZone))</time>\(s.isCurrent ? " <strong>(\(t("admin.sessions.this")))</strong>" as HTML : .empty)</td>
            <td><time datetime="\(s.expiresAt)">\(DateText.dateTime(s.expiresAt, t: t, timeZone: timeZone))</time></td></tr>
            """
        }
        let others = sessions.filter { !$0.isCurrent }.count
        return """
            <h1>\(t("admin.sessions.title"))</h1>
            <p class="lede">\(t("admin.sessions.intro"))</p>
            <p><a href="\(t.path("/admin/account/security"))">\(t("admin.security.title"))</a></p>
            <div class="table-wrap"><table>
            <thead><tr><th scope="col">\(t("admin.sessions.started"))</th><th scope="col">\(t("admin.sessions.expires"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            \(others == 0 ? "<p>\(t("admin.sessions.none_other"))</p>" as HTML : """
            <form method="post" action="\(t.path("/admin/sessions/others/end"))"><input type="hidden" name="_csrf" value="\(csrf)">
            \(Form.submit(t.plural("admin.sessions.end_others", others)))</form>
            """)
            """
    }
}
