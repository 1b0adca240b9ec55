import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest

/// Mailings end to end: an organizer composes, previews and sends through the admin
/// screens; a real SMTP server receives; counts are read back per address.
final class MailingTests: XCTestCase {
    var smtp: SMTPTestServer!
    var site: TestApp!
    var folder: URL!

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        folder = makeTemporaryDirectory()
        site = try makeSite()
        try site.setPostalAddress()
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// The site on a database in `folder`, so a restart finds the same file.
    func makeSite(maxPerSecond: Double = 1000, smtp url: String? = nil) throws -> TestApp {
        let smtpURL = url ?? smtp.url
        let database = folder.appendingPathComponent("mailings.sqlite").path
        return try TestApp(sampleContent: true) {
            $0.database = database
            $0.confirmSignatures = true
            $0.smtpURL = smtpURL
            $0.signaturesPerMinute = 100_000
            $0.mailRetrySeconds = 0.2
            $0.mailMaxPerSecond = maxPerSecond
            $0.mailScheduleSeconds = 0.2
            $0.passwordCost = 10
        }
    }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    func organizer() throws -> [(String, String)] {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run(
                "INSERT INTO users (email, role, password_hash) VALUES ('organizer@example.org', 'organizer', ?) ON CONFLICT DO NOTHING",
                hash)
        }
        return try site.signIn("organizer@example.org")
    }

    /// Confirmed subscribers, one unconfirmed, one who left, one whose address bounced.
    func seedSubscribers(_ confirmed: [(String, String)]) throws {
        try site.app.database.writeAndWait { db in
            for (email, language) in confirmed {
                try db.run(
                    """
                    INSERT INTO subscribers (email, consent_text, consented_at, confirmed_at, language)
                    VALUES (?, 'Yes, keep me informed', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', ?)
                    """, email, language)
            }
            try db.run(
                "INSERT INTO subscribers (email, consent_text, consented_at) VALUES ('pending@example.org', 'Yes', '2026-11-01T00:00:00Z')")
            try db.run(
                """
                INSERT INTO subscribers (email, consent_text, consented_at, confirmed_at, unsubscribed_at)
                VALUES ('left@example.org', 'Yes', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')
                """)
            try db.run(
                """
                INSERT INTO subscribers (email, consent_text, consented_at, confirmed_at)
                VALUES ('bounced@example.org', 'Yes', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')
                """)
            try db.run(
                "INSERT INTO mail_addresses (address, undeliverable_at, undeliverable_reason) VALUES ('bounced@example.org', '2026-11-03T00:00:00Z', '550 No such mailbox')"
            )
        }
    }

    /// Composes a mailing through the editor; answers its id.
    func compose(
        _ headers: [(String, String)], audience: String = "subscribers", subject: String = "Vigil on Saturday",
        french: (String, String)? = ("Veillée samedi", "Rejoignez-nous **samedi**.")
    ) throws -> Int {
        let page = try site.get("/admin/mailings/new", headers: headers)
        XCTAssertEqual(page.status, 200)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let created = try site.post(
            "/admin/mailings",
            [
                ("_csrf", token), ("audience", audience), ("subject_en", subject),
                ("body_en", "Join us on **Saturday**. [Details](/events)"), ("subject_fr", french?.0 ?? ""), ("body_fr", french?.1 ?? ""),
            ], headers: headers)
        XCTAssertEqual(created.status, 303, created.text)
        let location = try XCTUnwrap(created.header("Location"))
        return try XCTUnwrap(Int(location.split(separator: "/").last?.split(separator: "?").first ?? ""))
    }

    /// Sends the author a test, then sends now through the confirmation page (which names
    /// the count), as an organiser would.
    func sendNow(_ id: Int, _ headers: [(String, String)]) throws -> ClientResponse {
        XCTAssertEqual(try press("/admin/mailings/\(id)/test", headers).status, 303)
        let asked = try press("/admin/mailings/\(id)/send", headers)
        guard asked.status == 200, let range = asked.text.range(of: #"name="confirm" value="\d+""#, options: .regularExpression) else {
            return asked
        }
        let count = String(asked.text[range].split(separator: "\"")[3])
        let token = try XCTUnwrap(FormHelper.csrfToken(in: asked.text))
        return try site.post("/admin/mailings/\(id)/send", [("_csrf", token), ("confirm", count)], headers: headers)
    }

    /// What the SMTP server received of mailings, the authors' tests left out.
    func bulk() -> [ReceivedMail] { smtp.messages().filter { !$0.subject.hasPrefix("[Test]") } }

    func press(_ path: String, _ headers: [(String, String)]) throws -> ClientResponse {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/mailings", headers: headers).text))
        return try site.post(path, [("_csrf", token)], headers: headers)
    }

    // MARK: Tests

    /// `{{first_name}}` is each recipient's first name, or the fallback after `|`; a field no
    /// recipient has is refused with the ones there are.
    func testMergeFieldsGreetEachRecipientByFirstName() throws {
        try site.app.database.writeAndWait { db in
            try db.run(
                """
                INSERT INTO subscribers (email, name, consent_text, consented_at, confirmed_at, language)
                VALUES ('rosa@example.org', 'Rosa Parks', 'Yes', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', 'en'),
                       ('anon@example.org', '', 'Yes', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', 'en')
                """)
        }
        let staff = try organizer()
        let page = try site.get("/admin/mailings/new", headers: staff)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let unknown = try site.post(
            "/admin/mailings",
            [
                ("_csrf", token), ("audience", "subscribers"), ("subject_en", "Hi"), ("body_en", "Dear {{last_name}},"), ("subject_fr", ""),
                ("body_fr", ""),
            ],
            headers: staff)
        XCTAssertEqual(unknown.status, 422)
        XCTAssertTrue(unknown.text.contains("{{last_name}}") && unknown.text.contains("{{first_name}}"), unknown.text)
        let id = try compose(staff, subject: "{{first_name|Friend}}, the vigil is Saturday", french: nil)
        // The preview shows one real recipient's message, filled.
        let preview = try site.get("/admin/mailings/\(id)", headers: staff).text
        XCTAssertTrue(
            preview.contains("<dd>Rosa, the vigil is Saturday</dd>") || preview.contains("<dd>Friend, the vigil is Saturday</dd>"),
            "filled in the preview: \(preview)")
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE mailings SET body_en = 'Hello {{first_name|friend}}, join us.' WHERE id = ?", id)
        }
        XCTAssertEqual(try sendNow(id, staff).status, 303)
        try waitUntil { self.bulk().count == 2 }
        let rosa = try XCTUnwrap(bulk().first { $0.recipients == ["rosa@example.org"] })
        let anon = try XCTUnwrap(bulk().first { $0.recipients == ["anon@example.org"] })
        XCTAssertEqual(rosa.subject, "Rosa, the vigil is Saturday")
        XCTAssertTrue(rosa.text.contains("Hello Rosa, join us."), rosa.text)
        XCTAssertEqual(anon.subject, "Friend, the vigil is Saturday")
        XCTAssertTrue(anon.text.contains("Hello friend, join us."), anon.text)
    }

    /// "Send now" sends nothing on one click: a test of the current text first, then a page
    /// naming the audience and the count, whose button carries that count; a changed text
    /// asks for a new test, a changed audience for a new confirmation.
    func testSendingNeedsATestOfThisVersionAndAConfirmationNamingTheCount() throws {
        try seedSubscribers([("ana@example.org", "en"), ("bea@example.org", "fr")])
        let staff = try organizer()
        let id = try compose(staff)
        func queued() throws -> Int { try scalar("SELECT count(*) FROM outbox WHERE mailing_id = \(id)") }
        var editor = try site.get("/admin/mailings/\(id)", headers: staff).text
        XCTAssertTrue(editor.contains("Send yourself a test first"), editor)
        XCTAssertFalse(editor.contains("/admin/mailings/\(id)/send\""), "no send button before a test")
        XCTAssertEqual(try press("/admin/mailings/\(id)/send", staff).status, 409)
        XCTAssertEqual(try press("/admin/mailings/\(id)/test", staff).status, 303)
        editor = try site.get("/admin/mailings/\(id)", headers: staff).text
        XCTAssertTrue(editor.contains("Send now to 2 people"), editor)

        let asked = try press("/admin/mailings/\(id)/send", staff)
        XCTAssertEqual(asked.status, 200)
        XCTAssertTrue(asked.text.contains("It goes now to 2 people in “Everyone subscribed to updates”."), asked.text)
        XCTAssertTrue(asked.text.contains("Yes, send it to 2 people"))
        XCTAssertEqual(try queued(), 0, "asking sends nothing")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: asked.text))
        // The audience grew since the page was made: asked again, with the new count.
        try site.app.database.writeAndWait { db in
            try db.run(
                "INSERT INTO subscribers (email, consent_text, consented_at, confirmed_at) VALUES ('cy@example.org', 'Yes', ?, ?)",
                Timestamp.now(), Timestamp.now())
        }
        let again = try site.post("/admin/mailings/\(id)/send", [("_csrf", token), ("confirm", "2")], headers: staff)
        XCTAssertEqual(again.status, 200)
        XCTAssertTrue(again.text.contains("Yes, send it to 3 people"), again.text)
        XCTAssertEqual(try queued(), 0)

        // A change to the text wants a new test.
        let form = try XCTUnwrap(FormHelper.csrfToken(in: editor))
        XCTAssertEqual(
            try site.post(
                "/admin/mailings/\(id)",
                [("_csrf", form), ("audience", "subscribers"), ("subject_en", "Vigil moved to Sunday"), ("body_en", "Sunday now.")],
                headers: staff
            ).status, 303)
        XCTAssertEqual(try site.post("/admin/mailings/\(id)/send", [("_csrf", token), ("confirm", "3")], headers: staff).status, 409)
        XCTAssertEqual(try queued(), 0)
        XCTAssertEqual(try sendNow(id, staff).status, 303)
        XCTAssertEqual(try queued(), 3)
    }

    /// Every "send me updates" (a petition, an event's registration, the sign-up form) joins
    /// one list once its address is confirmed: the campaign's audience and "everyone" count
    /// it, the subscribers' export lists it with its source and consent, and an unticked box
    /// or an unconfirmed address adds no one.
    func testEveryOptInJoinsTheCampaignsListAndTheAudiencesCountIt() throws {
        let staff = try organizer()
        let campaign = try scalar("SELECT id FROM campaigns WHERE slug = 'safe-third-country'")
        func audienceCounts() throws -> (everyone: Int, campaign: Int) {
            func count(_ audience: String) throws -> Int {
                let page = try site.get("/admin/mailings/\(try compose(staff, audience: audience))", headers: staff).text
                guard let range = page.range(of: #"It would go to \d+ (people|person)"#, options: .regularExpression) else { return -1 }
                return Int(page[range].split(separator: " ")[4]) ?? -1
            }
            return (try count("subscribers"), try count("subscribers:\(campaign)"))
        }
        XCTAssertEqual(try audienceCounts().everyone, 0)
        func press(linkTo address: String, containing fragment: String) throws -> Int {
            var link: String?
            try waitUntil(timeout: 10) {
                link = self.smtp.messages(to: address).last?.link(containing: fragment)
                return link != nil
            }
            return try site.press(String(try XCTUnwrap(link).dropFirst(site.app.config.publicBaseURL.count))).status
        }

        // A signer who ticked the box, once their link is pressed.
        XCTAssertEqual(
            try site.sign("rescind-safe-third-country", ["email": "signer@example.org", "consent_updates": "yes"]).status, 303)
        XCTAssertEqual(try site.sign("rescind-safe-third-country", ["email": "quiet@example.org"]).status, 303)
        XCTAssertEqual(try audienceCounts().everyone, 0, "not before the address is confirmed")
        XCTAssertEqual(try press(linkTo: "signer@example.org", containing: "/confirm/"), 303)
        XCTAssertEqual(try press(linkTo: "quiet@example.org", containing: "/confirm/"), 303)
        var counts = try audienceCounts()
        XCTAssertEqual(counts.everyone, 1, "the signer who asked for updates, not the one who did not")
        XCTAssertEqual(counts.campaign, 1, "on the petition's campaign's list")

        // A registrant who ticked the box, once they confirm.
        let eventToken = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/events/stca-public-meeting").text))
        XCTAssertEqual(
            try site.post(
                "/events/stca-public-meeting/rsvp",
                [("_csrf", eventToken), ("name", "Rae"), ("email", "rae@example.org"), ("note", ""), ("consent_updates", "yes")]
            ).status, 303)
        XCTAssertEqual(try press(linkTo: "rae@example.org", containing: "/confirm/"), 303)
        counts = try audienceCounts()
        XCTAssertEqual(counts.everyone, 2)
        XCTAssertEqual(counts.campaign, 2)

        // A sign-up on another campaign's page counts in "everyone", not in this campaign.
        let updatesToken = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/campaigns/refugees-welcome-here").text))
        XCTAssertEqual(
            try site.post(
                "/updates",
                [
                    ("_csrf", updatesToken), ("campaign", "refugees-welcome-here"), ("consent_updates", "yes"),
                    ("email", "lee@example.org"), ("name", "Lee"), ("postal_code", ""),
                ]
            ).status, 303)
        XCTAssertEqual(try press(linkTo: "lee@example.org", containing: "/updates/confirm/"), 303)
        counts = try audienceCounts()
        XCTAssertEqual(counts.everyone, 3)
        XCTAssertEqual(counts.campaign, 2)

        // The export lists each with where and in which words consent was given.
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES ('admin@example.org', 'admin', ?)", hash)
        }
        let csv = try site.get("/admin/subscribers.csv", headers: try site.signIn("admin@example.org")).text
        let signer = "signer@example.org,K1A 0B1,safe-third-country,petition:rescind-safe-third-country,\"Yes, send me updates"
        XCTAssertTrue(csv.contains(signer), csv)
        XCTAssertTrue(csv.contains("rae@example.org,,safe-third-country,event:stca-public-meeting,"), csv)
        XCTAssertTrue(csv.contains("lee@example.org"), csv)
        XCTAssertFalse(csv.contains("quiet@example.org"), csv)
    }

    func testMailingReachesExactlyItsAudienceInTheirLanguageWithOneClickUnsubscribe() throws {
        try seedSubscribers([("ana@example.org", "en"), ("bea@example.org", "fr")])
        let staff = try organizer()
        let id = try compose(staff)

        // The preview: the count, and one recipient's message in each language.
        let preview = try site.get("/admin/mailings/\(id)", headers: staff)
        XCTAssertTrue(preview.text.contains("It would go to 2 people"), preview.text)
        XCTAssertTrue(preview.text.contains("Veillée samedi"))
        XCTAssertTrue(preview.text.contains("/unsubscribe/"), "the footer link is in the preview")
        // Its HTML in a frame of its own, whose policy lets the message's inline styles apply and runs nothing.
        XCTAssertTrue(preview.text.contains("src=\"/admin/mailings/\(id)/preview/fr\""), "the French message in a frame")
        let frame = try site.get("/admin/mailings/\(id)/preview/fr", headers: staff)
        XCTAssertEqual(frame.status, 200)
        XCTAssertTrue(frame.text.contains("<body style=\"font-family: sans-serif"), frame.text)
        XCTAssertTrue(frame.text.contains("Veillée samedi"))
        let policy = frame.header("Content-Security-Policy") ?? ""
        XCTAssertTrue(policy.contains("style-src 'unsafe-inline'") && policy.contains("sandbox") && !policy.contains("script-src"), policy)
        XCTAssertEqual(frame.header("X-Frame-Options"), "SAMEORIGIN")
        XCTAssertEqual(try site.get("/admin/mailings/\(id)/preview/de", headers: staff).status, 404)
        XCTAssertNotEqual(try site.get("/admin/mailings/\(id)/preview/en").status, 200, "staff only")
        XCTAssertEqual(
            try site.get("/admin/mailings/\(id)", headers: staff).header("X-Frame-Options"), "DENY", "other pages are never framed")

        // A test to the author only.
        XCTAssertEqual(try press("/admin/mailings/\(id)/test", staff).status, 303)
        let test = try XCTUnwrap(smtp.waitForMessages(1).first)
        XCTAssertEqual(test.recipients, ["organizer@example.org"])
        XCTAssertTrue(test.subject.hasPrefix("[Test] "), test.subject)

        XCTAssertEqual(try sendNow(id, staff).status, 303)
        let all = try smtp.waitForMessages(4)  // two tests (one before sending) and the two people
        let bulk = all.filter { !$0.subject.hasPrefix("[Test]") }
        XCTAssertEqual(Set(bulk.flatMap(\.recipients)), ["ana@example.org", "bea@example.org"], "confirmed, subscribed, deliverable only")
        let ana = try XCTUnwrap(bulk.first { $0.recipients == ["ana@example.org"] })
        let bea = try XCTUnwrap(bulk.first { $0.recipients == ["bea@example.org"] })
        XCTAssertEqual(ana.subject, "Vigil on Saturday")
        XCTAssertEqual(bea.subject, "Veillée samedi")
        XCTAssertEqual(bea.headers["Content-Language"], "fr")
        XCTAssertTrue(ana.text.contains("Details (http://127.0.0.1:8080/events)"), "site links are absolute: \(ana.text)")
        XCTAssertTrue(ana.text.contains("Join us on Saturday."), "the text part without Markdown's marks: \(ana.text)")
        XCTAssertTrue(ana.raw.contains("text/html"), "an HTML alternative")
        XCTAssertEqual(ana.headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        let header = try XCTUnwrap(ana.headers["List-Unsubscribe"])
        XCTAssertFalse(header.contains("mailto:"), "no mailto without a bounce domain the site reads: never a person's inbox")
        let link = try XCTUnwrap(header.range(of: #"http[^>]+"#, options: .regularExpression).map { String(header[$0]) })
        XCTAssertTrue(ana.text.contains(link), "the footer carries the same link")
        XCTAssertEqual(ana.headers["List-Id"], "\"Sanctuary\" <mailings.localhost.localdomain>")
        // Why, how to leave, and who sends it, above the "-- " that mail programs fold away.
        let text = ana.text.replacingOccurrences(of: "\r\n", with: "\n")
        let signature = try XCTUnwrap(text.range(of: "\n-- \n"), text)
        let before = String(text[..<signature.lowerBound])
        XCTAssertTrue(before.contains(link) && before.contains("123 Bank Street\nOttawa ON  K1P 5N2"), ana.text)
        XCTAssertTrue(ana.headers["Message-ID"]?.hasPrefix("<mailing-\(id).") ?? false, "fixed by the outbox row")
        try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(id)") == 1 }
        let status = try site.get("/admin/mailings/\(id)", headers: staff).text
        XCTAssertTrue(status.contains("Sent"))

        // RFC 8058: a POST with the one-click body, no session, no form token.
        let path = String(link.dropFirst(site.app.config.publicBaseURL.count))
        XCTAssertEqual(try site.get(path).status, 200, "the link's page has a button")
        let clicked = try site.request(
            "POST", path, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "List-Unsubscribe=One-Click")
        XCTAssertEqual(clicked.status, 200)
        XCTAssertEqual(try site.request("POST", path, body: "List-Unsubscribe=One-Click").status, 200, "again: the same answer")
        XCTAssertEqual(try scalar("SELECT unsubscribes FROM mailings WHERE id = \(id)"), 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE email = 'ana@example.org' AND unsubscribed_at IS NOT NULL"), 1)
        XCTAssertEqual(try site.get(String(path.dropLast(2)) + "xx").status, 404, "a forged link is unknown")

        // The next mailing skips the address that left.
        let second = try compose(staff, subject: "Second", french: nil)
        XCTAssertTrue(try site.get("/admin/mailings/\(second)", headers: staff).text.contains("It would go to 1 person"))
        XCTAssertEqual(try sendNow(second, staff).status, 303)
        let later = try smtp.waitForMessages(6)  // three and one, and a test of each
        XCTAssertEqual(later.filter { $0.subject == "Second" }.flatMap(\.recipients), ["bea@example.org"])
        let english = try XCTUnwrap(later.first { $0.subject == "Second" })
        XCTAssertEqual(english.headers["Content-Language"], "en", "no French version: French readers get the English")
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM audit_log WHERE action IN ('send', 'test') AND subject LIKE 'mailing %'"), 5,
            "two sends, a test before each, and the first test")
    }

    func testAudiencesOfSignersAndAttendeesFollowConsentAndConfirmation() throws {
        let staff = try organizer()
        for (email, consent) in [("yes@example.org", "yes"), ("no@example.org", "")] {
            _ = try site.sign("waive-travel-loans", ["email": email, "consent_updates": consent])
            XCTAssertEqual(try site.press(try site.mailedLink(to: email, containing: "/confirm/")).status, 303)
        }
        _ = try site.sign("waive-travel-loans", ["email": "unconfirmed@example.org", "consent_updates": "yes"])
        let petition = try scalar("SELECT id FROM petitions WHERE slug = 'waive-travel-loans'")
        let id = try compose(staff, audience: "signers:\(petition)", french: nil)
        XCTAssertTrue(try site.get("/admin/mailings/\(id)", headers: staff).text.contains("It would go to 1 person"))
        XCTAssertEqual(try sendNow(id, staff).status, 303)
        try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(id)") == 1 }
        let received = smtp.messages().filter { $0.subject == "Vigil on Saturday" }
        XCTAssertEqual(received.flatMap(\.recipients), ["yes@example.org"])

        // An audience that is not offered is refused, and nothing is stored.
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/mailings/new", headers: staff).text))
        let before = try scalar("SELECT count(*) FROM mailings")
        for audience in ["signers:999999", "outcome:\(petition)", "everyone", "signers:-1"] {
            let refused = try site.post(
                "/admin/mailings", [("_csrf", token), ("audience", audience), ("subject_en", "x"), ("body_en", "y")], headers: staff)
            XCTAssertEqual(refused.status, 422, audience)
        }
        let half = try site.post(
            "/admin/mailings", [("_csrf", token), ("audience", "subscribers"), ("subject_en", "x"), ("body_en", "y"), ("subject_fr", "z")],
            headers: staff)
        XCTAssertEqual(half.status, 422)
        XCTAssertTrue(half.text.contains("Write both the French subject and the French message"))
        XCTAssertEqual(try scalar("SELECT count(*) FROM mailings"), before)
    }

    func testPauseResumeAndARestartMidSendSendNobodyASecondCopy() throws {
        site.stop()
        site = try makeSite(maxPerSecond: 40)
        let people = (1...60).map { ("person\($0)@example.org", "en") }
        try seedSubscribers(people)
        let staff = try organizer()
        let id = try compose(staff, french: nil)
        XCTAssertEqual(try sendNow(id, staff).status, 303)
        try waitUntil { self.bulk().count >= 5 }
        XCTAssertEqual(try press("/admin/mailings/\(id)/pause", staff).status, 303)
        let paused = try site.get("/admin/mailings/\(id)", headers: staff).text
        XCTAssertTrue(paused.contains("Resume"))
        // Held: once the sender is past the message it had in hand, nothing more goes.
        func laterRuns(_ n: Int) throws {
            let runs = site.app.mailer.scheduledRuns.load(ordering: .acquiring)
            try waitUntil { self.site.app.mailer.scheduledRuns.load(ordering: .acquiring) >= runs + n }
        }
        try laterRuns(2)
        let atPause = bulk().count
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE mailing_id = \(id) AND state = 'sent'"), atPause)
        try laterRuns(3)
        XCTAssertEqual(bulk().count, atPause, "paused means paused")
        XCTAssertLessThan(atPause, 60)

        XCTAssertEqual(try press("/admin/mailings/\(id)/resume", staff).status, 303)
        try waitUntil { self.bulk().count >= atPause + 5 }
        // A restart in the middle of sending.
        site.stop()
        let beforeRestart = bulk().count
        XCTAssertLessThan(beforeRestart, 60, "the restart came mid-send")
        site = try makeSite()
        try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(id)") == 1 }
        let received = bulk().flatMap(\.recipients)
        XCTAssertEqual(received.count, 60, "each recipient once")
        XCTAssertEqual(Set(received), Set(people.map(\.0)))
        XCTAssertEqual(try scalar("SELECT sent FROM mailings WHERE id = \(id)"), 60)
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE action IN ('pause', 'resume')"), 2)
    }

    func testScheduledMailingGoesAtItsTimeAndCancelStopsTheRest() throws {
        try seedSubscribers([("ana@example.org", "en")])
        let staff = try organizer()
        let id = try compose(staff, french: nil)
        XCTAssertEqual(try press("/admin/mailings/\(id)/test", staff).status, 303)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/mailings/\(id)", headers: staff).text))
        let past = try site.post(
            "/admin/mailings/\(id)/schedule", [("_csrf", token), ("send_at", "2020-01-01T09:00"), ("time_zone", "America/Toronto")],
            headers: staff)
        XCTAssertEqual(past.status, 422)
        XCTAssertTrue(past.text.contains("Choose a time in the future"))
        let scheduled = try site.post(
            "/admin/mailings/\(id)/schedule", [("_csrf", token), ("send_at", "2099-06-01T09:00"), ("time_zone", "America/Toronto")],
            headers: staff)
        XCTAssertEqual(scheduled.status, 303)
        XCTAssertEqual(
            try scalar("SELECT send_at = '2099-06-01T13:00:00Z' FROM mailings WHERE id = \(id)"), 1, "09:00 in Toronto is 13:00 UTC")
        let runs = site.app.mailer.scheduledRuns.load(ordering: .acquiring)
        try waitUntil { self.site.app.mailer.scheduledRuns.load(ordering: .acquiring) >= runs + 2 }
        XCTAssertEqual(bulk().count, 0, "not before its time")
        // Its time comes (the clock moved on).
        try site.app.database.writeAndWait { db in try db.run("UPDATE mailings SET send_at = '2020-01-01T00:00:00Z' WHERE id = ?", id) }
        try waitUntil { !self.bulk().isEmpty }
        let mail = try XCTUnwrap(bulk().first)
        XCTAssertEqual(mail.recipients, ["ana@example.org"])
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE actor = 'scheduler' AND action = 'send'"), 1)

        // Cancel: a paused mailing's unsent messages leave the outbox.
        try seedMore(20)
        let other = try compose(staff, subject: "To cancel", french: nil)
        let audiences = site.app.mailingAudiences
        try site.app.database.writeAndWait { db in
            _ = try BulkMailStore.queue(db, id: Int64(other), audiences: audiences)
            _ = try MailingStore.pause(db, id: Int64(other))
        }
        XCTAssertEqual(try press("/admin/mailings/\(other)/cancel", staff).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE mailing_id = \(other) AND state = 'waiting'"), 0)
        XCTAssertEqual(try scalar("SELECT state = 'cancelled' FROM mailings WHERE id = \(other)"), 1)
        XCTAssertEqual(try press("/admin/mailings/\(other)/resume", staff).status, 409, "a cancelled mailing cannot resume")
    }

    func seedMore(_ count: Int) throws {
        try site.app.database.writeAndWait { db in
            for n in 1...count {
                try db.run(
                    "INSERT INTO subscribers (email, consent_text, consented_at, confirmed_at) VALUES (?, 'Yes', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
                    "more\(n)@example.org")
            }
        }
    }

    func testNothingIsSentUntilTheOrganisationsPostalAddressIsSet() throws {
        site.stop()
        site = try makeSite()
        try site.app.database.writeAndWait { try $0.run("UPDATE site_settings SET postal_address = '' WHERE id = 1") }
        site.stop()
        site = try makeSite()
        try seedSubscribers([("ana@example.org", "en")])
        let staff = try organizer()
        let id = try compose(staff, french: nil)
        let editor = try site.get("/admin/mailings/\(id)", headers: staff).text
        XCTAssertTrue(editor.contains("postal address first"), editor)
        XCTAssertFalse(editor.contains("/admin/mailings/\(id)/send\""), "no send button")
        XCTAssertEqual(try press("/admin/mailings/\(id)/send", staff).status, 409)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE mailing_id = \(id)"), 0, "nothing queued")
        try site.setPostalAddress()
        XCTAssertEqual(try sendNow(id, staff).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE mailing_id = \(id)"), 1)
    }

    func testABounceMarksTheAddressAndLaterMailingsSkipIt() throws {
        try seedSubscribers([("reject-me@example.org", "en"), ("ok@example.org", "en")])
        let staff = try organizer()
        let id = try compose(staff, french: nil)
        XCTAssertEqual(try sendNow(id, staff).status, 303)
        try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(id)") == 1 }
        XCTAssertEqual(try scalar("SELECT failed FROM mailings WHERE id = \(id)"), 1)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM mail_addresses WHERE address = 'reject-me@example.org' AND undeliverable_at IS NOT NULL"), 1)
        // Admins see why.
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "admin@example.org", name: "", role: .admin, passwordHash: hash)
        }
        let adminHeaders = try site.signIn("admin@example.org")
        let failed = try scalar("SELECT id FROM outbox WHERE recipient = 'reject-me@example.org'")
        let page = try site.get("/admin/outbox/\(failed)", headers: adminHeaders).text
        XCTAssertTrue(page.contains("Address undeliverable"), page)
        XCTAssertTrue(page.contains("550"))
        XCTAssertTrue(page.contains("Join us on"), "a mailing's message is shown as it was sent")
        // The next mailing leaves it out.
        let next = try compose(staff, subject: "Next", french: nil)
        XCTAssertTrue(try site.get("/admin/mailings/\(next)", headers: staff).text.contains("It would go to 1 person"))
        // Editors may not send mailings.
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "editor@example.org", name: "", role: .editor, passwordHash: hash)
        }
        XCTAssertEqual(try site.get("/admin/mailings", headers: try site.signIn("editor@example.org")).status, 403)
    }
}

