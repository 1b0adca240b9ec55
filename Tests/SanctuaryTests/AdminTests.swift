import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

/// The admin area over real HTTP with a cookie, against a real database.
final class AdminTests: XCTestCase {
    var site: TestApp!
    let password = "a long enough passphrase"

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.passwordCost = 10
            $0.signaturesPerMinute = 1000
        }
        for (email, role) in [
            ("admin@example.org", StaffUser.Role.admin), ("organizer@example.org", .organizer), ("editor@example.org", .editor),
        ] {
            let hash = try site.app.passwordHasher.hash(password)
            try site.app.database.writeAndWait { db in try StaffStore.create(db, email: email, name: "", role: role, passwordHash: hash) }
        }
    }
    override func tearDown() { site.stop() }

    func loginResponse(_ email: String, _ password: String, cookie: String? = nil) throws -> ClientResponse {
        let page = try site.get("/admin/login")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        return try site.post(
            "/admin/login", [("_csrf", token), ("email", email), ("password", password)],
            headers: cookie.map { [("Cookie", "sanctuary_session=\($0)")] } ?? [])
    }

    /// A lost phone: its owner sees where the account is signed in and signs out everywhere else.
    func testStaffSeeTheirSessionsAndSignOutEverywhereElse() throws {
        let phone = try login("editor@example.org")
        let laptop = try login("editor@example.org")
        let other = try login("organizer@example.org")
        let headers = [("Cookie", "sanctuary_session=\(laptop)")]
        let page = try site.get("/admin/sessions", headers: headers)
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.text.components(separatedBy: "<tr><td><time").count - 1, 2, "the editor's two sessions, not the organizer's")
        XCTAssertTrue(page.text.contains("(this browser)"))
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let ended = try site.post("/admin/sessions/others/end", [("_csrf", token)], headers: headers)
        XCTAssertEqual(ended.header("Location"), "/admin/sessions?ended=1")
        XCTAssertEqual(try site.get("/admin", headers: [("Cookie", "sanctuary_session=\(phone)")]).status, 303, "the phone is signed out")
        XCTAssertEqual(try site.get("/admin", headers: headers).status, 200, "this browser stays")
        XCTAssertEqual(try site.get("/admin", headers: [("Cookie", "sanctuary_session=\(other)")]).status, 200, "nobody else's")
        XCTAssertEqual(
            try site.app.database.read {
                try $0.scalar("SELECT count(*) FROM audit_log WHERE action = 'sign out elsewhere'", as: Int.self)
            }, 1)
        XCTAssertEqual(try site.post("/admin/sessions/others/end", [("_csrf", "forged")], headers: headers).status, 403)
    }

    /// Signs in and returns the session token from the cookie.
    func login(_ email: String = "admin@example.org") throws -> String {
        let response = try loginResponse(email, password)
        XCTAssertEqual(response.status, 303)
        return try XCTUnwrap(sessionToken(response))
    }

    func sessionToken(_ response: ClientResponse) -> String? {
        guard let cookie = response.header("Set-Cookie"), cookie.hasPrefix("sanctuary_session=") else { return nil }
        return String(cookie.dropFirst("sanctuary_session=".count).prefix { $0 != ";" })
    }

    func get(_ path: String, _ token: String) throws -> ClientResponse {
        try site.get(path, headers: [("Cookie", "sanctuary_session=\(token)")])
    }

    func csrf(_ token: String) throws -> String {
        try XCTUnwrap(FormHelper.csrfToken(in: try get("/admin", token).text))
    }

    func testLoginSetsAProperCookieAndRedirectsToTheDashboard() throws {
        let response = try loginResponse("ADMIN@example.org ", password)
        XCTAssertEqual(response.status, 303)
        XCTAssertEqual(response.header("Location"), "/admin")
        let cookie = try XCTUnwrap(response.header("Set-Cookie"))
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] { XCTAssertTrue(cookie.contains(flag), flag) }
        XCTAssertFalse(cookie.contains("Secure"), "not configured")
        let token = try XCTUnwrap(sessionToken(response))
        XCTAssertGreaterThanOrEqual(token.count, 22, "at least 128 bits")
        let dashboard = try get("/admin", token)
        XCTAssertEqual(dashboard.status, 200)
        XCTAssertTrue(dashboard.text.contains("<svg"), "the signatures-per-day chart")
        let stored = try site.app.database.read {
            try $0.query("SELECT token_hash FROM sessions") { try $0.get("token_hash", as: [UInt8].self) }
        }
        XCTAssertFalse(stored.contains(Array(token.utf8)), "only a hash of the token is stored")
    }

    func testSecureCookieWhenConfigured() throws {
        let secure = try TestApp(sampleContent: false) {
            $0.passwordCost = 10
            $0.secureCookies = true
        }
        defer { secure.stop() }
        let hash = try secure.app.passwordHasher.hash(password)
        try secure.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "s@example.org", name: "", role: .admin, passwordHash: hash)
        }
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try secure.get("/admin/login").text))
        let response = try secure.post("/admin/login", [("_csrf", token), ("email", "s@example.org"), ("password", password)])
        XCTAssertTrue(response.header("Set-Cookie")?.contains("; Secure") ?? false)
    }

    func testWrongPasswordAndUnknownAccountGetTheSame401() throws {
        let wrong = try loginResponse("admin@example.org", "not the password at all")
        let unknown = try loginResponse("nobody@example.org", password)
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(unknown.status, 401)
        XCTAssertTrue(wrong.text.contains("The email or password is not right."))
        XCTAssertTrue(unknown.text.contains("The email or password is not right."))
        XCTAssertNil(wrong.header("Set-Cookie"))
    }

    func testLoginWithoutCSRFIs403() throws {
        XCTAssertEqual(try site.post("/admin/login", [("email", "admin@example.org"), ("password", password)]).status, 403)
    }

    func testRepeatedFailuresAre429() throws {
        var statuses: [Int] = []
        for _ in 0..<7 { statuses.append(try loginResponse("editor@example.org", "wrong password here").status) }
        XCTAssertEqual(Array(statuses.prefix(5)), [401, 401, 401, 401, 401])
        XCTAssertEqual(statuses.last, 429)
        let limited = try loginResponse("editor@example.org", password)
        XCTAssertEqual(limited.status, 429, "even the right password waits")
        XCTAssertNotNil(limited.header("Retry-After"))
    }

    func testSignedOutVisitorsAreSentToLogin() throws {
        for path in ["/admin", "/admin/petitions", "/admin/accounts", "/admin/audit", "/admin/petitions/1/signatures.csv"] {
            let response = try site.get(path)
            XCTAssertEqual(response.status, 303, path)
            XCTAssertEqual(response.header("Location"), "/admin/login", path)
        }
        XCTAssertEqual(try site.get("/admin", headers: [("Cookie", "sanctuary_session=forged")]).status, 303)
    }

    func testSessionIsRenewedAtLogin() throws {
        let first = try login()
        let second = try XCTUnwrap(sessionToken(try loginResponse("admin@example.org", password, cookie: first)))
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(try get("/admin", first).status, 303, "the old session is gone")
        XCTAssertEqual(try get("/admin", second).status, 200)
    }

    func testLogoutEndsTheSessionOnTheServer() throws {
        let token = try login()
        let form = try csrf(token)
        let response = try site.post("/admin/logout", [("_csrf", form)], headers: [("Cookie", "sanctuary_session=\(token)")])
        XCTAssertEqual(response.status, 303)
        XCTAssertTrue(response.header("Set-Cookie")?.contains("Max-Age=0") ?? false)
        XCTAssertEqual(try get("/admin", token).status, 303, "replaying the old cookie leads to the login form")
    }

    func testAdminFormsNeedTheSessionsCSRFToken() throws {
        let token = try login()
        let cookie = [("Cookie", "sanctuary_session=\(token)")]
        let otherSession = try csrf(try login("organizer@example.org"))
        for path in ["/admin/logout", "/admin/accounts", "/admin/accounts/2/disable", "/admin/accounts/2/enable"] {
            XCTAssertEqual(try site.post(path, [], headers: cookie).status, 403, "\(path) without token")
            XCTAssertEqual(try site.post(path, [("_csrf", "wrong")], headers: cookie).status, 403, "\(path) wrong token")
            XCTAssertEqual(try site.post(path, [("_csrf", otherSession)], headers: cookie).status, 403, "\(path) another session's token")
        }
        XCTAssertEqual(try get("/admin", token).status, 200, "still signed in")
    }

    func testTheAuditLogShowsTimesInTheSitesZone() throws {
        let token = try login("admin@example.org")
        let page = try get("/admin/audit", token).text
        XCTAssertTrue(page.contains("<td><time datetime=\""), page)
        XCTAssertNil(page.range(of: #"<td>\d{4}-\d\d-\d\dT[0-9:]+Z</td>"#, options: .regularExpression), "no raw UTC times")
        XCTAssertTrue(page.contains(" EST</time>") || page.contains(" EDT</time>"), "named in Toronto's zone")
        XCTAssertFalse(page.contains("(UTC)"))
    }

    func testEachRoleSeesOnlyItsScreens() throws {
        let expectations: [(String, [String: Int])] = [
            (
                "admin@example.org",
                [
                    "/admin": 200, "/admin/petitions": 200, "/admin/accounts": 200, "/admin/audit": 200,
                    "/admin/petitions/1/signatures.csv": 200,
                ]
            ),
            (
                "organizer@example.org",
                [
                    "/admin": 200, "/admin/petitions": 200, "/admin/accounts": 403, "/admin/audit": 403,
                    "/admin/petitions/1/signatures.csv": 200,
                ]
            ),
            (
                "editor@example.org",
                [
                    "/admin": 200, "/admin/petitions": 403, "/admin/accounts": 403, "/admin/audit": 403,
                    "/admin/petitions/1/signatures.csv": 403,
                ]
            ),
        ]
        for (email, paths) in expectations {
            let token = try login(email)
            for (path, status) in paths {
                XCTAssertEqual(try get(path, token).status, status, "\(email) \(path)")
            }
        }
        let editor = try login("editor@example.org")
        XCTAssertEqual(
            try site.post("/admin/accounts", [("_csrf", try csrf(editor))], headers: [("Cookie", "sanctuary_session=\(editor)")]).status,
            403)
    }

    func testSignaturesExport() throws {
        XCTAssertEqual(
            try site.sign(
                "rescind-safe-third-country", ["email": "visitor@example.org", "comment": "=cmd|' /C calc'!A0", "consent_updates": "yes"]
            ).status, 303)
        let token = try login("organizer@example.org")
        let id = try XCTUnwrap(try site.app.database.read { try PetitionStore.id(forSlug: "rescind-safe-third-country", $0) })
        let response = try get("/admin/petitions/\(id)/signatures.csv", token)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "text/csv; charset=utf-8")
        XCTAssertEqual(response.header("Content-Disposition"), "attachment; filename=\"rescind-safe-third-country-signatures.csv\"")
        XCTAssertEqual(Array(response.body.prefix(3)), [0xEF, 0xBB, 0xBF])
        let lines = String(decoding: response.body.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
        XCTAssertEqual(lines[0], "signed_at,first_name,last_name,email,postal_code,riding,comment,consent_updates")
        XCTAssertTrue(lines[1].hasSuffix(",Amal,Haddad,visitor@example.org,K1A 0B1,Ottawa Centre,'=cmd|' /C calc'!A0,yes"), lines[1])
        let audit = try site.app.database.read { try StaffStore.recentAudit($0).map(\.action) }
        XCTAssertTrue(audit.contains("export"))
        XCTAssertTrue(audit.contains("login"))
        XCTAssertEqual(try get("/admin/petitions/9999/signatures.csv", token).status, 404)
    }

    func testAdminCreatesAndDisablesAnAccount() throws {
        let token = try login()
        let cookie = [("Cookie", "sanctuary_session=\(token)")]
        let form = try csrf(token)
        let short = try site.post(
            "/admin/accounts",
            [("_csrf", form), ("email", "new@example.org"), ("role", "editor"), ("password", "short"), ("password_confirm", "short")],
            headers: cookie)
        XCTAssertEqual(short.status, 422)
        XCTAssertTrue(short.text.contains("Use at least 12 characters"))
        XCTAssertTrue(short.text.contains("value=\"new@example.org\""))
        let created = try site.post(
            "/admin/accounts",
            [
                ("_csrf", form), ("email", "new@example.org"), ("name", "New"), ("role", "editor"),
                ("password", password), ("password_confirm", password),
            ], headers: cookie)
        XCTAssertEqual(created.status, 303)
        let newToken = try login("new@example.org")
        let id = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT id FROM users WHERE email = 'new@example.org'", as: Int64.self) })
        XCTAssertEqual(try site.post("/admin/accounts/\(id)/disable", [("_csrf", form)], headers: cookie).status, 303)
        XCTAssertEqual(try get("/admin", newToken).status, 303, "a disabled account's sessions end")
        XCTAssertEqual(try loginResponse("new@example.org", password).status, 401)
        XCTAssertTrue(try get("/admin/accounts", token).text.contains("Disabled"))
    }

    func testFirstRunSetupLinkCreatesTheFirstAdminOnce() throws {
        let fresh = try TestApp(sampleContent: false) { $0.passwordCost = 10 }
        defer { fresh.stop() }
        let link = try XCTUnwrap(try fresh.app.firstRunSetupLink(base: ""))
        XCTAssertEqual(try fresh.get("/admin/setup/not-a-token").status, 404)
        let page = try fresh.get(link)
        XCTAssertEqual(page.status, 200)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let fields = [
            ("_csrf", csrf), ("email", "first@example.org"), ("name", "First"), ("password", password), ("password_confirm", password),
        ]
        let response = try fresh.post(link, fields)
        XCTAssertEqual(response.status, 303)
        let cookie = try XCTUnwrap(sessionToken(response))
        XCTAssertEqual(try fresh.get("/admin", headers: [("Cookie", "sanctuary_session=\(cookie)")]).status, 200)
        XCTAssertEqual(try fresh.get(link).status, 404, "used once")
        XCTAssertEqual(try fresh.post(link, fields).status, 404)
        XCTAssertNil(try fresh.app.firstRunSetupLink(base: ""), "no new link once an account exists")
    }

    func testPasswordHashes() throws {
        let hasher = PasswordHasher(logN: 10, r: 8, p: 1)
        let hash = try hasher.hash("tr0ub4dor&3 horse")
        XCTAssertFalse(hash.contains("tr0ub4dor"))
        XCTAssertTrue(PasswordHasher.verify("tr0ub4dor&3 horse", against: hash))
        XCTAssertFalse(PasswordHasher.verify("tr0ub4dor&3 horsE", against: hash))
        XCTAssertFalse(PasswordHasher.verify("", against: hash))
        XCTAssertFalse(PasswordHasher.verify("x", against: "garbage"))
        XCTAssertNotEqual(hash, try hasher.hash("tr0ub4dor&3 horse"), "a fresh salt each time")
        let stored = try XCTUnwrap(
            try site.app.database.read {
                try $0.scalar("SELECT password_hash FROM users WHERE email = 'admin@example.org'", as: String.self)
            })
        let parameters = try XCTUnwrap(PasswordHasher.parse(stored))
        XCTAssertEqual(parameters.logN, 10)
        XCTAssertEqual(parameters.r, 8)
        XCTAssertEqual(parameters.p, 3)
        XCTAssertEqual(PasswordHasher().logN, 15, "OWASP-strength default")
    }
}

final class AccessLogTests: XCTestCase {
    func testLogHasOneLinePerRequestAndNoSecrets() throws {
        let logFile = makeTemporaryDirectory().appendingPathComponent("access.log").path
        let site = try TestApp(sampleContent: true) {
            $0.accessLog = .file(logFile)
            $0.passwordCost = 10
        }
        let link = try XCTUnwrap(try site.app.firstRunSetupLink(base: ""))
        _ = try site.get(link)
        _ = try site.get("/news?token=secret-query-value")
        _ = try site.post("/admin/login", [("email", "a@example.org"), ("password", "hunter2-password-value")])
        site.stop()
        let log = try String(contentsOfFile: logFile, encoding: .utf8)
        let lines = log.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, log)
        // Each event loop writes its own lines at the end of its turn, so lines from two loops
        // may come in either order.
        XCTAssertTrue(lines.contains { $0.contains("GET /admin/setup/{token} 200") }, log)
        XCTAssertTrue(lines.contains { $0.contains("GET /news 200") }, log)
        XCTAssertTrue(lines.contains { $0.contains("POST /admin/login 403") }, log)
        // Time, client, method, path, status, bytes, milliseconds with three decimals.
        for line in lines {
            XCTAssertNotNil(
                line.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.0 (GET|POST) \S+ \d{3} \d+ \d+\.\d{3}ms/),
                "the client's network, not its address: \(line)")
        }
        let token = String(link.dropFirst("/admin/setup/".count))
        for secret in [token, "secret-query-value", "hunter2-password-value", "a@example.org"] {
            XCTAssertFalse(log.contains(secret), secret)
        }
    }
}

