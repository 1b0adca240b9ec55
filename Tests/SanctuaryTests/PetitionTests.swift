import Foundation
import HTTP
import Sanctuary
import Storage
import Synchronization
import TestSupport
import XCTest

/// Petitions over real HTTP against a real SQLite file.
final class PetitionTests: XCTestCase {
    var site: TestApp!
    let slug = "waive-travel-loans"

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.signaturesPerMinute = 1000 }
    }
    override func tearDown() { site.stop() }

    func count(_ slug: String? = nil) throws -> Int {
        try site.petitionJSON(slug ?? self.slug)["signature_count"] as? Int ?? -1
    }

    func rows() throws -> Int {
        try site.app.database.read { try $0.scalar("SELECT count(*) FROM signatures", as: Int.self) } ?? -1
    }

    /// A new petition invites its first signers instead of "0 signatures of 10,000"; its
    /// text is Markdown, as news is; the e-mail hint says what will be sent.
    func testANewPetitionInvitesItsFirstSignersAndItsTextIsMarkdown() throws {
        let slug = self.slug
        func set(_ count: Int) throws -> String {
            try site.app.database.writeAndWait { db in
                try db.run(
                    "UPDATE petitions SET signature_count = ?, body = ? WHERE slug = ?", count,
                    "We call on **the Minister** to act.\n\n- cancel the loans\n- pay for travel", slug)
            }
            return try site.get("/petitions/\(slug)").text
        }
        var page = try set(0)
        XCTAssertTrue(page.contains("Be the first to sign."), page)
        XCTAssertFalse(page.contains("0 signatures"))
        XCTAssertTrue(page.contains("We call on <strong>the Minister</strong> to act."), "Markdown, not asterisks")
        XCTAssertTrue(page.contains("<li>cancel the loans</li>"))
        XCTAssertTrue(page.contains("We send nothing unless you tick a box below."), "no confirmation asked on this site")
        page = try set(42)
        XCTAssertTrue(page.contains("42 signatures <span class=\"meta\">Be one of the first 100.</span>"), page)
        XCTAssertFalse(page.contains("<progress"))
        page = try set(150)
        XCTAssertTrue(page.contains("150 signatures <span class=\"meta\">of 10,000</span>"), page)
        XCTAssertTrue(page.contains("<progress max=\"10000\" value=\"150\""))

        let confirming = try TestApp(sampleContent: true) { $0.confirmSignatures = true }
        defer { confirming.stop() }
        let hint = try confirming.get("/petitions/\(slug)").text
        XCTAssertTrue(hint.contains("We e-mail you a link to confirm your signature: it counts once you do."), hint)
        XCTAssertFalse(hint.contains("We send nothing unless"))
        XCTAssertTrue(try confirming.get("/fr/petitions/\(slug)").text.contains("Soyez la première personne à signer."))
    }

    /// A signer may ask to be shown (first name, riding, why they signed); nobody else is, an
    /// unconfirmed one is not, and staff can hide one, leaving the count alone.
    func testSignersWhoAskAreShownAndStaffCanHideThem() throws {
        let long = String(repeating: "Nobody should start a new life in debt. ", count: 12)
        XCTAssertTrue(try site.get("/petitions/\(slug)").text.contains("name=\"show_publicly\""), "offered, unticked")
        XCTAssertEqual(
            try site.sign(slug, ["email": "shown@example.org", "first_name": "Amal", "show_publicly": "yes", "comment": long]).status, 303)
        XCTAssertEqual(try site.sign(slug, ["email": "quiet@example.org", "first_name": "Quinn", "comment": "Private words."]).status, 303)
        var page = try site.get("/petitions/\(slug)").text
        XCTAssertTrue(page.contains("Recent signers"), page)
        XCTAssertTrue(page.contains("<strong>Amal</strong> · Ottawa Centre · "), page)
        XCTAssertTrue(page.contains(String(long.prefix(280)) + "…</blockquote>"), "the first 280 characters")
        XCTAssertFalse(page.contains(String(long.prefix(281))))
        XCTAssertFalse(page.contains("Quinn") || page.contains("Private words."), "only those who asked")
        XCTAssertFalse(page.contains("Haddad") || page.contains("shown@example.org"), "never a last name or an address")

        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES ('org@example.org', 'organizer', ?)", hash)
        }
        let staff = try site.signIn("org@example.org")
        let id = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT id FROM petitions WHERE slug = ?", self.slug, as: Int.self) })
        let screen = try site.get("/admin/petitions/\(id)/signers", headers: staff)
        XCTAssertEqual(screen.status, 200)
        XCTAssertTrue(screen.text.contains("Amal") && !screen.text.contains("Quinn"))
        let signature = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT id FROM signatures WHERE email = 'shown@example.org'", as: Int.self) })
        let token = try XCTUnwrap(FormHelper.csrfToken(in: screen.text))
        XCTAssertEqual(try site.post("/admin/petitions/\(id)/signers/\(signature)/hide", [("_csrf", "x")], headers: staff).status, 403)
        XCTAssertEqual(try site.post("/admin/petitions/\(id)/signers/\(signature)/hide", [("_csrf", token)], headers: staff).status, 303)
        page = try site.get("/petitions/\(slug)").text
        XCTAssertFalse(page.contains("<strong>Amal</strong>"), "hidden at once")
        XCTAssertEqual(try count(), 2, "still counted")
        XCTAssertEqual(try site.post("/admin/petitions/\(id)/signers/9999999/hide", [("_csrf", token)], headers: staff).status, 404)
        XCTAssertEqual(try site.post("/admin/petitions/\(id)/signers/\(signature)/show", [("_csrf", token)], headers: staff).status, 303)
        XCTAssertTrue(try site.get("/petitions/\(slug)").text.contains("<strong>Amal</strong>"))
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT count(*) FROM audit_log WHERE action IN ('hide', 'show')", as: Int.self) }, 2
        )
    }

    /// A petition going viral: once hundreds of signatures have come in the last seconds, its
    /// page lives its second (counts included) instead of being built after every commit,
    /// from the burst's first second, even though nobody asked for the page during it (the
    /// burst is counted where it is committed). A lone signature before it shows at once,
    /// and the latest count shows within the page's second after it.
    func testAViralPetitionsPageLivesItsSecondWhileALoneSignatureShowsAtOnce() throws {
        XCTAssertEqual(try count(), 0)
        XCTAssertEqual(try site.sign(slug, ["email": "first@example.org"]).status, 303)
        XCTAssertEqual(try count(), 1, "a lone signature shows at once")
        let token = try site.signToken(slug)
        let site = self.site!
        let slug = self.slug
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for n in 0..<90 {
                let status = try? site.sign(slug, ["email": "viral-\(worker)-\(n)@example.org"], token: token).status
                if status != 303 { failures.withLock { $0 += 1 } }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
        // Each try reads the count, signs once more and reads it again within the page's
        // second: kept, it is the same. Tried a few times, in case a read fell on the
        // second's end.
        var kept = false
        var tries = 0
        while !kept && tries < 5 {
            let before = try count()
            XCTAssertEqual(try site.sign(slug, ["email": "during-\(tries)@example.org"], token: token).status, 303)
            tries += 1
            kept = try count() == before
        }
        XCTAssertTrue(kept, "during the burst, a commit still ended the page")
        let stored = try rows()
        XCTAssertEqual(stored, 1 + 360 + tries)
        try waitUntil(timeout: 10) { try count() == stored }
    }

    func testSigningRedirectsToThanksAndCountsOnce() throws {
        XCTAssertEqual(try count(), 0)
        let response = try site.sign(slug)
        XCTAssertEqual(response.status, 303)
        XCTAssertEqual(response.header("Location"), "/petitions/\(slug)/thanks")
        XCTAssertEqual(try count(), 1)
        let thanks = try site.get("/petitions/\(slug)/thanks")
        XCTAssertEqual(thanks.status, 200)
        XCTAssertTrue(thanks.text.contains("Thank you for signing"))
        XCTAssertTrue(try site.get("/petitions/\(slug)").text.contains("1 signature"))
    }

    func testStoredValuesAreNormalised() throws {
        XCTAssertEqual(
            try site.sign(
                slug,
                [
                    "email": "  Amal.H@Example.ORG ", "postal_code": "h2x1y4", "first_name": "Jose\u{301}",
                    "consent_updates": "yes", "comment": "Line one\r\nLine two",
                ]
            ).status, 303)
        let stored = try site.app.database.read { db in
            try db.first("SELECT email, postal_code, province, first_name, consent_updates, comment FROM signatures") { row in
                [
                    try row.get("email", as: String.self), try row.get("postal_code", as: String.self),
                    try row.get("province", as: String.self),
                    try row.get("first_name", as: String.self), String(try row.get("consent_updates", as: Int.self)),
                    try row.get("comment", as: String.self),
                ]
            }
        }
        XCTAssertEqual(stored, ["amal.h@example.org", "H2X 1Y4", "QC", "Jos\u{e9}", "1", "Line one\nLine two"])
    }

    func testEachInvalidFieldIs422WithItsMessageAndNothingStored() throws {
        let cases: [(String, String, String)] = [
            ("first_name", "", "Enter your first name"),
            ("first_name", "   ", "Enter your first name"),
            ("last_name", "", "Enter your last name"),
            ("first_name", String(repeating: "a", count: 101), "Use at most 100 characters"),
            ("first_name", "Ana\u{7}", "characters we cannot accept"),
            ("last_name", "Bad\u{202E}name", "characters we cannot accept"),
            ("email", "", "Enter your email address"),
            ("email", "not-an-email", "Enter an email address like name@example.com"),
            ("email", "a@b", "Enter an email address like name@example.com"),
            ("email", "a b@example.org", "Enter an email address like name@example.com"),
            ("postal_code", "", "Enter your postal code"),
            ("postal_code", "12345", "Enter a Canadian postal code"),
            ("postal_code", "D1A 0B1", "Enter a Canadian postal code"),
            ("postal_code", "K1A 0U1", "Enter a Canadian postal code"),
            ("postal_code", "W1A 0B1", "Enter a Canadian postal code"),
            ("postal_code", "Z1A 0B1", "Enter a Canadian postal code"),
            ("comment", String(repeating: "é", count: 1001), "Use at most 1,000 characters (you used 1,001)"),
        ]
        for (field, value, message) in cases {
            var fields = ["first_name": "Kept<Name>"]
            fields[field] = value
            let response = try site.sign(slug, fields)
            XCTAssertEqual(response.status, 422, "\(field)=\(value.prefix(20))")
            let html = response.text
            XCTAssertTrue(html.contains(message), "\(field): \(message)")
            XCTAssertTrue(html.contains("id=\"f-\(field)-error\""), "error tied to \(field)")
            XCTAssertTrue(html.contains("aria-describedby=\"") && html.contains("f-\(field)-error\""), "described by its error")
            if field != "first_name" {
                XCTAssertTrue(html.contains("value=\"Kept&lt;Name&gt;\""), "values kept and escaped")
            }
        }
        XCTAssertEqual(try rows(), 0)
        XCTAssertEqual(try count(), 0)
    }

    func testCommentOfExactly1000CharactersIsAccepted() throws {
        XCTAssertEqual(try site.sign(slug, ["comment": String(repeating: "é", count: 1000)]).status, 303)
    }

    func testSameEmailAgainIsNotCountedTwice() throws {
        XCTAssertEqual(try site.sign(slug, ["email": "dup@example.org"]).status, 303)
        let first = try site.get("/petitions/\(slug)/thanks")
        let again = try site.sign(slug, ["email": "  DUP@Example.org  "])
        // The same answer as a first signature: the site never tells whether an address signed.
        XCTAssertEqual(again.status, 303)
        XCTAssertEqual(again.header("Location"), "/petitions/\(slug)/thanks")
        XCTAssertEqual(try site.get("/petitions/\(slug)/thanks").text, first.text)
        // The owner hears it by mail.
        XCTAssertTrue(try site.outboxText(to: "dup@example.org").contains("You have already signed"))
        XCTAssertEqual(try count(), 1)
        XCTAssertEqual(try rows(), 1)
        // The same person may sign another petition.
        XCTAssertEqual(try site.sign("rescind-safe-third-country", ["email": "dup@example.org"]).status, 303)
    }

    func testCSRFMissingWrongOrForAnotherFormIs403() throws {
        var fields = [("first_name", "A"), ("last_name", "B"), ("email", "c@example.org"), ("postal_code", "K1A0B1")]
        XCTAssertEqual(try site.post("/petitions/\(slug)/sign", fields).status, 403)
        fields.append(("_csrf", "123.abc.def"))
        XCTAssertEqual(try site.post("/petitions/\(slug)/sign", fields).status, 403)
        let otherToken = try site.signToken("rescind-safe-third-country")
        XCTAssertEqual(try site.sign(slug, token: otherToken).status, 403)
        let token = try site.signToken(slug)
        let tampered = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
        XCTAssertEqual(try site.sign(slug, token: tampered).status, 403)
        XCTAssertEqual(try site.sign(slug, headers: [("Origin", "https://evil.example")]).status, 403)
        XCTAssertEqual(try rows(), 0)
    }

    func testHoneypotIsThankedButNotCounted() throws {
        let response = try site.sign(slug, ["website": "http://spam.example"])
        XCTAssertEqual(response.status, 303)
        XCTAssertEqual(try count(), 0)
        XCTAssertEqual(try rows(), 0)
    }

    func testClosedAndPastDeadlinePetitionsTakeNoSignatures() throws {
        let token = try site.signToken(slug)
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE petitions SET state = 'closed' WHERE slug = 'waive-travel-loans'")
            try db.run("UPDATE petitions SET closes_at = '2020-01-01T00:00:00Z' WHERE slug = 'rescind-safe-third-country'")
        }
        for closed in [slug, "rescind-safe-third-country"] {
            let page = try site.get("/petitions/\(closed)")
            XCTAssertEqual(page.status, 200)
            XCTAssertFalse(page.text.contains("method=\"post\""), "no form on \(closed)")
            XCTAssertTrue(page.text.contains("This petition is closed"))
            XCTAssertEqual(try site.petitionJSON(closed)["state"] as? String, "closed")
        }
        XCTAssertEqual(try site.sign(slug, token: token).status, 410)
        XCTAssertEqual(try site.sign("rescind-safe-third-country", token: token).status, 410)
        let list = try site.get("/petitions").text
        XCTAssertTrue(list.contains("Closed"))
        XCTAssertEqual(try rows(), 0)
    }

    func testDraftsAndUnknownPetitionsAre404() throws {
        try site.app.database.writeAndWait { db in try db.run("UPDATE petitions SET state = 'draft' WHERE slug = 'waive-travel-loans'") }
        XCTAssertEqual(try site.get("/petitions/\(slug)").status, 404)
        XCTAssertEqual(try site.get("/petitions/\(slug).json").status, 404)
        XCTAssertEqual(try site.get("/petitions/nope").status, 404)
        XCTAssertFalse(try site.get("/petitions").text.contains("Waive travel-loan"))
    }

    func testJSONHasCountsButNoPersonalData() throws {
        XCTAssertEqual(
            try site.sign(
                slug,
                [
                    "email": "secret.person@example.org", "first_name": "Secretfirst", "last_name": "Secretlast",
                    "postal_code": "V5K 0A1", "comment": "private words",
                ]
            ).status, 303)
        XCTAssertEqual(try site.sign(slug, ["email": "two@example.org", "postal_code": "M5V 2T6"]).status, 303)
        let response = try site.get("/petitions/\(slug).json")
        XCTAssertEqual(response.header("Content-Type"), "application/json; charset=utf-8")
        XCTAssertTrue(response.header("Cache-Control")?.contains("stale-while-revalidate") ?? false)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        XCTAssertEqual(
            Set(json.keys),
            [
                "slug", "title", "signature_count", "goal", "closes_at", "state", "signatures_by_province", "signatures_by_riding",
                "response",
            ])
        XCTAssertTrue(json["response"] is NSNull, "no outcome yet")
        XCTAssertEqual(json["signature_count"] as? Int, 2)
        XCTAssertEqual(json["signatures_by_province"] as? [String: Int], ["BC": 1, "ON": 1])
        for secret in ["secret.person", "Secretfirst", "Secretlast", "V5K", "private words"] {
            XCTAssertFalse(response.text.contains(secret), secret)
            XCTAssertFalse(try site.get("/petitions/\(slug)").text.contains(secret), secret)
        }
    }

    func testScriptInInputIsEscapedWhenShownAgain() throws {
        let payload = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
        let response = try site.sign(slug, ["first_name": payload, "comment": payload, "email": "bad"])
        XCTAssertEqual(response.status, 422)
        XCTAssertFalse(response.text.contains("<script>alert(1)"))
        XCTAssertFalse(response.text.contains("<img src=x"))
        XCTAssertTrue(response.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img"))
    }

    func testPagesCarryShortPublicCaching() throws {
        for path in ["/petitions", "/petitions/\(slug)"] {
            let cache = try XCTUnwrap(try site.get(path).header("Cache-Control"), path)
            XCTAssertTrue(cache.contains("max-age=") && cache.contains("stale-while-revalidate"), path)
        }
        XCTAssertEqual(try site.sign(slug, ["email": "bad"]).header("Cache-Control"), "no-store")
    }

    func testShareLinksWorkWithoutJavaScript() throws {
        let html = try site.get("/petitions/\(slug)").text
        XCTAssertTrue(html.contains("href=\"mailto:?subject="))
        XCTAssertTrue(html.contains("https://wa.me/?text="))
        XCTAssertTrue(html.contains("<textarea id=\"share-message\""), "the message to copy by hand")
        // One script, our own and deferred: it only shows a copy button where the browser can copy.
        XCTAssertEqual(html.components(separatedBy: "<script").count - 1, 1)
        XCTAssertTrue(html.contains("<script src=\"/js/share.js\" defer></script>"))
        XCTAssertTrue(
            html.contains("data-copy=\"share-message\"") && html.contains(" hidden>Copy</button>"), "hidden until the script shows it")
    }

    func testManyConcurrentSignersAreAllCounted() throws {
        let token = try site.signToken(slug)
        let site = self.site!
        let statuses = Statuses()
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            let status = (try? site.sign("waive-travel-loans", ["email": "person\(i)@example.org"], token: token).status) ?? -1
            statuses.add(status)
        }
        XCTAssertEqual(statuses.all.filter { $0 == 303 }.count, 200)
        XCTAssertEqual(try count(), 200)
        XCTAssertEqual(try rows(), 200)
    }

    func testPetitionsListAndHomeShowCounts() throws {
        XCTAssertEqual(try site.sign(slug).status, 303)
        let list = try site.get("/petitions").text
        XCTAssertTrue(list.contains("Waive travel-loan repayment"))
        XCTAssertTrue(list.contains("1 signature"))
        XCTAssertTrue(try site.get("/").text.contains("1 signature"))
    }
}

final class RateLimitTests: XCTestCase {
    func testTooManySignaturesFromOneAddressAre429WithRetryAfter() throws {
        let site = try TestApp(sampleContent: true) { $0.signaturesPerMinute = 3 }
        defer { site.stop() }
        let token = try site.signToken("waive-travel-loans")
        for i in 0..<3 {
            XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "r\(i)@example.org"], token: token).status, 303)
        }
        let limited = try site.sign("waive-travel-loans", ["email": "r9@example.org"], token: token)
        XCTAssertEqual(limited.status, 429)
        let retry = try XCTUnwrap(limited.header("Retry-After").flatMap(Int.init))
        XCTAssertGreaterThan(retry, 0)
        XCTAssertLessThanOrEqual(retry, 60)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM signatures", as: Int.self) }, 3)
        // Corrections of invalid input are not what the limit is for: they still get their 422.
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "not-an-email"], token: token).status, 422)
    }
}

final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ v: Int) {
        lock.lock()
        values.append(v)
        lock.unlock()
    }
    var all: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}