/// Petition outcomes and the goal mail.
final class OutcomeTests: XCTestCase {
    let slug = "waive-travel-loans"
    var smtp: SMTPTestServer!
    var site: TestApp!

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        let url = smtp.url
        site = try TestApp(sampleContent: true) {
            $0.confirmSignatures = true
            $0.smtpURL = url
            $0.signaturesPerMinute = 100_000
            $0.mailMaxPerSecond = 1000
            $0.passwordCost = 10
        }
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    func organizer() throws -> [(String, String)] {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "organizer@example.org", name: "Org", role: .organizer, passwordHash: hash)
        }
        return try site.signIn("organizer@example.org")
    }

    func signAndConfirm(_ email: String, _ fields: [String: String] = [:]) throws {
        var all = fields
        all["email"] = email
        _ = try site.sign(slug, all)
        XCTAssertEqual(try site.press(try site.mailedLink(to: email, containing: "/confirm/")).status, 303)
    }

    /// The signature that makes a thousand tells the signers who asked for updates, once.
    func testAMilestoneIsMailedOnceToTheSignersWhoAskedForUpdates() throws {
        try site.setPostalAddress()  // every mailing carries it; without it no milestone mailing goes
        try signAndConfirm("early@example.org", ["consent_updates": "yes"])
        try signAndConfirm("quiet@example.org")
        let slug = self.slug
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE petitions SET signature_count = 999 WHERE slug = ?", slug)
        }
        try signAndConfirm("thousandth@example.org", ["consent_updates": "yes"])
        try waitUntil { self.smtp.messages().contains { $0.subject.hasPrefix("1,000 people have signed") } }
        try signAndConfirm("next@example.org", ["consent_updates": "yes"])
        Thread.sleep(forTimeInterval: 1)
        let milestone = smtp.messages().filter { $0.subject.hasPrefix("1,000 people have signed") }
        XCTAssertEqual(Set(milestone.flatMap(\.recipients)), ["early@example.org", "thousandth@example.org"], "those who asked, once")
        XCTAssertTrue(milestone.first?.text.contains("/petitions/\(slug)") == true)
        XCTAssertNotNil(milestone.first?.headers["List-Unsubscribe"], "a mailing, with its unsubscribe link")
        XCTAssertEqual(try scalar("SELECT count(*) FROM mailings WHERE created_by = 'milestone'"), 1)
    }

    func testOutcomeShowsOnThePageAndInTheJSONAndGoesOnlyToThoseWhoAsked() throws {
        let staff = try organizer()
        try signAndConfirm("asked@example.org", ["notify_outcome": "yes"])
        try signAndConfirm("silent@example.org")
        _ = try site.sign(slug, ["email": "pending@example.org", "notify_outcome": "yes"])
        XCTAssertTrue(try site.get("/petitions/\(slug)").text.contains("name=\"notify_outcome\""), "the sign form offers it, unticked")
        let petition = try scalar("SELECT id FROM petitions WHERE slug = '\(slug)'")

        let editor = try site.get("/admin/petitions/\(petition)/outcome", headers: staff)
        XCTAssertEqual(editor.status, 200)
        XCTAssertTrue(editor.text.contains("Mail it to the 1 signer who asked"), editor.text)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: editor.text))
        let bad = try site.post(
            "/admin/petitions/\(petition)/outcome", [("_csrf", token), ("kind", "response"), ("happened_on", "soon"), ("body_en", "")],
            headers: staff)
        XCTAssertEqual(bad.status, 422)
        XCTAssertEqual(try scalar("SELECT count(*) FROM petition_outcomes"), 0, "nothing stored half way")
        let posted = try site.post(
            "/admin/petitions/\(petition)/outcome",
            [
                ("_csrf", token), ("kind", "response"), ("happened_on", "2026-11-28"),
                ("body_en", "The Minister agreed to **review** the loans."), ("body_fr", "La ministre accepte de **revoir** les prêts."),
                ("notify", "yes"),
            ], headers: staff)
        XCTAssertEqual(posted.status, 303)

        let page = try site.get("/petitions/\(slug)").text
        XCTAssertTrue(page.contains("<strong>review</strong>"), "shown on the petition")
        XCTAssertTrue(page.contains("28 November 2026"), "the day as written, not the day before in Toronto")
        XCTAssertFalse(page.contains("27 November 2026"))
        XCTAssertTrue(try site.get("/fr/petitions/\(slug)").text.contains("revoir"))
        let json = try site.petitionJSON(slug)
        let response = try XCTUnwrap(json["response"] as? [String: Any])
        XCTAssertEqual(response["kind"] as? String, "response")
        XCTAssertEqual(response["date"] as? String, "2026-11-28")

        try waitUntil { self.smtp.messages().contains { $0.subject.contains("A response to the petition") } }
        let outcome = smtp.messages().filter { $0.subject.contains("A response to the petition") }
        XCTAssertEqual(outcome.flatMap(\.recipients), ["asked@example.org"], "only a confirmed signer who asked")
        XCTAssertTrue(try XCTUnwrap(outcome.first).text.contains("The Minister agreed"))
        XCTAssertNotNil(outcome.first?.headers["List-Unsubscribe"])
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE action = 'outcome'"), 1)
    }

    func testOrganizersHearOnceWhenTheGoalIsReached() throws {
        _ = try organizer()
        let count = try scalar("SELECT signature_count FROM petitions WHERE slug = '\(slug)'")
        let slug = self.slug
        try site.app.database.writeAndWait { db in try db.run("UPDATE petitions SET goal = ? WHERE slug = ?", count + 1, slug) }
        try signAndConfirm("goal@example.org")
        try waitUntil { self.smtp.messages().contains { $0.subject.contains("has reached its goal") } }
        try signAndConfirm("beyond@example.org")
        try waitUntil { self.smtp.messages().count >= 3 }
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM outbox WHERE kind = 'petition.goal'"), 1, "once, with the signature that reached it")
        XCTAssertEqual(
            smtp.messages().filter { $0.subject.contains("has reached its goal") }.flatMap(\.recipients), ["organizer@example.org"])
        XCTAssertEqual(try scalar("SELECT goal_reached_at IS NOT NULL FROM petitions WHERE slug = '\(slug)'"), 1)
    }
}

