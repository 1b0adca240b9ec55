import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

/// The hardening issue's findings in the application, each over real HTTP against a real
/// SQLite file, each failing before its fix.
final class AppHardeningTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.signaturesPerMinute = 1000
            $0.passwordCost = 10
        }
    }
    override func tearDown() { site?.stop() }

    func staff(_ role: StaffUser.Role = .admin, email: String = "admin@example.org", on site: TestApp? = nil) throws -> (
        cookie: [(String, String)], csrf: String
    ) {
        let site = site ?? self.site!
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in try StaffStore.create(db, email: email, name: "", role: role, passwordHash: hash) }
        let cookie = try site.signIn(email)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/resources", headers: cookie).text))
        return (cookie, csrf)
    }

    func count(_ sql: String) throws -> Int {
        try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1
    }

    /// Resources staff added (the sample content's resource pack is there from the start).
    func addedResources() throws -> Int {
        try count("SELECT count(*) FROM resources WHERE id > (SELECT max(id) FROM resources WHERE title LIKE 'Briefing note:%')")
    }

    /// Files in the resources folder beside the sample content's own.
    func addedResourceFiles() throws -> [String] {
        let sample = try count("SELECT id FROM resources WHERE title LIKE 'Briefing note:%'")
        return try FileManager.default.contentsOfDirectory(atPath: site.app.resourcesDirectory).filter { $0 != String(sample) }
    }

    // MARK: One-request crashes

    /// `(page - 1) * pageSize` with a page near `Int.max` trapped and stopped the server.
    /// Every long-lived thread carries a system name, so `top -H` and `perf` tell them apart.
    func testTheServersThreadsCarryTheirNames() throws {
        func names() -> Set<String> {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return Set(
                tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }.map {
                    $0.trimmingCharacters(in: .whitespacesAndNewlines)
                })
        }
        // SQLite's checkpoints have a thread, PostgreSQL's commit listener another.
        let expected: Set = [
            "sanctuary-io-0", "sanctuary-write", "sanctuary-mail", TestEngine.current == .postgres ? "sanctuary-lsn" : "sanctuary-ckpt",
        ]
        // Threads name themselves once they run, a moment after the server starts.
        try waitUntil(timeout: 10) { names().isSuperset(of: expected) }
        XCTAssertTrue(names().isSuperset(of: expected), "\(names().sorted())")
    }

    func testAHugePageNumberIsA404NotACrash() throws {
        for page in ["9223372036854775807", "922337203685477580", "1000000000000000000"] {
            XCTAssertEqual(try site.get("/news?page=\(page)").status, 404, page)
            XCTAssertEqual(try site.get("/fr/news?page=\(page)").status, 404, page)
        }
        XCTAssertEqual(try site.get("/news?page=-9223372036854775808").status, 301)
        XCTAssertEqual(try site.get("/news").status, 200, "still serving")
    }

    /// A negative suffix range made a range that ended before it started: a trap.
    func testNegativeRangesOnFilesAndResourcesAreIgnored() throws {
        for range in ["bytes=--5", "bytes=-9223372036854775808", "bytes=-+1"] {
            let response = try site.get("/css/site.css", headers: [("Range", range)])
            XCTAssertEqual(response.status, 200, range)
        }
        let (cookie, csrf) = try staff()
        let upload = try upload(kit, csrf: csrf, cookie: cookie)
        XCTAssertEqual(upload.status, 303, upload.text)
        let id = try count("SELECT max(id) FROM resources")
        XCTAssertEqual(try site.get("/resources/\(id)/kit.pdf", headers: [("Range", "bytes=--5")]).status, 200)
        XCTAssertEqual(try site.get("/resources/\(id)/kit.pdf", headers: [("Range", "bytes=-3")]).text, "llo")
    }

    // MARK: Uploads

    func upload(_ body: [UInt8], csrf: String?, cookie: [(String, String)], boundary: String = "B", sendBody: Bool = true) throws
        -> ClientResponse
    {
        let client = try site.client()
        let target = csrf.map { "/admin/resources?_csrf=\($0)" } ?? "/admin/resources"
        var head =
            "POST \(target) HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in cookie { head += "\(name): \(value)\r\n" }
        client.send(head + "\r\n")
        if sendBody { client.send(body) }
        return try client.readResponse()
    }

    /// A small PDF upload, titled "Kit", as the form sends it (boundary `B`).
    let kit = Array(
        "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nKit\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kit.pdf\"\r\n\r\n%PDF-1.4 hello\r\n--B--\r\n"
            .utf8)

    var spoolFiles: [String] { (try? FileManager.default.contentsOfDirectory(atPath: site.app.config.spoolDirectory)) ?? ["missing"] }

    /// An anonymous visitor's upload is answered from its head: nothing of it is read or stored.
    func testUploadsAreCheckedBeforeTheirBodyIsRead() throws {
        let body = [UInt8](repeating: 65, count: 2_000_000)
        let anonymous = try upload(body, csrf: nil, cookie: [], sendBody: false)
        XCTAssertEqual(anonymous.status, 303, "to the login page, without waiting for the body")
        XCTAssertEqual(anonymous.header("Location"), "/admin/login")
        let (cookie, _) = try staff()
        let forged = try upload(body, csrf: "forged", cookie: cookie, sendBody: false)
        XCTAssertEqual(forged.status, 403)
        let (editorCookie, editorCSRF) = try staff(.editor, email: "ed@example.org")
        _ = (editorCookie, editorCSRF)
        XCTAssertEqual(spoolFiles, [])
        XCTAssertEqual(try addedResources(), 0)
    }

    /// A body with a bad part late in it left every earlier part's file behind for ever.
    func testABadMultipartBodyLeavesNoFiles() throws {
        let (cookie, csrf) = try staff()
        var text = ""
        for i in 0..<50 { text += "--B\r\nContent-Disposition: form-data; name=\"f\(i)\"; filename=\"f\(i).pdf\"\r\n\r\n%PDF-\(i)\r\n" }
        text += "--B\r\nno headers end here"
        XCTAssertEqual(try upload(Array(text.utf8), csrf: csrf, cookie: cookie).status, 400)
        XCTAssertEqual(spoolFiles, [])
        XCTAssertEqual(try addedResourceFiles(), [])
    }

    /// With the data folder on another file system than `/tmp` (a tmpfs), every upload once
    /// failed with 500: parts were written to `/tmp` and renamed into the data folder.
    func testUploadsWorkWhenTheDataFolderIsOnAnotherFileSystem() throws {
        guard FileManager.default.fileExists(atPath: "/dev/shm") else { throw XCTSkip("no /dev/shm here") }
        site.stop()
        let folder = "/dev/shm/sanctuary-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        site = try TestApp(sampleContent: true) {
            $0.database = folder + "/data/site.sqlite"
            $0.passwordCost = 10
        }
        let (cookie, csrf) = try staff()
        let response = try upload(kit, csrf: csrf, cookie: cookie)
        XCTAssertEqual(response.status, 303, response.text)
        XCTAssertEqual(try addedResources(), 1)
        XCTAssertEqual(spoolFiles, [])
    }

    // MARK: Files and retention

    func testTheDatabaseAndDataFolderAreTheServersUsersOnly() throws {
        site.stop()
        let base = makeTemporaryDirectory().path
        site = try TestApp(sampleContent: false) { $0.database = base + "/new-data/site.sqlite" }
        func mode(_ path: String) throws -> Int {
            try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) & 0o777
        }
        XCTAssertEqual(try mode(base + "/new-data"), 0o700)
        XCTAssertEqual(try mode(base + "/new-data/site.sqlite"), 0o600)
        XCTAssertEqual(try mode(base + "/new-data/site.sqlite-wal"), 0o600)
        XCTAssertEqual(try mode(site.app.config.spoolDirectory), 0o700)
        XCTAssertEqual(try mode(site.app.resourcesDirectory), 0o700)
    }

    func makeLetter() throws -> String {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/letters/waive-travel-loans-mp").text))
        let response = try site.post(
            "/letters/waive-travel-loans-mp",
            [
                ("_csrf", token), ("city", "Ottawa"), ("email", "z@example.org"),
                ("name", "Zoë"), ("postal_code", "K1A 0B1"), ("street_address", "1 Main St"),
            ])
        XCTAssertEqual(response.status, 303)
        return try XCTUnwrap(response.header("Location"))
    }

    /// Letters past `letters.retention_days` stayed readable until somebody made a new letter.
    func testALetterPastItsRetentionIsGoneOnRead() throws {
        let location = try makeLetter()
        let page = try site.get(location)
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.header("Referrer-Policy"), "no-referrer", "the middleware once replaced it: the URL holds a secret")
        XCTAssertEqual(try site.get(location + ".txt").header("Referrer-Policy"), "no-referrer")
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE letters SET created_at = ?", Timestamp.format(Date().addingTimeInterval(-31 * 86_400)))
        }
        XCTAssertEqual(try site.get(location).status, 404)
        XCTAssertEqual(try site.get(location + ".txt").status, 404)
        XCTAssertEqual(try site.get(location + ".docx").status, 404)
    }

    func testLettersPastTheirRetentionArePurgedOnATimer() throws {
        site.stop()
        site = try TestApp(sampleContent: true) { $0.maintenanceSeconds = 0.1 }
        _ = try makeLetter()
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE letters SET created_at = ?", Timestamp.format(Date().addingTimeInterval(-31 * 86_400)))
        }
        var left = 1
        for _ in 0..<100 where left > 0 {
            Thread.sleep(forTimeInterval: 0.05)
            left = try count("SELECT count(*) FROM letters")
        }
        XCTAssertEqual(left, 0, "purged with no new letter made")
        XCTAssertEqual(try count("SELECT letter_count FROM letter_campaigns WHERE slug = 'waive-travel-loans-mp'"), 1, "the count stays")
    }

    // MARK: Forms

    /// `/language/en?next=/<TAB>/evil.example`: browsers strip the tab and go to //evil.example.
    func testTheLanguageSwitchOnlyGoesToLocalPaths() throws {
        for next in [
            "/%09/evil.example", "/%0a/evil.example", "%2F%2Fevil.example", "/%5Cevil.example", "https://evil.example",
            "/%20/evil.example", "/%E2%80%8B/evil.example",
        ] {
            XCTAssertEqual(try site.get("/language/fr?next=\(next)").header("Location"), "/fr/", next)
        }
        XCTAssertEqual(try site.get("/language/fr?next=%2Fpetitions%3Fx%3D1").header("Location"), "/fr/petitions?x=1")
    }

    /// With `Host: [::1]:8080` the Origin check was skipped: a cross-site POST went through.
    func testTheOriginCheckWorksWithAnIPv6Host() throws {
        func sign(origin: String) throws -> Int {
            let body = FormHelper.encode([
                ("_csrf", try site.signToken("waive-travel-loans")), ("email", "v6@example.org"), ("first_name", "A"),
                ("last_name", "B"), ("postal_code", "K1A 0B1"), ("website", ""),
            ])
            let client = try site.client()
            client.send(
                "POST /petitions/waive-travel-loans/sign HTTP/1.1\r\nHost: [::1]:8080\r\nOrigin: \(origin)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            return try client.readResponse().status
        }
        XCTAssertEqual(try sign(origin: "https://evil.example"), 403)
        XCTAssertEqual(try sign(origin: "http://[::2]:8080"), 403)
        XCTAssertEqual(try count("SELECT count(*) FROM signatures"), 0)
        XCTAssertEqual(try sign(origin: "http://[::1]:8080"), 303)
    }

    /// A "100 character" name with a thousand combining marks on each character.
    func testLengthLimitsCountBytesToo() throws {
        let heavy = String(repeating: "a" + String(repeating: "\u{301}", count: 1000), count: 100)
        let response = try site.sign("waive-travel-loans", ["first_name": heavy])
        XCTAssertEqual(response.status, 422)
        XCTAssertEqual(try count("SELECT count(*) FROM signatures"), 0)
        XCTAssertEqual(try site.sign("waive-travel-loans", ["first_name": "Zoë-Élodie"]).status, 303, "ordinary accents are fine")
    }

    func testAnIdNamingNoRowIsAMessageByTheField() throws {
        let (cookie, csrf) = try staff()
        let fields = [
            ("_csrf", csrf), ("title", "A post"), ("slug", "a-post"), ("summary", "S"), ("body", "B"), ("author_name", "Ed"),
            ("published_at", ""), ("campaign_id", "424242"), ("state", "published"),
        ]
        let response = try site.post("/admin/news", fields, headers: cookie)
        XCTAssertEqual(response.status, 422)
        XCTAssertTrue(response.text.contains("That one no longer exists"), response.text)
        XCTAssertEqual(try count("SELECT count(*) FROM news WHERE slug = 'a-post'"), 0)
        let body = Array(
            "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nA link\r\n--B\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttps://example.org\r\n--B\r\nContent-Disposition: form-data; name=\"campaign_id\"\r\n\r\n999\r\n--B--\r\n"
                .utf8)
        let upload = try upload(body, csrf: csrf, cookie: cookie)
        XCTAssertEqual(upload.status, 422)
        XCTAssertEqual(try addedResources(), 0)
    }

    func testDisablingAnAccountThatDoesNotExistIsA404() throws {
        let (cookie, csrf) = try staff()
        XCTAssertEqual(try site.post("/admin/accounts/424242/disable", [("_csrf", csrf)], headers: cookie).status, 404)
        XCTAssertEqual(try count("SELECT count(*) FROM audit_log WHERE subject = 'user 424242'"), 0)
    }

    func testRepresentativesSayTheyVaryByAccept() throws {
        XCTAssertTrue(try site.get("/representatives?postal_code=K1A0B1").headers.contains { $0.0 == "Vary" && $0.1 == "Accept" })
        let json = try site.get("/representatives?postal_code=K1A0B1", headers: [("Accept", "application/json")])
        XCTAssertTrue(json.headers.contains { $0.0 == "Vary" && $0.1 == "Accept" })
        XCTAssertTrue(json.text.hasPrefix("{"))
        // And the page cache does not hand the JSON to a browser.
        XCTAssertTrue(try site.get("/representatives?postal_code=K1A0B1").text.contains("<html"))
    }

    // MARK: Sign-in

    /// Checking the throttle before the slow KDF and counting after it let a burst of
    /// parallel guesses all through; now each attempt is counted as it is checked.
    func testParallelWrongPasswordsMeetTheThrottle() throws {
        _ = try staff()
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/login").text))
        let body = FormHelper.encode([("_csrf", token), ("email", "admin@example.org"), ("password", "not the passphrase at all")])
        let clients = try (0..<30).map { _ in try site.client() }
        for client in clients {
            client.send(
                "POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
        }
        let statuses = try clients.map { try $0.readResponse().status }
        XCTAssertLessThanOrEqual(statuses.filter { $0 == 401 }.count, 5, "five guesses per account, however fast they come")
        XCTAssertEqual(statuses.filter { $0 == 429 }.count, 30 - statuses.filter { $0 == 401 }.count)
    }

    /// An account hashed at another cost than the configured one is rehashed at sign-in, so
    /// every account (and the dummy for unknown ones) costs the same to check.
    func testHashesAreBroughtToTheConfiguredCostAtSignIn() throws {
        let old = try PasswordHasher(logN: 11).hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "old@example.org", name: "", role: .editor, passwordHash: old)
        }
        _ = try site.signIn("old@example.org")
        let stored = try XCTUnwrap(try site.app.database.read { try StaffStore.find($0, email: "old@example.org") }?.1)
        XCTAssertEqual(PasswordHasher.parse(stored)?.logN, 10)
        _ = try site.signIn("old@example.org")  // the new hash verifies
    }

    // MARK: Behind a proxy

    func testBehindATrustedProxyEachClientHasItsOwnLimitAndHTTPSIsKnown() throws {
        site.stop()
        site = try TestApp(sampleContent: true) {
            $0.signaturesPerMinute = 2
            $0.limits.trustedProxies = try! TrustedProxies(["127.0.0.1"])
        }
        func sign(_ n: Int, from client: String) throws -> Int {
            try site.sign("waive-travel-loans", ["email": "p\(n)@example.org"], headers: [("X-Forwarded-For", client)]).status
        }
        XCTAssertEqual(try sign(1, from: "203.0.113.1"), 303)
        XCTAssertEqual(try sign(2, from: "203.0.113.1"), 303)
        XCTAssertEqual(try sign(3, from: "203.0.113.1"), 429)
        XCTAssertEqual(try sign(4, from: "203.0.113.2"), 303, "another visitor behind the same proxy")
        let page = try site.get("/petitions/waive-travel-loans", headers: [("X-Forwarded-Proto", "https")])
        XCTAssertTrue(page.text.contains("https://127.0.0.1:8080/petitions/waive-travel-loans"), "share links say https")
        let choice = try site.get("/language/fr?next=/", headers: [("X-Forwarded-Proto", "https")])
        XCTAssertTrue(choice.header("Set-Cookie")?.contains("Secure") == true)
        XCTAssertFalse(try site.get("/language/fr?next=/").header("Set-Cookie")?.contains("Secure") == true)
    }

    /// One subscriber holds a whole IPv6 /64 and may sign from any address in it: limits count
    /// the /64, as the connection cap does.
    func testSignaturesAndSignInsFromOneIPv6SlashSixtyFourMeetOneLimit() throws {
        site.stop()
        site = try TestApp(sampleContent: true) {
            $0.signaturesPerMinute = 60
            $0.limits.trustedProxies = try! TrustedProxies(["127.0.0.1"])
            // The sign-in guesses below are about the limit, not the hash: a cheap one, so a
            // busy machine answers each within the client's wait.
            $0.passwordCost = 10
        }
        var statuses: [Int] = []
        for n in 1...70 {
            let client = "2001:db8:7:1::\(String(n, radix: 16))"
            statuses.append(
                try site.sign("waive-travel-loans", ["email": "v6-\(n)@example.org"], headers: [("X-Forwarded-For", client)]).status)
        }
        XCTAssertEqual(statuses.filter { $0 == 303 }.count, 60, "\(statuses)")
        XCTAssertEqual(statuses.filter { $0 == 429 }.count, 10)
        XCTAssertEqual(
            try site.sign("waive-travel-loans", ["email": "next-door@example.org"], headers: [("X-Forwarded-For", "2001:db8:7:2::1")])
                .status,
            303, "the next /64 is somebody else")
        // Sign-in guesses rotated through the /64: 10 from one address (key), then 429.
        var logins: [Int] = []
        for n in 1...12 {
            let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/login").text))
            logins.append(
                try site.post(
                    "/admin/login", [("_csrf", token), ("email", "guess\(n)@example.org"), ("password", "wrong")],
                    headers: [("X-Forwarded-For", "2001:db8:9:9:\(n)::1")]
                ).status)
        }
        XCTAssertEqual(logins.suffix(2), [429, 429], "\(logins)")
        XCTAssertEqual(ClientKey.of("2001:db8:7:1:ffff::1"), "2001:db8:7:1::/64")
        XCTAssertEqual(ClientKey.of("203.0.113.7"), "203.0.113.7")
        XCTAssertEqual(ClientKey.of("::ffff:203.0.113.7"), "::ffff:203.0.113.7")
    }

    func testWithoutTrustedProxiesForwardedHeadersAreIgnored() throws {
        site.stop()
        site = try TestApp(sampleContent: true) { $0.signaturesPerMinute = 2 }
        for (n, status) in [(1, 303), (2, 303), (3, 429)] {
            let response = try site.sign(
                "waive-travel-loans", ["email": "q\(n)@example.org"], headers: [("X-Forwarded-For", "198.51.100.\(n)")])
            XCTAssertEqual(response.status, status, "a spoofed address is not a new visitor")
        }
        let page = try site.get("/petitions/waive-travel-loans", headers: [("X-Forwarded-Proto", "https")])
        XCTAssertFalse(page.text.contains("https://127.0.0.1"))
    }

    func testTrustedProxiesComeFromConfigurationAndTheEnvironment() throws {
        let config = try AppConfig.load(root: packageRoot, environment: ["SANCTUARY_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"])
        XCTAssertTrue(config.limits.trustedProxies.contains("10.2.3.4"))
        XCTAssertThrowsError(try AppConfig.load(root: packageRoot, environment: ["SANCTUARY_TRUSTED_PROXIES": "10.0.0.0/40"])) { error in
            XCTAssertTrue("\(error)".contains("SANCTUARY_TRUSTED_PROXIES"))
        }
        let file = makeTemporaryDirectory().appendingPathComponent("c.json")
        try #"{"trusted_proxies": ["::1", "192.168.1.0/24"], "limits": {"connections_per_address": 50, "buffered_body_bytes": 1048576}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try AppConfig.load(root: packageRoot, file: file)
        XCTAssertTrue(fromFile.limits.trustedProxies.contains("192.168.1.9"))
        XCTAssertEqual(fromFile.limits.maxConnectionsPerAddress, 50)
        XCTAssertEqual(fromFile.limits.bufferedBodyBudget, 1 << 20)
    }

    // MARK: Markdown

    /// 100,000 `[` took minutes: each one searched the rest of the text for its `]`.
    func testPathologicalMarkdownRendersAndStaysCorrect() {
        for input in [
            String(repeating: "[", count: 100_000), String(repeating: "*", count: 100_000), String(repeating: "`", count: 100_001),
            String(repeating: "[a](", count: 25_000), String(repeating: "- item\n", count: 20_000), String(repeating: "**a", count: 30_000),
        ] {
            XCTAssertFalse(Markdown.render(input).rendered.isEmpty)
        }
        XCTAssertEqual(
            Markdown.render("**bold *and em* here** and `co*de*` [a *link*](https://example.org) [bad](javascript:alert(1))").rendered,
            "<p><strong>bold <em>and em</em> here</strong> and <code>co*de*</code> <a href=\"https://example.org\">a <em>link</em></a> bad)</p>"
        )
        XCTAssertEqual(
            Markdown.render("- a\n- b\n1. c\n\n> q\n> r").rendered,
            "<ul><li>a</li><li>b</li></ul>\n<ol><li>c</li></ol>\n<blockquote><p>q\nr</p></blockquote>")
        XCTAssertEqual(Markdown.render("<script>&\"").rendered, "<p>&lt;script&gt;&amp;&quot;</p>")
    }

    func testTheFeedIsKeptByThePageCache() throws {
        XCTAssertTrue(try site.get("/news.atom").header("Cache-Control")?.contains("s-maxage") == true)
    }
}
