import Foundation
import HTTP
import Mail
import Sanctuary
import Storage
import TestSupport
import XCTest

/// A bad relay and bounces, through a real SMTP server told to misbehave (`Tests/SMTP`'s
/// "fault" file): the relay's faults pause sending and keep every recipient; only a refusal
/// of the mailbox itself suppresses it.
final class RelayTests: XCTestCase {
    var smtp: SMTPTestServer!
    var site: TestApp!

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        site = try makeSite()
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    func makeSite(_ configure: @escaping (inout AppConfig) -> Void = { _ in }) throws -> TestApp {
        let url = smtp.url
        return try TestApp(sampleContent: true) {
            $0.confirmSignatures = true
            $0.smtpURL = url
            $0.signaturesPerMinute = 100_000
            $0.mailRetrySeconds = 0.2
            $0.mailMaxPerSecond = 100_000
            $0.mailScheduleSeconds = 0.2
            $0.passwordCost = 10
            configure(&$0)
        }
    }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    /// The relay answers `reply` at `stage` ("mail" or "data") until `mend()`.
    func breakRelay(_ stage: String, _ reply: String) throws {
        try "\(stage) \(reply)".write(to: smtp.directory.appendingPathComponent("fault"), atomically: true, encoding: .utf8)
    }

    func mendRelay() { try? FileManager.default.removeItem(at: smtp.directory.appendingPathComponent("fault")) }

