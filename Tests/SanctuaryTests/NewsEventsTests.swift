import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

#if canImport(FoundationXML)
import FoundationXML
#endif

final class NewsTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: false)
        try site.app.database.writeAndWait { db in
            for i in 1...23 {
                try db.run(
                    "INSERT INTO news (slug, title, summary, body, state, published_at) VALUES (?, ?, 'S', 'Body **\(i)**', 'published', ?)",
                    "post-\(i)", "Post \(i)", String(format: "2026-01-%02dT10:00:00Z", i))
            }
            try db.run(
                "INSERT INTO news (slug, title, state, published_at) VALUES ('draft-post', 'Secret draft', 'draft', '2026-01-01T00:00:00Z')"
            )
            try db.run(
                "INSERT INTO news (slug, title, state, published_at) VALUES ('future-post', 'Future post', 'published', '2099-01-01T00:00:00Z')"
            )
        }
    }
    override func tearDown() { site.stop() }

    func titles(_ html: String) -> [String] {
        html.components(separatedBy: "<h2><a href=\"/news/").dropFirst().compactMap {
            $0.components(separatedBy: "\">").dropFirst().first?.components(separatedBy: "<").first
        }
    }

    func testPaginationEdges() throws {
        let first = try site.get("/news")
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(titles(first.text), (14...23).reversed().map { "Post \($0)" })
        XCTAssertTrue(first.text.contains("rel=\"next\" href=\"/news?page=2\""))
        XCTAssertFalse(first.text.contains("rel=\"prev\""))
        let last = try site.get("/news?page=3")
        XCTAssertEqual(titles(last.text), ["Post 3", "Post 2", "Post 1"])
        XCTAssertTrue(last.text.contains("rel=\"prev\" href=\"/news?page=2\""))
        XCTAssertFalse(last.text.contains("rel=\"next\""))
        XCTAssertEqual(try site.get("/news?page=4").status, 404)
        for bad in ["0", "-1", "abc", "1e3"] {
            let response = try site.get("/news?page=\(bad)")
            XCTAssertEqual(response.status, 301, bad)
            XCTAssertEqual(response.header("Location"), "/news")
        }
    }

    func testDraftsAndFuturePostsNeverShow() throws {
        let all = try (1...3).map { try site.get("/news?page=\($0)").text }.joined()
        XCTAssertFalse(all.contains("Secret draft"))
        XCTAssertFalse(all.contains("Future post"))
        XCTAssertEqual(try site.get("/news/draft-post").status, 404)
        XCTAssertEqual(try site.get("/news/future-post").status, 404)
        XCTAssertFalse(try site.get("/news.atom").text.contains("Secret draft"))
        let post = try site.get("/news/post-5")
        XCTAssertEqual(post.status, 200)
        XCTAssertTrue(post.text.contains("Body <strong>5</strong>"))
    }

    func testAtomFeedIsValidXMLWithEntries() throws {
        let response = try site.get("/news.atom")
        XCTAssertEqual(response.header("Content-Type"), "application/atom+xml; charset=utf-8")
        let delegate = FeedReader()
        let parser = XMLParser(data: Data(response.body))
        parser.shouldProcessNamespaces = true
        parser.delegate = delegate
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertEqual(delegate.rootNamespace, "http://www.w3.org/2005/Atom")
        XCTAssertEqual(delegate.entries, 20)
        XCTAssertTrue(delegate.links.contains("http://127.0.0.1:8080/news/post-23"), "absolute links from the public base URL")
        XCTAssertTrue(delegate.ids.allSatisfy { $0.hasPrefix("http://") })
        XCTAssertTrue(delegate.hasUpdated)
    }
}

final class FeedReader: NSObject, XMLParserDelegate {
    var rootNamespace: String?
    var entries = 0
    var links: [String] = []
    var ids: [String] = []
    var hasUpdated = false
    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        if rootNamespace == nil { rootNamespace = namespaceURI }
        if name == "entry" { entries += 1 }
        if name == "link", let href = attributes["href"] { links.append(href) }
        text = ""
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "id" { ids.append(text) }
        if name == "updated", !text.isEmpty { hasUpdated = true }
    }
}

