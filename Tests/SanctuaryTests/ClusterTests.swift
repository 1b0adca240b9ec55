import Foundation
import Sanctuary
import Storage
import Synchronization
import TestSupport
import XCTest

/// Three nodes on one PostgreSQL, each a whole application with its own writer, caches,
/// rate limiters and mail sender, as three `sanctuary serve` processes would be: what a
/// visitor does on one is what every other sees, and nothing is done twice.
final class ClusterTests: XCTestCase {
    var nodes: [TestApp] = []
    var smtp: SMTPTestServer!

    override func tearDown() {
        for node in nodes { node.stop() }
        smtp?.stop()
    }

    /// Starts three nodes at once on one new database and one shared data folder.
    func startNodes(signaturesPerMinute: Int = 100_000, confirm: Bool = true) throws {
        try TestEngine.require(.postgres, because: "several nodes share one PostgreSQL; a SQLite file is one process's")
        let url = try PostgresTestServer.database()
        let shared = makeTemporaryDirectory().path
        smtp = try SMTPTestServer()
        let smtpURL = smtp.url
        let made = Mutex<[Int: Result<TestApp, any Error>]>([:])
        // At once, as three services started together: migrations, keys and the sample
        // content must still be made once.
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            let node = Result {
                try TestApp(sampleContent: true) {
                    $0.database = url
                    $0.dataFolder = shared
                    $0.confirmSignatures = confirm
                    $0.smtpURL = smtpURL
                    $0.signaturesPerMinute = signaturesPerMinute
                    $0.mailRetrySeconds = 0.2
                    $0.mailMaxPerSecond = 1000
                    $0.passwordCost = 10
                }
            }
            made.withLock { $0[index] = node }
        }
        nodes = try (0..<3).map { index in try XCTUnwrap(made.withLock { $0[index] }).get() }
    }

    func testASigningBurstOverThreeNodesCountsEverySignatureOnceAndMailsEachSignerOnce() throws {
        try startNodes()
        let slug = "waive-travel-loans"
        let counts = try nodes[0].app.database.read { db in
            (try db.scalar("SELECT count(*) FROM petitions", as: Int.self), try db.scalar("SELECT count(*) FROM events", as: Int.self))
        }
        XCTAssertEqual(counts.0, 2, "the sample content's two petitions, loaded once though three nodes started together")
        XCTAssertEqual(counts.1, 3, "and its three events")
        let before = try nodes[0].petitionJSON(slug)["signature_count"] as? Int ?? -1

        // 150 signers, each on the node after the last, six at a time.
        let signers = (0..<150).map { "signer\($0)@example.org" }
        let statuses = Mutex<[Int]>([])
        let nodes = self.nodes
        DispatchQueue.concurrentPerform(iterations: 6) { lane in
            for index in stride(from: lane, to: signers.count, by: 6) {
                let node = nodes[index % 3]
                let status = (try? node.sign(slug, ["email": signers[index]]).status) ?? -1
                statuses.withLock { $0.append(status) }
            }
        }
        XCTAssertEqual(statuses.withLock { $0 }.filter { $0 == 303 }.count, signers.count, "every signature acknowledged")

        // Each confirmation mail goes once, though three senders share the outbox.
        let mails = try smtp.waitForMessages(signers.count, timeout: 60)
        Thread.sleep(forTimeInterval: 1)
        let received = smtp.messages().flatMap(\.recipients)
        XCTAssertEqual(received.count, signers.count, "no message sent twice (\(mails.count) first seen)")
        XCTAssertEqual(Set(received), Set(signers))

        // Each signer confirms on another node than the one signed on.
        for (index, signer) in signers.enumerated() {
            let link = try XCTUnwrap(smtp.messages(to: signer).first?.link(containing: "/confirm/"))
            let path = String(link.dropFirst(nodes[0].app.config.publicBaseURL.count))
            XCTAssertEqual(try nodes[(index + 1) % 3].press(path).status, 303, signer)
        }
        try waitUntil(timeout: 5) { try self.nodes[2].petitionJSON(slug)["signature_count"] as? Int == before + signers.count }
        for node in nodes {
            XCTAssertEqual(try node.petitionJSON(slug)["signature_count"] as? Int, before + signers.count, "every node shows the total")
        }
        let (kept, rows) = try nodes[1].app.database.read { db in
            (
                try db.scalar("SELECT signature_count FROM petitions WHERE slug = ?", slug, as: Int.self),
                try db.scalar(
                    "SELECT count(*) FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE p.slug = ? AND s.confirmed_at IS NOT NULL",
                    slug, as: Int.self)
            )
        }
        XCTAssertEqual(kept, rows, "the kept total equals the rows")
        XCTAssertEqual(try nodes[0].app.database.read { try CounterStore.check($0) }.differences, [])
    }

    func testARateLimitOfNAMinuteAdmitsNFromOneAddressNotThreeN() throws {
        try startNodes(signaturesPerMinute: 10, confirm: false)
        var admitted = 0
        for index in 0..<30 {
            let answer = try nodes[index % 3].sign("waive-travel-loans", ["email": "limited\(index)@example.org"])
            if answer.status == 303 { admitted += 1 } else { XCTAssertEqual(answer.status, 429) }
        }
        XCTAssertGreaterThanOrEqual(admitted, 10)
        XCTAssertLessThanOrEqual(admitted, 12, "about ten a minute from one address over three nodes, not thirty")
    }

    func testAStaffEditOnOneNodeShowsOnTheOthersWithinASecond() throws {
        try startNodes(confirm: false)
        let hash = try nodes[0].app.passwordHasher.hash("a long enough passphrase")
        try nodes[0].app.database.writeAndWait { db in
            try StaffStore.create(db, email: "admin@example.org", name: "", role: .admin, passwordHash: hash)
        }
        for node in nodes { XCTAssertEqual(try node.get("/").status, 200) }  // every node's page cache holds the home page
        let cookie = try nodes[1].signIn("admin@example.org")
        for node in nodes {
            XCTAssertEqual(try node.get("/admin", headers: cookie).status, 200, "a session one node made is good on every node")
        }
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try nodes[1].get("/admin/settings", headers: cookie).text))
        let saved = try nodes[1].post(
            "/admin/settings", [("_csrf", token), ("title", "Council for Refugees"), ("tagline", "Edited on node two."), ("accent", "")],
            headers: cookie)
        XCTAssertEqual(saved.status, 303)
        // Within about a second (the page cache's life, the settings' follow-up); three at most.
        for node in [nodes[0], nodes[2]] {
            try waitUntil(timeout: 3) { try node.get("/").text.contains("Edited on node two.") }
        }
    }
}