    func admin() throws -> [(String, String)] {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "admin@example.org", name: "", role: .admin, passwordHash: hash)
        }
        return try site.signIn("admin@example.org")
    }

    func press(_ path: String, from page: String, _ headers: [(String, String)]) throws -> ClientResponse {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get(page, headers: headers).text))
        return try site.post(path, [("_csrf", token)], headers: headers)
    }

    /// A mailing to every confirmed subscriber, `addresses` made subscribers first, queued (and
    /// paused in the same transaction, so the sender never sees it due): its id.
    func queueMailing(to addresses: [String] = [], paused: Bool = false) throws -> Int64 {
        try site.app.database.writeAndWait { db -> Int64 in
            for address in addresses {
                try db.run(
                    """
                    INSERT INTO subscribers (email, consent_text, consented_at, confirmed_at)
                    VALUES (?, 'Yes', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')
                    """, address)
            }
            let id = try BulkMailStore.create(
                db,
                MailingDraft(subjectEn: "News", bodyEn: "Hello.", subjectFr: "", bodyFr: "", audience: .subscribers, audienceID: nil),
                by: "test")
            try BulkMailStore.queue(db, id: id, audiences: [.subscribers])
            if paused { _ = try MailingStore.pause(db, id: id) }
            return id
        }
    }

    // MARK: The relay's faults

    func testARelayRefusingMailFromPausesSendingKeepsEveryoneAndDeliversEachOnceWhenFixed() throws {
        let staff = try admin()
        try breakRelay("mail", "530 5.7.0 Authentication required")
        let addresses = (1...2000).map { "reader\($0)@example.org" }
        let id = try queueMailing(to: addresses)
        site.app.mailer.wake()
        try waitUntil { try self.scalar("SELECT failures FROM mail_relay_status WHERE failing_since IS NOT NULL") >= 2 }
        XCTAssertEqual(try scalar("SELECT count(*) FROM mail_addresses WHERE undeliverable_at IS NOT NULL"), 0, "nobody suppressed")
        XCTAssertEqual(try scalar("SELECT count(*) FROM mail_bounces"), 0)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE state = 'failed'"), 0)
        XCTAssertEqual(try scalar("SELECT failed FROM mailings WHERE id = \(id)"), 0)
        XCTAssertEqual(try scalar("SELECT state = 'sending' FROM mailings WHERE id = \(id)"), 1)
        // Paused, not hammering: one message tried per pause.
        XCTAssertLessThan(try scalar("SELECT count(*) FROM outbox_attempts"), 20)
        // Staff see the relay's own words on the dashboard and the outbox.
        for page in ["/admin", "/admin/outbox"] {
            let text = try site.get(page, headers: staff).text
            XCTAssertTrue(text.contains("530 5.7.0 Authentication required"), page)
            XCTAssertTrue(text.contains("MAIL FROM"), page)
        }
        mendRelay()
        XCTAssertEqual(try press("/admin/outbox/relay/retry", from: "/admin/outbox", staff).status, 303)
        try smtp.waitForMessages(2000, timeout: 120)
        try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(id)") == 1 }
        let received = smtp.messages().flatMap(\.recipients)
        XCTAssertEqual(received.count, 2000, "each message once")
        XCTAssertEqual(Set(received), Set(addresses))
        XCTAssertEqual(try scalar("SELECT sent FROM mailings WHERE id = \(id)"), 2000)
        XCTAssertEqual(try scalar("SELECT count(*) FROM mail_relay_status WHERE failing_since IS NULL AND recovered_at IS NOT NULL"), 1)
        XCTAssertFalse(try site.get("/admin", headers: staff).text.contains("530 5.7.0"), "the warning goes once mail flows")
    }

    func testARelayRefusingEveryMessageAtItsEndSuppressesNobody() throws {
        try breakRelay("data", "500 Unrecognised command")
        _ = try queueMailing(to: (1...30).map { "sink\($0)@example.org" })
        site.app.mailer.wake()
        try waitUntil { try self.scalar("SELECT failures FROM mail_relay_status") >= 2 }
        XCTAssertEqual(try scalar("SELECT count(*) FROM mail_addresses WHERE undeliverable_at IS NOT NULL"), 0)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE state = 'failed'"), 0)
        let reply = try site.app.database.read { try RelayStatusStore.current($0)?.lastReply } ?? ""
        XCTAssertEqual(reply, "end of data: 500 Unrecognised command")
        mendRelay()
        // Without staff: the paused sender tries again by itself.
        try smtp.waitForMessages(30, timeout: 60)
        XCTAssertEqual(smtp.messages().count, 30)
    }

    func testAWrongPasswordIsTheRelaysFaultNotTheRecipients() throws {
        guard SMTPTestServer.hasAiosmtpd else { throw XCTSkip("python3-aiosmtpd is not installed (.ci/run installs it)") }
        let authenticating = try SMTPTestServer(auth: "sanctuary:s3cret")
        defer { authenticating.stop() }
        site.stop()
        site = try makeSite {
            $0.smtpURL = authenticating.url
            $0.smtpUsername = "sanctuary"
            $0.smtpPassword = "rotated"
        }
        _ = try site.sign("waive-travel-loans", ["email": "signer@example.org"])
        try waitUntil { try self.scalar("SELECT failures FROM mail_relay_status") >= 1 }
        let reply = try site.app.database.read { try RelayStatusStore.current($0)?.lastReply } ?? ""
        // aiosmtpd answers 535, or (some versions, without TLS) nothing until the timeout.
        XCTAssertTrue(reply.hasPrefix("AUTH: "), reply)
        XCTAssertFalse(reply.contains("334"), "a challenge is not the refusal: \(reply)")
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE state = 'failed'"), 0)
        XCTAssertEqual(try scalar("SELECT count(*) FROM mail_addresses WHERE undeliverable_at IS NOT NULL"), 0)
    }

    // MARK: Bounces

    func testOnlyAMissingMailboxSuppressesAtOnceAndSoftBouncesAddUp() throws {
        let staff = try admin()
        let first = try queueMailing(to: ["reject-me@example.org", "full-box@example.org", "policy-says@example.org", "ok@example.org"])
        site.app.mailer.wake()
        try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(first)") == 1 }
        XCTAssertEqual(try scalar("SELECT failed FROM mailings WHERE id = \(first)"), 3)
        func suppressed(_ address: String) throws -> Bool {
            try scalar("SELECT count(*) FROM mail_addresses WHERE address = '\(address)' AND undeliverable_at IS NOT NULL") == 1
        }
        XCTAssertTrue(try suppressed("reject-me@example.org"), "550 5.1.1: a hard bounce")
        // An operator's counters: one sent, three failed (and the test message and others before, if any).
        let metrics = try site.get("/metrics").text
        func count(_ result: String) -> Double {
            metrics.split(separator: "\n").first { $0.hasPrefix("sanctuary_mail_attempts_total{result=\"\(result)\"} ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        }
        XCTAssertGreaterThanOrEqual(count("sent"), 1)
        XCTAssertEqual(count("failed"), 3)
        XCTAssertFalse(try suppressed("full-box@example.org"), "552 5.2.2: soft, once")
        XCTAssertFalse(try suppressed("policy-says@example.org"), "554 5.7.1: soft, once")
        // The whole reply is kept.
        XCTAssertEqual(
            try site.app.database.read {
                try $0.scalar("SELECT last_error FROM outbox WHERE recipient = 'full-box@example.org'", as: String.self)
            }, "RCPT TO: 552 5.2.2 Mailbox full")
        // Two more soft bounces within the window (3 by default): suppressed.
        for _ in 1...2 {
            let next = try queueMailing()
            site.app.mailer.wake()
            try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(next)") == 1 }
        }
        XCTAssertTrue(try suppressed("full-box@example.org"))
        XCTAssertTrue(try suppressed("policy-says@example.org"))
        XCTAssertFalse(try suppressed("ok@example.org"))
        let page = try site.get("/admin/suppressions", headers: staff)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("full-box@example.org"))
        XCTAssertTrue(page.text.contains("3 soft bounces in 14 days"), "why, in the server's words")
        XCTAssertTrue(page.text.contains("550 5.1.1 No such mailbox"))
    }

    func testReplyClassification() {
        let cases: [(SMTPStage, Int, String, DeliveryVerdict)] = [
            (.connect, 0, "Failed to connect to 127.0.0.1 port 1: Connection refused", .relay),
            (.auth, 535, "535 5.7.8 Authentication credentials invalid", .relay),
            (.mailFrom, 530, "530 5.7.0 Authentication required", .relay),
            (.mailFrom, 550, "550 5.7.1 SPF check failed", .relay),
            (.data, 554, "554 5.5.1 No valid recipients", .relay),
            (.message, 500, "500 Unrecognised command", .relay),
            (.message, 451, "451 4.3.0 Try again", .relay),
            (.recipient, 550, "550 5.1.1 No such user", .hardBounce),
            (
                .recipient, 550, "550-5.1.1 The email account that you tried to reach does not exist. / 550 5.1.1 Please try again",
                .hardBounce
            ),
            (.recipient, 550, "550 5.2.1 Mailbox disabled", .hardBounce),
            (.recipient, 552, "552 5.2.2 Mailbox full", .softBounce),
            (.recipient, 554, "554 5.7.1 Message refused by policy", .softBounce),
            (.recipient, 554, "554 5.7.1 <a@b.org>: Relay access denied", .relay),
            (.recipient, 530, "530 5.7.0 Authentication required", .relay),
            (.recipient, 550, "550 Requested action not taken", .softBounce),
            (.recipient, 451, "451 4.7.1 Greylisted", .retryLater),
            (.recipient, 421, "421 4.3.2 Shutting down", .relay),
            (.recipient, 553, "553 5.1.8 Sender address rejected", .relay),
            (.message, 552, "552 5.3.4 Message too big", .messageRefused),
            (.message, 550, "550 5.1.1 No such user", .hardBounce),
        ]
        for (stage, code, reply, verdict) in cases {
            XCTAssertEqual(DeliveryFailure(stage: stage, code: code, reply: reply).verdict, verdict, reply)
        }
    }

    // MARK: Retry never spins

    func testRetryingAMessageOfAPausedOrFinishedMailingNeverLeavesItDue() throws {
        let staff = try admin()
        let id = try queueMailing(to: ["reject-a@example.org", "fine@example.org"])
        site.app.mailer.wake()
        try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(id)") == 1 }
        let failed = try scalar("SELECT id FROM outbox WHERE recipient = 'reject-a@example.org'")
        let page = "/admin/outbox/\(failed)"
        // A finished mailing: the one message goes again (and is refused again), counted once.
        XCTAssertEqual(try press("\(page)/retry", from: page, staff).status, 303)
        try waitUntil { try self.scalar("SELECT attempts FROM outbox WHERE id = \(failed)") == 2 }
        try waitUntil { try self.scalar("SELECT state = 'sent' FROM mailings WHERE id = \(id)") == 1 }
        XCTAssertEqual(try scalar("SELECT failed FROM mailings WHERE id = \(id)"), 1)

        // A paused mailing: its message is held, not due.
        // (Paused as it is queued: paused a moment later, the sender could send it first.)
        let paused = try queueMailing(to: ["reject-b@example.org"], paused: true)
        XCTAssertEqual(try scalar("SELECT state = 'paused' FROM mailings WHERE id = \(paused)"), 1)
        let held = try scalar("SELECT id FROM outbox WHERE mailing_id = \(paused)")
        XCTAssertEqual(try press("/admin/outbox/\(held)/retry", from: "/admin/outbox/\(held)", staff).status, 303)
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT next_attempt_at FROM outbox WHERE id = \(held)", as: String.self) },
            OutboxStore.heldUntil)
        // A cancelled one: refused with a word, nothing due. (Cancelled while paused: resumed
        // first, the sender could finish its one message before the cancel came.)
        XCTAssertTrue(try site.app.database.writeAndWait { try MailingStore.cancel($0, id: paused) })

        // A due row whose mailing can no longer send (as a crash or an old bug left it): the
        // sender sets it aside once instead of skipping it on every pass.
        let stuck = try queueMailing(to: ["stuck@example.org"])
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE mailings SET state = 'cancelled' WHERE id = ?", stuck)
            try db.run("UPDATE outbox SET state = 'retrying', next_attempt_at = '2000-01-01T00:00:00Z' WHERE mailing_id = ?", stuck)
        }
        site.app.mailer.wake()
        try waitUntil { try self.scalar("SELECT state = 'failed' FROM outbox WHERE mailing_id = \(stuck)") == 1 }
        // And it rests: over five scheduled runs (a second), a handful of passes, not millions.
        let before = site.app.mailer.passes.load(ordering: .relaxed)
        let runs = site.app.mailer.scheduledRuns.load(ordering: .relaxed)
        try waitUntil { self.site.app.mailer.scheduledRuns.load(ordering: .relaxed) >= runs + 5 }
        XCTAssertLessThan(site.app.mailer.passes.load(ordering: .relaxed) - before, 100)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE state IN ('waiting', 'retrying') AND next_attempt_at < '9999'"), 0)
    }
}

