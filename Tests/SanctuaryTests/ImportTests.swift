import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

/// Bringing an existing list: previewed with counts, the consent's where and when required,
/// imported all or nothing, audited, exported with its source; from the admin and the shell.
final class ImportTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.passwordCost = 10 }
        try site.app.database.writeAndWait { db in
            try db.run(
                """
                INSERT INTO subscribers (email, consent_text, consented_at, confirmed_at)
                VALUES ('already@example.org', 'Yes', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')
                """)
            try db.run("INSERT INTO mail_addresses (address, unsubscribed_at) VALUES ('left@example.org', '2026-11-02T00:00:00Z')")
            try db.run(
                "INSERT INTO mail_addresses (address, undeliverable_at, suppression) VALUES ('gone@example.org', '2026-11-02T00:00:00Z', 'hard')"
            )
        }
    }

    override func tearDown() { site?.stop() }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    /// Two new, one already there, two suppressed, two unreadable, one repeated.
    let csv = #"""
        Email,First Name,Last Name,Postal Code,Language,Phone
        new.one@example.org,Ana,Silva,k1a0b1,fr,555
        "New.Two@Example.org","Bea ""B""",Ng,,,
        already@example.org,Al,Ready,,en,
        left@example.org,Left,Us,,,
        gone@example.org,Gone,Away,,,
        not-an-address,X,Y,,,
        bad.postal@example.org,Bad,Postal,12345,,
        new.one@example.org,Ana,Again,,,

        """#.replacingOccurrences(of: "First Name", with: "first_name").replacingOccurrences(of: "Last Name", with: "last_name")
        .replacingOccurrences(of: "Postal Code", with: "postal_code")

    func organizer() throws -> [(String, String)] {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait {
            try StaffStore.create($0, email: "o@example.org", name: "", role: .organizer, passwordHash: hash)
        }
        return try site.signIn("o@example.org")
    }

    func testStaffPreviewThenImportAllOrNothingWithTheirConsentNote() throws {
        let staff = try organizer()
        let fields = [
            ("campaign_id", ""), ("consent_note", "Signed the sheet at our stall, Folk Festival"), ("consented_on", "2026-08-15"),
        ]
        // Without the note of where they agreed: the form again, nothing kept.
        let missing = try site.upload(
            "/admin/subscribers/import", [("campaign_id", ""), ("consent_note", ""), ("consented_on", "2026-08-15")],
            file: ("list.csv", Array(csv.utf8)), cookie: staff, fileType: "text/csv")
        XCTAssertEqual(missing.status, 422)
        XCTAssertTrue(missing.text.contains("Say where and how these people agreed"), missing.text)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers"), 1)

        let preview = try site.upload(
            "/admin/subscribers/import", fields, file: ("list.csv", Array(csv.utf8)), cookie: staff, fileType: "text/csv")
        XCTAssertEqual(preview.status, 200, preview.text)
        for (label, count) in [
            ("New subscribers", 2), ("Already subscribed", 1), ("Unsubscribed, bounced or complained (never imported)", 2),
            ("Rows that cannot be read", 2), ("Addresses repeated in the file", 1),
        ] {
            XCTAssertTrue(preview.text.contains("<dt>\(label)</dt><dd>\(count)</dd>"), "\(label): \(count)\n\(preview.text)")
        }
        XCTAssertTrue(preview.text.contains("Line 7: the e-mail address is not valid"))
        XCTAssertTrue(preview.text.contains("Line 8: the postal code is not a Canadian one"))
        XCTAssertTrue(preview.text.contains("Columns left out: phone."))
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers"), 1, "a preview keeps nothing")

        let token = try XCTUnwrap(FormHelper.csrfToken(in: preview.text))
        let stash = try XCTUnwrap(preview.text.firstMatch(of: /name="import" value="([^"]+)"/).map { String($0.1) })
        let form = [("_csrf", token), ("import", stash)] + fields
        let done = try site.post("/admin/subscribers/import/confirm", form, headers: staff)
        XCTAssertEqual(done.status, 303)
        XCTAssertEqual(done.header("Location"), "/admin/subscribers/import?imported=2")
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE source = 'import' AND confirmed_at IS NOT NULL"), 2)
        XCTAssertEqual(
            try scalar(
                "SELECT count(*) FROM subscribers WHERE email = 'new.two@example.org' AND name = 'Bea \"B\" Ng' AND consented_at = '2026-08-15T00:00:00Z'"
            ),
            1)
        XCTAssertEqual(
            try scalar(
                "SELECT count(*) FROM subscribers WHERE email = 'new.one@example.org' AND language = 'fr' AND postal_code = 'K1A 0B1'"), 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE email IN ('left@example.org', 'gone@example.org')"), 0)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM audit_log WHERE action = 'import' AND detail LIKE '2 new, 1 already%Folk Festival%'"), 1)
        // Once only: the file is gone.
        XCTAssertEqual(try site.post("/admin/subscribers/import/confirm", form, headers: staff).status, 410)
        // The export says where each consent came from.
        let export = try site.get("/admin/subscribers.csv", headers: staff).text
        XCTAssertTrue(export.contains("new.two@example.org,,,import,\"Signed the sheet at our stall, Folk Festival\""), export)
        // Editors may not import.
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait {
            try StaffStore.create($0, email: "e@example.org", name: "", role: .editor, passwordHash: hash)
        }
        XCTAssertEqual(try site.get("/admin/subscribers/import", headers: try site.signIn("e@example.org")).status, 403)
    }

    func testTheCommandLineImportsTheSameWayAndRefusesABrokenFileWhole() throws {
        guard SanctuaryBinary.isBuilt else { throw XCTSkip("binary not built") }
        func run(_ arguments: [String]) throws -> (Int32, String) {
            try SanctuaryBinary.run(arguments + ["--db", site.app.config.databasePath])
        }
        let folder = makeTemporaryDirectory()
        let good = folder.appendingPathComponent("list.csv")
        try csv.write(to: good, atomically: true, encoding: .utf8)
        let consent = ["--consent", "Signed the sheet at our stall", "--consented-on", "2026-08-15"]
        var (status, output) = try run(["subscribers", "import", good.path, "--dry-run"] + consent)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("would import 2 new; 1 already subscribed, 2 unsubscribed or suppressed"), output)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers"), 1)
        (status, output) = try run(["subscribers", "import", good.path, "--campaign", "no-such-campaign"] + consent)
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.contains("there is no campaign no-such-campaign"), output)
        let broken = folder.appendingPathComponent("broken.csv")
        try "email,name\na@example.org,\"unterminated\n".write(to: broken, atomically: true, encoding: .utf8)
        (status, output) = try run(["subscribers", "import", broken.path] + consent)
        XCTAssertEqual(status, 1)
        XCTAssertTrue(output.contains("nothing imported"), output)
        (status, output) = try run(["subscribers", "import", good.path, "--consent", "yes"] + ["--consented-on", "2026-08-15"])
        XCTAssertEqual(status, 1, "a note too short to say where")
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers"), 1)
        (status, output) = try run(["subscribers", "import", good.path] + consent)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("imported 2 new"), output)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE source = 'import'"), 2)
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE action = 'import' AND actor = 'command line'"), 1)
    }
}
