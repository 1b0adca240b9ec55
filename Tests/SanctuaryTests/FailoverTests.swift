import Foundation
import Postgres
import Sanctuary
import Storage
import Synchronization
import TestSupport
import XCTest

/// A primary with a synchronous standby dies in the middle of a signing burst: the standby
/// is promoted, the site finds it by itself, every signature it acknowledged is there, and
/// meanwhile visitors are told to come back (`503` with `Retry-After`), never shown a broken
/// page or kept waiting.
final class FailoverTests: XCTestCase {
    func testKillingThePrimaryMidBurstLosesNoAcknowledgedSignature() throws {
        try TestEngine.require(.postgres, because: "a failover is PostgreSQL's: a SQLite file has no standby")
        let pair: PostgresPair
        do { pair = try PostgresPair() } catch let missing as PostgresTestServer.Unavailable { throw XCTSkip(missing.description) }
        defer { pair.stop() }
        let site = try TestApp(sampleContent: true) {
            $0.database = pair.url
            $0.confirmSignatures = false
            $0.signaturesPerMinute = 1_000_000
        }
        defer { site.stop() }
        let slug = "waive-travel-loans"
        let token = try site.signToken(slug)

        struct Answer: Sendable {
            let email: String
            let status: Int
            let retryAfter: String?
            let seconds: Double
        }
        let answers = Mutex<[Answer]>([])
        let stopping = Atomic<Bool>(false)
        let lanes = DispatchGroup()
        for lane in 0..<4 {
            DispatchQueue.global().async(group: lanes) {
                var index = 0
                while !stopping.load(ordering: .acquiring) {
                    index += 1
                    let email = "lane\(lane)-\(index)@example.org"
                    let started = Date()
                    let answer = try? site.sign(slug, ["email": email], token: token)
                    answers.withLock {
                        $0.append(
                            Answer(
                                email: email, status: answer?.status ?? -1, retryAfter: answer?.header("Retry-After"),
                                seconds: Date().timeIntervalSince(started)))
                    }
                    if answer?.status != 303 { usleep(50_000) }
                }
            }
        }
        func acknowledged() -> Int { answers.withLock { $0.filter { $0.status == 303 }.count } }
        try waitUntil(timeout: 20) { acknowledged() >= 50 }
        try pair.killPrimary()
        let killedAt = answers.withLock { $0.count }
        Thread.sleep(forTimeInterval: 1)
        try pair.promoteStandby()
        let before = acknowledged()
        try waitUntil(timeout: 30) { acknowledged() >= before + 50 }
        stopping.store(true, ordering: .releasing)
        XCTAssertEqual(lanes.wait(timeout: .now() + 30), .success, "no request hangs")

        let all = answers.withLock { $0 }
        let signed = Set(all.filter { $0.status == 303 }.map(\.email))
        let refused = all.filter { $0.status != 303 }
        XCTAssertGreaterThan(all.count, killedAt, "the burst went on through the switch")
        XCTAssertFalse(refused.isEmpty, "some requests met the switch")
        for answer in refused {
            XCTAssertEqual(answer.status, 503, "\(answer.email): told to come back, never a 500 (or a dropped connection)")
            XCTAssertNotNil(answer.retryAfter, "\(answer.email): with Retry-After")
        }
        let longest = all.map(\.seconds).max() ?? 0
        XCTAssertLessThan(longest, 15, "no request waited long")
        print("failover: \(signed.count) signatures acknowledged, \(refused.count) answers 503 during the switch, longest \(longest) s")

        let promoted = try PGConnection(url: pair.standbyURL)
        let stored = Set(try promoted.query("SELECT email FROM signatures") { try $0.get("email", as: String.self) })
        XCTAssertEqual(signed.subtracting(stored), [], "every signature that got its thank-you page is in the promoted database")
        let count = try promoted.scalar("SELECT signature_count FROM petitions WHERE slug = ?", [slug], as: Int.self)
        let rows = try promoted.scalar(
            "SELECT count(*) FROM signatures s JOIN petitions p ON p.id = s.petition_id WHERE p.slug = ? AND confirmed_at IS NOT NULL",
            [slug],
            as: Int.self)
        XCTAssertEqual(count, rows, "the total equals its rows on the promoted database")
    }
}