/// Caps on mail to addresses nobody has confirmed count people, not strings.
final class UnconfirmedMailCapTests: XCTestCase {
    func testAddressesAreCountedAsThePeopleBehindThem() {
        XCTAssertEqual(UnconfirmedMailCaps.key(of: "Victim+1@Gmail.com"), "victim@gmail.com")
        XCTAssertEqual(UnconfirmedMailCaps.key(of: "v.i.c.t.i.m+x@googlemail.com"), "victim@gmail.com")
        XCTAssertEqual(UnconfirmedMailCaps.key(of: "first.last+news@example.org"), "first.last@example.org", "dots count elsewhere")
        XCTAssertEqual(UnconfirmedMailCaps.key(of: "+only@example.org"), "+only@example.org")
    }

    func testSigningAsOnePersonUnderManyAddressesGetsThemFiveMailsAndADomainIsPaced() throws {
        let site = try TestApp(sampleContent: true) {
            $0.confirmSignatures = true
            $0.signaturesPerMinute = 100_000
            $0.passwordCost = 10
            $0.unconfirmedMailCaps.perDomain = 3
        }
        defer { site.stop() }
        func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }
        for n in 1...8 {
            let address = n % 2 == 0 ? "Vic.Tim+\(n)@gmail.com" : "victim+\(n)@googlemail.com"
            XCTAssertEqual(try site.sign("waive-travel-loans", ["email": address]).status, 303, "the page says the same")
        }
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE kind = 'signature.confirm'"), 5)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE email LIKE '%+%'"), 8, "every signature is kept")
        // gmail.com is exempt from the domain cap; a small domain is not, and its mail is paced.
        for n in 1...5 { _ = try site.sign("waive-travel-loans", ["email": "staff\(n)@small-charity.example"]) }
        let now = Timestamp.now()
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM outbox WHERE recipient LIKE '%small-charity%' AND next_attempt_at <= '\(now)'"), 3)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE recipient LIKE '%small-charity%' AND next_attempt_at > '\(now)'"), 2)
        // Staff are told.
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait {
            try StaffStore.create($0, email: "o@example.org", name: "", role: .organizer, passwordHash: hash)
        }
        let dashboard = try site.get("/admin", headers: try site.signIn("o@example.org")).text
        XCTAssertTrue(dashboard.contains("Confirmation mail was held back"), dashboard)
        XCTAssertTrue(dashboard.contains("small-charity.example"))
    }
}