/// Three `sanctuary serve` processes on one PostgreSQL behind a real nginx, as deploy/README.md
/// sets them up: a visitor's requests land on any node, one after another.
final class ClusterProcessTests: XCTestCase {
    var servers: [Process] = []
    var nginx: NginxTestServer?

    override func tearDown() {
        for server in servers where server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        nginx?.stop()
    }

    func testThreeServeProcessesBehindNginxShareTokensSessionsLimitsCountsAndCaches() throws {
        try TestEngine.require(.postgres, because: "several serve processes share one PostgreSQL; a SQLite file is one process's")
        guard SanctuaryBinary.isBuilt else { throw XCTSkip("the sanctuary binary is not built") }
        let url = try PostgresTestServer.database()
        let folder = makeTemporaryDirectory()
        let config = folder.appendingPathComponent("config.json").path
        try """
        {"access_log": "off", "sample_content": true, "data_directory": "\(folder.path)/data", "backup": {"every_hours": 0},
         "petitions": {"confirm_signatures": false}, "rate_limits": {"signatures_per_minute": 30},
         "security": {"password_scrypt_log_n": 10}}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        // Started together, as three units at boot: one migrates and seeds, the others wait.
        let started = Mutex<[Result<(Process, Int), any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let node = Result { try SanctuaryBinary.serve(["--db", url, "--config", config]) }
            started.withLock { $0.append(node) }
        }
        let nodes = try started.withLock { $0 }.map { try $0.get() }
        servers = nodes.map(\.0)
        let ports = nodes.map(\.1)
        let front = try NginxTestServer(upstream: ports)
        nginx = front
        let site = Endpoint(port: front.port)
        let slug = "waive-travel-loans"
        XCTAssertEqual(try count("SELECT count(*) FROM petitions", in: url), 2, "sample content loaded once")

        // A burst from one address, six at a time, each request on the next node: a form token
        // any node issued is good on every node, and the limit of 30 a minute holds over all three.
        let before = try site.total(slug)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/petitions/\(slug)").text))
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { lane in
            for index in stride(from: lane, to: 90, by: 6) {
                let status = (try? RawClient(port: front.port).sign(slug, email: "burst\(index)@example.org", token: token).status) ?? -1
                statuses.withLock { $0.append(status) }
            }
        }
        let answers = statuses.withLock { $0 }
        let admitted = answers.filter { $0 == 303 }.count
        XCTAssertEqual(answers.filter { $0 != 303 && $0 != 429 }, [], "every answer a 303 or a 429")
        XCTAssertGreaterThanOrEqual(admitted, 30)
        XCTAssertLessThanOrEqual(admitted, 33, "about 30 a minute from one address over three nodes, not 90")
        for port in ports {
            try waitUntil(timeout: 5) { try Endpoint(port: port).total(slug) == before + admitted }
        }
        XCTAssertEqual(
            try count(
                "SELECT count(*) FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE p.slug = 'waive-travel-loans'", in: url),
            before + admitted, "the kept total equals the rows")

        // A staff member signs in through nginx (the form from one node, the post to another),
        // edits the settings, and every node shows the edit within a second or so.
        let created = try SanctuaryBinary.run(
            ["user", "create", "--db", url, "--config", config, "--email", "admin@example.org", "--role", "admin"],
            input: "a long enough passphrase\n")
        XCTAssertEqual(created.status, 0, created.output)
        for port in ports {
            XCTAssertTrue(try Endpoint(port: port).get("/").text.contains("<html"), "each node's cache holds the home page")
        }
        let login = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/login").text))
        let signedIn = try site.post(
            "/admin/login", [("_csrf", login), ("email", "admin@example.org"), ("password", "a long enough passphrase")])
        let cookie = try XCTUnwrap(signedIn.header("Set-Cookie")?.split(separator: ";").first.map(String.init), "\(signedIn.status)")
        for port in ports { XCTAssertEqual(try Endpoint(port: port).get("/admin", headers: [("Cookie", cookie)]).status, 200) }
        let form = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/settings", headers: [("Cookie", cookie)]).text))
        let saved = try site.post(
            "/admin/settings", [("_csrf", form), ("title", "Council for Refugees"), ("tagline", "Edited behind nginx."), ("accent", "")],
            headers: [("Cookie", cookie)])
        XCTAssertEqual(saved.status, 303)
        for port in ports {
            try waitUntil(timeout: 3) { try Endpoint(port: port).get("/").text.contains("Edited behind nginx.") }
        }
    }
}

/// Requests to a server by port, each on a fresh connection.
private struct Endpoint {
    let port: Int

    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil) throws -> ClientResponse {
        let client = try RawClient(port: port)
        var text = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        client.send(text + "\r\n" + (body ?? ""))
        return try client.readResponse()
    }

    func get(_ target: String, headers: [(String, String)] = []) throws -> ClientResponse { try request("GET", target, headers: headers) }

    func post(_ target: String, _ fields: [(String, String)], headers: [(String, String)] = []) throws -> ClientResponse {
        try request(
            "POST", target, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, body: FormHelper.encode(fields))
    }

    /// The petition's public total.
    func total(_ slug: String) throws -> Int {
        let json = try JSONSerialization.jsonObject(with: Data(try get("/petitions/\(slug).json").body)) as? [String: Any]
        return try XCTUnwrap(json?["signature_count"] as? Int)
    }
}

/// One number read straight from the database, as an operator's psql would.
private func count(_ sql: String, in url: String) throws -> Int {
    let database = try Database(postgres: url, readers: 1)
    defer { database.close() }
    return try database.read { try $0.scalar(sql, as: Int.self) } ?? -1
}
