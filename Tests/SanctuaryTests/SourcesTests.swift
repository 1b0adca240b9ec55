import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// Where supporters came from: a link's `?source=` (or `utm_source` and `utm_campaign`) is
/// carried in the form, stored with the action, and counted for organizers.
final class SourcesTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.confirmSignatures = false
            $0.passwordCost = 10
        }
    }

    override func tearDown() { site?.stop() }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    func hiddenSource(_ page: String) -> String? {
        page.firstMatch(of: /<input type="hidden" name="source" value="([^"]*)">/).map { String($0.1) }
    }

    func testALinksSourceIsCarriedInTheFormStoredWithTheActionAndCounted() throws {
        XCTAssertEqual(Referral.clean("Newsletter Dec<script>"), "newsletter-dec-script")
        XCTAssertEqual(Referral.clean(String(repeating: "a", count: 200)).count, Referral.maxLength)
        XCTAssertNil(hiddenSource(try site.get("/petitions/waive-travel-loans").text), "no source, no field")
        let page = try site.get("/petitions/waive-travel-loans?source=Newsletter%20Dec").text
        XCTAssertEqual(hiddenSource(page), "newsletter-dec")
        XCTAssertEqual(
            hiddenSource(try site.get("/events/stca-public-meeting?utm_source=Mastodon&utm_campaign=week1").text), "mastodon.week1")

        // A signature, with the field as the browser sends it back.
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page))
        XCTAssertEqual(
            try site.sign("waive-travel-loans", ["email": "s1@example.org", "source": "newsletter-dec"], token: token).status, 303)
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "s2@example.org"], token: token).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE referral = 'newsletter-dec' AND email = 's1@example.org'"), 1)
        // A form sent back with a mistake keeps it.
        let again = try site.sign("waive-travel-loans", ["email": "not an address", "source": "newsletter-dec"], token: token)
        XCTAssertEqual(again.status, 422)
        XCTAssertEqual(hiddenSource(again.text), "newsletter-dec")

        // A letter carries it too.
        let letterPage = try site.get("/letters/stca-minister?source=partner-ccr").text
        XCTAssertEqual(
            try site.post(
                "/letters/stca-minister",
                [
                    ("_csrf", try XCTUnwrap(FormHelper.csrfToken(in: letterPage))), ("name", "Lee"), ("email", "lee@example.org"),
                    ("street_address", "1 Elm St"), ("city", "Ottawa"), ("postal_code", "K1A 0B1"), ("source", "partner-ccr"),
                ]
            ).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM letters WHERE referral = 'partner-ccr'"), 1)

        // Organizers see each action by source; others may not.
        try site.addStaff(["o@example.org": "organizer", "e@example.org": "editor"])
        let report = try site.get("/admin/sources", headers: try site.signIn("o@example.org"))
        XCTAssertEqual(report.status, 200)
        XCTAssertTrue(report.text.contains("<td>newsletter-dec</td><td class=\"number\">1</td>"), report.text)
        XCTAssertTrue(report.text.contains("partner-ccr"))
        XCTAssertTrue(report.text.contains("(none: a direct visit or a link without one)"))
        XCTAssertEqual(try site.get("/admin/sources", headers: try site.signIn("e@example.org")).status, 403)
    }
}