/// Bounces after acceptance: VERP return paths, and reports piped to `sanctuary mail bounce`
/// (the real binary), as a mail server's pipe transport runs it.
final class BounceReportTests: XCTestCase {
    var smtp: SMTPTestServer!
    var site: TestApp!

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        let url = smtp.url
        site = try TestApp(sampleContent: true) {
            $0.smtpURL = url
            $0.mailRetrySeconds = 0.2
            $0.mailMaxPerSecond = 100_000
            $0.passwordCost = 10
            $0.bounceAddress = "bounce@bounces.example.org"
        }
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    /// Pipes `report` to `sanctuary mail bounce`; its exit status and output.
    func pipe(_ report: String, recipient: String?) throws -> (Int32, String) {
        guard SanctuaryBinary.isBuilt else { throw XCTSkip("binary not built") }
        return try SanctuaryBinary.run(
            ["mail", "bounce", "--db", site.app.config.databasePath] + (recipient.map { ["--recipient", $0] } ?? []),
            input: report.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    func dsn(to returnPath: String, recipient: String, status: String, diagnostic: String) -> String {
        """
        From: MAILER-DAEMON@mx.example.net
        To: \(returnPath)
        Subject: Undelivered Mail Returned to Sender
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
            boundary="B0UND"

        --B0UND
        Content-Type: text/plain

        Your message could not be delivered.

        --B0UND
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net
        Arrival-Date: Sun, 6 Dec 2026 02:00:00 +0000

        Final-Recipient: rfc822; \(recipient)
        Original-Recipient: rfc822;\(recipient)
        Action: failed
        Status: \(status)
        Diagnostic-Code: smtp; \(diagnostic)

        --B0UND
        Content-Type: text/rfc822-headers

        From: Sanctuary <no-reply@example.org>
        To: \(recipient)
        Subject: News

        --B0UND--
        """
    }

    func testReportsAfterAcceptanceSuppressAndUnsubscribeOnlyTheMessagesTheyName() throws {
        try site.app.database.writeAndWait { db in
            for address in ["gone@example.net", "crowded@example.net", "annoyed@example.net"] {
                try db.run(
                    "INSERT INTO subscribers (email, consent_text, consented_at, confirmed_at) VALUES (?, 'Yes', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
                    address)
            }
            let id = try BulkMailStore.create(
                db, MailingDraft(subjectEn: "News", bodyEn: "Hi.", subjectFr: "", bodyFr: "", audience: .subscribers, audienceID: nil),
                by: "test")
            try BulkMailStore.queue(db, id: id, audiences: [.subscribers])
        }
        site.app.mailer.wake()
        let mails = try smtp.waitForMessages(3)
        func mail(to address: String) throws -> ReceivedMail { try XCTUnwrap(mails.first { $0.recipients == [address] }) }
        // Each message's envelope sender names it: bounce+{id}-{tag}@ the bounce domain.
        let gone = try mail(to: "gone@example.net")
        XCTAssertTrue(gone.mailFrom.hasPrefix("bounce+"), gone.mailFrom)
        XCTAssertTrue(gone.mailFrom.hasSuffix("@bounces.example.org"))
        XCTAssertNotEqual(gone.mailFrom, try mail(to: "crowded@example.net").mailFrom)

        // A hard bounce (5.1.1) delivered to the return path: suppressed.
        var (status, output) = try pipe(
            dsn(
                to: gone.mailFrom, recipient: "gone@example.net", status: "5.1.1", diagnostic: "550 5.1.1 <gone@example.net>: unknown user"),
            recipient: gone.mailFrom)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("hard bounce for gone@example.net"), output)
        XCTAssertEqual(try scalar("SELECT count(*) FROM mail_addresses WHERE address = 'gone@example.net' AND suppression = 'hard'"), 1)
        // A soft one (a full mailbox), once: noted, not suppressed.
        let full = try mail(to: "crowded@example.net")
        (status, output) = try pipe(
            dsn(to: full.mailFrom, recipient: "crowded@example.net", status: "5.2.2", diagnostic: "552 5.2.2 Mailbox full"), recipient: nil)
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM mail_bounces WHERE address = 'crowded@example.net' AND kind = 'soft' AND source = 'dsn'"), 1)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM mail_addresses WHERE address = 'crowded@example.net' AND undeliverable_at IS NOT NULL"), 0)

