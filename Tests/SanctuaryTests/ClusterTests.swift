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
