import Foundation
import Sanctuary
import TestSupport
import XCTest

/// Links people share: canonical, Open Graph and Twitter card on every public page, in
/// both languages (SPEC "Sharing and images").
final class SharingTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.publicBaseURL = "https://sanctuary.example.org" }
    }

    override func tearDown() { site?.stop() }

    /// `<meta property|name="key" content="value">` and `<link rel="canonical" href="value">`, in order.
    func tags(_ html: String) throws -> [(String, String)] {
        let pattern = #"<meta (?:property|name)="([^"]+)" content="([^"]*)">|<link rel="canonical" href="([^"]*)">"#
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { match in
            func group(_ i: Int) -> String? { Range(match.range(at: i), in: html).map { String(html[$0]) } }
            return group(3).map { ("canonical", $0) } ?? (group(1) ?? "", group(2) ?? "")
        }
    }

    func testEveryPublicPageTypeHasCanonicalOpenGraphAndATwitterCard() throws {
        let pages: [(path: String, type: String)] = [
            ("/", "website"), ("/petitions", "website"), ("/petitions/waive-travel-loans", "website"), ("/campaigns", "website"),
            ("/campaigns/safe-third-country", "website"), ("/events", "website"), ("/events/stca-public-meeting", "website"),
            ("/news", "website"), ("/news/welcome-here-toolkit", "article"), ("/letters", "website"),
            ("/letters/waive-travel-loans-mp", "website"), ("/representatives?postal_code=K1A0B1", "website"), ("/pages/about", "website"),
        ]
        for (path, type) in pages {
            for prefix in ["", "/fr"] {
                let address = prefix + (prefix.isEmpty || path != "/" ? path : "/")
                let response = try site.get(address)
                XCTAssertEqual(response.status, 200, address)
                let found = try tags(response.text)
                let tag = Dictionary(found, uniquingKeysWith: { first, _ in first })
                let canonical = "https://sanctuary.example.org" + address
                XCTAssertEqual(tag["canonical"], canonical, address)
                XCTAssertEqual(tag["og:url"], canonical, address)
                XCTAssertEqual(tag["og:type"], type, address)
                XCTAssertEqual(tag["twitter:card"], "summary_large_image", address)
                XCTAssertEqual(tag["og:locale"], prefix.isEmpty ? "en_CA" : "fr_CA", address)
                XCTAssertEqual(tag["og:locale:alternate"], prefix.isEmpty ? "fr_CA" : "en_CA", address)
                for key in ["og:title", "og:description", "og:image:alt", "og:site_name"] {
                    XCTAssertFalse((tag[key] ?? "").isEmpty, "\(key) on \(address)")
                }
                XCTAssertFalse(tag["og:title"]?.contains("·") ?? true, "the page's own title, without the site's name: \(address)")
                let image = try XCTUnwrap(tag["og:image"], address)
                XCTAssertTrue(image.hasPrefix("https://sanctuary.example.org/"), "an absolute image URL: \(image)")
                XCTAssertGreaterThan(Int(tag["og:image:width"] ?? "") ?? 0, 199, address)
                XCTAssertGreaterThan(Int(tag["og:image:height"] ?? "") ?? 0, 99, address)
                let served = try site.get(String(image.dropFirst("https://sanctuary.example.org".count)))
                XCTAssertEqual(served.status, 200, image)
                XCTAssertTrue(served.header("Content-Type")?.hasPrefix("image/") ?? false, image)
            }
        }
        let french = try tags(try site.get("/fr/petitions/waive-travel-loans").text)
        let english = try tags(try site.get("/petitions/waive-travel-loans").text)
        XCTAssertNotEqual(
            french.first { $0.0 == "og:title" }?.1, english.first { $0.0 == "og:title" }?.1, "the French page shares its French title")
    }

    func testAPageWithAnErrorIsCanonicalToItsForm() throws {
        let response = try site.sign("waive-travel-loans", ["email": "nope"])
        XCTAssertEqual(response.status, 422)
        let tag = Dictionary(try tags(response.text), uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(tag["canonical"], "https://sanctuary.example.org/petitions/waive-travel-loans")
    }

    func testALoopbackBaseURLOnAPublicListenerIsWarnedAbout() throws {
        var config = try AppConfig.load(root: packageRoot, environment: [:])
        XCTAssertNil(config.publicBaseURLWarning, "the newcomer's default: loopback on loopback")
        config.host = "0.0.0.0"
        let warning = try XCTUnwrap(config.publicBaseURLWarning)
        XCTAssertTrue(warning.contains("public_base_url"), warning)
        config.publicBaseURL = "https://refugees.example.org"
        XCTAssertNil(config.publicBaseURLWarning)
        config.publicBaseURL = "http://[::1]:8080"
        XCTAssertNotNil(config.publicBaseURLWarning)
        config.host = "::1"
        XCTAssertNil(config.publicBaseURLWarning)
    }
}
