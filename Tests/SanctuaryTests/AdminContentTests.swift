import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

/// Staff create and edit content through the admin screens.
final class AdminContentTests: XCTestCase {
    var site: TestApp!
    let password = "a long enough passphrase"

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.passwordCost = 10 }
        for (email, role) in [("organizer@example.org", StaffUser.Role.organizer), ("editor@example.org", .editor)] {
            let hash = try site.app.passwordHasher.hash(password)
            try site.app.database.writeAndWait { db in try StaffStore.create(db, email: email, name: "", role: role, passwordHash: hash) }
        }
    }
    override func tearDown() { site.stop() }

    /// (cookie header, form token) for a signed-in account.
    func signIn(_ email: String) throws -> ([(String, String)], String) {
        let headers = try site.signIn(email, password: password)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin", headers: headers).text))
        return (headers, csrf)
    }

    func testOrganizerCreatesEditsAndClosesAPetition() throws {
        let (cookie, csrf) = try signIn("organizer@example.org")
        XCTAssertEqual(try site.get("/admin/petitions/new", headers: cookie).status, 200)
        var fields = [
            ("_csrf", csrf), ("title", "Status for all"), ("slug", "status-for-all"), ("summary", "Regularise everyone."),
            ("body", "First paragraph.\n\nSecond."), ("target", "The Prime Minister"), ("goal", "5000"),
            ("closes_at", "2030-01-01T00:00"), ("state", "open"), ("featured", "yes"),
        ]
        let bad = try site.post("/admin/petitions", fields.map { $0.0 == "slug" ? ("slug", "Bad Slug!") : $0 }, headers: cookie)
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.text.contains("Lower-case letters") && bad.text.contains("id=\"f-slug-error\""))
        XCTAssertTrue(bad.text.contains("value=\"Status for all\""), "values kept")
        let created = try site.post("/admin/petitions", fields, headers: cookie)
        XCTAssertEqual(created.status, 303)
        let location = try XCTUnwrap(created.header("Location"))
        XCTAssertTrue(location.hasSuffix("/edit?saved=1"))
        XCTAssertTrue(try site.get(location, headers: cookie).text.contains("Saved."))
        let page = try site.get("/petitions/status-for-all")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("The Prime Minister"))
        let duplicate = try site.post("/admin/petitions", fields, headers: cookie)
        XCTAssertEqual(duplicate.status, 422)
        XCTAssertTrue(duplicate.text.contains("already used"))
        // Signing reads the petition once a second; a staff edit must still end that at once.
        let token = try site.signToken("status-for-all")
        XCTAssertEqual(try site.sign("status-for-all", ["email": "before@example.org"], token: token).status, 303)
        // Close it.
        let id = location.split(separator: "/")[2]
        fields = fields.map { $0.0 == "state" ? ("state", "closed") : $0 }
        XCTAssertEqual(try site.post("/admin/petitions/\(id)", fields, headers: cookie).status, 303)
        XCTAssertEqual(
            try site.sign("status-for-all", ["email": "after@example.org"], token: token).status, 410, "closed at once for signing too")
        XCTAssertTrue(try site.get("/petitions/status-for-all").text.contains("This petition is closed"))
        let audit = try site.app.database.read { try StaffStore.recentAudit($0).map { "\($0.action) \($0.subject)" } }
        XCTAssertTrue(audit.contains { $0.hasPrefix("create petitions “") && $0.hasSuffix("” (#\(id))") }, "named by title: \(audit)")
        XCTAssertTrue(audit.contains { $0.hasPrefix("edit petitions “") && $0.hasSuffix("” (#\(id))") }, "\(audit)")
    }

    func testEditorWritesNewsWithPreviewAndCannotTouchPetitions() throws {
        let (cookie, csrf) = try signIn("editor@example.org")
        XCTAssertEqual(try site.get("/admin/petitions/new", headers: cookie).status, 403)
        XCTAssertEqual(try site.post("/admin/petitions", [("_csrf", csrf)], headers: cookie).status, 403)
        let body = "Hello **world**.\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(2)) and [good](https://example.org)"
        let fields = [
            ("_csrf", csrf), ("title", "A post"), ("slug", "a-post"), ("summary", "S"), ("body", body), ("author_name", "Ed"),
            ("published_at", "2026-01-01T10:00"), ("state", "published"),
        ]
        let preview = try site.post("/admin/news", fields + [("action", "preview")], headers: cookie)
        XCTAssertEqual(preview.status, 200)
        XCTAssertTrue(preview.text.contains("<strong>world</strong>"))
        XCTAssertTrue(preview.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertFalse(preview.text.contains("<script>alert(1)"))
        XCTAssertFalse(preview.text.contains("href=\"javascript:"), "unsafe link dropped")
        XCTAssertTrue(preview.text.contains("<a href=\"https://example.org\">good</a>"))
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT count(*) FROM news WHERE slug = 'a-post'", as: Int.self) }, 0,
            "preview saves nothing")
        XCTAssertEqual(try site.post("/admin/news", fields + [("action", "save")], headers: cookie).status, 303)
        let stored = try site.app.database.read { try $0.scalar("SELECT published_at FROM news WHERE slug = 'a-post'", as: String.self) }
        XCTAssertEqual(stored, "2026-01-01T15:00:00Z", "10:00 in the site's zone (America/Toronto, EST) is 15:00 UTC")
        let edit = try site.get(
            "/admin/news/\(try XCTUnwrap(try site.app.database.read { try $0.scalar("SELECT id FROM news WHERE slug = 'a-post'", as: Int.self) }))/edit",
            headers: cookie)
        XCTAssertTrue(edit.text.contains("value=\"2026-01-01T10:00\""), "shown back in the site's zone")
        XCTAssertTrue(edit.text.contains("In America/Toronto time"), "and the zone is said")
    }

    /// A web address name left empty is made from the title; the hint shows the item's own address.
    func testAnEmptyWebAddressNameIsMadeFromTheTitle() throws {
        let (cookie, csrf) = try signIn("editor@example.org")
        let editor = try site.get("/admin/news/new", headers: cookie).text
        XCTAssertTrue(editor.contains("/news/your-name-here. Left empty, it is made from the title."), editor)
        XCTAssertFalse(editor.contains("/petitions/your-name-here"))
        let fields = [
            ("_csrf", csrf), ("title", "Écrire à son député : une soirée, 12 mai!"), ("slug", ""), ("summary", "S"), ("body", "B"),
            ("author_name", ""), ("published_at", "2026-01-01T10:00"), ("state", "published"),
        ]
        XCTAssertEqual(try site.post("/admin/news", fields + [("action", "save")], headers: cookie).status, 303)
        XCTAssertEqual(try site.get("/news/ecrire-a-son-depute-une-soiree-12-mai").status, 200)
        // A new post with a picture in one go: saved, then straight on to its picture.
        XCTAssertTrue(editor.contains("value=\"save_picture\""), "offered while the item is new")
        let withPicture = try site.post(
            "/admin/news", [("action", "save_picture")] + fields.map { $0.0 == "title" ? ("title", "Vigil photos") : $0 }, headers: cookie)
        XCTAssertEqual(withPicture.status, 303)
        let newID = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT id FROM news WHERE slug = 'vigil-photos'", as: Int.self) })
        XCTAssertEqual(withPicture.header("Location"), "/admin/news/\(newID)/image")
        XCTAssertFalse(try site.get("/admin/news/\(newID)/edit", headers: cookie).text.contains("value=\"save_picture\""), "not once saved")
        let nothing = [("_csrf", csrf), ("title", ""), ("slug", ""), ("summary", "S"), ("body", "B"), ("state", "draft")]
        XCTAssertEqual(try site.post("/admin/news", nothing + [("action", "save")], headers: cookie).status, 422, "no title, no name")
    }

    func testEventTimesAreReadInTheEventsTimeZone() throws {
        let (cookie, csrf) = try signIn("editor@example.org")
        let fields = [
            ("_csrf", csrf), ("title", "Vigil"), ("slug", "vigil"), ("time_zone", "America/Vancouver"),
            ("starts_at", "2026-07-01T19:00"), ("state", "published"), ("rsvp_enabled", "yes"), ("capacity", "15"),
        ]
        let response = try site.post("/admin/events", fields, headers: cookie)
        XCTAssertEqual(response.status, 303)
        let row = try site.app.database.read {
            try $0.first("SELECT starts_at, capacity, rsvp_enabled FROM events WHERE slug = 'vigil'") {
                (try $0.get("starts_at", as: String.self), try $0.get("capacity", as: Int.self), try $0.get("rsvp_enabled", as: Int.self))
            }
        }
        XCTAssertEqual(row?.0, "2026-07-02T02:00:00Z", "19:00 PDT is 02:00 UTC")
        XCTAssertEqual(row?.1, 15)
        XCTAssertEqual(row?.2, 1)
        let edit = try site.get(try XCTUnwrap(response.header("Location")), headers: cookie)
        XCTAssertTrue(edit.text.contains("value=\"2026-07-01T19:00\""), "shown back in its own zone")
    }

    func testLetterTemplatesAreCheckedOnSave() throws {
        let (cookie, csrf) = try signIn("organizer@example.org")
        var fields = [
            ("_csrf", csrf), ("title", "Write in"), ("slug", "write-in"), ("recipient_kind", "mp"), ("subject", "Hello"),
            ("body_template", "Dear {{mp_name}} of {{ridng}}, from {{sender_name}}"), ("state", "open"),
        ]
        let bad = try site.post("/admin/letters", fields, headers: cookie)
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.text.contains("Unknown placeholder {{ridng}}"), "an unknown placeholder is an error, not a silent blank")
        fields[5] = ("body_template", "Dear {{mp_name}} of {{riding}}, from {{sender_name}} at {{sender_address}} on {{date}}")
        XCTAssertEqual(try site.post("/admin/letters", fields, headers: cookie).status, 303)
        XCTAssertEqual(try site.get("/letters/write-in").status, 200)
        XCTAssertEqual(try site.get("/admin/letters", headers: cookie).status, 200)
        let (editor, _) = try signIn("editor@example.org")
        XCTAssertEqual(try site.get("/admin/letters", headers: editor).status, 403)
    }

    func testDeleteNeedsTheTokenAndRemovesTheRow() throws {
        let (cookie, csrf) = try signIn("editor@example.org")
        let id = try XCTUnwrap(try site.app.database.read { try $0.scalar("SELECT id FROM news LIMIT 1", as: Int64.self) })
        XCTAssertEqual(try site.post("/admin/news/\(id)/delete", [], headers: cookie).status, 403)
        XCTAssertEqual(try site.post("/admin/news/\(id)/delete", [("_csrf", csrf)], headers: cookie).status, 303)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM news WHERE id = ?", id, as: Int.self) }, 0)
    }
}

