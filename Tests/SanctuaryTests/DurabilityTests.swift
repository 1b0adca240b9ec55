import Foundation
import Storage
import TestSupport
import XCTest

/// What we acknowledge is on disk: sign from many clients, `kill -9` the server mid-burst,
/// and every signature that got its 303 is in the database, with counts equal to rows.
final class DurabilityTests: XCTestCase {
    func testAcknowledgedSignaturesSurviveKill9() throws {
        let folder = makeTemporaryDirectory()
        let databasePath = folder.appendingPathComponent("crash.sqlite").path
        let (process, port) = try startServer(
            database: databasePath, config: #"{"access_log": "off", "rate_limits": {"signatures_per_minute": 1000000}}"#)
        let token = try RawClient(port: port).signToken("waive-travel-loans")

        let acknowledged = Acknowledged()
        let group = DispatchGroup()
        for worker in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let client = try? RawClient(port: port, receiveTimeout: 2) else { return }
                for n in 0..<100_000 {
                    let email = "w\(worker)-\(n)@example.org"
                    guard let response = try? client.sign("waive-travel-loans", email: email, token: token) else { return }
                    if response.status == 303 { acknowledged.add(email) }
                }
            }.start()
        }
        // Let the burst run, then kill the server without warning.
        let start = Date()
        while acknowledged.count < 300 && Date().timeIntervalSince(start) < 20 { usleep(10_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        let emails = acknowledged.all
        XCTAssertGreaterThan(emails.count, 0)
        print("durability: \(emails.count) acknowledged before kill -9")

        let database = try Database(path: databasePath)
        defer { database.close() }
        let stored = Set(try database.read { try $0.query("SELECT email FROM signatures") { try $0.get("email", as: String.self) } })
        let missing = emails.filter { !stored.contains($0) }
        XCTAssertEqual(missing, [], "every acknowledged signature is on disk")
        let counter = try database.read {
            try $0.scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'", as: Int.self)
        }
        let confirmed = try database.read { try $0.scalar("SELECT count(*) FROM signatures WHERE confirmed_at IS NOT NULL", as: Int.self) }
        XCTAssertEqual(counter, confirmed, "the maintained count equals the confirmed rows")
        // Each acknowledged signature's confirmation mail was written with it.
        let mailed = Set(
            try database.read {
                try $0.query("SELECT recipient FROM outbox WHERE kind = 'signature.confirm'") { try $0.get("recipient", as: String.self) }
            })
        XCTAssertEqual(emails.filter { !mailed.contains($0) }, [], "every acknowledged signature has its mail in the outbox")
    }
}

extension XCTestCase {
    /// The real `sanctuary` binary, serving `database` with `config` on a free port.
    func startServer(database: String, config: String) throws -> (Process, Int) {
        guard SanctuaryBinary.isBuilt else { throw XCTSkip("binary not built") }
        let configPath = (database as NSString).deletingLastPathComponent + "/config-\(UUID().uuidString).json"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        return try SanctuaryBinary.serve(["--db", database, "--config", configPath])
    }
}

extension DurabilityTests {
    /// Mail queued when the server is killed is delivered after the restart: nothing lost,
    /// and nothing the SMTP server had accepted sent again but what was in flight at the kill,
    /// whose acceptance had not been recorded yet. Held back by the rate, each outcome is
    /// recorded as it comes: one message, two if the relay took longer than the interval.
    func testQueuedMailSurvivesKill9() throws {
        let smtp = try SMTPTestServer()
        defer { smtp.stop() }
        let folder = makeTemporaryDirectory()
        let databasePath = folder.appendingPathComponent("mail.sqlite").path
        let config = { (rate: Int) in
            #"{"access_log": "off", "rate_limits": {"signatures_per_minute": 1000000}, "mail": {"smtp_url": "\#(smtp.url)", "max_per_second": \#(rate)}}"#
        }
        var (process, port) = try startServer(database: databasePath, config: config(40))
        let token = try RawClient(port: port).signToken("waive-travel-loans")
        let client = try RawClient(port: port)
        var acknowledged: [String] = []
        for n in 0..<150 {
            let email = "queued\(n)@example.org"
            if try client.sign("waive-travel-loans", email: email, token: token).status == 303 { acknowledged.append(email) }
        }
        XCTAssertEqual(acknowledged.count, 150)
        // Kill it while the sender is part-way through (40 a second: a few seconds of work).
        _ = try? smtp.waitForMessages(20)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = smtp.messages().count
        XCTAssertLessThan(before, 150, "killed before the outbox was empty")

        (process, port) = try startServer(database: databasePath, config: config(1000))
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let received = try smtp.waitForMessages(150, timeout: 60)
        Thread.sleep(forTimeInterval: 0.5)
        let recipients = smtp.messages().flatMap(\.recipients)
        XCTAssertEqual(Set(acknowledged).subtracting(recipients), [], "every queued mail was delivered")
        XCTAssertLessThanOrEqual(recipients.count - Set(recipients).count, 2, "at most what was in flight went twice")
        XCTAssertGreaterThanOrEqual(received.count, 150)
        print("durability: \(before) mails delivered before kill -9, \(recipients.count - before) after the restart")
    }
}

final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var emails: [String] = []
    func add(_ email: String) {
        lock.lock()
        emails.append(email)
        lock.unlock()
    }
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return emails.count
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return emails
    }
}
