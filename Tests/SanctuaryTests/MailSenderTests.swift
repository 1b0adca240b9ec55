import Foundation
import Mail
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// The sender under a national petition's load: many messages taken in one pass, their
/// outcomes recorded together, the outbox read by its index, each mail's HTML made cheaply
/// and alike.
final class MailSenderTests: XCTestCase {
    var smtp: SMTPTestServer!
    var site: TestApp!

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        site = try makeSite(connections: 4)
    }

    func makeSite(connections: Int) throws -> TestApp {
        let url = smtp.url
        return try TestApp(sampleContent: true) {
            $0.smtpURL = url
            $0.signaturesPerMinute = 100_000
            $0.confirmSignatures = true
            $0.mailMaxPerSecond = 100_000
            $0.mailRetrySeconds = 600
            $0.mailConnections = connections
            $0.passwordCost = 10
        }
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    /// 150 messages written in one commit (more than a pass takes), among them a hard bounce,
    /// a temporary refusal, a full mailbox and a policy refusal: each is recorded as what it
    /// came to, though they are recorded many at a time.
    func testMessagesSentTogetherAreEachRecordedAsWhatTheyCameTo() throws {
        XCTAssertEqual(site.app.config.mailConnections, 4, "over several connections at once")
        try sendMixedOutcomes()
    }

    /// The same over one connection, one message after another.
    func testMessagesSentOneAtATimeAreEachRecordedAsWhatTheyCameTo() throws {
        site.stop()
        site = try makeSite(connections: 1)
        try sendMixedOutcomes()
    }

    func sendMixedOutcomes() throws {
        let good = (0..<146).map { "friend\($0)@example.org" }
        let bad = ["reject-a@example.org", "tempfail-b@example.org", "full-c@example.org", "policy-d@example.org"]
        // The bad ones among the first hundred, so they share a pass (and a record) with good ones.
        let addresses = Array(good[0..<40]) + bad + Array(good[40...])
        try site.app.database.writeAndWait { db in
            for address in addresses {
                let message = MailMessage(
                    from: MailAddress(name: "Site", address: "site@example.org"), to: MailAddress(address: address),
                    subject: "Hello \(address)", text: "A line.\n\nhttps://example.org/a", messageID: "<\(address)@example.org>")
                try OutboxStore.enqueue(db, kind: "test", message: message)
            }
        }
        site.app.mailer.wake()
        let received = try smtp.waitForMessages(146)
        XCTAssertEqual(Set(received.flatMap(\.recipients)), Set(good), "every good address got its message, once")
        try waitUntil { try self.scalar("SELECT count(*) FROM outbox WHERE state IN ('waiting') AND kind = 'test'") == 0 }
        try waitUntil { try self.scalar("SELECT count(*) FROM outbox_attempts") == 150 }
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE kind = 'test' AND state = 'sent' AND message = ''"), 146)
        XCTAssertEqual(
            try scalar(
                "SELECT count(*) FROM outbox o JOIN outbox_attempts a ON a.outbox_id = o.id WHERE o.state = 'sent' AND a.outcome = 'sent'"),
            146, "one attempt each")
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE recipient = 'tempfail-b@example.org' AND state = 'retrying'"), 1)
        for address in ["reject-a@example.org", "full-c@example.org", "policy-d@example.org"] {
            XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE recipient = '\(address)' AND state = 'failed'"), 1, address)
        }
        XCTAssertEqual(try scalar("SELECT count(*) FROM mail_addresses WHERE address = 'reject-a@example.org' AND suppression = 'hard'"), 1)
        XCTAssertEqual(site.app.mailer.deliveredCount.load(ordering: .relaxed), 146)
    }

    /// The sender's query walks the partial index in order and stops at its limit: without
    /// statistics SQLite chose the index on `state` and sorted every unsent message, each pass.
    func testTheSenderReadsDueMessagesByItsIndexNotBySortingThemAll() throws {
        try TestEngine.require(.sqlite, because: "EXPLAIN QUERY PLAN is SQLite's")
        let plan = try site.app.database.read { db in
            try db.query("EXPLAIN QUERY PLAN " + OutboxStore.dueQuery, parameters: ["2026-12-06T00:00:00Z", 100]) {
                try $0.get("detail", as: String.self)
            }.joined(separator: "; ")
        }
        XCTAssertTrue(plan.contains("outbox_due"), plan)
        XCTAssertFalse(plan.contains("TEMP B-TREE"), plan)
    }

    /// Three signers of one petition: their mails' content is made once and copied, each copy
    /// with its own link (in the text and in the HTML), and each link confirms its own signature.
    func testSignersOfOnePetitionShareOneMadeMailEachWithItsOwnLink() throws {
        let slug = "waive-travel-loans"
        let before = site.app.mailBodies.made.load(ordering: .relaxed)
        let token = try site.signToken(slug)
        for number in 1...3 {
            XCTAssertEqual(try site.sign(slug, ["email": "signer\(number)@example.org"], token: token).status, 303)
        }
        let mails = try smtp.waitForMessages(3)
        XCTAssertEqual(site.app.mailBodies.made.load(ordering: .relaxed) - before, 1, "made once, copied twice")
        var links: Set<String> = []
        for mail in mails {
            let link = try XCTUnwrap(mail.link(containing: "/confirm/"))
            links.insert(link)
            let unfolded = mail.raw.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
            let token = String(link.split(separator: "/").last ?? "")
            XCTAssertEqual(unfolded.components(separatedBy: token).count - 1, 4, "the text once, the HTML's button, address and its link")
            XCTAssertFalse(unfolded.contains("~mailtoken~"), "no placeholder or stand-in is left")
        }
        XCTAssertEqual(links.count, 3)
        for link in links {
            let path = String(link.dropFirst(site.app.config.publicBaseURL.count))
            XCTAssertEqual(try site.press(path).header("Location"), "/petitions/\(slug)/confirmed")
        }
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM signatures WHERE email LIKE 'signer%' AND confirmed_at IS NOT NULL"), 3)
    }

    /// A mail's HTML is its text: paragraphs, lines, addresses as links (punctuation left
    /// outside), an address alone as a button, everything else escaped.
    func testAMailsHTMLIsItsTextWithItsLinksAndAButton() {
        let text =
            "Dear <friend> & all,\r\nsee (https://example.org/a?b=1&c=2).\n\n\n"
            + "https://example.org/petitions/x/confirm/TOKEN\n\nhttp://no\u{00A0}link and «https://example.org/q»!"
        let html = MailHTML.body(fromText: text, button: "Confirm <now>").rendered
        XCTAssertEqual(
            html,
            """
            <p>Dear &lt;friend&gt; &amp; all,<br>see (<a href="https://example.org/a?b=1&amp;c=2">https://example.org/a?b=1&amp;c=2</a>).</p>
            <p style="margin: 1.5em 0"><a href="https://example.org/petitions/x/confirm/TOKEN" style="display: inline-block; background: #1d4e89; color: #ffffff; padding: 0.75em 1.25em; border-radius: 4px; font-weight: bold; text-decoration: none">Confirm &lt;now&gt;</a></p>
            <p style="font-size: 0.9em; color: #555; word-break: break-all"><a href="https://example.org/petitions/x/confirm/TOKEN">https://example.org/petitions/x/confirm/TOKEN</a></p>
            <p>http://no\u{00A0}link and «<a href="https://example.org/q">https://example.org/q</a>»!</p>
            """)
        XCTAssertFalse(MailHTML.isLink("https://example.org/a\"onclick"))
        XCTAssertFalse(MailHTML.isLink("https://exa mple.org"))
        XCTAssertTrue(MailHTML.isLink("https://example.org/réfugiés"))
    }
}
