import Sanctuary
import XCTest

final class ViewTests: XCTestCase {
    func testInterpolatedTextIsEscapedAndLiteralsAreNot() {
        let name = "<b>\"Zoë\" & 'Ali'</b> 難民"
        let html: HTML = "<p class=\"x\">\(name)</p>"
        XCTAssertEqual(html.rendered, "<p class=\"x\">&lt;b&gt;&quot;Zoë&quot; &amp; &#39;Ali&#39;&lt;/b&gt; 難民</p>")
        let inner: HTML = "<em>\("a&b")</em>"
        XCTAssertEqual(("<p>\(inner)</p>" as HTML).rendered, "<p><em>a&amp;b</em></p>")
        XCTAssertEqual(HTML.escape("plain"), "plain")
        XCTAssertEqual(HTML.escape("&"), "&amp;")
    }

    func testPlaceholdersAndPlurals() {
        let t = Localizer(
            language: "en",
            strings: [
                "hi": "Hello {name}, {name}! {other}", "n.one": "{count} item", "n.other": "{count} items",
                "format.thousands_separator": ",",
            ])
        XCTAssertEqual(t("hi", ["name": "Ana"]), "Hello Ana, Ana! {other}")
        XCTAssertEqual(t("missing.key"), "missing.key")
        XCTAssertEqual(t.plural("n", 1), "1 item")
        XCTAssertEqual(t.plural("n", 12345), "12,345 items")
    }
}

/// The e-mail address rules, as the forms apply them.
final class EmailAddressTests: XCTestCase {
    func testAddressesAreTrimmedCaseFoldedAndChecked() {
        XCTAssertEqual(Input.email("  Amal.Haddad+petition@Example.ORG \n"), "amal.haddad+petition@example.org")
        XCTAssertEqual(Input.email("josé@exemple.québec"), "josé@exemple.québec", "letters of any script")
        XCTAssertEqual(Input.email("a@sub-domain.example.org"), "a@sub-domain.example.org")
        for bad in [
            "", "plain", "a@b", "@example.org", "a@.example.org", "a@example..org", "a@-example.org", "a@example-.org",
            ".a@example.org", "a.@example.org", "a..b@example.org", "a b@example.org", "a@exa mple.org", "a@example.123",
            "a@exa_mple.org", "a\"b@example.org", String(repeating: "a", count: 65) + "@example.org",
        ] {
            XCTAssertNil(Input.email(bad), bad)
        }
    }
}
