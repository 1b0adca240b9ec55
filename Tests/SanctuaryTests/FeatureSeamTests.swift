import Foundation
import HTTP
import Storage
import Synchronization
import TestSupport
import XCTest

@testable import Sanctuary

/// A feature written only here, in the test target, and plugged in by listing it: its
/// public page, its navigation entry, its admin screen with its own staff area, its sitemap
/// entry, its scheduled job, its dashboard card, its offer on the home page, its metrics and
/// the personal data it declares all work, with no shared file of the application naming it.
/// Like the built-in ones, it is a value made once per application, holding its state (how
/// often its job ran), with named handlers.
struct GreetingsFeature: Feature {
    static let area = StaffUser.Area("greetings", roles: [.organizer])
    let app: Application
    let runs = RunCount()

    final class RunCount: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    func prepare() throws {
        try app.database.writeAndWait { db in
            try db.execute("CREATE TABLE IF NOT EXISTS greetings (\(db.dialect.idColumn), email TEXT NOT NULL, words TEXT NOT NULL)")
        }
    }

    func register() {
        app.router.get("/greetings", page)
        app.router.get("/admin/greetings", moderate)
    }

    func page(_ request: Request) throws -> Response {
        app.page(request, title: "Greetings") { _ in "<h1>Greetings from a plugged-in feature</h1>" }
    }

    func moderate(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, Self.area)
        return AdminViews.page(app, request, session, title: "Greetings to moderate") { _, _ in "<h1>Greetings to moderate</h1>" }
    }

    static var navigation: [NavigationEntry] { [NavigationEntry(path: "/greetings", label: "Greetings", order: 45)] }

    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin/greetings", label: "Greetings to moderate", area: area, order: 85)]
    }

    func sitemap(_ db: Connection) throws -> [String] { ["/greetings"] }

    func jobs() -> [ScheduledJob] {
        [ScheduledJob("count greetings", .every(0.05)) { runs.add() }]
    }

    static var personalData: [PersonalData] {
        [PersonalData("greetings", table: "greetings", email: "email", columns: ["email", "words"])]
    }

    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        guard scope == .home else { return [] }
        let words = try db.query("SELECT id, words FROM greetings ORDER BY id") {
            OfferGroup.Item(id: try $0.get("id"), html: "<li>\(try $0.get("words", as: String.self))</li>")
        }
        return [OfferGroup(kind: "greetings", role: .reading, heading: "Greetings", order: 65, items: words)]
    }

    func sampleMetrics(_ gauges: MetricGauges) throws {
        let count = try app.database.read { try $0.scalar("SELECT count(*) FROM greetings", as: Int.self) } ?? 0
        gauges.set("greetings_waiting", help: "Greetings waiting for staff.", Double(count))
    }

    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] {
        guard user.may(Self.area) else { return [] }
        let count = try app.database.read { try $0.scalar("SELECT count(*) FROM greetings", as: Int.self) } ?? 0
        return ["<section class=\"card\"><h2>Greetings</h2><p>\(count) waiting</p></section>"]
    }
}