final class MarkdownTests: XCTestCase {
    func testBlocksAndInlines() {
        let html = Markdown.render("# Title\n\nOne *two* **three** `four`\nline\n\n- a\n- b\n\n1. x\n2. y\n\n> quoted").rendered
        XCTAssertEqual(
            html,
            "<h2>Title</h2>\n<p>One <em>two</em> <strong>three</strong> <code>four</code>\nline</p>\n<ul><li>a</li><li>b</li></ul>\n<ol><li>x</li><li>y</li></ol>\n<blockquote><p>quoted</p></blockquote>"
        )
    }

    func testNothingUnsafeGetsThrough() {
        let cases = [
            "<script>x</script>", "<img src=x onerror=alert(1)>", "[a](javascript:alert(1))", "[a](JaVaScRiPt:alert(1))",
            "[a]( javascript:alert(1))", "[a](data:text/html,<script>)", "[a](//evil.example)", "[x\" onmouseover=\"y](https://ok.example)",
            "[a](/\\evil.example)", "[a](/ \\evil.example)",
        ]
        for source in cases {
            let html = Markdown.render(source).rendered
            XCTAssertFalse(html.contains("<script"), source)
            XCTAssertFalse(html.contains("<img"), source)
            XCTAssertFalse(html.lowercased().contains("href=\"javascript"), source)
            XCTAssertFalse(html.contains("href=\"data:"), source)
            XCTAssertFalse(html.contains("href=\"//"), source)
            XCTAssertFalse(html.contains("href=\"/\\"), "browsers read /\\ as //, another site: \(source)")
            XCTAssertFalse(html.contains("\" onmouseover=\""), source)
        }
        XCTAssertEqual(
            Markdown.render("[site](/petitions) & [mail](mailto:a@example.org)").rendered,
            "<p><a href=\"/petitions\">site</a> &amp; <a href=\"mailto:a@example.org\">mail</a></p>")
    }
}
