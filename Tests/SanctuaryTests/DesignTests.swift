import Foundation
import Sanctuary
import TestSupport
import XCTest

/// What visitors and staff see (issue #19): forms that say at once that they failed, and
/// admin screens that name things.
final class DesignTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true)
    }

    override func tearDown() { site?.stop() }

    func title(_ html: String) -> String {
        guard let start = html.range(of: "<title>"), let end = html.range(of: "</title>", range: start.upperBound..<html.endIndex) else {
            return ""
        }
        return String(html[start.upperBound..<end.lowerBound])
    }

    /// GOV.UK's pattern: the title starts "Error:", and the summary comes before the page's
    /// own text, so a phone's first screen shows it; each problem links to its field.
    func assertErrorFirst(_ response: ClientResponse, heading: String, fields: [String], file: StaticString = #filePath, line: UInt = #line)
    {
        XCTAssertEqual(response.status, 422, file: file, line: line)
        let html = response.text
        XCTAssertTrue(title(html).hasPrefix("Error: ") || title(html).hasPrefix("Erreur : "), title(html), file: file, line: line)
        guard let summary = html.range(of: "class=\"error-summary\""), let h1 = html.range(of: "<h1") else {
            return XCTFail("no error summary or heading", file: file, line: line)
        }
        XCTAssertLessThan(summary.lowerBound, h1.lowerBound, "the summary comes before \(heading)", file: file, line: line)
        for field in fields {
            XCTAssertTrue(html.contains("<a href=\"#f-\(field)\">"), "the summary links to \(field)", file: file, line: line)
            XCTAssertTrue(html.contains("id=\"f-\(field)\""), "\(field) is there to be linked to", file: file, line: line)
        }
    }

    func testAFailedSignatureSaysSoFirst() throws {
        assertErrorFirst(
            try site.sign("waive-travel-loans", ["email": "nope", "postal_code": "D0D 0D0"]), heading: "the petition",
            fields: ["email", "postal_code"])
        let french = try site.post(
            "/fr/petitions/waive-travel-loans/sign", [("_csrf", try site.signToken("waive-travel-loans")), ("email", "nope")])
        assertErrorFirst(french, heading: "the French petition", fields: ["email"])
    }

    func testAFailedRSVPAndAFailedLetterSaySoFirst() throws {
        let event = try site.get("/events/stca-public-meeting")
        let eventToken = try XCTUnwrap(FormHelper.csrfToken(in: event.text))
        assertErrorFirst(
            try site.post("/events/stca-public-meeting/rsvp", [("_csrf", eventToken), ("name", ""), ("email", "x")]), heading: "the event",
            fields: ["name", "email"])
        let letter = try site.get("/letters/waive-travel-loans-mp")
        let letterToken = try XCTUnwrap(FormHelper.csrfToken(in: letter.text))
        assertErrorFirst(
            try site.post("/letters/waive-travel-loans-mp", [("_csrf", letterToken), ("name", "Zoë")]), heading: "the letter",
            fields: ["email", "street_address"])
    }

    func testTheSignFormCanBeReachedFromTheTopOfThePage() throws {
        let html = try site.get("/petitions/waive-travel-loans").text
        let jump = try XCTUnwrap(html.range(of: "href=\"#sign-heading\""), "a link to the form near the top")
        let text = try XCTUnwrap(html.range(of: "class=\"petition-text\""))
        XCTAssertLessThan(jump.lowerBound, text.lowerBound, "before the petition's text")
        XCTAssertTrue(html.contains("id=\"sign-heading\""))
        XCTAssertTrue(try site.get("/events/stca-public-meeting").text.contains("href=\"#rsvp-heading\""))
        XCTAssertFalse(try site.get("/petitions/waive-travel-loans").text.contains("Error:"), "no error, no prefix")
    }

    func testCardsHaveAButtonThatNamesWhatItActsOn() throws {
        let list = try site.get("/petitions").text
        XCTAssertTrue(
            list.contains(">Sign<span class=\"visually-hidden\">: Waive travel-loan repayment for resettled refugees</span></a>"), list)
        XCTAssertTrue(try site.get("/letters").text.contains(">Write<span class=\"visually-hidden\">: "))
        XCTAssertTrue(try site.get("/fr/petitions").text.contains(">Signer<span class=\"visually-hidden\">: "))
        let home = try site.get("/").text
        XCTAssertTrue(home.contains("class=\"button button-large\""), "one clear call to action at the top")
    }

    func testAfterSigningTheThanksPageOffersWhatToDoNext() throws {
        let thanks = try site.get("/petitions/waive-travel-loans/thanks").text
        let next = try XCTUnwrap(thanks.components(separatedBy: "id=\"next-steps\"").last)
        XCTAssertTrue(next.contains("class=\"card-action\""), "other actions, each with a button")
        XCTAssertFalse(next.contains("href=\"/petitions/waive-travel-loans\""), "not the petition just signed")
        XCTAssertTrue(try site.get("/events/stca-public-meeting/registered").text.contains("id=\"next-steps\""))
        let sent = try site.get("/letters/waive-travel-loans-mp/sent")
        XCTAssertEqual(sent.status, 200)
        XCTAssertTrue(sent.text.contains("id=\"next-steps\""), "after a letter goes, what next")
        XCTAssertEqual(try site.get("/letters/no-such-campaign/sent").status, 404)
    }

    func testFindYourMPOffersToWriteAndExplainsABadCodeByTheField() throws {
        let found = try site.get("/representatives?postal_code=K1A0B1").text
        XCTAssertTrue(found.contains(">Write to this MP<span class=\"visually-hidden\">: "), found)
        XCTAssertTrue(found.contains("href=\"/letters/waive-travel-loans-mp\""))
        let bad = try site.get("/representatives?postal_code=nope")
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(title(bad.text).hasPrefix("Error: "))
        XCTAssertTrue(bad.text.contains("<a href=\"#f-postal_code\">"))
        XCTAssertTrue(bad.text.contains("aria-invalid=\"true\""), "the message is tied to the field")
    }

    func testPreviewShowsTheWholeItemInBothLanguagesEvenUnfinished() throws {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES ('editor@example.org', 'editor', ?)", hash)
        }
        let cookie = try site.signIn("editor@example.org")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/news/new", headers: cookie).text))
        let preview = try site.post(
            "/admin/news",
            [
                ("_csrf", token), ("title", "Hearing day"), ("title_fr", "Jour d’audience"), ("slug", ""), ("summary", "Come along."),
                ("body", "We **need** you."), ("body_fr", "Nous avons **besoin** de vous."), ("state", "draft"), ("action", "preview"),
            ], headers: cookie)
        XCTAssertEqual(preview.status, 200, "a missing slug does not block the preview")
        XCTAssertTrue(preview.text.contains("<article lang=\"en\"><h1>Hearing day</h1><p class=\"lede\">Come along.</p>"))
        XCTAssertTrue(preview.text.contains("<article lang=\"fr\"><h1>Jour d’audience</h1>"))
        XCTAssertTrue(preview.text.contains("Nous avons <strong>besoin</strong> de vous."))
        XCTAssertTrue(preview.text.contains("rows=\"16\""), "a Markdown box large enough to write in")
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT count(*) FROM news WHERE title = 'Hearing day'", as: Int.self) }, 0)
    }

    func testAdminErrorSummariesNameTheirFields() throws {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES ('editor@example.org', 'editor', ?)", hash)
        }
        let cookie = try site.signIn("editor@example.org")
        let form = try site.get("/admin/news/new", headers: cookie)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: form.text))
        let response = try site.post("/admin/news", [("_csrf", token), ("title", ""), ("slug", ""), ("state", "draft")], headers: cookie)
        XCTAssertEqual(response.status, 422)
        XCTAssertTrue(title(response.text).hasPrefix("Error: "), title(response.text))
        XCTAssertTrue(response.text.contains("<a href=\"#f-title\">Title: "), "the summary says which field")
        XCTAssertTrue(response.text.contains("<a href=\"#f-slug\">"), "and links to it")
    }
}

