import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

final class CampaignTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.signaturesPerMinute = 1000
            $0.passwordCost = 10
        }
    }
    override func tearDown() { site.stop() }

    func testCampaignPageShowsExactlyItsOpenActionsWithLiveCounts() throws {
        XCTAssertEqual(try site.sign("rescind-safe-third-country").status, 303)
        let page = try site.get("/campaigns/safe-third-country")
        XCTAssertEqual(page.status, 200)
        let html = page.text
        XCTAssertTrue(html.contains("Withdraw from the agreement"), "the asks")
        XCTAssertTrue(html.contains("Rescind the Safe Third Country Agreement"))
        XCTAssertTrue(html.contains("1 signature"), "live count")
        XCTAssertTrue(html.contains("Write to the Minister about the Safe Third Country Agreement"))
        XCTAssertTrue(html.contains("Public meeting: the Safe Third Country Agreement"))
        XCTAssertFalse(html.contains("Waive travel-loan repayment"), "another campaign's petition")
        XCTAssertFalse(html.contains("Focus group"), "another campaign's event")
        XCTAssertTrue(html.contains("href=\"mailto:?subject="), "share links")
        // A closed petition drops out of the campaign's actions.
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE petitions SET state = 'closed' WHERE slug = 'rescind-safe-third-country'")
        }
        XCTAssertFalse(try site.get("/campaigns/safe-third-country").text.contains("Rescind the Safe Third Country Agreement</a>"))
    }

    func testDraftsHiddenAndArchivedReachableButMarked() throws {
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE campaigns SET state = 'archived' WHERE slug = 'safe-third-country'")
            try db.run("INSERT INTO campaigns (slug, title, state) VALUES ('secret-plan', 'Secret plan', 'draft')")
        }
        let list = try site.get("/campaigns").text
        XCTAssertFalse(list.contains("End the Safe Third Country Agreement"))
        XCTAssertFalse(list.contains("Secret plan"))
        XCTAssertTrue(list.contains("Refugees Welcome Here"))
        let archived = try site.get("/campaigns/safe-third-country")
        XCTAssertEqual(archived.status, 200)
        XCTAssertTrue(archived.text.contains("Archived campaign"))
        XCTAssertEqual(try site.get("/campaigns/secret-plan").status, 404)
        XCTAssertFalse(try site.get("/").text.contains("End the Safe Third Country Agreement</a></h2>"))
    }

    func testHomeLeadsWithFeaturedCampaigns() throws {
        let html = try site.get("/").text
        let campaigns = try XCTUnwrap(html.range(of: "Our campaigns"))
        let petitions = try XCTUnwrap(html.range(of: "Act now"))
        XCTAssertLessThan(campaigns.lowerBound, petitions.lowerBound)
    }

    func subscribe(_ fields: [String: String]) throws -> ClientResponse {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/campaigns/refugees-welcome-here").text))
        var values = [
            "name": "Lee", "email": "lee@example.org", "postal_code": "", "campaign": "refugees-welcome-here",
            "consent_updates": "yes", "_csrf": token,
        ]
        for (k, v) in fields { values[k] = v }
        return try site.post("/updates", values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    func testSubscribeNeedsExplicitConsentAndStoresItVerbatim() throws {
        let refused = try subscribe(["consent_updates": ""])
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.text.contains("Tick the box to agree"))
        XCTAssertEqual(try subscribe(["postal_code": "nope"]).status, 422)
        XCTAssertEqual(try site.post("/updates", [("name", "A"), ("email", "a@example.org"), ("consent_updates", "yes")]).status, 403)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM subscribers", as: Int.self) }, 0)
        try subscribeAndConfirm()
        let stored = try site.app.database.read {
            try $0.first("SELECT consent_text, consented_at, campaign_id FROM subscribers") {
                (
                    try $0.get("consent_text", as: String.self), try $0.get("consented_at", as: String.self),
                    try $0.optional("campaign_id", as: Int64.self)
                )
            }
        }
        XCTAssertEqual(stored?.0, site.app.languages.english("updates.consent"))
        XCTAssertNotNil(stored.flatMap { Timestamp.parse($0.1) })
        XCTAssertNotNil(stored?.2)
        XCTAssertFalse(
            try site.get("/").text.contains("name=\"consent_updates\" type=\"checkbox\" value=\"yes\" checked"), "unticked by default")
    }

    /// Signs up (the page asks to check e-mail) and confirms by the mailed button.
    func subscribeAndConfirm() throws {
        let response = try subscribe([:])
        XCTAssertEqual(response.status, 303)
        XCTAssertEqual(response.header("Location"), "/updates/sent")
        XCTAssertEqual(try site.press(try site.mailedLink(to: "lee@example.org", containing: "/updates/confirm/")).status, 303)
        let confirmed = try site.get("/updates/confirmed").text
        XCTAssertTrue(confirmed.contains("You are signed up") && confirmed.contains("id=\"next-steps\""), "and what to do next")
    }

    func testUnsubscribeLinkWorksOnce() throws {
        try subscribeAndConfirm()
        let id = try XCTUnwrap(try site.app.database.read { try $0.scalar("SELECT id FROM subscribers", as: Int64.self) })
        XCTAssertEqual(try site.get("/updates/unsubscribe/\(id)/forged-token").status, 404)
        // The link as the export prints it.
        let csv = try exportCSV()
        let link = try XCTUnwrap(
            csv.components(separatedBy: ",").first { $0.contains("/updates/unsubscribe/") }?.trimmingCharacters(in: .whitespacesAndNewlines)
        )
        let path = String(link.dropFirst("http://127.0.0.1:8080".count))
        XCTAssertEqual(try site.get(path).status, 200)
        XCTAssertEqual(try site.post(path, []).status, 200)
        XCTAssertEqual(try site.post(path, []).status, 410, "works once")
        XCTAssertEqual(try site.get(path).status, 410)
        XCTAssertFalse(try exportCSV().contains("lee@example.org"), "no longer exported")
    }

    func exportCSV() throws -> String {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            if try StaffStore.find(db, email: "org@example.org") == nil {
                try StaffStore.create(db, email: "org@example.org", name: "", role: .organizer, passwordHash: hash)
            }
        }
        let response = try site.get("/admin/subscribers.csv", headers: try site.signIn("org@example.org"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(Array(response.body.prefix(3)), [0xEF, 0xBB, 0xBF])
        return String(decoding: response.body.dropFirst(3), as: UTF8.self)
    }

    func testSubscriberExportHoldsConsentTextTimeAndSources() throws {
        try subscribeAndConfirm()
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "signer@example.org", "consent_updates": "yes"]).status, 303)
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "quiet@example.org"]).status, 303)
        let csv = try exportCSV()
        let lines = csv.components(separatedBy: "\r\n")
        XCTAssertEqual(lines[0], "consented_at,name,email,postal_code,campaign,source,consent_text,unsubscribe_url")
        let subscriber = try XCTUnwrap(lines.first { $0.contains("lee@example.org") })
        XCTAssertTrue(subscriber.contains(",refugees-welcome-here,updates,\"Yes, I want to receive e-mail updates"), subscriber)
        let signer = try XCTUnwrap(lines.first { $0.contains("signer@example.org") })
        XCTAssertTrue(signer.contains("petition:waive-travel-loans"), signer)
        XCTAssertFalse(csv.contains("quiet@example.org"), "no consent, not exported")
    }
}
