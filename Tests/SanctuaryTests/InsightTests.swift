import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// Where signatures come from, where signers are, and which are fake: a burst signed over
/// real sockets, every chart, table, map and CSV against the stored rows, triage's flags,
/// setting a selection aside and putting it back, block lists, the pause, canonical addresses.
final class InsightTests: XCTestCase {
    var site: TestApp!
    let slug = "waive-travel-loans"

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.confirmSignatures = false
            $0.signaturesPerMinute = 1_000_000
            $0.passwordCost = 10
        }
        try site.addStaff(["o@example.org": "organizer", "e@example.org": "editor"])
    }

    override func tearDown() { site?.stop() }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }
    var petitionID: Int64 { get throws { try XCTUnwrap(site.app.database.read { try PetitionStore.id(forSlug: slug, $0) }) } }

    /// Every kept counter equals its rows (`sanctuary check`).
    func assertCountersClean(_ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let differences = try site.app.database.read { try CounterStore.differences($0) }
        XCTAssertEqual(differences, [], step, file: file, line: line)
    }

    /// 1,000 distinct postal codes over 14 FSAs (some in one sample riding, one spanning two, most in none).
    static func postalCode(_ i: Int) -> String {
        let fsas = ["K1A", "K1P", "M5V", "V5K", "B3H", "R3B", "H2X", "T2P", "S4P", "E1C", "A1C", "C1A", "Y1A", "X1A"]
        let letters = Array("ABCEGHJKLM")
        let n = i / fsas.count
        return "\(fsas[i % fsas.count]) \(n % 10)\(letters[(n / 10) % 10])\(n / 100 % 10)"
    }

    func testABurstAddsUpEverywhereTriageFlagsTheBadDomainAndSettingItAsideCanBeUndone() throws {
        let id = try petitionID
        let before = try scalar("SELECT signature_count FROM petitions WHERE slug = '\(slug)'")
        // The day before: the petition's usual mix of domains (signed 30 hours ago).
        let earlier = Timestamp.format(Date().addingTimeInterval(-30 * 3600))
        try site.app.database.writeAndWait { db in
            for i in 0..<200 {
                _ = try PetitionStore.sign(
                    db, petitionID: id,
                    SignatureInput(
                        firstName: "Usual", lastName: "Signer", email: "usual\(i)@\(i % 2 == 0 ? "gmail.com" : "outlook.com")",
                        postalCode: "K1A 0B1", comment: "", consentUpdates: false, clientHash: "earlier"), language: "en", confirm: false,
                    now: earlier)
            }
        }

        // The burst: 1,000 visitors from 20 sources, 3 domains (one planted), 1,000 postal codes.
        let page = try site.get("/petitions/\(slug)?source=src-00")
        XCTAssertEqual(page.status, 200)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        for i in 0..<1_000 {
            let domain = i % 20 < 9 ? "gmail.com" : i % 20 < 17 ? "outlook.com" : "burst-mail.example"
            let response = try site.sign(
                slug,
                ["email": "burst\(i)@\(domain)", "postal_code": Self.postalCode(i), "source": String(format: "src-%02d", i % 20)],
                token: token)
            XCTAssertEqual(response.status, 303, "signature \(i)")
        }
        // A few page views with a source, one from another site's link; a form sent back once with a mistake.
        for _ in 0..<4 { XCTAssertEqual(try site.get("/petitions/\(slug)?source=src-01").status, 200) }
        XCTAssertEqual(try site.get("/petitions/\(slug)", headers: [("Referer", "https://www.partner.example/news/1?id=me")]).status, 200)
        let mistake = try site.sign(slug, ["email": "not an address", "source": "src-01"], token: token)
        XCTAssertEqual(mistake.status, 422)
        XCTAssertTrue(mistake.text.contains("name=\"again\" value=\"1\""), "the form shown again is not a new start")
        XCTAssertEqual(try site.sign(slug, ["email": "still wrong", "source": "src-01", "again": "1"], token: token).status, 422)
        try site.app.funnel.flush(site.app.database)

        let total = before + 1_200
        XCTAssertEqual(try scalar("SELECT signature_count FROM petitions WHERE slug = '\(slug)'"), total)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE petition_id = \(id) AND confirmed_at IS NOT NULL"), total)
        try assertCountersClean("after the burst")

        // The JSON, the CSVs and the map add up to the rows.
        let json = try site.petitionJSON(slug)
        let provinces = try XCTUnwrap(json["signatures_by_province"] as? [String: Int])
        XCTAssertEqual(provinces.values.reduce(0, +), total)
        let ridings = try XCTUnwrap(json["signatures_by_riding"] as? [[String: Any]])
        let unplaced = try scalar("SELECT count(*) FROM signatures WHERE petition_id = \(id) AND riding = '' AND confirmed_at IS NOT NULL")
        XCTAssertEqual(ridings.compactMap { $0["count"] as? Int }.reduce(0, +) + unplaced, total)
        let ottawa = try XCTUnwrap(ridings.first { $0["name"] as? String == "Ottawa Centre" })
        XCTAssertEqual(ottawa["mp"] as? String, "Sample MP (Ottawa Centre)")
        XCTAssertEqual(ottawa["code"] as? String, "35079")
        XCTAssertEqual(
            ottawa["count"] as? Int,
            try scalar(
                "SELECT count(*) FROM signatures WHERE petition_id = \(id) AND riding = 'Ottawa Centre' AND confirmed_at IS NOT NULL"))

        let ridingCSV = try site.get("/petitions/\(slug)/ridings.csv")
        XCTAssertEqual(ridingCSV.status, 200)
        XCTAssertEqual(ridingCSV.header("Content-Type"), "text/csv; charset=utf-8")
        let ridingRows = try CSV.parse(String(decoding: ridingCSV.body.dropFirst(3), as: UTF8.self)).dropFirst()
        XCTAssertEqual(ridingRows.compactMap { Int($0.fields.last ?? "") }.reduce(0, +) + unplaced, total)
        let provinceCSV = try site.get("/petitions/\(slug)/provinces.csv")
        let provinceRows = try CSV.parse(String(decoding: provinceCSV.body.dropFirst(3), as: UTF8.self)).dropFirst()
        XCTAssertEqual(provinceRows.compactMap { Int($0.fields.last ?? "") }.reduce(0, +), total)

        let publicPage = try site.get("/petitions/\(slug)").text
        XCTAssertTrue(publicPage.contains("<svg class=\"places-map\""), "the map")
        XCTAssertTrue(
            publicPage.contains(
                "<title>Ontario: \(provinces["ON"].map { site.app.languages.localizer("en")?.formatNumber($0) ?? "" } ?? "?")</title>"))
        XCTAssertTrue(publicPage.contains("<caption>Signatures by province and territory</caption>"), "the table beside it")
        XCTAssertTrue(publicPage.contains("Sample MP (Ottawa Centre)"), "the ridings with their MP")
        let ridingsPage = try site.get("/fr/petitions/\(slug)/ridings")
        XCTAssertEqual(ridingsPage.status, 200)
        XCTAssertTrue(ridingsPage.text.contains("Député·e"))

        // Sources and the funnel, from their counters, equal the rows.
        let (sources, funnel, referrers) = try site.app.database.read { db in
            (
                try InsightStore.sources(db, petitionID: id, since: "2000-01-01"),
                try InsightStore.funnel(db, FunnelItem("petition", id), since: "2000-01-01", by: .day),
                try InsightStore.referrers(db, FunnelItem("petition", id), since: "2000-01-01")
            )
        }
        XCTAssertEqual(sources.reduce(0) { $0 + $1.count }, total)
        XCTAssertEqual(sources.filter { $0.source.hasPrefix("src-") }.count, 20)
        XCTAssertEqual(sources.first { $0.source == "src-07" }?.count, 50)
        let stages = funnel.reduce(into: [FunnelStage: Int]()) { sum, row in for (k, v) in row.counts { sum[k, default: 0] += v } }
        XCTAssertEqual(stages[.stored], 1_200 - 0, "every new row, the day before's included")
        XCTAssertEqual(stages[.confirmed], 1_200)
        XCTAssertEqual(stages[.start], 1_001, "the first send with a mistake is a start; sending it again is not")
        XCTAssertGreaterThanOrEqual(stages[.view] ?? 0, 6)
        XCTAssertEqual(referrers.map(\.host), ["partner.example"], "the host only, never the URL")
        XCTAssertEqual(try scalar("SELECT count(*) FROM referrer_counts WHERE host LIKE '%/%' OR host LIKE '%?%'"), 0)

        // Organizers see the insight page; editors may not.
        let organizer = try site.signIn("o@example.org")
        let insight = try site.get("/admin/insight/petition/\(id)", headers: organizer)
        XCTAssertEqual(insight.status, 200)
        XCTAssertTrue(insight.text.contains("<title id=\"chart-signatures-over-time-t\">Signatures over time</title>"), insight.text)
        XCTAssertTrue(insight.text.contains("src-07"))
        XCTAssertTrue(insight.text.contains("partner.example"))
        XCTAssertEqual(try site.get("/admin/insight/petition/\(id)", headers: try site.signIn("e@example.org")).status, 403)
        XCTAssertTrue(insight.text.contains("The last 24 hours, hour by hour"))
        let eventID = try scalar("SELECT id FROM events WHERE slug = 'stca-public-meeting'")
        let letterID = try scalar("SELECT id FROM letter_campaigns WHERE slug = 'waive-travel-loans-mp'")
        XCTAssertEqual(try site.get("/admin/insight/event/\(eventID)", headers: organizer).status, 200)
        XCTAssertEqual(try site.get("/fr/admin/insight/letter/\(letterID)", headers: organizer).status, 200)
        XCTAssertEqual(try site.get("/admin/insight/petition/999999", headers: organizer).status, 404)
        XCTAssertEqual(try site.get("/admin/insight/nothing/\(id)", headers: organizer).status, 404)

        // Triage flags the planted domain, and only it among the domains.
        let triage = try site.get("/admin/petitions/\(id)/triage", headers: organizer)
        XCTAssertEqual(triage.status, 200)
        let report = try site.app.database.read { db in
            try TriageStore.report(db, petitionID: id, since: Date().addingTimeInterval(-24 * 3600), until: Date().addingTimeInterval(1))
        }
        XCTAssertEqual(report.total, 1_000)
        XCTAssertEqual(report.rows[.domain]?.filter(\.unusual).map(\.value), ["burst-mail.example"])
        XCTAssertTrue(triage.text.contains("<code>burst-mail.example</code> <strong class=\"badge\">Unusual</strong>"), triage.text)

        // Setting the planted domain aside: the preview says how many and which counts change.
        let link = try XCTUnwrap(
            triage.text.firstMatch(
                of: /href="(\/admin\/petitions\/\d+\/triage\/invalidate\?dimension=domain[^"]*value=burst-mail\.example[^"]*)"/)
        ).1
        let preview = try site.get(String(link).replacingOccurrences(of: "&amp;", with: "&"), headers: organizer)
        XCTAssertEqual(preview.status, 200)
        XCTAssertTrue(preview.text.contains("150 signatures would be set aside, 150 of them counted: the total goes from"), preview.text)
        // A signature from the same domain after the preview is not in what it showed.
        XCTAssertEqual(try site.sign(slug, ["email": "late@burst-mail.example", "postal_code": "K1A 0B1"], token: token).status, 303)
        let form = try XCTUnwrap(
            preview.text.firstMatch(of: /<form method="post" action="[^"]*triage\/invalidate">(.*?)<\/form>/.dotMatchesNewlines()))
        var fields: [(String, String)] = form.1.matches(of: /<input type="hidden" name="([a-z_]+)" value="([^"]*)">/).map {
            (String($0.1), String($0.2).replacingOccurrences(of: "&#43;", with: "+").replacingOccurrences(of: "&amp;", with: "&"))
        }
        fields += [("reason", "a burst from a throwaway domain"), ("confirm", "yes")]
        XCTAssertEqual(try site.post("/admin/petitions/\(id)/triage/invalidate", fields, headers: organizer).status, 303)
        XCTAssertEqual(try scalar("SELECT signature_count FROM petitions WHERE slug = '\(slug)'"), total + 1 - 150)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE invalidation_id IS NOT NULL"), 150, "exactly the preview's rows")
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM signatures WHERE email = 'late@burst-mail.example' AND confirmed_at IS NOT NULL"), 1)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM audit_log WHERE action = 'invalidate signatures' AND detail LIKE '%150 signatures%'"), 1)
        try assertCountersClean("after setting aside")
        let afterJSON = try site.petitionJSON(slug)
        XCTAssertEqual((afterJSON["signatures_by_province"] as? [String: Int])?.values.reduce(0, +), total + 1 - 150)
        // A set-aside address signing again hears nothing new and is not counted.
        XCTAssertEqual(try site.sign(slug, ["email": "burst17@burst-mail.example"], token: token).status, 303)
        XCTAssertEqual(try scalar("SELECT signature_count FROM petitions WHERE slug = '\(slug)'"), total + 1 - 150)

        // Undo puts every count back.
        let invalidation = try scalar("SELECT id FROM signature_invalidations")
        XCTAssertEqual(
            try site.post(
                "/admin/petitions/\(id)/triage/invalidations/\(invalidation)/undo",
                [("_csrf", try XCTUnwrap(FormHelper.csrfToken(in: triage.text)))],
                headers: organizer
            ).status, 303)
        XCTAssertEqual(try scalar("SELECT signature_count FROM petitions WHERE slug = '\(slug)'"), total + 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE invalidation_id IS NOT NULL OR confirmed_before IS NOT NULL"), 0)
        try assertCountersClean("after the undo")
        XCTAssertEqual(
            try site.post(
                "/admin/petitions/\(id)/triage/invalidations/\(invalidation)/undo",
                [("_csrf", try XCTUnwrap(FormHelper.csrfToken(in: triage.text)))],
                headers: organizer
            ).status, 404, "once only")
    }

    /// A new petition has no usual mix to compare with: a large provider's third of the
    /// signatures is not marked, one connection or one postal code holding many is.
    func testWithNothingEarlierOnlyAConnectionOrAPostalCodeStandsOut() throws {
        let id = try petitionID
        let now = Date()
        try site.app.database.writeAndWait { db in
            for i in 0..<60 {
                _ = try PetitionStore.sign(
                    db, petitionID: id,
                    SignatureInput(
                        firstName: "New", lastName: "Signer", email: "new\(i)@\(["gmail.com", "yahoo.ca", "outlook.com"][i % 3])",
                        postalCode: i < 20 ? "K1A 0B1" : Self.postalCode(i), comment: "", consentUpdates: false,
                        clientHash: i < 30 ? "one-connection" : "client-\(i)"),
                    language: "en", confirm: false, now: Timestamp.format(now.addingTimeInterval(-Double(i) * 60)))
            }
        }
        let report = try site.app.database.read {
            try TriageStore.report($0, petitionID: id, since: now.addingTimeInterval(-6 * 3600), until: now.addingTimeInterval(1))
        }
        XCTAssertFalse(report.hasUsual)
        XCTAssertEqual(report.rows[.domain]?.filter(\.unusual).map(\.value), [], "no provider is judged without a usual")
        XCTAssertEqual(report.rows[.source]?.filter(\.unusual).map(\.value), [])
        XCTAssertEqual(report.rows[.client]?.filter(\.unusual).map(\.value), ["one-connection"])
        XCTAssertEqual(report.rows[.postal]?.filter(\.unusual).map(\.value), ["K1A 0B1"])
        let staff = try site.signIn("o@example.org")
        let page = try site.get("/admin/petitions/\(id)/triage?hours=6", headers: staff).text
        XCTAssertTrue(page.contains("holds too few signatures to say what is usual"), page)
    }

    func testTheChartsReadCountersAndTriageReadsAlongTheTimeIndex() throws {
        guard !site.app.config.isPostgres else { throw XCTSkip("the query plans read here are SQLite's") }
        let plans = try site.app.database.read { db -> [String: String] in
            func plan(_ sql: String, _ parameters: [any SQLBindable]) throws -> String {
                try db.query("EXPLAIN QUERY PLAN " + sql, parameters: parameters) { try $0.get("detail", as: String.self) }.joined(
                    separator: "; ")
            }
            let columns = TriageDimension.allCases.map { "\($0.expression(db.dialect)) AS \($0.rawValue)" }.joined(separator: ", ")
            return [
                "daily": try plan(
                    "SELECT day, count FROM petition_daily_counts WHERE petition_id = ? AND day >= ? ORDER BY day", [1, "2026"]),
                "sources": try plan(
                    "SELECT source, sum(count) AS n FROM petition_source_counts WHERE petition_id = ? AND day >= ? GROUP BY source",
                    [1, "2026"]),
                "funnel": try plan(
                    "SELECT stage, sum(count) FROM funnel_counts WHERE action = ? AND item_id = ? AND hour >= ? GROUP BY stage",
                    ["petition", 1, "2026"]),
                "ridings": try plan("SELECT riding, count FROM petition_riding_counts WHERE petition_id = ? ORDER BY count DESC", [1]),
                "triage": try plan(
                    """
                    SELECT \(columns), substr(created_at, 1, 13) AS hour FROM signatures
                    WHERE petition_id = ? AND created_at >= ? AND created_at < ? AND invalidation_id IS NULL ORDER BY created_at DESC LIMIT ?
                    """, [1, "2026", "2027", 50_001]),
            ]
        }
        for (name, plan) in plans {
            XCTAssertFalse(plan.contains("SCAN signatures"), "\(name): \(plan)")
            XCTAssertTrue(plan.contains("SEARCH"), "\(name) reads by its key: \(plan)")
        }
        XCTAssertTrue(plans["triage"]?.contains("signatures_by_time") == true, plans["triage"] ?? "")
    }

    func testABlockedSignatureIsAnsweredLikeAnyOtherAndNothingIsKept() throws {
        let id = try petitionID
        let organizer = try site.signIn("o@example.org")
        let triage = try site.get("/admin/petitions/\(id)/triage", headers: organizer)
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: triage.text))
        for (kind, value) in [("domain", "@Blocked.Example"), ("email", "Some.One+x@gmail.com")] {
            XCTAssertEqual(
                try site.post(
                    "/admin/petitions/\(id)/triage/blocks", [("_csrf", csrf), ("kind", kind), ("value", value), ("note", "test")],
                    headers: organizer
                )
                .status, 303)
        }
        XCTAssertEqual(try scalar("SELECT count(*) FROM signing_blocks WHERE kind = 'domain' AND value = 'blocked.example'"), 1)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM signing_blocks WHERE kind = 'email' AND value LIKE '%@%'"), 0, "an address is kept hashed")
        let bad = try site.post(
            "/admin/petitions/\(id)/triage/blocks", [("_csrf", csrf), ("kind", "domain"), ("value", "not a domain")], headers: organizer)
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.text.contains("Enter a domain such as example.com."))

        let before = try scalar("SELECT count(*) FROM signatures")
        let token = try site.signToken(slug)
        let normal = try site.sign(slug, ["email": "fine@example.org"], token: token)
        let blocked = try site.sign(slug, ["email": "someone@blocked.example"], token: token)
        let blockedAddress = try site.sign(slug, ["email": "someone@gmail.com"], token: token)
        for refused in [blocked, blockedAddress] {
            XCTAssertEqual(refused.status, normal.status)
            XCTAssertEqual(refused.header("Location"), normal.header("Location"))
            XCTAssertEqual(refused.headers.map { $0.0.lowercased() }.sorted(), normal.headers.map { $0.0.lowercased() }.sorted())
            XCTAssertEqual(refused.body, normal.body)
        }
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures"), before + 1, "only the unblocked one is stored")
        XCTAssertEqual(try scalar("SELECT sum(hits) FROM signing_blocks"), 2)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM outbox WHERE recipient LIKE '%blocked.example' OR recipient = 'someone@gmail.com'"), 0)

        // Removing the block lets the domain sign again.
        let blockID = try scalar("SELECT id FROM signing_blocks WHERE kind = 'domain'")
        XCTAssertEqual(
            try site.post("/admin/petitions/\(id)/triage/blocks/\(blockID)/delete", [("_csrf", csrf)], headers: organizer).status, 303)
        XCTAssertEqual(try site.sign(slug, ["email": "someone@blocked.example"], token: token).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures"), before + 2)
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE action IN ('block signing', 'unblock signing')"), 3)
        XCTAssertEqual(try site.get("/admin/petitions/\(id)/triage", headers: try site.signIn("e@example.org")).status, 403)
    }

    func testPausingSigningAndCanonicalAddresses() throws {
        let id = try petitionID
        let organizer = try site.signIn("o@example.org")
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/petitions/\(id)/triage", headers: organizer).text))
        let token = try site.signToken(slug)
        let before = try scalar("SELECT count(*) FROM signatures")
        XCTAssertEqual(
            try site.post(
                "/admin/petitions/\(id)/triage/settings",
                [
                    ("_csrf", csrf), ("paused", "yes"), ("message", "Back at noon: we are checking a wave of fake signatures."),
                    ("canonical_emails", "yes"),
                ],
                headers: organizer
            ).status, 303)
        let paused = try site.sign(slug, ["email": "wait@example.org"], token: token)
        XCTAssertEqual(paused.status, 503)
        XCTAssertNotNil(paused.header("Retry-After"))
        XCTAssertTrue(paused.text.contains("Back at noon: we are checking a wave of fake signatures."))
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures"), before, "nothing stored while paused")
        let page = try site.get("/petitions/\(slug)").text
        XCTAssertTrue(page.contains("Back at noon"))
        XCTAssertFalse(page.contains("action=\"/petitions/\(slug)/sign\""), "no form while paused")
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE action = 'pause signing'"), 1)

        // Open again, with canonical addresses on: dots and +tags at Gmail are one signer.
        XCTAssertEqual(
            try site.post("/admin/petitions/\(id)/triage/settings", [("_csrf", csrf), ("canonical_emails", "yes")], headers: organizer)
                .status, 303)
        XCTAssertEqual(try site.sign(slug, ["email": "Jane.Doe+petition@gmail.com"], token: token).status, 303)
        XCTAssertEqual(try site.sign(slug, ["email": "janedoe@googlemail.com"], token: token).status, 303)
        XCTAssertEqual(try site.sign(slug, ["email": "jane.doe+x@example.org"], token: token).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE email = 'janedoe@gmail.com'"), 1)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM signatures WHERE email = 'jane.doe+x@example.org'"), 1, "other providers keep their +tags")
        XCTAssertEqual(CanonicalEmail.of("a.b+c@outlook.com"), "a.b@outlook.com")
        XCTAssertEqual(CanonicalEmail.of("+only@gmail.com"), "+only@gmail.com")
    }

    func testAConfirmedSignatureCountsItsSourceWhenItsLinkIsPressed() throws {
        site.stop()
        site = try TestApp(sampleContent: true) {
            $0.confirmSignatures = true
            $0.signaturesPerMinute = 1_000_000
        }
        let id = try petitionID
        let token = try site.signToken(slug)
        for i in 0..<3 {
            XCTAssertEqual(try site.sign(slug, ["email": "c\(i)@example.org", "source": "newsletter"], token: token).status, 303)
        }
        for i in 0..<2 { XCTAssertEqual(try site.press(try site.mailedLink(to: "c\(i)@example.org", containing: "/confirm/")).status, 303) }
        let funnel = try site.app.database.read { try InsightStore.funnel($0, FunnelItem("petition", id), since: "2000", by: .source) }
        let newsletter = try XCTUnwrap(funnel.first { $0.key == "newsletter" })
        XCTAssertEqual(newsletter[.stored], 3)
        XCTAssertEqual(newsletter[.confirmed], 2)
        XCTAssertEqual(
            try site.app.database.read { try InsightStore.sources($0, petitionID: id, since: "2000") }.first { $0.source == "newsletter" }?
                .count, 2)
        try assertCountersClean("after confirming")
    }
}
