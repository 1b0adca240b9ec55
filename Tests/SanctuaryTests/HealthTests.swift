import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// Health that means something: `/healthz?detail` (for the site's own monitoring), the
/// dashboard and `/metrics` say when backups stop being written or the mail relay refuses
/// everything, with what to do.
final class HealthTests: XCTestCase {
    var smtp: SMTPTestServer!
    var site: TestApp!

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    func testABackupFolderThatCannotBeWrittenAndARelayThatRefusesEverythingAreSeenAndSaid() throws {
        try TestEngine.require(.sqlite, because: "rotating backups are SQLite's; PostgreSQL's copies are its own tools'")
        smtp = try SMTPTestServer()
        try "mail 530 5.7.0 Authentication required".write(
            to: smtp.directory.appendingPathComponent("fault"), atomically: true, encoding: .utf8)
        let url = smtp.url
        let data = makeTemporaryDirectory()
        // A file where the backups' folder should be: every backup fails.
        XCTAssertTrue(
            FileManager.default.createFile(atPath: data.appendingPathComponent("backups").path, contents: Data("not a folder".utf8)))
        site = try TestApp(sampleContent: true) {
            $0.dataFolder = data.path
            $0.backupEveryHours = 0.0005  // every 1.8 s: missing after 3.6 s
            $0.confirmSignatures = true
            $0.smtpURL = url
            $0.mailRetrySeconds = 0.2
            $0.mailScheduleSeconds = 0.2
            $0.passwordCost = 10
            $0.healthMailSeconds = 0.2
        }
        try site.addStaff(["admin@example.org": "admin"])
        let plain = try site.get("/healthz")
        XCTAssertEqual(plain.status, 200)
        XCTAssertEqual(plain.text, "ok\n", "the plain check stays cheap and says only ok")

        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "someone@example.org"]).status, 303)
        site.app.mailer.wake()
        func detail() throws -> [String: Any] {
            let response = try site.get("/healthz?detail")
            XCTAssertEqual(response.header("Content-Type"), "application/json; charset=utf-8")
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        }
        try waitUntil(timeout: 30) {
            let warnings = (try detail()["warnings"] as? [String]) ?? []
            return warnings.contains("relay_failing") && warnings.contains("backup_missing")
        }
        let report = try detail()
        XCTAssertEqual(report["status"] as? String, "warning")
        let database = try XCTUnwrap(report["database"] as? [String: Any])
        XCTAssertEqual(database["writable"] as? Bool, true)
        XCTAssertNotNil(database["wal_bytes"])
        let mail = try XCTUnwrap(report["mail"] as? [String: Any])
        XCTAssertTrue((mail["relay_last_reply"] as? String)?.contains("530 5.7.0") == true)
        XCTAssertNotNil(mail["oldest_unsent_seconds"] as? Int, "the confirmation waits")
        XCTAssertNotNil((report["disk"] as? [String: Any])?["free_bytes"] as? Int)
        let backup = try XCTUnwrap(report["backup"] as? [String: Any])
        XCTAssertEqual(backup["last_result"] as? String, "failed", "the backup tried and failed")
        XCTAssertNotNil(backup["last_attempt_at"] as? String)
        XCTAssertFalse((backup["last_error"] as? String ?? "").isEmpty, "with why")
        XCTAssertTrue((report["warnings"] as? [String])?.contains("backup_failed") == true)
        XCTAssertEqual(
            (report["build"] as? [String: String])?["schema"], KnownMigrations.checksums.keys.filter { !$0.hasPrefix("postgres/") }.max())

        // Only the site's own monitoring sees the detail: through a proxy it is the plain check.
        let proxied = try site.get("/healthz?detail", headers: [("X-Forwarded-For", "203.0.113.9")])
        XCTAssertEqual(proxied.text, "ok\n")

        let metrics = try site.get("/metrics").text
        XCTAssertTrue(metrics.contains("sanctuary_health_warning{kind=\"backup_missing\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("sanctuary_health_warning{kind=\"relay_failing\"} 1"))
        XCTAssertTrue(metrics.contains("sanctuary_health_warning{kind=\"backup_failed\"} 1"))
        XCTAssertTrue(metrics.contains("sanctuary_database_writable 1"))
        XCTAssertTrue(metrics.contains("sanctuary_disk_available_bytes"))

        let dashboard = try site.get("/admin", headers: try site.signIn("admin@example.org")).text
        XCTAssertTrue(dashboard.contains("No backup has been written since the server started"), dashboard)
        XCTAssertTrue(dashboard.contains("530 5.7.0 Authentication required"), "the relay's own words")
        XCTAssertTrue(dashboard.contains("The last backup, at "), dashboard)
        // Admins hear of the missing backups by mail, once a day at most.
        try waitUntil(timeout: 10) {
            try self.site.app.database.read { try $0.scalar("SELECT count(*) FROM outbox WHERE kind = 'health.warning'", as: Int.self) }
                == 1
        }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(
            try site.app.database.read {
                try $0.scalar("SELECT count(*) FROM outbox WHERE kind = 'health.warning' AND recipient = 'admin@example.org'", as: Int.self)
            },
            1, "not again the same day")
    }
}