        // A complaint from a feedback loop, quoting the message's tagged Message-ID: unsubscribed at once.
        let annoyed = try mail(to: "annoyed@example.net")
        let messageID = try XCTUnwrap(annoyed.headers["Message-ID"])
        let arf = """
            From: fbl@isp.example
            To: abuse@example.org
            Subject: Complaint
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"

            --ARF
            Content-Type: text/plain

            A complaint.
            --ARF
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: FBL/1.0
            Version: 1

            --ARF
            Content-Type: message/rfc822

            From: Sanctuary <no-reply@example.org>
            To: redacted@isp.example
            Message-ID: \(messageID)
            Subject: News

            Hi.
            --ARF--
            """
        (status, output) = try pipe(arf, recipient: nil)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("unsubscribed annoyed@example.net"), output)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM mail_addresses WHERE address = 'annoyed@example.net' AND unsubscribed_at IS NOT NULL"), 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE email = 'annoyed@example.net' AND unsubscribed_at IS NULL"), 0)

        // The mailto of List-Unsubscribe is the site's own (read by the same pipe), never a person's inbox.
        let crowded = try mail(to: "crowded@example.net")
        let unsubscribeHeader = try XCTUnwrap(crowded.headers["List-Unsubscribe"])
        let mailto = try XCTUnwrap(
            unsubscribeHeader.range(of: #"mailto:[^?>]+"#, options: .regularExpression).map { String(unsubscribeHeader[$0].dropFirst(7)) })
        XCTAssertTrue(mailto.hasPrefix("bounce+unsubscribe-") && mailto.hasSuffix("@bounces.example.org"), mailto)
        let forgedUnsubscribe = mailto.replacingOccurrences(of: "unsubscribe-", with: "unsubscribe-1")
        (status, output) = try pipe("To: \(forgedUnsubscribe)\nSubject: unsubscribe\n\n", recipient: forgedUnsubscribe)
        XCTAssertTrue(output.contains("ignored"), output)
        (status, output) = try pipe("From: crowded@example.net\nTo: \(mailto)\nSubject: unsubscribe\n\nunsubscribe\n", recipient: mailto)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("unsubscribed crowded@example.net by mail"), output)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM mail_addresses WHERE address = 'crowded@example.net' AND unsubscribed_at IS NOT NULL"), 1)

        // Forged: a made-up tag, or no tag at all, changes nothing.
        let before = try scalar("SELECT count(*) FROM mail_bounces")
        let forged = gone.mailFrom.replacingOccurrences(of: "-", with: "-0")
        (status, output) = try pipe(
            dsn(to: forged, recipient: "crowded@example.net", status: "5.1.1", diagnostic: "550 unknown"), recipient: forged)
        XCTAssertEqual(status, 0)
        XCTAssertTrue(output.contains("ignored"), output)
        (status, output) = try pipe("Subject: hello\n\nnot a report\n", recipient: nil)
        XCTAssertEqual(status, 0)
        XCTAssertTrue(output.contains("ignored"), output)
        XCTAssertEqual(try scalar("SELECT count(*) FROM mail_bounces"), before)
        XCTAssertEqual(
            try scalar("SELECT count(*) FROM mail_addresses WHERE address = 'crowded@example.net' AND undeliverable_at IS NOT NULL"), 0)
    }
}

