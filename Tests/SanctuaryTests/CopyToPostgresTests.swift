import Foundation
import Sanctuary
import Storage
import TestSupport
import XCTest

/// `sanctuary copy-to-postgres` moves a SQLite site with rows of every kind into an empty
/// PostgreSQL database; `check` is clean on both ends, and the site served from the copy
/// goes on where the file left off.
final class CopyToPostgresTests: XCTestCase {
    func testASQLiteSiteMovesToPostgresWholeAndGoesOn() throws {
        guard SanctuaryBinary.isBuilt else { throw XCTSkip("binary not built") }
        let target: String
        do { target = try PostgresTestServer.database() } catch let missing as PostgresTestServer.Unavailable {
            throw XCTSkip(missing.description)
        }
        // The source is a SQLite file on either pass of the suite.
        let folder = makeTemporaryDirectory()
        let file = folder.appendingPathComponent("site.sqlite").path
        let site = try TestApp(sampleContent: true) {
            $0.database = file
            $0.dataFolder = nil
            $0.confirmSignatures = true
            $0.passwordCost = 10
        }
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "admin@example.org", name: "", role: .admin, passwordHash: hash)
        }
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "one@example.org"]).status, 303)
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "two@example.org", "postal_code": "H2X 1Y4"]).status, 303)
        XCTAssertEqual(try site.press(try site.mailedLink(to: "one@example.org", containing: "/confirm/")).status, 303)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/campaigns/refugees-welcome-here").text))
        XCTAssertEqual(
            try site.post(
                "/updates",
                [
                    ("_csrf", token), ("campaign", "refugees-welcome-here"), ("consent_updates", "yes"), ("email", "lee@example.org"),
                    ("name", "Lee"), ("postal_code", ""),
                ]
            ).status, 303)
        _ = try site.signIn("admin@example.org")
        // The pages' views counted in memory are written now, not by the stop below (`Funnel`).
        try site.app.funnel.flush(site.app.database)
        let before = try site.app.database.read { db in
            try db.query(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index%' AND name <> 'schema_migrations'"
            ) {
                try $0.get("name", as: String.self)
            }.map { table in (table, try db.scalar("SELECT count(*) FROM \"\(table)\"", as: Int.self) ?? -1) }
        }
        site.stop(keepingFiles: true)
        XCTAssertGreaterThanOrEqual(before.filter { $0.1 > 0 }.count, 15, "rows of many kinds: \(before.filter { $0.1 > 0 }.map(\.0))")

        let copied = try SanctuaryBinary.run(["copy-to-postgres", "--db", file, "--to", target])
        XCTAssertEqual(copied.status, 0, copied.output)
        XCTAssertTrue(copied.output.contains("every table counts the same on both ends"), copied.output)
        let again = try SanctuaryBinary.run(["copy-to-postgres", "--db", file, "--to", target])
        XCTAssertNotEqual(again.status, 0, "a second copy into a database that is no longer empty is refused")
        XCTAssertTrue(again.output.contains("not empty"), again.output)
        for location in [file, target] {
            let check = try SanctuaryBinary.run(["check", "--db", location])
            XCTAssertEqual(check.status, 0, "\(location): \(check.output)")
        }

        let moved = try TestApp {
            $0.database = target
            $0.dataFolder = folder.path
            $0.confirmSignatures = false
        }
        defer { moved.stop() }
        let after = try moved.app.database.read { db in
            try before.map { table, _ in (table, try db.scalar("SELECT count(*) FROM \"\(table)\"", as: Int.self) ?? -1) }
        }
        XCTAssertEqual(after.map(\.1), before.map(\.1), "every table as it was")
        XCTAssertEqual(try moved.petitionJSON("waive-travel-loans")["signature_count"] as? Int, 1)
        XCTAssertEqual(try moved.sign("waive-travel-loans", ["email": "three@example.org"]).status, 303, "new rows take new ids")
        XCTAssertEqual(try moved.petitionJSON("waive-travel-loans")["signature_count"] as? Int, 2)
        XCTAssertEqual(try moved.signIn("admin@example.org").count, 1, "staff sign in on the copy")
    }
}