extension AccessLogTests {
    /// The log keeps a client's network, never the host: IPv4 /24, IPv6 /48, an IPv4 address
    /// inside IPv6 as IPv4 /24; anything else as it is.
    func testAddressesAreCutToTheirNetwork() {
        XCTAssertEqual(AccessLog.network(of: "203.0.113.77"), "203.0.113.0")
        XCTAssertEqual(AccessLog.network(of: "2001:db8:85a3:8d3:1319:8a2e:370:7348"), "2001:db8:85a3::")
        XCTAssertEqual(AccessLog.network(of: "::ffff:198.51.100.9"), "::ffff:198.51.100.0")
        XCTAssertEqual(AccessLog.network(of: "::1"), "::")
        XCTAssertEqual(AccessLog.network(of: "unix"), "unix")
    }

    func testWholeAddressesOnlyWhenConfigured() throws {
        let logFile = makeTemporaryDirectory().appendingPathComponent("access.log").path
        let site = try TestApp(sampleContent: true) {
            $0.accessLog = .file(logFile)
            $0.accessLogFullAddresses = true
        }
        _ = try site.get("/news")
        site.stop()
        XCTAssertTrue(try String(contentsOfFile: logFile, encoding: .utf8).contains(" 127.0.0.1 GET /news 200 "))
    }
}