extension UnconfirmedMailCapTests {
    /// A viral hour's distinct addresses do not make each new one pay for the rest: the
    /// table is pruned once it doubles, keeping the most recent, and a repeat is still caught.
    func testTheCapsForgetTheLongestSeenWhenTheTableDoubles() {
        var settings = UnconfirmedMailCaps.Settings()
        settings.perDomain = 0
        let caps = UnconfirmedMailCaps(settings: settings)
        let start = Date()
        for n in 0..<(2 * UnconfirmedMailCaps.keptKeys + 10) {
            _ = caps.admit("person\(n)@example.org", now: start.addingTimeInterval(Double(n) / 1000))
        }
        let later = start.addingTimeInterval(Double(2 * UnconfirmedMailCaps.keptKeys) / 1000)
        for _ in 0..<4 { XCTAssertEqual(caps.admit("Person\(2 * UnconfirmedMailCaps.keptKeys + 5)@example.org", now: later), .now) }
        XCTAssertEqual(
            caps.admit("person\(2 * UnconfirmedMailCaps.keptKeys + 5)+x@example.org", now: later), .dropped, "a recent one is remembered")
    }
}

extension UnconfirmedMailCapTests {
    /// Bounce records name addresses: housekeeping drops them past the soft-bounce window (and
    /// 30 days), keeping the suppression they led to.
    func testOldBounceRecordsGoWithHousekeeping() throws {
        let site = try TestApp(sampleContent: true) { $0.maintenanceSeconds = 0.1 }
        defer { site.stop() }
        try site.app.database.writeAndWait { db in
            try db.run(
                "INSERT INTO mail_bounces (address, kind, source, detail, created_at) VALUES ('old@example.org', 'hard', 'smtp', '550', '2020-01-01T00:00:00Z')"
            )
            try SuppressionStore.record(db, address: "new@example.org", kind: .soft, source: .smtp, detail: "552", policy: BouncePolicy())
        }
        try waitUntil {
            try site.app.database.read {
                try $0.scalar("SELECT count(*) FROM mail_bounces WHERE address = 'old@example.org'", as: Int.self)
            } == 0
        }
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM mail_bounces", as: Int.self) }, 1)
    }
}
