import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

/// `/search`: what the index holds follows each change in its own transaction, accents and
/// case fold away, drafts never show, and nothing a visitor types is SQL or search syntax.
final class SearchTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: false)
        try site.app.database.writeAndWait { db in
            try db.run(
                """
                INSERT INTO campaigns (slug, title, title_fr, summary, state) VALUES ('welcome', 'Welcome campaign', 'Campagne accueil', 'Homes for all', 'active')
                """)
            try db.run(
                """
                INSERT INTO news (slug, title, title_fr, summary, body, body_fr, state, published_at, campaign_id)
                VALUES ('third-country', 'The safe third country agreement', 'L''entente sur les tiers pays sûrs',
                        'Why it fails refugees', 'The **agreement** sends refugees back. [Read more](https://example.org/x)',
                        'L''entente renvoie les réfugiés à la frontière.', 'published', '2026-01-02T10:00:00Z', 1)
                """)
            try db.run(
                "INSERT INTO news (slug, title, body, state, published_at) VALUES ('secret', 'Secret refugee draft', 'x', 'draft', '2026-01-01T00:00:00Z')"
            )
            try db.run(
                "INSERT INTO news (slug, title, body, state, published_at) VALUES ('later', 'Refugee embargoed post', 'x', 'published', '2099-01-01T00:00:00Z')"
            )
            try db.run(
                "INSERT INTO events (slug, title, summary, starts_at, state) VALUES ('vigil', 'Vigil for refugees', 'Candles at city hall', '2027-01-05T18:00:00Z', 'published')"
            )
            try db.run(
                "INSERT INTO petitions (slug, title, summary, state) VALUES ('end-detention', 'End immigration detention', 'Réfugiés en détention', 'open')"
            )
            try db.run(
                "INSERT INTO resources (title, description, language, kind, url) VALUES ('Guide pour les réfugiés', 'Droits et recours', 'fr', 'link', 'https://example.org/guide')"
            )
        }
    }
    override func tearDown() { site.stop() }

    func results(_ html: String) -> [String] {
        html.components(separatedBy: "<li class=\"search-result\">").dropFirst().compactMap {
            $0.components(separatedBy: "<a href=\"").dropFirst().first?.components(separatedBy: "\"").first
        }
    }

    func testAccentsAndCaseFoldInBothLanguages() throws {
        let english = try site.get("/search?q=REFUGIE")
        XCTAssertEqual(english.status, 200)
        XCTAssertEqual(Set(results(english.text)), ["/news/third-country", "/petitions/end-detention", "https://example.org/guide"])
        XCTAssertFalse(english.text.contains("Secret refugee draft"), "a draft is never found")
        XCTAssertFalse(english.text.contains("embargoed"), "a post before its time is never found")
        XCTAssertTrue(english.text.contains("<mark>réfugiés</mark>"), "the words asked for are marked, in the text that holds them")
        let prefix = try site.get("/search?q=refug")
        XCTAssertEqual(
            Set(results(prefix.text)), ["/news/third-country", "/events/vigil", "/petitions/end-detention", "https://example.org/guide"],
            "a word's beginning finds it in either language")
        XCTAssertTrue(prefix.text.contains("<mark>refugees</mark>"))
        XCTAssertFalse(english.text.contains("example.org/x"), "a link's address is not part of the excerpt")

        let french = try site.get("/fr/search?q=tiers%20pays%20surs")
        XCTAssertEqual(results(french.text), ["/fr/news/third-country"])
        XCTAssertTrue(french.text.contains("<mark>sûrs</mark>"), french.text)
        XCTAssertTrue(french.text.contains("1 résultats pour « tiers pays surs »") || french.text.contains("1 résultat"))
    }

    func testTheIndexFollowsEachChange() throws {
        XCTAssertEqual(results(try site.get("/search?q=candles").text), ["/events/vigil"])
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE events SET summary = 'Lanterns at city hall' WHERE slug = 'vigil'")
        }
        XCTAssertEqual(results(try site.get("/search?q=candles").text), [])
        XCTAssertEqual(results(try site.get("/search?q=lanterns").text), ["/events/vigil"])
        try site.app.database.writeAndWait { db in try db.run("UPDATE events SET state = 'draft' WHERE slug = 'vigil'") }
        XCTAssertEqual(results(try site.get("/search?q=lanterns").text), [], "an unpublished event leaves the index")
        try site.app.database.writeAndWait { db in try db.run("UPDATE news SET state = 'published' WHERE slug = 'secret'") }
        XCTAssertEqual(results(try site.get("/search?q=secret").text), ["/news/secret"])
        try site.app.database.writeAndWait { db in try db.run("DELETE FROM news WHERE slug = 'secret'") }
        XCTAssertEqual(results(try site.get("/search?q=secret").text), [])
        // A signature changes the petition's count, not its text: the index is not rewritten.
        let before = try site.app.database.read { try $0.scalar("SELECT id FROM search_entries WHERE kind = 'petition'", as: Int64.self) }
        try site.app.database.writeAndWait { db in try db.run("UPDATE petitions SET signature_count = signature_count + 1") }
        let after = try site.app.database.read { try $0.scalar("SELECT id FROM search_entries WHERE kind = 'petition'", as: Int64.self) }
        XCTAssertEqual(before, after)
        // A write that fails leaves the index as it was.
        XCTAssertThrowsError(
            try site.app.database.writeAndWait { db in
                try db.transaction {
                    try db.run("UPDATE petitions SET title = 'Lanterns petition' WHERE slug = 'end-detention'")
                    throw SearchTestError()
                }
            })
        XCTAssertEqual(results(try site.get("/search?q=lanterns").text), [])
    }

    /// The triggers set the index's ids themselves: an insert that fires them still reads its
    /// own row's id back (on PostgreSQL, `lastval()` would otherwise be the index's).
    func testAnInsertReadsItsOwnIDBack() throws {
        let (inserted, stored) = try site.app.database.writeAndWait { db -> (Int64, Int64?) in
            try db.run(
                "INSERT INTO news (slug, title, state, published_at) VALUES ('own-id', 'Own id', 'published', '2026-01-01T00:00:00Z')")
            return (try db.lastInsertRowID, try db.scalar("SELECT id FROM news WHERE slug = 'own-id'", as: Int64.self))
        }
        XCTAssertEqual(inserted, stored)
        XCTAssertEqual(
            try site.app.database.read {
                try $0.scalar("SELECT id FROM search_entries WHERE kind = 'news' AND item_id = ?", inserted, as: Int64.self)
            },
            inserted * 16 + 1)
    }

    func testFiltersByKindAndCampaign() throws {
        let news = try site.get("/search?q=refugees&kind=news")
        XCTAssertEqual(results(news.text), ["/news/third-country"])
        XCTAssertTrue(news.text.contains("Events (1)"), "the other kinds' counts stay as links")
        let campaign = try site.get("/search?q=refugees&campaign=1")
        XCTAssertEqual(results(campaign.text), ["/news/third-country"])
        let unknown = try site.get("/search?q=refugees&kind=nonsense")
        XCTAssertEqual(results(unknown.text).count, 2, "an unknown kind is no filter")
    }

    func testAnythingTypedIsAnsweredPlainly() throws {
        for query in [
            "%22", "*", "NEAR(a%20b)", "a%20OR%20b", "-x", "title:refugees", "%27%3B%20DROP%20TABLE%20news%3B--", "%C3%A9%CC%81",
            String(repeating: "refugee%20", count: 500), "&page=99999999999999999999", "refugees&page=-5",
            "refugees&page=9223372036854775807",
            "refugees&campaign=-1", "refugees&campaign=99999999999999999999999",
        ] {
            let response = try site.get("/search?q=\(query)")
            XCTAssertEqual(response.status, 200, query)
        }
        let empty = try site.get("/search")
        XCTAssertEqual(empty.status, 200)
        XCTAssertTrue(empty.text.contains("name=\"q\""))
        let punctuation = try site.get("/search?q=%22%2A%28")
        XCTAssertTrue(punctuation.text.contains("Type a word to search for."))
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM news", as: Int.self) }, 3)
    }

    func testEveryPageHasTheBoxAndResultsAreNotIndexed() throws {
        let home = try site.get("/")
        XCTAssertTrue(
            home.text.contains(
                "<form class=\"header-search\" method=\"get\" action=\"/search\" role=\"search\" aria-label=\"Search this site\">"))
        XCTAssertTrue(try site.get("/fr/").text.contains("action=\"/fr/search\""))
        XCTAssertEqual(try site.get("/search?q=refugees").header("X-Robots-Tag"), "noindex")
    }

    /// Counting stops past `SearchStore.candidates`, and the best of the newest matches are ranked.
    func testAWordOnEveryPageIsCountedAsMoreThanAThousand() throws {
        try site.app.database.writeAndWait { db in
            for i in 1...1_010 {
                try db.run(
                    "INSERT INTO pages (slug, title, body, state) VALUES (?, ?, 'Common words here.', 'published')", "c\(i)", "Common \(i)")
            }
            try db.run("INSERT INTO pages (slug, title, body, state) VALUES ('best', 'Common common common', 'Common.', 'published')")
        }
        let response = try site.get("/search?q=common")
        XCTAssertTrue(response.text.contains("1,000+ results for “common”"), response.text)
        XCTAssertEqual(results(response.text).first, "/pages/best", "the best match first")
        let last = try site.get("/search?q=common&page=10").text
        XCTAssertEqual(results(last).count, 20)
        XCTAssertFalse(last.contains("rel=\"next\""), "ten pages: the 200 newest matches, ranked")
        XCTAssertTrue(last.contains("Add a word"))
        XCTAssertEqual(results(try site.get("/search?q=common&page=50").text).count, 20, "a page past them is the last one")
    }

    func testPagesOfResults() throws {
        try site.app.database.writeAndWait { db in
            for i in 1...45 {
                try db.run(
                    "INSERT INTO pages (slug, title, body, state) VALUES (?, ?, 'A page about shelter.', 'published')", "p\(i)",
                    "Shelter \(i)")
            }
        }
        let first = try site.get("/search?q=shelter")
        XCTAssertEqual(results(first.text).count, 20)
        XCTAssertTrue(first.text.contains("rel=\"next\" href=\"/search?q=shelter&amp;page=2\""))
        let third = try site.get("/search?q=shelter&page=3")
        XCTAssertEqual(results(third.text).count, 5)
        XCTAssertFalse(third.text.contains("rel=\"next\""))
        let all = Set(try (1...3).flatMap { results(try site.get("/search?q=shelter&page=\($0)").text) })
        XCTAssertEqual(all.count, 45, "no result twice, none missed")
    }
}

struct SearchTestError: Error {}