/// The access log is written in blocks (`LogBuffer`), yet loses no line when the server is
/// stopped or crashes: SIGTERM drains the buffers, and a crash's signal (a Swift trap raises
/// SIGILL) writes them out before the process dies. Every response here was answered before
/// the signal, so every one must be in the file.
final class AccessLogCrashTests: XCTestCase {
    func run(until signal: Int32) throws -> (lines: [Substring], requests: Int, reason: Process.TerminationReason) {
        guard SanctuaryBinary.isBuilt else { throw XCTSkip("binary not built") }
        let folder = makeTemporaryDirectory()
        let log = folder.appendingPathComponent("access.log").path
        let config = folder.appendingPathComponent("config.json").path
        try #"{"access_log": "\#(log)"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        // The runtime's backtracer (on in debug builds) would take the signal next and wait
        // for its helper; without it the process dies of the signal, as a release build does.
        let (process, port) = try SanctuaryBinary.serve(
            ["--db", folder.appendingPathComponent("site.sqlite").path, "--config", config], environment: ["SWIFT_BACKTRACE": "enable=no"])
        // Many requests on a few connections, answered one after another: the last ones are
        // still in the loops' buffers when the signal comes.
        var answered = 0
        for _ in 0..<4 {
            let client = try RawClient(port: port)
            for _ in 0..<50 {
                client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if try client.readResponse().status == 200 { answered += 1 }
            }
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (text.split(separator: "\n").filter { $0.contains(" GET /healthz 200 ") }, answered, process.terminationReason)
    }

    func testACrashLosesNoLine() throws {
        let (lines, requests, reason) = try run(until: SIGILL)
        XCTAssertEqual(requests, 200)
        XCTAssertEqual(reason, .uncaughtSignal, "the process died of the crash, as it would have")
        XCTAssertEqual(lines.count, requests, "every answered request is in the log")
    }

    func testSIGTERMLosesNoLine() throws {
        let (lines, requests, _) = try run(until: SIGTERM)
        XCTAssertEqual(requests, 200)
        XCTAssertEqual(lines.count, requests)
    }
}