final class FeatureSeamTests: XCTestCase {
    func testAFeatureOutsideTheAppPlugsInByBeingListed() throws {
        let site = try TestApp(sampleContent: true, features: [GreetingsFeature.self]) {
            $0.passwordCost = 10
            $0.maintenanceSeconds = 3600
        }
        defer { site.stop() }
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "org@example.org", name: "", role: .organizer, passwordHash: hash)
            try StaffStore.create(db, email: "ed@example.org", name: "", role: .editor, passwordHash: hash)
            try db.run("INSERT INTO greetings (email, words) VALUES ('Amal@Example.org', 'Welcome, neighbours')")
        }

        // Its page, and its place in every page's navigation (after Events, before News).
        let page = try site.get("/greetings")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("Greetings from a plugged-in feature"))
        let home = try site.get("/").text
        let events = try XCTUnwrap(home.range(of: ">Events</a>"))
        let greetings = try XCTUnwrap(home.range(of: "href=\"/greetings\">Greetings</a>"), home)
        let news = try XCTUnwrap(home.range(of: ">News</a>"))
        XCTAssertTrue(events.lowerBound < greetings.lowerBound && greetings.lowerBound < news.lowerBound)

        // Its admin screen, for its own area: organizers yes, editors no; in the staff navigation of those who may.
        let organizer = try site.signIn("org@example.org")
        let editor = try site.signIn("ed@example.org")
        XCTAssertEqual(try site.get("/admin/greetings", headers: organizer).status, 200)
        XCTAssertEqual(try site.get("/admin/greetings", headers: editor).status, 403)
        let dashboard = try site.get("/admin", headers: organizer).text
        XCTAssertTrue(dashboard.contains("href=\"/admin/greetings\""), "in the staff navigation")
        XCTAssertTrue(dashboard.contains("<h2>Greetings</h2><p>1 waiting</p>"), "its dashboard card")
        XCTAssertFalse(try site.get("/admin", headers: editor).text.contains("/admin/greetings"))

        // Its metrics, with their HELP.
        let metrics = try site.get("/metrics").text
        XCTAssertTrue(metrics.contains("# HELP sanctuary_greetings_waiting Greetings waiting for staff."), metrics)
        XCTAssertTrue(metrics.contains("\nsanctuary_greetings_waiting 1"), metrics)

        // Its sitemap entry, in both languages.
        let sitemap = try site.get("/sitemap.xml").text
        XCTAssertTrue(sitemap.contains("/greetings</loc>") && sitemap.contains("/fr/greetings</loc>"), sitemap)

        // Its offer on the home page, rendered by it, among the others.
        let offered = try site.get("/").text
        XCTAssertTrue(offered.contains("<li>Welcome, neighbours</li>"), offered)

        // Its job, run by the clock, counted in the feature's own state.
        let feature = try XCTUnwrap(site.app.feature(GreetingsFeature.self))
        let before = feature.runs.value
        try waitUntil { feature.runs.value >= before + 3 }

        // Its personal data, found and exported by e-mail address (in any case) with everyone else's.
        let export = try site.app.database.read { db in
            try PersonalDataStore.exportJSON(db, email: "amal@example.org", in: site.app.personalData)
        }
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: export) as? [String: Any])
        let tables = try XCTUnwrap(json["tables"] as? [[String: Any]])
        let found = try XCTUnwrap(tables.first { $0["table"] as? String == "greetings" })
        XCTAssertEqual((found["rows"] as? [[String: String]])?.first?["words"], "Welcome, neighbours")
        XCTAssertTrue(site.app.personalData.contains { $0.table == "signatures" }, "the built-in features declare theirs too")
    }

    /// Every table a feature declares exists with every column it names: a renamed column
    /// cannot silently drop out of a supporter's export.
    func testEveryDeclaredPersonalDataColumnExists() throws {
        let site = try TestApp()
        defer { site.stop() }
        XCTAssertGreaterThanOrEqual(site.app.personalData.count, 8)
        try site.app.database.read { db in
            for declaration in site.app.personalData {
                let columns = Set(try db.columns(of: declaration.table))
                XCTAssertFalse(columns.isEmpty, "no table \(declaration.table)")
                for column in declaration.columns + [declaration.email] {
                    XCTAssertTrue(columns.contains(column), "\(declaration.table).\(column)")
                }
            }
            // And the lookup runs on each of them.
            _ = try PersonalDataStore.find(db, email: "nobody@example.org", in: site.app.personalData)
        }
    }
}

/// `sanctuary routes`: every route, with who may use it and how it is cached, asked of the
/// routes themselves.
final class RoutesCommandTests: XCTestCase {
    func testEveryRouteIsListedWithItsRoleAndCachePolicy() throws {
        guard SanctuaryBinary.isBuilt else { throw XCTSkip("binary not built") }
        let (status, output) = try SanctuaryBinary.run(["routes"])
        XCTAssertEqual(status, 0, output)
        let lines = output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        let site = try TestApp()
        defer { site.stop() }
        XCTAssertEqual(lines.count, site.app.router.listing.count, "one line per route")
        for expected in [
            "GET /admin/accounts admin no-store",
            "GET /admin/events admin, editor no-store",
            "GET /admin/mailings admin, organizer no-store",
            "GET /admin admin, organizer, editor no-store",
            "GET /petitions/{slug} anyone public, max-age=0, s-maxage=5, stale-while-revalidate=30",
            "GET /sitemap.xml anyone public, max-age=3600",
            "POST /petitions/{slug}/sign anyone -",
            "GET /petitions/{slug}/confirm/{token} anyone with the link -",
            "POST /admin/resources admin, organizer, editor no-store",
        ] {
            XCTAssertTrue(lines.contains(expected), "\(expected)\n\(output)")
        }
        // Every staff page is never stored; every public page says how it may be cached.
        for line in lines where line.hasPrefix("GET /admin/") && !line.contains("anyone") {
            XCTAssertTrue(line.hasSuffix("no-store"), line)
        }
    }
}
