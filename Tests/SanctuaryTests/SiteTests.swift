import Foundation
import HTTP
import Sanctuary
import TestSupport
import XCTest

/// The application served for real: pages, health, static files, headers.
final class SiteTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws { site = try TestApp(sampleContent: true) }
    override func tearDown() { site.stop() }

    func testHomeRendersTheLayoutWithSampleContent() throws {
        let response = try site.get("/")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "text/html; charset=utf-8")
        let html = response.text
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<html lang=\"en\">"))
        for nav in ["/campaigns", "/events", "/news"] { XCTAssertTrue(html.contains("href=\"\(nav)\""), nav) }
        XCTAssertTrue(html.contains("Rescind the Safe Third Country Agreement"))
        XCTAssertTrue(html.contains("<footer"))
    }

    func testHomeHasAFriendlyEmptyState() throws {
        let empty = try TestApp(sampleContent: false)
        defer { empty.stop() }
        let html = try empty.get("/").text
        XCTAssertTrue(html.contains("There are no open petitions right now"))
        XCTAssertTrue(html.contains("No upcoming events."))
    }

    func testSecurityHeadersOnHTMLResponses() throws {
        for path in ["/", "/does-not-exist"] {
            let response = try site.get(path)
            let csp = try XCTUnwrap(response.header("Content-Security-Policy"), path)
            XCTAssertTrue(csp.contains("frame-ancestors 'none'"))
            XCTAssertTrue(csp.contains("script-src 'self'"))
            XCTAssertFalse(csp.contains("unsafe-inline"))
            XCTAssertEqual(response.header("X-Content-Type-Options"), "nosniff")
            XCTAssertNotNil(response.header("Referrer-Policy"))
        }
    }

    func testHealthz() throws {
        let response = try site.get("/healthz")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "ok\n")
    }

    func testNotFoundIsARealPage() throws {
        let response = try site.get("/no/such/page")
        XCTAssertEqual(response.status, 404)
        XCTAssertTrue(response.text.contains("Page not found"))
        XCTAssertTrue(response.text.contains("<nav"), "in the site layout")
    }

    func testWrongMethodOnAPageIs405() throws {
        let response = try site.request("POST", "/", body: "")
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.header("Allow"), "GET, HEAD")
    }

    func testHeadOnThePage() throws {
        let get = try site.get("/healthz")
        let head = try site.request("HEAD", "/healthz")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), get.header("Content-Length"))
        XCTAssertTrue(head.body.isEmpty)
    }

    func testHTMLIsGzippedWhenAccepted() throws {
        let plain = try site.get("/")
        let packed = try site.get("/", headers: [("Accept-Encoding", "gzip, deflate")])
        XCTAssertEqual(packed.header("Content-Encoding"), "gzip")
        XCTAssertEqual(
            packed.header("Vary"), "Accept-Encoding, Accept-Language, Cookie", "the home page also depends on the language asked for")
        // The pages differ only in their fresh form tokens.
        let withoutTokens = { (html: String) in
            html.replacingOccurrences(of: #"name="_csrf" value="[^"]*""#, with: "", options: .regularExpression)
        }
        XCTAssertEqual(Gzip.decompress(packed.body).map { withoutTokens(String(decoding: $0, as: UTF8.self)) }, withoutTokens(plain.text))
        let refused = try site.get("/", headers: [("Accept-Encoding", "gzip;q=0")])
        XCTAssertNil(refused.header("Content-Encoding"))
    }

    // MARK: The page cache

    func testPublicPagesAreBuiltOncePerMomentButNeverShowAStaleCount() throws {
        // A minute's cache, so that two fetches never straddle the end of an entry's time on a
        // slow machine: what is tested is what a write does, not the clock.
        site.stop()
        site = try TestApp(sampleContent: true) { $0.pageCacheSeconds = 60 }
        let slug = "waive-travel-loans"
        let first = try site.get("/petitions/\(slug)").text
        let second = try site.get("/petitions/\(slug)").text
        XCTAssertEqual(first, second, "served from the cache: even the form token is the same")
        XCTAssertNotEqual(try site.get("/fr/petitions/\(slug)").text, first, "each language has its own entry")
        XCTAssertEqual(
            try site.get("/petitions/\(slug)", headers: [("Accept-Encoding", "gzip")]).header("Content-Encoding"), "gzip",
            "and each encoding")
        // A signature is a database write: the next visitor sees it counted at once.
        XCTAssertEqual(try site.sign(slug).status, 303)
        let after = try site.get("/petitions/\(slug)").text
        XCTAssertTrue(after.contains("<p class=\"count\">1 signature"), "the count is fresh after a write")
        // Pages that are not shareable are never kept.
        let thanks1 = try site.get("/petitions/\(slug)/thanks")
        let thanks2 = try site.get("/petitions/\(slug)/thanks")
        XCTAssertEqual(thanks1.header("Cache-Control"), "no-store")
        XCTAssertNotEqual(FormHelper.csrfToken(in: thanks1.text) ?? "a", FormHelper.csrfToken(in: thanks2.text) ?? "b")
    }

    func testThePageCacheCanBeTurnedOff() throws {
        site.stop()
        site = try TestApp(sampleContent: true) { $0.pageCacheSeconds = 0 }
        let a = try site.get("/petitions/waive-travel-loans").text
        let b = try site.get("/petitions/waive-travel-loans").text
        XCTAssertNotEqual(FormHelper.csrfToken(in: a), FormHelper.csrfToken(in: b), "rendered afresh each time")
    }
}
