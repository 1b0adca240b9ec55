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
