import Foundation
import HTTP
import Synchronization

/// Who is signed in, what they may do, and the per-session CSRF token of admin forms.
enum AdminAuth {
    static let cookieName = "sanctuary_session"

    struct Session {
        let user: StaffUser
        let token: String
    }

    /// Set while `sanctuary routes` runs each route once: `require` records the area the
    /// route asks for and stops the handler there.
    @TaskLocal static var probe: AreaProbe?

    final class AreaProbe: Sendable {
        let area = Mutex<StaffUser.Area?>(nil)
    }

    static func session(_ app: Application, _ request: Request) -> Session? {
        guard let token = request.cookies[cookieName], !token.isEmpty, token.count < 200 else { return nil }
        do {
            guard let user = try app.database.read({ try StaffStore.user($0, sessionToken: token) }) else { return nil }
            return Session(user: user, token: token)
        } catch {
            // Treated as signed out (the safe side), but never silently.
            app.logger.error("the session could not be read: \(error)")
            return nil
        }
    }

    /// The signed-in session allowed into `area`; otherwise it throws the answer to send
    /// instead: `303` to the login form when signed out, `403` for the wrong role, `303` to
    /// `/admin/account/security` for an admin without the second factor the site requires
    /// (unless `beforeSecondFactor`: the pages that set it up, and signing out).
    static func require(_ app: Application, _ request: Request, _ area: StaffUser.Area, beforeSecondFactor: Bool = false) throws(HTTPError)
        -> Session
    {
        if let probe = Self.probe {
            // `sanctuary routes` asking which area this route needs: told, and nothing runs.
            probe.area.withLock { $0 = area }
            throw HTTPError(.forbidden)
        }
        guard let session = session(app, request) else {
            throw HTTPError(response: .redirect(to: "/admin/login"))
        }
        if !beforeSecondFactor, mustSetUpSecondFactor(app, session.user) {
            throw HTTPError(response: .redirect(to: "/admin/account/security?required=1"))
        }
        guard session.user.may(area) else {
            throw HTTPError(
                response: ErrorPages.message(
                    app, request, status: .forbidden, title: app.t(request)("admin.forbidden.title"),
                    body: app.t(request)("admin.forbidden.body")))
        }
        return session
    }

    /// `require`, plus a valid `_csrf` for a state-changing form. `csrf` is the token when
    /// it did not come in a urlencoded body (a multipart upload's field).
    @discardableResult
    static func requirePost(
        _ app: Application, _ request: Request, _ area: StaffUser.Area, csrf: String? = nil, beforeSecondFactor: Bool = false
    ) throws(HTTPError) -> Session {
        let session = try require(app, request, area, beforeSecondFactor: beforeSecondFactor)
        guard !FormToken.isCrossSite(request), let sent = csrf ?? request.form["_csrf"],
            constantTimeEqual(sent.utf8, csrfToken(app, session).utf8)
        else {
            throw HTTPError(response: ErrorPages.invalidForm(app, request))
        }
        return session
    }

    /// For an upload route: the same checks as `requirePost`, on the head alone, before one
    /// byte of the body is read or stored. The token travels in the form's action
    /// (`?_csrf=…`) or an `X-CSRF-Token` header, since the body is not read yet.
    static func uploadPrecheck(_ app: Application, _ area: StaffUser.Area) -> @Sendable (Request) -> Response? {
        { request in
            let token = request.headers["x-csrf-token"] ?? request.query["_csrf"] ?? ""
            do throws(HTTPError) {
                try requirePost(app, request, area, csrf: token)
                return nil
            } catch {
                return error.response ?? .text("Forbidden\n", status: .forbidden)
            }
        }
    }

    /// An admin the site requires a second factor of, who has none yet.
    static func mustSetUpSecondFactor(_ app: Application, _ user: StaffUser) -> Bool {
        app.config.requireAdminSecondFactor && user.role == .admin && !user.secondFactor
    }

    /// The session's form token: an HMAC of the session token, so it changes with every login.
    static func csrfToken(_ app: Application, _ session: Session) -> String {
        app.serverKey.mac(session.token, purpose: "admin-csrf").base64URL
    }

    /// The session cookie (or, with nil, one that deletes it).
    static func cookie(_ app: Application, _ request: Request, token: String?) -> String {
        Cookies.setCookie(
            name: cookieName, value: token ?? "", path: "/",
            maxAge: token == nil ? 0 : Int(StaffStore.sessionSeconds),
            httpOnly: true, secure: app.secureCookies(request), sameSite: "Lax")
    }
}

extension Application {
    /// The form token of admin forms for a session (what a signed-in page carries as `_csrf`);
    /// for tools that drive the admin area without a browser, such as the whole-app fuzzer.
    public func staffFormToken(sessionToken: String) -> String {
        serverKey.mac(sessionToken, purpose: "admin-csrf").base64URL
    }
}