final class CalendarTests: XCTestCase {
    func testEscapingAndFolding() {
        XCTAssertEqual(ICalendar.escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne")
        let long = "DESCRIPTION:" + String(repeating: "Réfugiés bienvenus, ", count: 10)
        let folded = ICalendar.fold(long)
        let lines = folded.components(separatedBy: "\r\n")
        XCTAssertGreaterThan(lines.count, 2)
        for line in lines { XCTAssertLessThanOrEqual(line.utf8.count, 75, line) }
        for line in lines.dropFirst() { XCTAssertTrue(line.hasPrefix(" ")) }
        XCTAssertEqual(lines[0] + lines.dropFirst().map { String($0.dropFirst()) }.joined(), long, "unfolding gives the line back")
        XCTAssertTrue(String(decoding: Array(folded.utf8), as: UTF8.self) == folded, "no UTF-8 character split")
    }

    func testGoldenCalendar() {
        var calendar = ICalendar(name: "Sanctuary, events")
        calendar.add(
            ICalendar.Event(
                uid: "event-1@example.org", start: "2026-12-08T23:00:00Z", end: "2026-12-09T01:00:00Z",
                summary: "Meeting; STCA, Q&A", description: "Line one\nLine two", location: "Hall, Toronto",
                url: "https://example.org/events/m", cancelled: false, updated: "2026-11-24T12:00:00Z"))
        XCTAssertEqual(
            calendar.render(),
            [
                "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sanctuary//Events//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                "X-WR-CALNAME:Sanctuary\\, events", "BEGIN:VEVENT", "UID:event-1@example.org", "DTSTAMP:20261124T120000Z",
                "DTSTART:20261208T230000Z", "DTEND:20261209T010000Z", "SUMMARY:Meeting\\; STCA\\, Q&A", "DESCRIPTION:Line one\\nLine two",
                "LOCATION:Hall\\, Toronto", "URL:https://example.org/events/m", "STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR", "",
            ].joined(separator: "\r\n"))
    }
}

final class EventTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: false) { $0.signaturesPerMinute = 1000 }
        try site.app.database.writeAndWait { db in
            try db.run(
                """
                INSERT INTO events (slug, title, starts_at, ends_at, time_zone, state, rsvp_enabled, capacity, rsvp_deadline)
                VALUES ('summer', 'Summer picnic', '2099-07-01T23:00:00Z', '2099-07-02T01:00:00Z', 'America/Toronto', 'published', 1, 2, NULL),
                       ('winter', 'Winter vigil', '2099-01-15T23:00:00Z', NULL, 'America/Toronto', 'published', 1, NULL, '2020-01-01T00:00:00Z'),
                       ('old', 'Old meeting', '2020-03-01T23:00:00Z', NULL, 'America/Vancouver', 'published', 0, NULL, NULL),
                       ('hidden', 'Draft event', '2099-03-01T23:00:00Z', NULL, 'America/Toronto', 'draft', 0, NULL, NULL)
                """)
            try db.run(
                "INSERT INTO event_speakers (event_id, position, name, bio) SELECT id, 1, 'Dr. Speaker', 'Studies asylum law.' FROM events WHERE slug = 'summer'"
            )
        }
    }
    override func tearDown() { site.stop() }

    func rsvp(_ slug: String, _ fields: [String: String]) throws -> ClientResponse {
        let page = try site.get("/events/\(slug)")
        let token = FormHelper.csrfToken(in: page.text) ?? site.app.formTokens.make(for: "/events/\(slug)/rsvp")
        var values = ["name": "Sam", "email": "sam@example.org", "note": "", "_csrf": token]
        for (k, v) in fields { values[k] = v }
        return try site.post("/events/\(slug)/rsvp", values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// A full event says so on its card and its button: registering now joins the waiting list.
    func testAFullEventSaysSoBeforeAnyoneRegisters() throws {
        XCTAssertFalse(try site.get("/events").text.contains("Full: waiting list open"))
        XCTAssertTrue(try site.get("/events/summer").text.contains(">Register</button>"))
        try site.app.database.writeAndWait { db in try db.run("UPDATE events SET rsvp_count = 2 WHERE slug = 'summer'") }
        let list = try site.get("/events").text
        XCTAssertTrue(list.contains("<p class=\"badge muted\">Full: waiting list open</p>"), list)
        XCTAssertEqual(list.components(separatedBy: "Full: waiting list open").count, 2, "only the full one")
        let page = try site.get("/events/summer").text
        XCTAssertTrue(page.contains(">Join the waiting list</button>"), page)
        XCTAssertTrue(try site.get("/fr/events").text.contains("Complet : liste d’attente ouverte"))
    }

    func testListsAndOrder() throws {
        let upcoming = try site.get("/events").text
        let winter = try XCTUnwrap(upcoming.range(of: "Winter vigil"))
        let summer = try XCTUnwrap(upcoming.range(of: "Summer picnic"))
        XCTAssertLessThan(winter.lowerBound, summer.lowerBound, "soonest first")
        XCTAssertFalse(upcoming.contains("Old meeting"))
        XCTAssertFalse(upcoming.contains("Draft event"))
        let past = try site.get("/events?past=1").text
        XCTAssertTrue(past.contains("Old meeting"))
        XCTAssertFalse(past.contains("Summer picnic"))
        XCTAssertEqual(try site.get("/events/hidden").status, 404)
    }

    func testTimesShownInTheEventsZoneAcrossDST() throws {
        let summer = try site.get("/events/summer").text
        XCTAssertTrue(summer.contains("7:00 PM – 9:00 PM EDT (America/Toronto)"), "summer is daylight time")
        XCTAssertTrue(summer.contains("Dr. Speaker"))
        XCTAssertTrue(summer.contains("href=\"/events/summer.ics\""), "add to calendar")
        let winter = try site.get("/events/winter").text
        XCTAssertTrue(winter.contains("6:00 PM EST (America/Toronto)"), "winter is standard time")
        let old = try site.get("/events/old").text
        XCTAssertTrue(old.contains("3:00 PM PST (America/Vancouver)"))
    }

    /// The button in the confirmation mail (read from the outbox), pressed: where it led.
    func confirm(_ slug: String, _ email: String) throws -> String? {
        try site.press(try site.mailedLink(to: email, containing: "/events/\(slug)/confirm/")).header("Location")
    }

    func testCapacityThenWaitingListAtExactlyCapacityPlusOne() throws {
        XCTAssertTrue(try site.get("/events/summer").text.contains("2 places left"))
        for (i, expected) in ["/events/summer/registered", "/events/summer/registered", "/events/summer/registered?list=waitlist"]
            .enumerated()
        {
            let response = try rsvp("summer", ["email": "p\(i)@example.org"])
            XCTAssertEqual(response.status, 303)
            XCTAssertEqual(response.header("Location"), "/events/summer/check-email", "RSVP \(i + 1)")
            XCTAssertEqual(try confirm("summer", "p\(i)@example.org"), expected, "RSVP \(i + 1)")
        }
        XCTAssertTrue(try site.get("/events/summer/registered?list=waitlist").text.contains("waiting list"))
        let counts = try site.app.database.read {
            try $0.first("SELECT rsvp_count, waitlist_count FROM events WHERE slug = 'summer'") {
                (try $0.get("rsvp_count", as: Int.self), try $0.get("waitlist_count", as: Int.self))
            }
        }
        XCTAssertEqual(counts?.0, 2)
        XCTAssertEqual(counts?.1, 1)
        XCTAssertTrue(try site.get("/events/summer").text.contains("All places are taken"))
    }

    func testSameEmailTwiceIsOneRSVP() throws {
        XCTAssertEqual(try rsvp("summer", ["email": "dup@example.org"]).status, 303)
        XCTAssertEqual(try rsvp("summer", ["email": " DUP@example.org"]).header("Location"), "/events/summer/check-email")
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM rsvp_requests", as: Int.self) }, 1)
        XCTAssertEqual(try confirm("summer", "dup@example.org"), "/events/summer/registered")
        XCTAssertEqual(try rsvp("summer", ["email": "Dup@Example.org"]).header("Location"), "/events/summer/check-email")
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM rsvps", as: Int.self) }, 1)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM rsvp_requests", as: Int.self) }, 0)
    }

    func testAfterTheDeadlineTheFormClosesAndPostIs410() throws {
        let page = try site.get("/events/winter").text
        XCTAssertFalse(page.contains("method=\"post\""), "no form but the header's search")
        XCTAssertTrue(page.contains("Registration is closed"))
        XCTAssertEqual(try rsvp("winter", [:]).status, 410)
    }

    func testNoteOf101WordsIs422And100IsFine() throws {
        let long = try rsvp("summer", ["note": Array(repeating: "word", count: 101).joined(separator: " ")])
        XCTAssertEqual(long.status, 422)
        XCTAssertTrue(long.text.contains("Use at most 100 words (you used 101)"))
        XCTAssertTrue(long.text.contains("id=\"f-note-error\""))
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM rsvps", as: Int.self) }, 0)
        XCTAssertEqual(try rsvp("summer", ["note": Array(repeating: "mot", count: 100).joined(separator: "\n")]).status, 303)
    }

    func testRSVPNeedsCSRFAndHoneypotStoresNothing() throws {
        XCTAssertEqual(try site.post("/events/summer/rsvp", [("name", "A"), ("email", "a@example.org")]).status, 403)
        XCTAssertEqual(try rsvp("summer", ["website": "spam"]).status, 303)
        XCTAssertEqual(try rsvp("summer", ["email": "nope"]).status, 422)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM rsvps", as: Int.self) }, 0)
    }

    func testCalendarsAndSitemap() throws {
        let one = try site.get("/events/summer.ics")
        XCTAssertEqual(one.header("Content-Type"), "text/calendar; charset=utf-8")
        XCTAssertTrue(one.text.hasPrefix("BEGIN:VCALENDAR\r\n"))
        XCTAssertTrue(one.text.contains("DTSTART:20990701T230000Z\r\n"))
        XCTAssertFalse(one.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF only")
        let all = try site.get("/events.ics").text
        XCTAssertEqual(all.components(separatedBy: "BEGIN:VEVENT").count - 1, 3, "published events, no drafts")
        let sitemap = try site.get("/sitemap.xml").text
        XCTAssertTrue(sitemap.contains("<loc>http://127.0.0.1:8080/events/summer</loc>"))
        XCTAssertFalse(sitemap.contains("hidden"))
    }
}
