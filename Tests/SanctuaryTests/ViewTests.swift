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

/// Days and times in the site's zone, tried at 23:30 in Toronto (04:30 the next day in UTC).
final class SiteTimeZoneTests: XCTestCase {
    let toronto = Localizer(
        language: "en", strings: ["format.locale": "en_CA", "format.date": "d MMMM yyyy"], timeZone: "America/Toronto")
    let lateEvening = Timestamp.parse("2026-12-09T04:30:00Z") ?? Date()

    func testADateAloneIsTheDayWrittenAndATimeFallsOnTheSitesDay() {
        XCTAssertEqual(DateText.day("2026-12-08", t: toronto), "8 December 2026", "a date alone is not read as UTC midnight")
        XCTAssertEqual(DateText.day("2026-12-09T04:30:00Z", t: toronto), "8 December 2026", "23:30 in Toronto is still the 8th")
        XCTAssertEqual(DateText.day("2026-12-09T04:30:00Z", t: toronto, timeZone: "UTC"), "9 December 2026")
        let vancouver = Localizer(
            language: "en", strings: ["format.locale": "en_CA", "format.date": "d MMMM yyyy"], timeZone: "America/Vancouver")
        XCTAssertEqual(DateText.day("2026-12-09T07:30:00Z", t: vancouver), "8 December 2026", "the site's zone, not Toronto's")
    }

    func testTodayIsTheSitesDateNotUTCs() {
        XCTAssertEqual(DateText.today(t: toronto, now: lateEvening), "2026-12-08")
        XCTAssertEqual(DateText.today(t: toronto, now: Timestamp.parse("2026-12-09T05:00:00Z") ?? Date()), "2026-12-09")
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

    func testPostalCodesAreNormalisedTheSameWhateverTheirSpacing() {
        for typed in ["K1A 0B1", "k1a0b1", " K1A-0B1 ", "k1a\t0b1", "K1A\u{00A0}0B1", "k1a\r\n0b1", "ｋ1a 0b1"] {
            XCTAssertEqual(PostalCode.normalise(typed), typed == "ｋ1a 0b1" ? nil : "K1A 0B1", typed)
        }
        for bad in ["", "K1A 0B", "K1A 0B12", "W1A 0B1", "Z1A 0B1", "D1A 0B1", "K1A 0B1 X", "KKA 0B1", "K1A_0B1", "K1A 0B1é"] {
            XCTAssertNil(PostalCode.normalise(bad), bad)
        }
    }

    /// Printable ASCII is checked on its bytes, anything else by the general rules; a
    /// trailing space sends the same address down the general path, and both must agree.
    func testTheASCIIPathAgreesWithTheGeneralOne() {
        // Seeded, so every run compares the same 20,000 candidates (a fresh random set once
        // held no good address at all, and the check below failed by chance).
        var generator = SplitMix64(seed: 0x5A_4E_C7_04)
        let alphabet = Array("aZ09.-_+@@..--\"'!x".utf8)
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...14, using: &generator)
            let candidate = String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }, as: UTF8.self)
            let fast = Input.email(candidate)
            XCTAssertEqual(fast, Input.email(candidate + " "), candidate)
            if fast != nil { accepted += 1 }
        }
        for sample in [
            "Amal.Haddad+petition@Example.ORG", "a..b@example.org", "a@example.123", String(repeating: "a", count: 65) + "@x.org",
        ] {
            XCTAssertEqual(Input.email(sample), Input.email(sample + " "), sample)
        }
        XCTAssertGreaterThan(accepted, 0, "some random addresses pass, so both paths were compared on good ones too")
    }
}

/// A small seeded generator (SplitMix64), for tests that want many varied inputs and the
/// same ones every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
