import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

/// Videos: nothing from the host until play, a transcript always, recordings on past events.
final class VideosTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.passwordCost = 10 }
        try site.addStaff(["organizer@example.org": "organizer"])
    }
    override func tearDown() { site.stop() }

    func signIn() throws -> ([(String, String)], String) {
        let headers = try site.signIn("organizer@example.org")
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin", headers: headers).text))
        return (headers, csrf)
    }

    func fields(_ csrf: String, _ overrides: [String: String] = [:]) -> [(String, String)] {
        var values = [
            "_csrf": csrf, "title": "Why sanctuary cities matter", "slug": "", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10",
            "duration_seconds": "750", "description": "A short film.",
            "transcript": "Narrator: cities can protect everyone who lives in them.",
            "state": "published", "published_at": "",
        ]
        for (key, value) in overrides { values[key] = value }
        return values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Every address a page would make the browser load (src, srcset, poster, link href of
    /// stylesheets and icons, iframes): none may be on another host before play.
    func loadedAddresses(_ html: String) -> [String] {
        let pattern = #"(?:src|poster|data)="([^"]*)"|<link rel="(?:stylesheet|icon|preload)" [^>]*href="([^"]*)""#
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap { match in
            (1...2).compactMap { Range(match.range(at: $0), in: html).map { String(html[$0]) } }.first
        }
    }

    func testStaffAddAVideoAndNothingLoadsFromTheHostUntilPlay() throws {
        let (cookie, csrf) = try signIn()
        let missing = try site.post("/admin/videos", fields(csrf, ["transcript": ""]), headers: cookie)
        XCTAssertEqual(missing.status, 422, "a video without its transcript is refused")
        let badURL = try site.post("/admin/videos", fields(csrf, ["url": "javascript:alert(1)"]), headers: cookie)
        XCTAssertEqual(badURL.status, 422)
        XCTAssertTrue(badURL.text.contains("starting with https://"))
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM videos", as: Int.self) }, 1, "only the sample's")
        let created = try site.post("/admin/videos", fields(csrf), headers: cookie)
        XCTAssertEqual(created.status, 303, created.text)
        let id = try XCTUnwrap(
            site.app.database.read { try $0.scalar("SELECT id FROM videos WHERE slug = 'why-sanctuary-cities-matter'", as: Int64.self) })

        let page = try site.get("/videos/\(id)")
        XCTAssertEqual(page.status, 200)
        XCTAssertFalse(page.text.contains("<iframe"))
        for address in loadedAddresses(page.text) {
            XCTAssertTrue(address.hasPrefix("/") && !address.hasPrefix("//"), "loaded before play: \(address)")
        }
        XCTAssertFalse(page.header("Content-Security-Policy")?.contains("frame-src") ?? true)
        XCTAssertTrue(page.text.contains("href=\"/videos/\(id)?play=1#player\""))
        XCTAssertTrue(page.text.contains("cities can protect everyone"), "the transcript is on the page")
        XCTAssertTrue(page.text.contains("12 min 30 s"))
        XCTAssertTrue(
            page.text.contains("<meta property=\"og:video\" content=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0\">"))

        let playing = try site.get("/videos/\(id)?play=1")
        XCTAssertTrue(playing.text.contains("<iframe src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&amp;rel=0\""))
        XCTAssertTrue(playing.header("Content-Security-Policy")?.hasSuffix("; frame-src https://www.youtube-nocookie.com") ?? false)
        XCTAssertTrue(playing.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") ?? false, "still not framable itself")

        XCTAssertTrue(try site.get("/videos").text.contains("Why sanctuary cities matter"))
        XCTAssertTrue(try site.get("/videos.atom").text.contains("Why sanctuary cities matter"))
        XCTAssertTrue(try site.get("/search?q=protect").text.contains("/videos/\(id)"), "the transcript is searchable")
        let bySlug = try site.get("/videos/why-sanctuary-cities-matter")
        XCTAssertEqual(bySlug.status, 301)
        XCTAssertEqual(bySlug.header("Location"), "/videos/\(id)")
    }

    func testDraftsAndFutureVideosAreNotShown() throws {
        try site.app.database.writeAndWait { db in
            try db.run(
                "INSERT INTO videos (slug, title, transcript, url, state) VALUES ('d', 'Draft film', 'x', 'https://vimeo.com/1', 'draft')")
            try db.run(
                "INSERT INTO videos (slug, title, transcript, url, state, published_at) VALUES ('f', 'Future film', 'x', 'https://vimeo.com/2', 'published', '2099-01-01T00:00:00Z')"
            )
        }
        let ids = try site.app.database.read {
            try $0.query("SELECT id FROM videos WHERE slug IN ('d', 'f')") { try $0.get("id", as: Int64.self) }
        }
        for id in ids { XCTAssertEqual(try site.get("/videos/\(id)").status, 404) }
        let list = try site.get("/videos").text
        XCTAssertFalse(list.contains("Draft film") || list.contains("Future film"))
        for bad in ["0", "-1", "99999999999999999999", "%00", "x'--"] { XCTAssertEqual(try site.get("/videos/\(bad)").status, 404, bad) }
    }

    func testARecordingShowsOnItsEventAndItsCampaign() throws {
        let event = try site.get("/events/webinar-travel-loans")
        XCTAssertTrue(event.text.contains("Recordings"))
        XCTAssertTrue(event.text.contains("Recording: the refugee travel loan explained"))
        let campaign = try site.get("/campaigns/refugees-welcome-here")
        XCTAssertTrue(campaign.text.contains("Recording: the refugee travel loan explained"))
        let french = try site.get("/fr/videos/1")
        XCTAssertTrue(french.text.contains("Transcription"))
        XCTAssertTrue(french.text.contains("nous parlons du prêt"), "the French transcript")
    }

    func testHostsAreReadFromTheirAddresses() throws {
        let cases: [(String, String?)] = [
            ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&rel=0"),
            ("https://www.youtube.com/embed/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&rel=0"),
            ("https://www.youtube.com/watch?v=short", nil),
            ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1"),
            (
                "https://tube.example.net/w/kkGMgK9ZtnKfYAgnEtQxbv",
                "https://tube.example.net/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv?autoplay=1"
            ),
            (
                "https://tube.example.net/videos/watch/9c9de5e8-0a1e-484a-b099-e80766180a6d",
                "https://tube.example.net/videos/embed/9c9de5e8-0a1e-484a-b099-e80766180a6d?autoplay=1"
            ),
            ("http://vimeo.com/76979871", nil),
            ("https://files.example.org/film.mp4", nil),
            ("/resources/3/film.mp4", nil),
        ]
        for (index, (url, player)) in cases.enumerated() {
            try site.app.database.writeAndWait { db in
                try db.run(
                    "INSERT INTO videos (slug, title, transcript, url, state) VALUES (?, 'Case', 'words', ?, 'published')", "case-\(index)",
                    url)
            }
            let id = try XCTUnwrap(
                site.app.database.read { try $0.scalar("SELECT id FROM videos WHERE slug = ?", "case-\(index)", as: Int64.self) })
            let playing = try site.get("/videos/\(id)?play=1").text
            if let player {
                XCTAssertTrue(playing.contains("<iframe src=\"\(HTML.escape(player))\""), url)
            } else {
                XCTAssertFalse(playing.contains("<iframe"), url)
            }
            if url.hasPrefix("/") {
                XCTAssertTrue(playing.contains("<video controls preload=\"none\""), "a file of this site plays in the browser's player")
            }
        }
    }
}
