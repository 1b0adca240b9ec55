import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// "Did your MP reply?": asked once, two weeks after a letter; answered with one click and no
/// login; shown riding by riding, quoted only with consent; staff record replies they got.
final class ResponsesTests: XCTestCase {
    var site: TestApp!
    let slug = "waive-travel-loans-mp"

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.signaturesPerMinute = 1000
            $0.passwordCost = 10
        }
    }
    override func tearDown() { site.stop() }

    func write(_ email: String) throws {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/letters/\(slug)").text))
        let values = [
            "name": "Zoë O'Neil", "email": email, "street_address": "12 Main St", "city": "Ottawa", "postal_code": "K1A 0B1",
            "_csrf": token,
        ]
        XCTAssertEqual(try site.post("/letters/\(slug)", values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).status, 303)
    }

    func followUp(daysLater: Double) throws {
        try XCTUnwrap(site.app.features.compactMap { $0 as? ResponsesFeature }.first).followUp(
            now: Date().addingTimeInterval(daysLater * 86_400))
    }

    func followUps(to email: String) throws -> Int {
        try site.app.database.read {
            try $0.scalar("SELECT count(*) FROM outbox WHERE kind = 'letter.follow_up' AND recipient = ?", email, as: Int.self) ?? 0
        }
    }

    func testTheWriterIsAskedOnceAndTheirAnswerShowsRidingByRiding() throws {
        try write("zoe@example.org")
        try followUp(daysLater: 13)
        XCTAssertEqual(try followUps(to: "zoe@example.org"), 0, "not before two weeks")
        try followUp(daysLater: 15)
        XCTAssertEqual(try followUps(to: "zoe@example.org"), 1)
        try followUp(daysLater: 16)
        XCTAssertEqual(try followUps(to: "zoe@example.org"), 1, "asked once")
        let mail = try site.outboxText(to: "zoe@example.org")
        XCTAssertTrue(mail.contains("Did "), mail)
        let link = try site.mailedLink(to: "zoe@example.org", containing: "/response/")

        let before = try site.get("/letters/\(slug)/responses")
        XCTAssertEqual(before.status, 200)
        XCTAssertTrue(before.text.contains("0 of 1 ridings written to have replied"))

        let form = try site.get(link)
        XCTAssertEqual(form.status, 200)
        XCTAssertEqual(form.header("X-Robots-Tag"), "noindex")
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: form.text))
        XCTAssertEqual(try site.post(link, [("_csrf", "forged"), ("reply", "yes")]).status, 403)
        let missing = try site.post(link, [("_csrf", csrf), ("reply", "")])
        XCTAssertEqual(missing.status, 422)
        XCTAssertTrue(missing.text.contains("Choose an answer"))
        let answered = try site.post(
            link, [("_csrf", csrf), ("reply", "yes"), ("said", "I will raise the loans with the Minister."), ("consent", "")])
        XCTAssertEqual(answered.status, 200)
        XCTAssertTrue(answered.text.contains("your answer is kept"))

        var page = try site.get("/letters/\(slug)/responses").text
        XCTAssertTrue(page.contains("1 of 1 ridings written to have replied (100"), page)
        XCTAssertTrue(page.contains("Ottawa Centre"))
        XCTAssertFalse(page.contains("raise the loans"), "not quoted without consent")
        XCTAssertFalse(page.contains("Zoë") || page.contains("zoe@example.org"), "never the writer")

        // Consent given later, through the same link.
        XCTAssertEqual(
            try site.post(
                link, [("_csrf", csrf), ("reply", "yes"), ("said", "I will raise the loans with the Minister."), ("consent", "yes")]
            )
            .status, 200)
        page = try site.get("/letters/\(slug)/responses").text
        XCTAssertTrue(page.contains("<blockquote><p>I will raise the loans with the Minister.</p></blockquote>"))
        XCTAssertTrue(try site.get("/representatives?postal_code=K1A0B1").text.contains("Replied to letters about"))
        XCTAssertTrue(try site.get("/fr/letters/\(slug)/responses").text.contains("A répondu"))

        // The letter's retention passes; the answer stays, without the writer.
        try site.app.database.writeAndWait { db in try db.run("DELETE FROM letters") }
        XCTAssertTrue(try site.get("/letters/\(slug)/responses").text.contains("raise the loans"))
        XCTAssertEqual(try site.get("/letters/\(slug)/response/not-a-token").status, 404)
    }

    func testStaffRecordAReplyTheyReceived() throws {
        try write("a@example.org")
        try site.addStaff(["organizer@example.org": "organizer", "editor@example.org": "editor"])
        let id = try XCTUnwrap(
            site.app.database.read { try $0.scalar("SELECT id FROM letter_campaigns WHERE slug = ?", self.slug, as: Int64.self) })
        XCTAssertEqual(try site.get("/admin/letters/\(id)/responses", headers: try site.signIn("editor@example.org")).status, 403)
        let staff = try site.signIn("organizer@example.org")
        let screen = try site.get("/admin/letters/\(id)/responses", headers: staff)
        XCTAssertEqual(screen.status, 200)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: screen.text))
        let riding = try XCTUnwrap(site.app.database.read { try $0.scalar("SELECT riding_code FROM letters LIMIT 1", as: String.self) })
        let bad = try site.post(
            "/admin/letters/\(id)/responses", [("_csrf", csrf), ("riding", "99999"), ("reply", "yes"), ("said", "x")], headers: staff)
        XCTAssertEqual(bad.status, 422, "only a riding the campaign's letters came from")
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM letter_responses", as: Int.self) }, 0)
        XCTAssertEqual(
            try site.post(
                "/admin/letters/\(id)/responses",
                [("_csrf", csrf), ("riding", riding), ("reply", "yes"), ("said", "Our office read every letter."), ("quotable", "yes")],
                headers: staff
            ).status, 303)
        XCTAssertTrue(try site.get("/letters/\(slug)/responses").text.contains("Our office read every letter."))
        let responseID = try XCTUnwrap(site.app.database.read { try $0.scalar("SELECT id FROM letter_responses", as: Int64.self) })
        XCTAssertEqual(try site.post("/admin/letters/\(id)/responses/\(responseID)/delete", [("_csrf", csrf)], headers: staff).status, 303)
        XCTAssertFalse(try site.get("/letters/\(slug)/responses").text.contains("Our office"))
    }
}
