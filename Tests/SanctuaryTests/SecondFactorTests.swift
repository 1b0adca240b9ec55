import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// Two-step sign-in for staff: RFC 6238 codes from an authenticator app, recovery codes,
/// the code page between password and session, the site's requirement for admins, and an
/// admin's way out for a lost phone.
final class SecondFactorTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.passwordCost = 10 }
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "admin@example.org", name: "", role: .admin, passwordHash: hash)
            try StaffStore.create(db, email: "org@example.org", name: "", role: .organizer, passwordHash: hash)
        }
    }

    override func tearDown() { site?.stop() }

    /// RFC 6238 appendix B's SHA-1 vectors (the last six of their eight digits) and RFC 4648's base32.
    func testCodesMatchTheRFCVectors() {
        let code = TimeBasedCode(key: Array("12345678901234567890".utf8))
        for (time, expected) in [
            (59.0, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"), (2_000_000_000, "279037"),
        ] {
            XCTAssertEqual(code.code(step: TimeBasedCode.step(at: Date(timeIntervalSince1970: time))), expected, "at \(time)")
        }
        XCTAssertEqual(Base32.encode(Array("12345678901234567890".utf8)), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        XCTAssertEqual(Base32.encode(Array("foobar".utf8)), "MZXW6YTBOI")
        // A phone's clock half a minute off still matches; two steps off does not; a used step never again.
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = TimeBasedCode.step(at: now)
        XCTAssertEqual(code.matchingStep(code.code(step: step - 1), at: now, after: 0), step - 1)
        XCTAssertEqual(code.matchingStep(code.code(step: step + 1), at: now, after: 0), step + 1)
        XCTAssertNil(code.matchingStep(code.code(step: step - 2), at: now, after: 0))
        XCTAssertNil(code.matchingStep(code.code(step: step), at: now, after: step))
        XCTAssertEqual(code.matchingStep("050 471", at: now, after: 0), step, "spaces are ignored")
        for bad in ["", "05047", "0504711", "abcdef", "٠٥٠٤٧١", "05047\u{0}"] {
            XCTAssertNil(code.matchingStep(bad, at: now, after: 0), bad)
        }
        let codes = RecoveryCodes.make()
        XCTAssertEqual(Set(codes).count, 10)
        XCTAssertTrue(codes.allSatisfy { RecoveryCodes.normalized($0) != nil && $0.count == 14 }, "\(codes)")
    }

    /// The password, then `/admin/login/code`: answers the `Set-Cookie` of the challenge.
    func passwordStep(_ email: String) throws -> String {
        let page = try site.get("/admin/login")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let login = try site.post("/admin/login", [("_csrf", token), ("email", email), ("password", "a long enough passphrase")])
        XCTAssertEqual(login.status, 303)
        XCTAssertEqual(login.header("Location"), "/admin/login/code")
        let cookie = try XCTUnwrap(login.headerValues("Set-Cookie").first { $0.hasPrefix("sanctuary_sign_in=") })
        XCTAssertFalse(login.headerValues("Set-Cookie").contains { $0.hasPrefix("sanctuary_session=") }, "no session before the code")
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/admin/login"), cookie)
        return String(cookie.split(separator: ";")[0])
    }

    /// Types `code` on the code page; answers the response.
    func codeStep(_ challenge: String, _ code: String) throws -> ClientResponse {
        let page = try site.get("/admin/login/code", headers: [("Cookie", challenge)])
        XCTAssertEqual(page.status, 200, "the code page is there for a live challenge")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        return try site.post("/admin/login/code", [("_csrf", token), ("code", code)], headers: [("Cookie", challenge)])
    }

    func sessionCookie(_ response: ClientResponse) -> [(String, String)]? {
        response.headerValues("Set-Cookie").first { $0.hasPrefix("sanctuary_session=") && !$0.hasPrefix("sanctuary_session=;") }.map {
            [("Cookie", String($0.split(separator: ";")[0]))]
        }
    }

    /// Turns two-step sign-in on for `email` through its pages; answers the key and the recovery codes.
    func setUp(_ email: String) throws -> (key: [UInt8], codes: [String]) {
        let cookie = try site.signIn(email)
        let page = try site.get("/admin/account/security", headers: cookie)
        XCTAssertEqual(page.status, 200)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        XCTAssertEqual(try site.post("/admin/account/security/start", [("_csrf", csrf)], headers: cookie).status, 303)
        let setup = try site.get("/admin/account/security", headers: cookie)
        let shown = try XCTUnwrap(setup.text.range(of: #"(?<=<code class="secret-key">)[A-Z2-7 ]+"#, options: .regularExpression))
        let typed = setup.text[shown].replacingOccurrences(of: " ", with: "")
        let key = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT totp_pending_key FROM users WHERE email = ?", email, as: [UInt8].self) })
        XCTAssertEqual(Base32.encode(key), typed, "the key shown is the key kept")
        XCTAssertTrue(setup.text.contains("otpauth://totp/"), "a phone can open the key in its app")
        if QRCodePicture.isAvailable { XCTAssertTrue(setup.text.contains("<svg class=\"qr\""), "and a camera can read it") }
        let wrong = try site.post("/admin/account/security/confirm", [("_csrf", csrf), ("code", "000000")], headers: cookie)
        XCTAssertEqual(wrong.status, 422)
        XCTAssertTrue(wrong.text.contains("<code class=\"secret-key\">"), "the key is still shown to try again")
        let now = TimeBasedCode(key: key).code(step: TimeBasedCode.step(at: Date()))
        let done = try site.post("/admin/account/security/confirm", [("_csrf", csrf), ("code", now)], headers: cookie)
        XCTAssertEqual(done.status, 200)
        XCTAssertEqual(done.header("Cache-Control"), "no-store")
        let codes = done.text.matches(of: /<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})<\/code><\/li>/).map { String($0.1) }
        XCTAssertEqual(codes.count, 10)
        return (key, codes)
    }

    func testSigningInTakesTheAppsCodeOnceOrARecoveryCodeOnce() throws {
        let (key, codes) = try setUp("org@example.org")
        let app = TimeBasedCode(key: key)
        let step = TimeBasedCode.step(at: Date())

        // The password alone no longer signs in.
        let challenge = try passwordStep("org@example.org")
        XCTAssertEqual(try site.get("/admin", headers: [("Cookie", challenge)]).status, 303)
        // The code that turned it on was used: it does not sign in again.
        let replay = try codeStep(challenge, app.code(step: step))
        XCTAssertEqual(replay.status, 401)
        XCTAssertNil(sessionCookie(replay))
        let next = try codeStep(challenge, app.code(step: step + 1))
        XCTAssertEqual(next.status, 303)
        let session = try XCTUnwrap(sessionCookie(next))
        XCTAssertTrue(next.headerValues("Set-Cookie").contains { $0.hasPrefix("sanctuary_sign_in=;") }, "the challenge cookie goes")
        XCTAssertEqual(try site.get("/admin", headers: session).status, 200)
        // The challenge is spent: its cookie cannot make a second session.
        XCTAssertEqual(try site.get("/admin/login/code", headers: [("Cookie", challenge)]).status, 303)

        // A lost phone: a recovery code signs in once.
        let second = try passwordStep("org@example.org")
        let recovered = try codeStep(second, codes[3].uppercased())
        XCTAssertEqual(recovered.status, 303)
        XCTAssertNotNil(sessionCookie(recovered))
        let third = try passwordStep("org@example.org")
        XCTAssertEqual(try codeStep(third, codes[3]).status, 401, "a recovery code works once")
        let page = try site.get("/admin/account/security", headers: session)
        XCTAssertTrue(page.text.contains("9 unused recovery codes"), page.text)

        let audit = try site.app.database.read { db in
            try db.query("SELECT action, detail FROM audit_log WHERE actor = 'org@example.org' ORDER BY id") {
                "\(try $0.get("action", as: String.self)): \(try $0.get("detail", as: String.self))"
            }
        }
        XCTAssertTrue(audit.contains("second factor on: "), "\(audit)")
        XCTAssertTrue(audit.contains("login: with a code"), "\(audit)")
        XCTAssertTrue(audit.contains("login: with a recovery code"), "\(audit)")
        XCTAssertTrue(audit.contains("login_failed: wrong code"), "\(audit)")
        // Nothing a browser can read gives the key away again once it is on.
        XCTAssertFalse(page.text.contains(Base32.encode(key)))
    }

    func testWrongCodesEndTheChallengeAndADisabledAccountCannotFinish() throws {
        let (key, _) = try setUp("org@example.org")
        let app = TimeBasedCode(key: key)
        let challenge = try passwordStep("org@example.org")
        for n in 0..<SecondFactorStore.challengeAttempts {
            XCTAssertEqual(try codeStep(challenge, String(format: "%06d", 111_111 + n)).status, 401)
        }
        let page = try site.get("/admin/login/code", headers: [("Cookie", challenge)])
        XCTAssertEqual(page.status, 303, "five wrong codes: the password again")
        let late = try codeStep2(challenge, app.code(step: TimeBasedCode.step(at: Date()) + 1))
        XCTAssertEqual(late.status, 401)
        XCTAssertTrue(late.text.contains("has run out"), late.text)
        XCTAssertNil(sessionCookie(late), "even the right code, after five wrong ones")

        // The wrong codes counted against the account's sign-in throttle too.
        let page2 = try site.get("/admin/login")
        let throttled = try site.post(
            "/admin/login",
            [
                ("_csrf", try XCTUnwrap(FormHelper.csrfToken(in: page2.text))), ("email", "org@example.org"),
                ("password", "a long enough passphrase"),
            ])
        XCTAssertEqual(throttled.status, 429)

        // Disabled between the password and the code: the code does not sign in.
        let (adminKey, _) = try setUp("admin@example.org")
        let another = try passwordStep("admin@example.org")
        try site.app.database.writeAndWait { db in
            let id = try XCTUnwrap(try db.scalar("SELECT id FROM users WHERE email = 'admin@example.org'", as: Int64.self))
            _ = try StaffStore.setDisabled(db, userID: id, true)
        }
        let refused = try codeStep2(another, TimeBasedCode(key: adminKey).code(step: TimeBasedCode.step(at: Date()) + 1))
        XCTAssertNil(sessionCookie(refused))
        XCTAssertEqual(
            try site.app.database.read {
                try $0.scalar(
                    "SELECT count(*) FROM sign_in_challenges JOIN users ON users.id = user_id WHERE email = 'admin@example.org'",
                    as: Int.self)
            }, 0,
            "disabling ends the half-made sign-in")
    }

    /// The code step posted without first loading the page (its challenge may be gone).
    func codeStep2(_ challenge: String, _ code: String) throws -> ClientResponse {
        let form = site.app.formTokens.make(for: "/admin/login/code")
        return try site.post("/admin/login/code", [("_csrf", form), ("code", code)], headers: [("Cookie", challenge)])
    }

    func testTheSiteCanRequireItOfAdminsAndAnAdminCanRemoveItForALostPhone() throws {
        site.stop()
        site = try TestApp(sampleContent: true) {
            $0.passwordCost = 10
            $0.requireAdminSecondFactor = true
        }
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "admin@example.org", name: "", role: .admin, passwordHash: hash)
            try StaffStore.create(db, email: "second@example.org", name: "", role: .admin, passwordHash: hash)
            try StaffStore.create(db, email: "org@example.org", name: "", role: .organizer, passwordHash: hash)
        }
        // An admin without it gets nowhere but the page that sets it up.
        let admin = try site.signIn("admin@example.org")
        for path in ["/admin", "/admin/accounts", "/admin/petitions", "/admin/outbox"] {
            let response = try site.get(path, headers: admin)
            XCTAssertEqual(response.status, 303, path)
            XCTAssertEqual(response.header("Location"), "/admin/account/security?required=1", path)
        }
        let required = try site.get("/admin/account/security?required=1", headers: admin)
        XCTAssertTrue(required.text.contains("requires two-step sign-in"), required.text)
        // An organizer is not held back.
        XCTAssertEqual(try site.get("/admin", headers: try site.signIn("org@example.org")).status, 200)

        let (_, _) = try setUp("admin@example.org")
        let signedIn = try site.signIn2FA("admin@example.org", test: self)
        XCTAssertEqual(try site.get("/admin", headers: signedIn).status, 200)
        let page = try site.get("/admin/account/security", headers: signedIn)
        XCTAssertFalse(page.text.contains("/admin/account/security/off"), "it cannot be turned off where it is required")

        // The organizer loses a phone: an admin removes it, which signs them out everywhere.
        let (_, _) = try setUp("org@example.org")
        let organizerSession = try site.signIn2FA("org@example.org", test: self)
        XCTAssertEqual(try site.get("/admin", headers: organizerSession).status, 200)
        let accounts = try site.get("/admin/accounts", headers: signedIn)
        XCTAssertTrue(accounts.text.contains("Remove two-step sign-in"))
        let id = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT id FROM users WHERE email = 'org@example.org'", as: Int64.self) })
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: accounts.text))
        XCTAssertEqual(
            try site.post("/admin/accounts/\(id)/second-factor/remove", [("_csrf", csrf)], headers: organizerSession).status, 403)
        XCTAssertEqual(try site.post("/admin/accounts/\(id)/second-factor/remove", [("_csrf", csrf)], headers: signedIn).status, 303)
        XCTAssertEqual(try site.get("/admin", headers: organizerSession).status, 303, "their sessions ended")
        XCTAssertEqual(try site.get("/admin", headers: try site.signIn("org@example.org")).status, 200, "the password alone again")
    }
}

extension TestApp {
    /// Signs in with the password and then the app's next code (read from the database, as the phone would make it).
    func signIn2FA(_ email: String, test: SecondFactorTests) throws -> [(String, String)] {
        let challenge = try test.passwordStep(email)
        let (key, last) = try XCTUnwrap(
            try app.database.read { db in
                try db.first("SELECT totp_key, totp_last_step FROM users WHERE email = ?", email) {
                    (try $0.get("totp_key", as: [UInt8].self), try $0.get("totp_last_step", as: Int64.self))
                }
            })
        let response = try test.codeStep(challenge, TimeBasedCode(key: key).code(step: max(last + 1, TimeBasedCode.step(at: Date()))))
        return try XCTUnwrap(test.sessionCookie(response))
    }
}
