import Foundation
import HTTP
import Images
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// Supporters' stories end to end: the real server, a real SMTP server, a real database
/// (SQLite, or PostgreSQL with `SANCTUARY_TEST_ENGINE=postgres`), the photo through the real
/// image pipeline.
final class StoriesTests: XCTestCase {
    var smtp: SMTPTestServer!
    var site: TestApp!

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        site = try TestApp.mailing(to: smtp)
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    // MARK: Helpers

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    func staff(_ role: String = "organizer") throws -> [(String, String)] {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        let email = "\(role)@example.org"
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", email, role, hash)
        }
        return try site.signIn(email)
    }

    static let story = "When the family arrived in Dauphin in March, the whole street came out with soup and winter boots."

    func fields(_ changes: [String: String] = [:], token: String) -> [(String, String)] {
        var values = [
            "_csrf": token, "story": Self.story, "caption": "Soup night", "photographer": "Ana", "first_name": "Maryam",
            "last_name": "Haddad", "naming": "initial", "place": "Dauphin, Manitoba", "email": "maryam@example.org",
            "consent_publish": "yes", "consent_people": "yes",
        ]
        for (k, v) in changes { values[k] = v }
        return values.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    func tell(
        _ changes: [String: String] = [:], photo: (name: String, bytes: [UInt8])? = nil, path: String = "/stories/new"
    ) throws -> ClientResponse {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get(path).text))
        let boundary = "----storyBoundary"
        let body = FormHelper.multipart(
            fields(changes, token: token), file: photo, boundary: boundary, fileType: "image/jpeg", fileField: "photo")
        let client = try site.client()
        client.send(
            "POST /stories?_csrf=\(token) HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        )
        client.send(body)
        return try client.readResponse()
    }

    func path(_ link: String) -> String { String(link.dropFirst(site.app.config.publicBaseURL.count)) }

    func mediaFolders() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: site.app.mediaDirectory).filter { !$0.hasPrefix(".") }.sorted()
    }

    func run(_ job: String) throws {
        try XCTUnwrap(site.app.features.flatMap { $0.jobs() }.first { $0.name == job }).run()
    }

    // MARK: Tests

    /// The whole life of a story: told with a photo, confirmed by the mailed link (staff see
    /// nothing before), edited with the original kept, published on the stories page, the
    /// gallery, the feed and its campaign's page, named only as chosen; then withdrawn by the
    /// teller's link: gone at once, erased (photo files too) by housekeeping, staff told.
    func testAStoryIsToldConfirmedModeratedPublishedAndWithdrawn() throws {
        let organizer = try staff()
        let campaign = Int64(try scalar("SELECT id FROM campaigns WHERE slug = 'refugees-welcome-here'"))
        try site.app.database.writeAndWait { db in
            try StoryStore.saveSettings(db, maxWords: 300, photoProject: false, campaignIDs: [campaign])
        }
        let campaignPage = try site.get("/campaigns/refugees-welcome-here").text
        XCTAssertTrue(campaignPage.contains("/stories/new?campaign=refugees-welcome-here"), "the campaign asks for stories")
        let before = try mediaFolders()

        let photo = try phonePhoto()
        let told = try tell(
            ["campaign": "refugees-welcome-here"], photo: ("dinner.jpg", photo), path: "/stories/new?campaign=refugees-welcome-here")
        XCTAssertEqual(told.status, 303, told.text)
        XCTAssertEqual(told.header("Location"), "/stories/sent")
        let id = Int64(try scalar("SELECT id FROM stories WHERE email = 'maryam@example.org'"))
        XCTAssertEqual(try scalar("SELECT count(*) FROM stories WHERE state = 'submitted' AND campaign_id = \(campaign)"), 1)

        // The photo: made into copies with not a byte of its metadata.
        let folders = try mediaFolders()
        XCTAssertEqual(folders.count, before.count + 1)
        let folder = try XCTUnwrap(folders.first { !before.contains($0) })
        for name in try FileManager.default.contentsOfDirectory(atPath: site.app.mediaDirectory + "/" + folder) {
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: site.app.mediaDirectory + "/\(folder)/\(name)"))
            XCTAssertNil(bytes.range(of: Data("Exif".utf8)), name)
            XCTAssertNil(bytes.range(of: Data("GPS 45".utf8)), name)
        }

        // The mail: nothing typed in it, a link to confirm and one to withdraw.
        let mail = try XCTUnwrap(smtp.waitForMessages(to: "maryam@example.org").first)
        for typed in ["Dauphin", "Maryam", "Haddad", "soup"] { XCTAssertFalse(mail.raw.contains(typed), typed) }
        let confirmLink = try XCTUnwrap(mail.link(containing: "/stories/confirm/"))
        let withdrawLink = try XCTUnwrap(mail.link(containing: "/stories/withdraw/"))

        // Staff see nothing before it is confirmed.
        XCTAssertEqual(try site.get("/admin/stories/\(id)", headers: organizer).status, 404)
        XCTAssertFalse(try site.get("/admin/stories", headers: organizer).text.contains("/admin/stories/\(id)\""))
        XCTAssertEqual(try site.press(path(confirmLink)).header("Location"), "/stories/confirmed")
        XCTAssertTrue(try site.get(path(confirmLink)).text.contains("confirmed already"))
        let queue = try site.get("/admin/stories", headers: organizer).text
        XCTAssertTrue(queue.contains("/admin/stories/\(id)\""), queue)
        XCTAssertTrue(queue.contains("To read (1)"), queue)

        // Not public until published.
        XCTAssertEqual(try site.get("/stories/\(id)").status, 404)
        XCTAssertFalse(try site.get("/stories").text.contains("Dauphin"))

        // Edited: the original stays beside it.
        var screen = try site.get("/admin/stories/\(id)", headers: organizer)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: screen.text))
        let edited = Self.story.replacingOccurrences(of: "whole street", with: "whole neighbourhood")
        XCTAssertEqual(
            try site.post(
                "/admin/stories/\(id)",
                [
                    ("_csrf", csrf), ("title", "Soup and boots"), ("body", edited), ("caption", "Soup night"), ("photographer", "Ana"),
                    ("campaign", String(campaign)), ("featured", "yes"),
                ], headers: organizer
            ).status, 303)
        screen = try site.get("/admin/stories/\(id)", headers: organizer)
        XCTAssertTrue(screen.text.contains("As the teller sent it"))
        XCTAssertTrue(screen.text.contains("whole street") && screen.text.contains("whole neighbourhood"))
        XCTAssertEqual(try site.post("/admin/stories/\(id)/publish", [("_csrf", csrf)], headers: organizer).status, 303)

        // Public: named as chosen ("Maryam H."), never the address or the last name.
        let page = try site.get("/stories/\(id)")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("Soup and boots"))
        XCTAssertTrue(page.text.contains("Maryam H., Dauphin, Manitoba"), page.text)
        XCTAssertTrue(page.text.contains("og:image"), "a share card from its photo")
        for surface in ["/stories/\(id)", "/stories", "/stories?view=photos", "/stories.atom", "/", "/campaigns/refugees-welcome-here"] {
            let text = try site.get(surface).text
            XCTAssertFalse(text.contains("maryam@example.org"), surface)
            XCTAssertFalse(text.contains("Haddad"), surface)
        }
        XCTAssertTrue(try site.get("/stories").text.contains("Soup and boots"))
        XCTAssertTrue(try site.get("/stories?view=photos").text.contains("srcset"), "the gallery")
        XCTAssertTrue(try site.get("/stories.atom").text.contains("whole neighbourhood"))
        XCTAssertTrue(try site.get("/campaigns/refugees-welcome-here").text.contains("Soup and boots"), "on its campaign's page")
        XCTAssertTrue(try site.get("/").text.contains("Soup and boots"), "on the home page")
        let published = try XCTUnwrap(
            smtp.waitForMessages(to: "maryam@example.org", 2).first { $0.subject.contains("Your story is on") })
        XCTAssertNotNil(published.link(containing: "/stories/\(id)"), "the teller hears where it is")
        XCTAssertNotNil(published.link(containing: "/stories/withdraw/"), "and how to take it back")
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE subject = 'story #\(id)'"), 2, "edit and publish audited")

        // Withdrawn by the teller's link: gone at once, erased by housekeeping, staff told.
        XCTAssertEqual(try site.get(path(withdrawLink)).status, 200)
        XCTAssertEqual(try site.get(path(withdrawLink) + "x").status, 404, "a link for no story")
        XCTAssertEqual(try site.press(path(withdrawLink)).status, 200)
        XCTAssertEqual(try site.get("/stories/\(id)").status, 404)
        XCTAssertFalse(try site.get("/stories").text.contains("Soup and boots"))
        XCTAssertFalse(try site.get("/campaigns/refugees-welcome-here").text.contains("Soup and boots"))
        try waitUntil(timeout: 10) { self.smtp.messages(to: "organizer@example.org").contains { $0.subject.contains("withdrawn") } }
        try run("erase stories")
        XCTAssertEqual(try mediaFolders(), before, "the photo's files are gone")
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM stories WHERE id = \(id) AND erased_at IS NOT NULL AND body = '' AND email = ''"), 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM media WHERE id = \(folder)"), 0)
        XCTAssertTrue(try site.get(path(withdrawLink)).text.contains("withdrawn"), "the link still answers")
    }

    /// Mistakes: the form again with everything typed kept and the photo to choose again;
    /// files that are not pictures get a clear message beside the field; nothing is kept.
    func testBadInputIsRefusedWithTheFormKeptAndNothingStored() throws {
        let before = try mediaFolders()
        let photo = try phonePhoto()
        let missing = try tell(["consent_publish": "", "naming": ""], photo: ("p.jpg", photo))
        XCTAssertEqual(missing.status, 422)
        XCTAssertTrue(missing.text.contains("Tick this box so that we may publish your story"))
        XCTAssertTrue(missing.text.contains("Choose how we should name you"))
        XCTAssertTrue(missing.text.contains("Please choose your photo again"), "a file input cannot be filled again")
        XCTAssertTrue(missing.text.contains("Dauphin, Manitoba") && missing.text.contains("whole street"), "everything typed is kept")
        XCTAssertEqual(missing.header("Cache-Control"), "no-store")

        let long = try tell(["story": Array(repeating: "word", count: 301).joined(separator: " ")])
        XCTAssertEqual(long.status, 422)
        XCTAssertTrue(long.text.contains("301 words"), long.text)

        XCTAssertEqual(try tell(["consent_people": ""], photo: ("p.jpg", photo)).status, 422, "a photo needs its people's agreement")
        XCTAssertEqual(try tell(["naming": "full", "last_name": ""]).status, 422)

        let svg = Array("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".utf8)
        let html = Array("<!DOCTYPE html><html><body>hi</body></html>".utf8)
        let truncated = Array(photo.prefix(photo.count / 3))
        for (name, bytes) in [("svg.jpg", svg), ("page.jpg", html), ("cut.jpg", truncated)] {
            let response = try tell([:], photo: (name, bytes))
            XCTAssertEqual(response.status, 422, name)
            XCTAssertTrue(response.text.contains("class=\"error\" id=\"f-photo-error\""), "\(name): beside the field")
        }
        // A decompression bomb: a tiny file that says it is 65,000 × 65,000 pixels (more than the
        // pixel budget even when decoded at an eighth of its size).
        var bomb = try ImageCodec.encodeJPEG(Bitmap(width: 8, height: 8, channels: 3, pixels: [UInt8](repeating: 9, count: 192)))
        let sof = try XCTUnwrap(bomb.indices.dropLast().first { bomb[$0] == 0xFF && (bomb[$0 + 1] == 0xC0 || bomb[$0 + 1] == 0xC2) })
        for offset in [5, 7] {
            bomb[sof + offset] = 0xFD
            bomb[sof + offset + 1] = 0xE8
        }
        let refused = try tell([:], photo: ("bomb.jpg", bomb))
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.text.contains("id=\"f-photo-error\""))

        XCTAssertEqual(try scalar("SELECT count(*) FROM stories WHERE email <> ''"), 0)
        XCTAssertEqual(try mediaFolders(), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: site.app.config.spoolDirectory), [], "no spooled file is left")
        XCTAssertEqual(smtp.messages().count, 0)
    }

    /// A declined story is never public; its reason may be mailed, and its words go after the
    /// retention period. "Anonymous" shows no name at all.
    func testDeclinedStoriesStayPrivateAndAnonymousMeansNoName() throws {
        let organizer = try staff("editor")
        XCTAssertEqual(try tell(["naming": "anonymous", "email": "a@example.org"]).status, 303)
        XCTAssertEqual(try tell(["naming": "first", "email": "b@example.org", "story": "Second story about a warm welcome."]).status, 303)
        for address in ["a@example.org", "b@example.org"] {
            let link = try XCTUnwrap(smtp.waitForMessages(to: address).first?.link(containing: "/stories/confirm/"))
            XCTAssertEqual(try site.press(path(link)).status, 303)
        }
        let anonymous = Int64(try scalar("SELECT id FROM stories WHERE email = 'a@example.org'"))
        let declined = Int64(try scalar("SELECT id FROM stories WHERE email = 'b@example.org'"))
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/stories", headers: organizer).text))
        XCTAssertEqual(try site.post("/admin/stories/\(anonymous)/publish", [("_csrf", csrf)], headers: organizer).status, 303)
        XCTAssertEqual(
            try site.post(
                "/admin/stories/\(declined)/decline", [("_csrf", csrf), ("reason", "It names a child."), ("tell", "yes")],
                headers: organizer
            ).status, 303)

        let page = try site.get("/stories/\(anonymous)").text
        XCTAssertTrue(page.contains("Anonymous, Dauphin, Manitoba"), page)
        XCTAssertFalse(page.contains("Maryam"))
        XCTAssertEqual(try site.get("/stories/\(declined)").status, 404)
        XCTAssertFalse(try site.get("/stories").text.contains("Second story"))
        XCTAssertFalse(try site.get("/stories.atom").text.contains("Second story"))
        let told = try XCTUnwrap(
            smtp.waitForMessages(to: "b@example.org", 2).first { $0.subject.contains("About your story") })
        XCTAssertTrue(told.text.contains("It names a child."))

        // Kept for the retention period, then erased.
        try run("erase stories")
        XCTAssertEqual(try scalar("SELECT count(*) FROM stories WHERE id = \(declined) AND erased_at IS NULL"), 1)
        try site.app.database.writeAndWait { db in try db.run("UPDATE stories SET ended_at = '2000-01-01T00:00:00Z' WHERE id = ?", declined)
        }
        try run("erase stories")
        XCTAssertEqual(try scalar("SELECT count(*) FROM stories WHERE id = \(declined) AND erased_at IS NOT NULL AND body = ''"), 1)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM stories WHERE id = \(anonymous) AND erased_at IS NULL"), 1, "the published one stays")
    }

    /// Staff turn and crop a story's photo: made again from its largest copy, the old copies
    /// gone, each change audited; a crop out of bounds is refused with a word.
    func testStaffTurnAndCropThePhoto() throws {
        let organizer = try staff()
        XCTAssertEqual(try tell([:], photo: ("p.jpg", try phonePhoto(width: 640, height: 480))).status, 303)
        let link = try XCTUnwrap(smtp.waitForMessages(to: "maryam@example.org").first?.link(containing: "/stories/confirm/"))
        XCTAssertEqual(try site.press(path(link)).status, 303)
        let id = Int64(try scalar("SELECT id FROM stories WHERE email = 'maryam@example.org'"))
        func size() throws -> (Int, Int) {
            (
                try scalar("SELECT m.width FROM media m JOIN stories s ON s.media_id = m.id WHERE s.id = \(id)"),
                try scalar("SELECT m.height FROM media m JOIN stories s ON s.media_id = m.id WHERE s.id = \(id)")
            )
        }
        XCTAssertTrue(try size() == (640, 480))
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/stories/\(id)", headers: organizer).text))
        let before = try mediaFolders()
        XCTAssertEqual(
            try site.post("/admin/stories/\(id)/rotate", [("_csrf", csrf), ("direction", "right")], headers: organizer).status, 303)
        let turned = try size()
        XCTAssertTrue(turned == (480, 640), "\(turned)")
        XCTAssertEqual(try mediaFolders().count, before.count, "the old copies went")
        XCTAssertEqual(
            try site.post(
                "/admin/stories/\(id)/crop", [("_csrf", csrf), ("left", "25"), ("top", "0"), ("right", "25"), ("bottom", "40")],
                headers: organizer
            ).status, 303)
        let cropped = try size()
        XCTAssertTrue(cropped == (240, 384), "\(cropped)")
        let refused = try site.post(
            "/admin/stories/\(id)/crop", [("_csrf", csrf), ("left", "90"), ("top", "0"), ("right", "0"), ("bottom", "0")],
            headers: organizer)
        XCTAssertEqual(refused.status, 422)
        XCTAssertTrue(refused.text.contains("from 0 to 45"))
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM audit_log WHERE subject = 'story #\(id)' AND action IN ('rotate photo', 'crop photo')"), 2)
    }

    /// New confirmed stories reach moderators once a day, except those who turned it off.
    func testTheDailyDigestGoesToModeratorsWhoWantIt() throws {
        let organizer = try staff()
        _ = try staff("editor")
        XCTAssertEqual(try tell().status, 303)
        let link = try XCTUnwrap(smtp.waitForMessages(to: "maryam@example.org").first?.link(containing: "/stories/confirm/"))
        XCTAssertEqual(try site.press(path(link)).status, 303)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/stories", headers: organizer).text))
        XCTAssertEqual(try site.post("/admin/stories/digest", [("_csrf", csrf), ("digest", "off")], headers: organizer).status, 303)
        try run("story digest")
        try run("story digest")
        try waitUntil(timeout: 10) { !self.smtp.messages(to: "editor@example.org").isEmpty }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(smtp.messages(to: "editor@example.org").filter { $0.subject.contains("new story") }.count, 1, "once")
        XCTAssertEqual(smtp.messages(to: "organizer@example.org").count, 0, "turned off")
    }
}
