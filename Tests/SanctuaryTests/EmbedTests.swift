import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// A petition's form on a partner's site: only the embed routes may be framed, the partner is
/// the signature's source, and its own opt-in box is exported for it.
final class EmbedTests: XCTestCase {
    var site: TestApp!
    let slug = "waive-travel-loans"

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.confirmSignatures = false
            $0.passwordCost = 10
        }
        try site.addStaff(["o@example.org": "organizer"])
    }

    override func tearDown() { site?.stop() }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    func testAPartnersEmbedIsFramedCreditedAndItsOptInsExported() throws {
        let id = try XCTUnwrap(site.app.database.read { try PetitionStore.id(forSlug: slug, $0) })
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM petitions WHERE id = \(id) AND campaign_id IS NOT NULL"), 1,
            "the sample petition is in a campaign")
        let organizer = try site.signIn("o@example.org")
        let admin = try site.get("/admin/petitions/\(id)/embed", headers: organizer)
        XCTAssertEqual(admin.status, 200)
        XCTAssertTrue(admin.text.contains("/embed/petitions/\(slug)"), "the snippet")
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: admin.text))
        XCTAssertEqual(
            try site.post(
                "/admin/petitions/\(id)/partners",
                [("_csrf", csrf), ("name", "Council for Refugees"), ("key", "CCR"), ("website", "https://ccr.example")],
                headers: organizer
            ).status, 303)
        XCTAssertEqual(
            try site.post(
                "/admin/petitions/\(id)/partners", [("_csrf", csrf), ("name", ""), ("website", "javascript:alert(1)")], headers: organizer
            ).status,
            422)
        XCTAssertTrue(
            try site.get("/admin/petitions/\(id)/embed", headers: organizer).text.contains("/embed/petitions/\(slug)?partner=ccr"))

        // The embed may be framed by anyone; the rest of the site by no one.
        let embed = try site.get("/embed/petitions/\(slug)?partner=ccr")
        XCTAssertEqual(embed.status, 200)
        XCTAssertNil(embed.header("X-Frame-Options"))
        XCTAssertTrue(embed.header("Content-Security-Policy")?.contains("frame-ancestors *") == true)
        XCTAssertTrue(embed.text.contains("Keep me informed by Council for Refugees"))
        XCTAssertTrue(embed.text.contains("<input type=\"hidden\" name=\"source\" value=\"embed.ccr\">"))
        XCTAssertFalse(embed.text.contains("site-header"), "no page around the form")
        for path in ["/petitions/\(slug)", "/", "/petitions/\(slug)/thanks", "/admin/login"] {
            let page = try site.get(path)
            XCTAssertEqual(page.header("X-Frame-Options"), "DENY", path)
            XCTAssertTrue(page.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true, path)
        }

        // A mistake is shown in the frame; a signature goes to the framed thanks.
        let token = try XCTUnwrap(FormHelper.csrfToken(in: embed.text))
        func sign(_ fields: [(String, String)]) throws -> ClientResponse {
            try site.post(
                "/embed/petitions/\(slug)/sign",
                [
                    ("_csrf", token), ("first_name", "Ana"), ("last_name", "Lima"), ("postal_code", "K1A 0B1"), ("source", "embed.ccr"),
                    ("partner", "ccr"),
                ]
                    + fields)
        }
        let mistake = try sign([("email", "nope")])
        XCTAssertEqual(mistake.status, 422)
        XCTAssertNil(mistake.header("X-Frame-Options"))
        XCTAssertTrue(mistake.text.contains("class=\"embed\""))
        let signed = try sign([("email", "ana@example.org"), ("partner_consent", "yes")])
        XCTAssertEqual(signed.status, 303)
        XCTAssertEqual(signed.header("Location"), "/embed/petitions/\(slug)/thanks?partner=ccr")
        let thanks = try site.get("/embed/petitions/\(slug)/thanks?partner=ccr")
        XCTAssertEqual(thanks.status, 200)
        XCTAssertNil(thanks.header("X-Frame-Options"))
        XCTAssertEqual(try sign([("email", "ben@example.org")]).status, 303, "without ticking the partner's box")
        // A box for a partner the campaign does not list is not kept.
        XCTAssertEqual(
            try site.post(
                "/embed/petitions/\(slug)/sign",
                [
                    ("_csrf", token), ("first_name", "C"), ("last_name", "D"), ("postal_code", "K1A 0B1"), ("email", "cy@example.org"),
                    ("partner", "other"), ("partner_consent", "yes"),
                ]
            ).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE referral = 'embed.ccr'"), 2)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE partner_consent = 'ccr' AND email = 'ana@example.org'"), 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE partner_consent <> '' AND email <> 'ana@example.org'"), 0)

        // The partner's opt-ins, exported for it (audited).
        let partner = try scalar("SELECT id FROM partners WHERE key = 'ccr'")
        let csv = try site.get("/admin/partners/\(partner)/opt-ins.csv", headers: organizer)
        XCTAssertEqual(csv.status, 200)
        let rows = try CSV.parse(String(decoding: csv.body.dropFirst(3), as: UTF8.self))
        XCTAssertEqual(rows.map { $0.fields[3] }, ["email", "ana@example.org"])
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE action = 'export' AND subject = 'partner \(partner)'"), 1)
    }
}