/// Delete asks first, and what people did is never lost by one click.
final class SafeDeleteTests: XCTestCase {
    var site: TestApp!
    var cookie: [(String, String)] = []

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true)
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES ('admin@example.org', 'admin', ?)", hash)
        }
        cookie = try site.signIn("admin@example.org")
    }

    override func tearDown() { site?.stop() }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }
    func text(_ sql: String) throws -> String { try site.app.database.read { try $0.scalar(sql, as: String.self) } ?? "" }

    func testAPetitionWithSignaturesCanOnlyBeArchived() throws {
        XCTAssertEqual(try site.sign("waive-travel-loans").status, 303)
        let id = try scalar("SELECT id FROM petitions WHERE slug = 'waive-travel-loans'")
        let signatures = try scalar("SELECT count(*) FROM signatures WHERE petition_id = \(id)")
        XCTAssertGreaterThan(signatures, 0)
        let editor = try site.get("/admin/petitions/\(id)/edit", headers: cookie).text
        XCTAssertTrue(editor.contains("href=\"/admin/petitions/\(id)/delete\""), "delete is a link to a page that asks")
        XCTAssertFalse(editor.contains("action=\"/admin/petitions/\(id)/delete\""), "not a button that deletes")

        let page = try site.get("/admin/petitions/\(id)/delete", headers: cookie)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("cannot be deleted"), page.text)
        XCTAssertTrue(page.text.contains("signature"), "says what would be lost")
        XCTAssertTrue(page.text.contains("/admin/petitions/\(id)/signatures.csv"), "offers the export first")
        XCTAssertFalse(page.text.contains("action=\"/admin/petitions/\(id)/delete\""), "no delete button")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))

        // A forged or stale delete is refused in the transaction, and nothing goes.
        let refused = try site.post("/admin/petitions/\(id)/delete", [("_csrf", token)], headers: cookie)
        XCTAssertEqual(refused.status, 409)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE petition_id = \(id)"), signatures)
        XCTAssertEqual(try scalar("SELECT count(*) FROM petitions WHERE id = \(id)"), 1)

        let archived = try site.post("/admin/petitions/\(id)/archive", [("_csrf", token)], headers: cookie)
        XCTAssertEqual(archived.status, 303)
        XCTAssertEqual(try text("SELECT state FROM petitions WHERE id = \(id)"), "closed")
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE petition_id = \(id)"), signatures)
        XCTAssertTrue(try text("SELECT subject FROM audit_log WHERE action = 'archive'").contains("Waive travel-loan repayment"))
    }

    /// An event people registered for is archived, not made a draft: it leaves the lists, and
    /// its page (and the links its registrants hold) keep working, marked archived.
    func testAnArchivedEventKeepsItsPageAndItsRegistrantsLinks() throws {
        let id = try scalar("SELECT id FROM events WHERE slug = 'stca-public-meeting'")
        try site.app.database.writeAndWait { db in
            try db.run(
                "INSERT INTO rsvps (event_id, name, email, status, created_at) VALUES (?, 'Sam', 'sam@example.org', 'confirmed', ?)", id,
                Timestamp.now())
        }
        let page = try site.get("/admin/events/\(id)/delete", headers: cookie)
        XCTAssertTrue(page.text.contains("its page and the links people were sent keep working"), page.text)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        XCTAssertEqual(try site.post("/admin/events/\(id)/archive", [("_csrf", token)], headers: cookie).status, 303)
        XCTAssertEqual(try text("SELECT state FROM events WHERE id = \(id)"), "published", "not a draft")
        let event = try site.get("/events/stca-public-meeting")
        XCTAssertEqual(event.status, 200, "the page still opens")
        XCTAssertTrue(event.text.contains("This event is archived"))
        XCTAssertFalse(event.text.contains("id=\"rsvp-heading\""), "registration is closed")
        XCTAssertFalse(try site.get("/events").text.contains("/events/stca-public-meeting\""), "out of the list")
        XCTAssertFalse(try site.get("/events?past=1").text.contains("/events/stca-public-meeting\""))
    }

    func testANewsPostIsDeletedOnlyAfterConfirmingAndTheLogNamesIt() throws {
        let id = try scalar("SELECT id FROM news WHERE slug = 'welcome-here-toolkit'")
        let title = try text("SELECT title FROM news WHERE id = \(id)")
        let page = try site.get("/admin/news/\(id)/delete", headers: cookie)
        XCTAssertTrue(page.text.contains("cannot be undone"))
        XCTAssertTrue(page.text.contains("action=\"/admin/news/\(id)/delete\""))
        XCTAssertEqual(try scalar("SELECT count(*) FROM news WHERE id = \(id)"), 1, "asking deletes nothing")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        XCTAssertEqual(try site.post("/admin/news/\(id)/delete", [("_csrf", token)], headers: cookie).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM news WHERE id = \(id)"), 0)
        let subject = try text("SELECT subject FROM audit_log WHERE action = 'delete'")
        XCTAssertTrue(subject.contains(title), "the audit log names it: \(subject)")
        XCTAssertEqual(try site.get("/admin/news/\(id)/delete", headers: cookie).status, 404)
    }

    func testSavedLinksToTheLivePage() throws {
        let id = try scalar("SELECT id FROM news WHERE slug = 'welcome-here-toolkit'")
        let page = try site.get("/admin/news/\(id)/edit?saved=1", headers: cookie).text
        XCTAssertTrue(page.contains("<a href=\"/news/welcome-here-toolkit\">View it on the site</a>"))
    }
}

