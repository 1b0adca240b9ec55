import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// Pledges: a person is listed once confirmed, an organisation or municipality once staff
/// approve it; the counts by kind and province follow each step; the answer never says
/// whether an address pledged before.
final class PledgesTests: XCTestCase {
    var site: TestApp!
    let slug = "refugees-welcome-here-pledge"

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.passwordCost = 10 }
        try site.addStaff(["organizer@example.org": "organizer", "editor@example.org": "editor"])
    }
    override func tearDown() { site.stop() }

    func pledge(_ fields: [String: String], token: String? = nil) throws -> ClientResponse {
        let page = try site.get("/pledges/\(slug)")
        var values = [
            "kind": "person", "name": "", "contact_name": "Amal Haddad", "show": "full", "email": "amal@example.org",
            "postal_code": "K1A 0B1", "place": "Ottawa", "agree": "yes", "website": "",
        ]
        for (key, value) in fields { values[key] = value }
        values["_csrf"] = try token ?? XCTUnwrap(FormHelper.csrfToken(in: page.text))
        return try site.post("/pledges/\(slug)", values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    func json() throws -> [String: Any] {
        let response = try site.get("/pledges/\(slug).json")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func check() throws {
        XCTAssertEqual(try site.app.database.read { try CounterStore.differences($0) }.map(\.description), [])
    }

    func testAPersonIsListedOnceConfirmedUnderTheNameTheyChose() throws {
        XCTAssertEqual(try json()["pledger_count"] as? Int, 3)
        let sent = try pledge(["show": "first"])
        XCTAssertEqual(sent.status, 303)
        XCTAssertEqual(sent.header("Location"), "/pledges/\(slug)/check-email")
        XCTAssertEqual(try json()["pledger_count"] as? Int, 3, "not counted before it is confirmed")
        XCTAssertFalse(try site.get("/pledges/\(slug)").text.contains("Amal"))
        let link = try site.mailedLink(to: "amal@example.org", containing: "/pledges/confirm/")
        let mail = try site.outboxText(to: "amal@example.org")
        XCTAssertTrue(mail.contains("We pledge to welcome refugees"), "the mail carries the pledge's words")
        XCTAssertFalse(mail.contains("Amal"), "and nothing the visitor typed")
        let confirmed = try site.press(link)
        XCTAssertEqual(confirmed.header("Location"), "/pledges/\(slug)/thanks")
        XCTAssertTrue(try site.get("/pledges/\(slug)/thanks").text.contains("Your pledge is on the list."))
        let page = try site.get("/pledges/\(slug)").text
        XCTAssertTrue(page.contains("<strong>Amal</strong> — Ottawa (ON)"), "first name only, as chosen")
        XCTAssertFalse(page.contains("Haddad") || page.contains("amal@example.org"))
        let counts = try json()
        XCTAssertEqual(counts["pledger_count"] as? Int, 4)
        XCTAssertEqual((counts["by_kind"] as? [String: Int])?["person"], 2)
        XCTAssertEqual((counts["by_province"] as? [String: Int])?["ON"], 2)
        XCTAssertTrue(try site.get("/pledges/\(slug)").text.contains("4 pledges"))
        XCTAssertTrue(try site.get(link).text.contains("confirmed already"))
        try check()

        // Pledging again with the same address: the same answer, no second row, no count.
        let again = try pledge(["show": "none"])
        XCTAssertEqual(again.status, 303)
        XCTAssertEqual(again.header("Location"), sent.header("Location"))
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT count(*) FROM pledgers WHERE email = 'amal@example.org'", as: Int.self) }, 1)

        // Counted without a name.
        XCTAssertEqual(try pledge(["show": "none", "email": "quiet@example.org", "contact_name": "Quiet Person"]).status, 303)
        XCTAssertEqual(try site.press(try site.mailedLink(to: "quiet@example.org", containing: "/pledges/confirm/")).status, 303)
        let quiet = try site.get("/pledges/\(slug)").text
        XCTAssertFalse(quiet.contains("Quiet"))
        XCTAssertTrue(quiet.contains("and 1 person who chose not to show a name"))
        try check()
    }

    func testAnOrganisationWaitsForStaffThenShowsOnTheListAndTheMap() throws {
        XCTAssertEqual(
            try pledge([
                "kind": "organisation", "name": "Maple Street Mosque", "contact_name": "Yusuf Ali", "email": "yusuf@example.org",
                "postal_code": "R3C 4T3", "place": "Winnipeg",
            ]).status,
            303)
        let link = try site.mailedLink(to: "yusuf@example.org", containing: "/pledges/confirm/")
        XCTAssertTrue(try site.outboxText(to: "yusuf@example.org").contains("checks each organisation"))
        XCTAssertEqual(try site.press(link).header("Location"), "/pledges/\(slug)/thanks?waiting=1")
        XCTAssertFalse(try site.get("/pledges/\(slug)").text.contains("Maple Street Mosque"), "not before staff approve")
        XCTAssertEqual(try json()["pledger_count"] as? Int, 3)

        let editor = try site.signIn("editor@example.org")
        XCTAssertEqual(try site.get("/admin/pledges/1/pledgers", headers: editor).status, 403, "organizers and admins approve")
        let organizer = try site.signIn("organizer@example.org")
        XCTAssertTrue(try site.get("/admin", headers: organizer).text.contains("1 organisation or municipality waits for approval"))
        let screen = try site.get("/admin/pledges/1/pledgers", headers: organizer)
        XCTAssertTrue(screen.text.contains("Maple Street Mosque") && screen.text.contains("yusuf@example.org"))
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: screen.text))
        let id = try XCTUnwrap(
            site.app.database.read { try $0.scalar("SELECT id FROM pledgers WHERE email = 'yusuf@example.org'", as: Int64.self) })
        XCTAssertEqual(try site.post("/admin/pledges/1/pledgers/\(id)/approve", [("_csrf", "forged")], headers: organizer).status, 403)
        XCTAssertEqual(try site.post("/admin/pledges/1/pledgers/\(id)/approve", [("_csrf", csrf)], headers: organizer).status, 303)
        let page = try site.get("/pledges/\(slug)").text
        XCTAssertTrue(page.contains("<strong>Maple Street Mosque</strong> — Winnipeg (MB)"))
        XCTAssertFalse(page.contains("Yusuf"), "the contact person is not shown")
        XCTAssertTrue(page.contains("<title>Manitoba: 1</title>"), "on the map")
        XCTAssertEqual((try json()["by_kind"] as? [String: Int])?["organisation"], 2)
        try check()
        XCTAssertEqual(try site.post("/admin/pledges/1/pledgers/\(id)/approve", [("_csrf", csrf)], headers: organizer).status, 404, "once")

        // Declined after all: off the list and the counts.
        XCTAssertEqual(try site.post("/admin/pledges/1/pledgers/\(id)/decline", [("_csrf", csrf)], headers: organizer).status, 303)
        XCTAssertFalse(try site.get("/pledges/\(slug)").text.contains("Maple Street Mosque"))
        XCTAssertEqual(try json()["pledger_count"] as? Int, 3)
        try check()

        let csv = try site.get("/admin/pledges/1/pledgers.csv", headers: organizer)
        XCTAssertEqual(csv.status, 200)
        XCTAssertTrue(csv.text.contains("Maple Street Mosque") && csv.text.contains("declined"))
    }

    func testMistakesAreShownWithEverythingKeptAndNothingStored() throws {
        let before = try site.app.database.read { try $0.scalar("SELECT count(*) FROM pledgers", as: Int.self) }
        let bad = try pledge(["kind": "organisation", "name": "", "email": "not-an-address", "agree": "", "postal_code": "123"])
        XCTAssertEqual(bad.status, 422)
        for message in ["Enter the name of the organisation", "Tick the box to make the pledge"] {
            XCTAssertTrue(bad.text.contains(message), message)
        }
        XCTAssertTrue(bad.text.contains("value=\"Amal Haddad\""), "what was typed is kept")
        XCTAssertEqual(try pledge(["kind": "nonsense"]).status, 422)
        XCTAssertEqual(try pledge(["contact_name": String(repeating: "x", count: 500)]).status, 422)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM pledgers", as: Int.self) }, before)
        // The honeypot: the same answer, nothing stored.
        XCTAssertEqual(try pledge(["website": "http://spam.example"]).status, 303)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM pledgers", as: Int.self) }, before)
        // A kind the pledge does not take.
        try site.app.database.writeAndWait { db in try db.run("UPDATE pledges SET allow_municipalities = 0") }
        XCTAssertEqual(try pledge(["kind": "municipality", "name": "Town"]).status, 422)
        // Closed: 410.
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/pledges/\(slug)").text))
        try site.app.database.writeAndWait { db in try db.run("UPDATE pledges SET state = 'closed'") }
        XCTAssertEqual(try pledge([:], token: token).status, 410)
        XCTAssertFalse(try site.get("/pledges/\(slug)").text.contains("method=\"post\""))
    }

    /// The signing rules hold: a blocked domain is answered as any pledge is, and stores
    /// nothing; the site-wide pause stops pledging too.
    func testBlockListsAndThePauseHoldForPledges() throws {
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO signing_blocks (kind, value, created_at) VALUES ('domain', 'spam.example', '2026-01-01T00:00:00Z')")
        }
        site.app.signingGate.reload(site.app.database)
        let blocked = try pledge(["email": "bot@spam.example"])
        let normal = try pledge(["email": "real@example.org"])
        XCTAssertEqual(blocked.status, normal.status)
        XCTAssertEqual(blocked.header("Location"), normal.header("Location"))
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT count(*) FROM pledgers WHERE email LIKE '%spam.example'", as: Int.self) }, 0)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT hits FROM signing_blocks", as: Int.self) }, 1)
        try site.app.database.writeAndWait { db in
            try SettingsStore.set(db, key: "signing.paused", value: "1")
            try SettingsStore.set(db, key: "signing.pause_message", value: "Back on Monday.")
        }
        site.app.signingGate.reload(site.app.database)
        let paused = try pledge(["email": "later@example.org"])
        XCTAssertEqual(paused.status, 503)
        XCTAssertNotNil(paused.header("Retry-After"))
        XCTAssertTrue(paused.text.contains("Back on Monday."))
    }

    func testAPledgersDataIsFoundAndErasedByThePrivacyTools() throws {
        XCTAssertEqual(try pledge([:]).status, 303)
        XCTAssertEqual(try site.press(try site.mailedLink(to: "amal@example.org", containing: "/pledges/confirm/")).status, 303)
        let found = try site.app.database.read { try PersonalDataStore.find($0, email: "amal@example.org", in: site.app.personalData) }
        XCTAssertTrue(found.contains { $0.table == "pledgers" && !$0.rows.isEmpty })
        try site.addStaff(["admin@example.org": "admin"])
        let admin = try site.signIn("admin@example.org")
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/privacy", headers: admin).text))
        let erased = try site.post(
            "/admin/privacy/erase", [("_csrf", csrf), ("email", "amal@example.org"), ("why", "asked"), ("confirm", "yes")], headers: admin)
        XCTAssertEqual(erased.status, 200)
        XCTAssertFalse(try site.get("/pledges/\(slug)").text.contains("Amal"))
        XCTAssertEqual(try json()["pledger_count"] as? Int, 4, "still counted, without a name")
        try check()
    }
}
