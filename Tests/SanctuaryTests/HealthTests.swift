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

    /// A write-ahead log that cannot start over (a reader holds an old snapshot, as a stuck
    /// export would) is seen in the detail, on the dashboard and in `/metrics`, mailed to
    /// admins, and clears by itself once the reader lets go.
    func testAWriteAheadLogHeldByAnOldReaderIsSeenAndSaid() throws {
        try TestEngine.require(.sqlite, because: "the write-ahead log is SQLite's")
        site = try TestApp(sampleContent: true) {
            $0.walWarnBytes = 1 << 20
            $0.healthMailSeconds = 0.2
            $0.mailScheduleSeconds = 0.2
            $0.passwordCost = 10
        }
        try site.addStaff(["admin@example.org": "admin"])
        func warnings() throws -> [String] {
            let detail = try JSONSerialization.jsonObject(with: Data(try site.get("/healthz?detail").body)) as? [String: Any]
            return detail?["warnings"] as? [String] ?? []
        }
        // The sample content's first writes are emptied from the WAL at the first quiet moment.
        try waitUntil(timeout: 20) { try !warnings().contains("wal_large") }
        let reader = try Connection.open(site.app.config.databasePath, readOnly: true)
        try reader.run("BEGIN")
        XCTAssertNotNil(try reader.scalar("SELECT count(*) FROM signatures", as: Int.self))
        try site.app.database.writeAndWait { db in
            _ = try db.run("INSERT INTO settings (key, value) VALUES ('ballast', ?)", String(repeating: "x", count: 3 << 20))
            _ = try db.run("DELETE FROM settings WHERE key = 'ballast'")
        }
        // Quiet for longer than the WAL waits before it is emptied: the reader keeps it.
        Thread.sleep(forTimeInterval: 3)
        XCTAssertTrue(try warnings().contains("wal_large"))
        let detail = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try site.get("/healthz?detail").body)) as? [String: Any])
        let database = try XCTUnwrap(detail["database"] as? [String: Any])
        XCTAssertGreaterThan(database["wal_bytes"] as? Int ?? 0, 3 << 20)
        XCTAssertEqual(database["wal_warn_above_bytes"] as? Int, 1 << 20)
        XCTAssertTrue(try site.get("/metrics").text.contains("sanctuary_health_warning{kind=\"wal_large\"} 1"))
        let dashboard = try site.get("/admin", headers: try site.signIn("admin@example.org")).text
        XCTAssertTrue(
            dashboard.contains("The database’s write-ahead log has grown to 3 MB (a warning above 1 MB)"),
            String(dashboard.split(separator: "\n").filter { $0.contains("write-ahead") }.joined()))
        try waitUntil(timeout: 10) {
            try self.site.app.database.read { try $0.scalar("SELECT count(*) FROM outbox WHERE kind = 'health.warning'", as: Int.self) }
                == 1
        }
        let mailed = try site.app.database.read {
            try $0.scalar("SELECT message FROM outbox WHERE kind = 'health.warning'", as: String.self)
        }
        XCTAssertTrue((mailed ?? "").replacingOccurrences(of: "=\r\n", with: "").contains("write-ahead log has grown"), mailed ?? "")
        // The reader lets go: at the next quiet moment the WAL is emptied, and the warning goes.
        try reader.run("COMMIT")
        reader.sqlite?.close()
        try site.app.database.writeAndWait { db in _ = try db.run("DELETE FROM settings WHERE key = 'nothing'") }
        try waitUntil(timeout: 20) { try !warnings().contains("wal_large") }
    }
}