/// Letters the site delivers: confirmed by the sender's own mailbox, sent to the MP with
/// `Reply-To` the sender, a copy to the sender, one a day.
final class SiteLetterTests: XCTestCase {
    let slug = "waive-travel-loans-mp"
    var smtp: SMTPTestServer!
    var site: TestApp!

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        let url = smtp.url
        site = try TestApp(sampleContent: true) {
            $0.smtpURL = url
            $0.mailMaxPerSecond = 1000
            $0.passwordCost = 10
        }
        let slug = self.slug
        try site.app.database.writeAndWait { db in try db.run("UPDATE letter_campaigns SET delivery = 'site' WHERE slug = ?", slug) }
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    func write(_ fields: [String: String] = [:]) throws -> ClientResponse {
        let page = try site.get("/letters/\(slug)")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        var values = [
            "name": "Zoë O'Neil", "email": "zoe@example.org", "street_address": "12 Rue Principale", "city": "Ottawa",
            "postal_code": "K1A 0B1", "_csrf": token, "personal": "My cousin waited four years to repay her travel loan.",
        ]
        for (k, v) in fields { values[k] = v }
        return try site.post("/letters/\(slug)", values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    func testTheLetterGoesToTheMPOnceTheSenderConfirmsWithReplyToAndACopy() throws {
        let form = try site.get("/letters/\(slug)").text
        XCTAssertTrue(form.contains("name=\"personal\""), "the sender may add their own words")
        let mpEmail = try XCTUnwrap(
            site.app.database.read {
                try $0.scalar("SELECT email FROM members WHERE riding_code = '35079'", as: String.self)
            })
        XCTAssertFalse(mpEmail.isEmpty)
        XCTAssertFalse(form.contains(mpEmail), "the MP's address is not shown before the letter is sent")

        let written = try write()
        XCTAssertEqual(written.status, 303)
        XCTAssertEqual(written.header("Location"), "/letters/\(slug)/check-email")
        XCTAssertFalse(try site.get("/letters/\(slug)/check-email").text.contains(mpEmail))
        let ask = try XCTUnwrap(smtp.waitForMessages(1).first)
        XCTAssertEqual(ask.recipients, ["zoe@example.org"], "first the sender's own address")
        // The address is not confirmed yet: nothing the writer typed is in the mail, so the
        // form cannot send a stranger text of anyone's choosing.
        // ("Zo" alone is not checked: two letters turn up in a random token about once in a hundred runs.)
        for typed in ["My cousin", "Zoë", "O'Neil", "Rue Principale"] {
            XCTAssertFalse(ask.text.contains(typed) || (ask.headers["To"] ?? "").contains(typed), typed)
        }
        let link = try XCTUnwrap(ask.link(containing: "/send/"))
        let path = String(link.dropFirst(site.app.config.publicBaseURL.count))
        let confirmPage = try site.get(path)
        XCTAssertEqual(confirmPage.status, 200)
        XCTAssertTrue(confirmPage.text.contains("My cousin waited four years"), "the letter is shown beside the button")
        XCTAssertEqual(smtp.messages().count, 1, "opening the link sends nothing")
        XCTAssertEqual(try scalar("SELECT sent_count FROM letter_campaigns WHERE slug = '\(slug)'"), 0)

        XCTAssertEqual(try site.press(path).header("Location"), "/letters/\(slug)/sent")
        let all = try smtp.waitForMessages(3)
        let letter = try XCTUnwrap(all.first { $0.recipients == [mpEmail] })
        XCTAssertTrue(letter.headers["Reply-To"]?.contains("zoe@example.org") ?? false, "\(letter.headers)")
        XCTAssertTrue(letter.text.contains("Dear Sample MP (Ottawa Centre),"))
        XCTAssertTrue(letter.text.contains("My cousin waited four years"), "the personal paragraph is in the letter")
        XCTAssertNil(letter.headers["Auto-Submitted"], "a person's letter, not an automatic message")
        let copy = try XCTUnwrap(all.first { $0.recipients == ["zoe@example.org"] && $0.subject.contains("has been sent") })
        XCTAssertTrue(copy.text.contains("My cousin waited four years"))
        XCTAssertEqual(try scalar("SELECT sent_count FROM letter_campaigns WHERE slug = '\(slug)'"), 1)
        XCTAssertEqual(try scalar("SELECT sent FROM letter_counts WHERE riding_code = '35079'"), 1)
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES ('organizer@example.org', 'organizer', ?)", hash)
        }
        let dashboard = try site.get("/admin", headers: try site.signIn("organizer@example.org")).text
        XCTAssertTrue(dashboard.contains("Ottawa Centre (1, ✉ 1)"), "the dashboard counts letters sent per riding")

        // The link works once.
        let used = try site.get(path)
        XCTAssertEqual(used.status, 200)
        XCTAssertTrue(used.text.contains("sent already"))
        XCTAssertEqual(smtp.messages().count, 3)

        // One letter a day per sender and campaign: the same answer, nothing new kept or sent.
        let again = try write()
        XCTAssertEqual(again.header("Location"), "/letters/\(slug)/check-email")
        XCTAssertEqual(try scalar("SELECT count(*) FROM letters WHERE delivery = 'site'"), 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE kind = 'letter.confirm'"), 1)
    }

    /// "Send me updates" on a letter: the site-sent letter's own link confirms the address and
    /// joins the list; a letter the visitor sends themselves asks by a link of its own; an
    /// unticked box joins no one.
    func testALettersOptInJoinsTheListOnceTheAddressIsConfirmed() throws {
        func subscribers(_ source: String) throws -> Int {
            try scalar("SELECT count(*) FROM subscribers WHERE source = '\(source)' AND confirmed_at IS NOT NULL")
        }
        func press(_ message: ReceivedMail?, _ fragment: String) throws -> ClientResponse {
            let link = try XCTUnwrap(message?.link(containing: fragment))
            return try site.press(String(link.dropFirst(site.app.config.publicBaseURL.count)))
        }
        XCTAssertTrue(try site.get("/letters/\(slug)").text.contains("name=\"consent_updates\""))

        // Sent by the site: no second mail; pressing the letter's link joins the list.
        XCTAssertEqual(try write(["consent_updates": "yes"]).status, 303)
        let ask = try XCTUnwrap(smtp.waitForMessages(1).first)
        XCTAssertEqual(try subscribers("letter:\(slug)"), 0, "not before the address is confirmed")
        XCTAssertEqual(try press(ask, "/send/").status, 303)
        XCTAssertEqual(try subscribers("letter:\(slug)"), 1)
        let campaign = try scalar(
            "SELECT coalesce(campaign_id, 0) FROM subscribers WHERE email = 'zoe@example.org'")
        XCTAssertEqual(campaign, try scalar("SELECT coalesce(campaign_id, 0) FROM letter_campaigns WHERE slug = '\(slug)'"))
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE kind = 'subscribe.confirm'"), 0)

        // Unticked: the letter goes and no one joins.
        XCTAssertEqual(try write(["email": "quiet@example.org"]).status, 303)
        XCTAssertEqual(try press(smtp.waitForMessages(to: "quiet@example.org", 1).first, "/send/").status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE email = 'quiet@example.org'"), 0)

        // Sent by the visitor's own mail program: a link of its own, then the list.
        let slug = self.slug
        try site.app.database.writeAndWait { db in try db.run("UPDATE letter_campaigns SET delivery = 'visitor' WHERE slug = ?", slug) }
        let made = try write(["email": "ode@example.org", "consent_updates": "yes"])
        XCTAssertTrue(made.header("Location")?.contains("/letter/") ?? false, "\(made.status) \(made.header("Location") ?? "")")
        let confirm = try smtp.waitForMessages(to: "ode@example.org", 1).first
        XCTAssertEqual(try press(confirm, "/updates/confirm/").status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE email = 'ode@example.org' AND source = 'letter:\(slug)'"), 1)
    }

    func testAPersonalParagraphOverTheLimitIsRefusedAndNothingKept() throws {
        let response = try write(["personal": String(repeating: "a", count: 1001)])
        XCTAssertEqual(response.status, 422)
        XCTAssertEqual(try scalar("SELECT count(*) FROM letters"), 0)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox"), 0)
    }

    func testANamedRecipientWithoutAnAddressFallsBackToTheVisitorsMailProgram() throws {
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE letter_campaigns SET delivery = 'site', recipient_email = '' WHERE slug = 'stca-minister'")
        }
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/letters/stca-minister").text))
        let response = try site.post(
            "/letters/stca-minister",
            [
                ("_csrf", token), ("name", "Sam"), ("email", "sam@example.org"), ("street_address", "1 King St"), ("city", "Toronto"),
                ("postal_code", "M5V 2T6"),
            ])
        XCTAssertEqual(response.status, 303)
        XCTAssertTrue(response.header("Location")?.contains("/letter/") ?? false, "the letter page, to print or send")
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox"), 0)
    }
}