/// Staff pages (SPEC: `/pages/{slug}` in both languages, linked from the footer).
final class StaffPageTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws { site = try TestApp(sampleContent: true) }
    override func tearDown() { site?.stop() }

    func testAboutAndPrivacyAreInEveryFooterInBothLanguages() throws {
        for (path, about, privacy) in [("/", "About us", "Privacy policy"), ("/fr/", "À propos", "Politique de confidentialité")] {
            let home = try site.get(path).text
            let footer = try XCTUnwrap(home.components(separatedBy: "<footer").last)
            XCTAssertTrue(footer.contains(">\(about)</a>"), "\(path): \(footer)")
            XCTAssertTrue(footer.contains(">\(privacy)</a>"))
            XCTAssertTrue(footer.contains(path == "/" ? "href=\"/pages/privacy\"" : "href=\"/fr/pages/privacy\""))
        }
        let privacy = try site.get("/pages/privacy")
        XCTAssertEqual(privacy.status, 200)
        XCTAssertTrue(privacy.text.contains("<h1>Privacy policy</h1>"))
        XCTAssertTrue(try site.get("/fr/pages/privacy").text.contains("<h1>Politique de confidentialité</h1>"))
        XCTAssertEqual(try site.get("/pages/nope").status, 404)
        XCTAssertTrue(try site.get("/sitemap.xml").text.contains("/pages/about"))
        let navigation = try site.get("/").text
        XCTAssertTrue(navigation.contains("href=\"/letters\""), "letters in the navigation")
        XCTAssertTrue(navigation.contains("href=\"/representatives\""), "and Find your MP")
    }

    func testAnEditorWritesAPageAndItAppearsInTheFooterAtOnce() throws {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES ('editor@example.org', 'editor', ?)", hash)
        }
        let cookie = try site.signIn("editor@example.org")
        XCTAssertFalse(try site.get("/").text.contains("Accessibility"))
        let form = try site.get("/admin/pages/new", headers: cookie)
        XCTAssertEqual(form.status, 200)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: form.text))
        let saved = try site.post(
            "/admin/pages",
            [
                ("_csrf", token), ("title", "Accessibility"), ("title_fr", "Accessibilité"), ("slug", "accessibility"),
                ("body", "We aim for **WCAG 2.2 AA**."), ("position", "3"), ("state", "published"),
            ], headers: cookie)
        XCTAssertEqual(saved.status, 303)
        XCTAssertTrue(try site.get("/").text.contains("href=\"/pages/accessibility\">Accessibility</a>"))
        // Left out, the order is 0, not a NOT NULL failure (the whole-app fuzzer found that 500).
        let token2 = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/pages/new", headers: cookie).text))
        let unordered = try site.post(
            "/admin/pages", [("_csrf", token2), ("title", "Contact"), ("slug", "contact"), ("state", "published")], headers: cookie)
        XCTAssertEqual(unordered.status, 303)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT position FROM pages WHERE slug = 'contact'", as: Int.self) }, 0)
        XCTAssertTrue(try site.get("/pages/accessibility").text.contains("<strong>WCAG 2.2 AA</strong>"))
        XCTAssertTrue(try site.get("/fr/").text.contains(">Accessibilité</a>"))
    }
}
