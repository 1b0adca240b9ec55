import Foundation
import HTTP
import Mail
import Sanctuary
import Storage
import TestSupport
import XCTest

/// E-mail end to end: the real application, a real SMTP server (aiosmtpd or Python's
/// smtpd), messages read back from what that server received.
final class MailTests: XCTestCase {
    let slug = "waive-travel-loans"
    var smtp: SMTPTestServer!
    var site: TestApp!

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        site = try makeSite(smtp: smtp.url)
    }

    /// Whatever a test made the site send (confirmations, RSVPs, waiting lists, reminders,
    /// invitations, resets, sign-ups): every message has the one HTML template beside a text
    /// part that carries no Markdown marks.
    override func tearDownWithError() throws {
        defer {
            site?.stop()
            smtp?.stop()
        }
        for mail in smtp?.messages() ?? [] {
            let raw = mail.raw.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
            XCTAssertTrue(raw.contains("Content-Type: text/html; charset=utf-8"), "no HTML part: \(mail.subject)")
            XCTAssertTrue(raw.contains("<html lang=\""), "not the template: \(mail.subject)")
            XCTAssertFalse(mail.text.contains("**") || mail.text.contains("<p>"), "marks in the text part: \(mail.subject)")
        }
    }

    func makeSite(smtp url: String?, _ configure: @escaping (inout AppConfig) -> Void = { _ in }) throws -> TestApp {
        try TestApp(sampleContent: true) {
            $0.confirmSignatures = true
            $0.smtpURL = url
            $0.signaturesPerMinute = 100_000
            $0.mailRetrySeconds = 0.2
            $0.mailMaxPerSecond = 1000
            $0.passwordCost = 10
            configure(&$0)
        }
    }

    // MARK: Helpers

    func count() throws -> Int { try site.petitionJSON(slug)["signature_count"] as? Int ?? -1 }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    /// The path of an absolute link from a mail (the site's own base stripped).
    func path(_ link: String) -> String { String(link.dropFirst(site.app.config.publicBaseURL.count)) }

    /// Opens a mailed link's page and presses its button, as a person would.
    func press(_ link: String) throws -> ClientResponse {
        let page = try site.get(path(link))
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text), "no button on \(link): \(page.status)")
        return try site.post(path(link), [("_csrf", token)])
    }

    func signAdmin() throws -> [(String, String)] {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "admin@example.org", name: "", role: .admin, passwordHash: hash)
        }
        return try site.signIn("admin@example.org")
    }

    // MARK: Signatures

    func testSignatureCountsOnlyOnceConfirmedByTheButton() throws {
        let before = try count()
        let signed = try site.sign(slug, ["email": "amal@example.org", "consent_updates": "yes"])
        XCTAssertEqual(signed.status, 303)
        XCTAssertEqual(signed.header("Location"), "/petitions/\(slug)/thanks")
        XCTAssertTrue(try site.get("/petitions/\(slug)/thanks").text.contains("Check your e-mail"))
        XCTAssertEqual(try count(), before, "a pending signature is not counted")

        let mail = try XCTUnwrap(smtp.waitForMessages(1).first)
        XCTAssertEqual(mail.recipients, ["amal@example.org"])
        XCTAssertTrue(mail.subject.hasPrefix("Confirm your signature: "), mail.subject)
        XCTAssertTrue(mail.subject.contains("Waive travel-loan repayment"))
        XCTAssertNotNil(mail.headers["Message-ID"])
        XCTAssertNotNil(mail.headers["Date"])
        XCTAssertEqual(mail.headers["Content-Language"], "en")
        // Nothing the signer typed goes to an unconfirmed address, not even their name.
        XCTAssertTrue(mail.text.hasPrefix("Hello,"), mail.text)
        XCTAssertFalse(mail.raw.contains("Amal"), "the name is in neither the text nor the To header")
        let link = try XCTUnwrap(mail.link(containing: "/confirm/"))
        XCTAssertTrue(link.hasPrefix("http://127.0.0.1:8080/petitions/\(slug)/confirm/"), link)

        // A mail scanner opening the link changes nothing.
        let page = try site.get(path(link))
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("Confirm my signature"))
        XCTAssertEqual(page.header("Referrer-Policy"), "no-referrer")
        XCTAssertEqual(try count(), before)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE confirmed_at IS NOT NULL AND email = 'amal@example.org'"), 0)

        // The button without its form token is refused.
        XCTAssertEqual(try site.post(path(link), []).status, 403)
        XCTAssertEqual(try count(), before)

        let confirmed = try press(link)
        XCTAssertEqual(confirmed.status, 303)
        XCTAssertEqual(confirmed.header("Location"), "/petitions/\(slug)/confirmed")
        XCTAssertEqual(try count(), before + 1)
        XCTAssertEqual(
            try scalar(
                "SELECT sum(count) FROM petition_daily_counts WHERE petition_id = (SELECT id FROM petitions WHERE slug = '\(slug)')"),
            before + 1)
        let json = try site.petitionJSON(slug)
        XCTAssertEqual((json["signatures_by_province"] as? [String: Int])?["ON"], 1)

        // Used: it says so, and counts nothing more.
        let again = try site.get(path(link))
        XCTAssertEqual(again.status, 200)
        XCTAssertTrue(again.text.contains("Already confirmed"))
        let token = site.app.formTokens.make(for: "petition-confirm")
        XCTAssertEqual(try site.post(path(link), [("_csrf", token)]).status, 200)
        XCTAssertEqual(try count(), before + 1)
        // Unknown tokens, and a real token on another petition's address, are 404.
        XCTAssertEqual(try site.get("/petitions/\(slug)/confirm/not-a-token").status, 404)
        let other = path(link).replacingOccurrences(of: slug, with: "protect-asylum-seekers")
        XCTAssertEqual(try site.get(other).status, 404)
    }

    func testPendingSignaturesAreNotExportedNorCountedForUpdates() throws {
        let admin = try signAdmin()
        _ = try site.sign(slug, ["email": "pending@example.org", "consent_updates": "yes"])
        let id = try scalar("SELECT id FROM petitions WHERE slug = '\(slug)'")
        XCTAssertFalse(try site.get("/admin/petitions/\(id)/signatures.csv", headers: admin).text.contains("pending@example.org"))
        XCTAssertFalse(try site.get("/admin/subscribers.csv", headers: admin).text.contains("pending@example.org"))
        let link = try XCTUnwrap(smtp.waitForMessages(1).first?.link(containing: "/confirm/"))
        XCTAssertEqual(try press(link).status, 303)
        XCTAssertTrue(try site.get("/admin/petitions/\(id)/signatures.csv", headers: admin).text.contains("pending@example.org"))
        XCTAssertTrue(try site.get("/admin/subscribers.csv", headers: admin).text.contains("pending@example.org"))
    }

    func testSigningAgainLooksTheSameAndTheMailTellsTheOwner() throws {
        let first = try site.sign(slug, ["email": "twice@example.org"])
        let second = try site.sign(slug, ["email": " TWICE@example.org", "first_name": "Someone"])
        XCTAssertEqual(first.status, second.status)
        XCTAssertEqual(first.header("Location"), second.header("Location"))
        // Unconfirmed: the link again.
        let mails = try smtp.waitForMessages(2)
        XCTAssertTrue(mails.allSatisfy { $0.subject.hasPrefix("Confirm your signature") })
        XCTAssertFalse(mails[1].raw.contains("Amal"))
        XCTAssertEqual(try press(XCTUnwrap(mails[1].link(containing: "/confirm/"))).status, 303)
        // The first link still confirms nothing more.
        XCTAssertEqual(try press(XCTUnwrap(mails[0].link(containing: "/confirm/"))).status, 200, "already confirmed")
        let counted = try count()

        let third = try site.sign(slug, ["email": "twice@example.org"])
        XCTAssertEqual(third.header("Location"), first.header("Location"))
        XCTAssertEqual(try site.get("/petitions/\(slug)/thanks").status, 200)
        let already = try smtp.waitForMessages(3)[2]
        XCTAssertTrue(already.subject.hasPrefix("You have already signed"), already.subject)
        XCTAssertNil(already.link(containing: "/confirm/"))
        XCTAssertEqual(try count(), counted)

        // At most three mails per address and petition: the form cannot flood someone.
        for _ in 0..<5 { XCTAssertEqual(try site.sign(slug, ["email": "twice@example.org"]).status, 303) }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE recipient = 'twice@example.org'"), 3)
    }

    func testExpiredLinkIsGoneAndCountsNothing() throws {
        _ = try site.sign(slug, ["email": "late@example.org"])
        let link = try XCTUnwrap(smtp.waitForMessages(1).first?.link(containing: "/confirm/"))
        let page = try site.get(path(link))
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        try site.app.database.writeAndWait { try $0.run("UPDATE mail_tokens SET expires_at = '2020-01-01T00:00:00Z'") }
        let before = try count()
        XCTAssertEqual(try site.get(path(link)).status, 410)
        XCTAssertEqual(try site.post(path(link), [("_csrf", token)]).status, 410)
        XCTAssertEqual(try count(), before)
    }

    /// Link tokens start with the time they were made, so a burst of signatures appends
    /// its tokens to the table instead of writing a random page each; only their hash is
    /// stored, and a link of the earlier form (32 random bytes, stored by hash alone) still
    /// works after the upgrade.
    func testLinkTokensAreStoredInOrderHashedAndOldLinksStillWork() throws {
        for n in 0..<5 { XCTAssertEqual(try site.sign(slug, ["email": "order\(n)@example.org"]).status, 303) }
        let links = try smtp.waitForMessages(5).compactMap { $0.link(containing: "/confirm/") }
        XCTAssertEqual(links.count, 5)
        let keys = try site.app.database.read { db in
            try db.query("SELECT token_hash FROM mail_tokens WHERE purpose = 'signature' ORDER BY subject_id") { row in
                try row.get("token_hash", as: [UInt8].self)
            }
        }
        XCTAssertEqual(keys.count, 5)
        for link in links {
            let token = String(link.split(separator: "/").last ?? "")
            XCTAssertEqual(token.count, 54)
            let key = MailTokenStore.key(token)
            XCTAssertEqual(key.count, 40)
            XCTAssertEqual(Array(key.suffix(32)), SecretToken.digest(token), "only the token's hash is stored, after its time")
            XCTAssertTrue(keys.contains(key))
        }
        XCTAssertEqual(keys.map { Array($0.prefix(8)) }, keys.map { Array($0.prefix(8)) }.sorted { $0.lexicographicallyPrecedes($1) })

        // A token of the earlier form, as a mail sent before the upgrade carries it.
        let old = SecretToken.make()
        XCTAssertEqual(old.count, 43)
        XCTAssertEqual(MailTokenStore.key(old), SecretToken.digest(old))
        let id = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT id FROM signatures WHERE email = 'order0@example.org'", as: Int64.self) })
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE mail_tokens SET used_at = '2026-01-01T00:00:00Z' WHERE subject_id = ?", id)
            try db.run(
                "INSERT INTO mail_tokens (token_hash, purpose, subject_id, expires_at) VALUES (?, 'signature', ?, '2999-01-01T00:00:00Z')",
                SecretToken.digest(old), id)
        }
        let before = try count()
        XCTAssertEqual(try press(site.app.config.publicBaseURL + "/petitions/\(slug)/confirm/\(old)").status, 303)
        XCTAssertEqual(try count(), before + 1)
        // A token of the new length that is not ours finds nothing.
        XCTAssertEqual(try site.get("/petitions/\(slug)/confirm/" + String(repeating: "A", count: 54)).status, 404)
    }

    func testFrenchVisitorGetsFrenchMailWithFrenchLinks() throws {
        let page = try site.get("/fr/petitions/\(slug)")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let signed = try site.post(
            "/fr/petitions/\(slug)/sign",
            [("_csrf", token), ("first_name", "Élise"), ("last_name", "Côté"), ("email", "elise@example.org"), ("postal_code", "H2X 1Y4")])
        XCTAssertEqual(signed.status, 303)
        XCTAssertEqual(signed.header("Location"), "/fr/petitions/\(slug)/thanks")
        let mail = try XCTUnwrap(smtp.waitForMessages(1).first)
        // Decoded by Python's e-mail package: our RFC 2047 words and quoted-printable round-trip.
        XCTAssertTrue(mail.subject.hasPrefix("Confirmez votre signature : "), mail.subject)
        XCTAssertTrue(mail.text.hasPrefix("Bonjour,"), mail.text)
        XCTAssertEqual(mail.headers["Content-Language"], "fr")
        XCTAssertEqual(mail.headers["To"], "elise@example.org", "no name typed by the visitor")
        XCTAssertFalse(mail.raw.contains("Élise"), "headers and body travel as 7-bit ASCII")
        let link = try XCTUnwrap(mail.link(containing: "/confirm/"))
        XCTAssertTrue(path(link).hasPrefix("/fr/petitions/\(slug)/confirm/"))
        let confirmed = try press(link)
        XCTAssertEqual(confirmed.header("Location"), "/fr/petitions/\(slug)/confirmed")
        XCTAssertTrue(try site.get("/fr/petitions/\(slug)/confirmed").text.contains("lang=\"fr\""))
    }

    func testConfirmationOffCountsAtOnceAndStillSendsNoMail() throws {
        site.stop()
        site = try makeSite(smtp: smtp.url) { $0.confirmSignatures = false }
        let before = try count()
        XCTAssertEqual(try site.sign(slug, ["email": "quick@example.org"]).status, 303)
        XCTAssertEqual(try count(), before + 1)
        XCTAssertTrue(try site.get("/petitions/\(slug)/thanks").text.contains("has been counted"))
        XCTAssertEqual(try site.sign(slug, ["email": "quick@example.org"]).header("Location"), "/petitions/\(slug)/thanks")
        XCTAssertEqual(try count(), before + 1)
        let mails = try smtp.waitForMessages(1)
        XCTAssertEqual(mails.count, 1)
        XCTAssertTrue(mails[0].subject.hasPrefix("You have already signed"))
    }

    // MARK: Delivery

    func testServerDownIsRetriedAndDeliveredWhenItComesBack() throws {
        let port = smtp.port
        let folder = smtp.directory
        smtp.stop()
        _ = try site.sign(slug, ["email": "patient@example.org"])
        // Refused connections: retried, not failed.
        try waitUntil { try self.scalar("SELECT attempts FROM outbox WHERE recipient = 'patient@example.org'") >= 2 }
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE state = 'retrying'"), 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox_attempts WHERE outcome = 'temporary'") >= 2, true)
        smtp = try SMTPTestServer(port: port, directory: folder)
        let mail = try XCTUnwrap(smtp.waitForMessages(1).first)
        XCTAssertEqual(mail.recipients, ["patient@example.org"])
        try waitUntil { try self.scalar("SELECT count(*) FROM outbox WHERE state = 'sent'") == 1 }
    }

    /// An admin says how supporters reach the organisation: every page's foot shows it, and
    /// replies to the site's mail go where the settings say.
    func testContactSettingsShowOnEveryPageAndRepliesGoWhereAdminsSay() throws {
        let admin = try signAdmin()
        func save(_ extra: [(String, String)]) throws -> ClientResponse {
            let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/settings", headers: admin).text))
            let fields = [("_csrf", token), ("title", ""), ("tagline", ""), ("tagline_fr", ""), ("accent", "")] + extra
            return try site.post("/admin/settings", fields, headers: admin)
        }
        let bad = try save([("donate_url", "javascript:alert(1)"), ("reply_to", "not an address")])
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.text.contains("Enter an address that starts with https://"), bad.text)
        XCTAssertFalse(try site.get("/").text.contains("javascript:alert"), "nothing stored half way")
        let saved = try save([
            ("reply_to", "office@example.org"), ("contact_email", "hello@example.org"), ("donate_url", "https://donate.example.org/give"),
            ("social_links", "https://mastodon.social/@sanctuary\nhttps://bsky.app/profile/sanctuary.example\n"),
        ])
        XCTAssertEqual(saved.status, 303, saved.text)
        for path in ["/", "/fr/petitions/\(slug)"] {
            let page = try site.get(path).text
            XCTAssertTrue(page.contains("<a href=\"mailto:hello@example.org\">hello@example.org</a>"), path)
            XCTAssertTrue(page.contains("href=\"https://donate.example.org/give\""), path)
            XCTAssertTrue(page.contains(">Mastodon</a>") && page.contains(">Bluesky</a>"), path)
        }
        XCTAssertTrue(try site.get("/fr/").text.contains(">Faire un don</a>"))
        _ = try site.sign(slug, ["email": "replies@example.org"])
        try waitUntil { !self.smtp.messages(to: "replies@example.org").isEmpty }
        let mail = try XCTUnwrap(smtp.messages(to: "replies@example.org").first)
        XCTAssertTrue(mail.headers["Reply-To"]?.contains("office@example.org") == true, "\(mail.headers)")
    }

    func testPermanentFailureIsShownToAdmins() throws {
        let admin = try signAdmin()
        XCTAssertFalse(try site.get("/admin", headers: admin).text.contains("could not be delivered"), "nothing failed yet")
        _ = try site.sign(slug, ["email": "reject-me@example.org"])
        try waitUntil { try self.scalar("SELECT count(*) FROM outbox WHERE state = 'failed'") == 1 }
        // The dashboard says so: a supporter never got their link.
        let dashboard = try site.get("/admin", headers: admin).text
        XCTAssertTrue(dashboard.contains("Mail that could not be delivered this week"), dashboard)
        XCTAssertTrue(dashboard.contains("<tr><td>Confirmation links</td><td class=\"number\">1</td></tr>"))
        XCTAssertTrue(dashboard.contains("href=\"/admin/outbox?state=failed\""))
        XCTAssertEqual(try scalar("SELECT attempts FROM outbox"), 1, "a 5xx is not retried")
        let list = try site.get("/admin/outbox?state=failed", headers: admin)
        XCTAssertEqual(list.status, 200)
        XCTAssertTrue(list.text.contains("reject-me@example.org"))
        XCTAssertTrue(list.text.contains("550"), "the server's reply is shown")
        let id = try scalar("SELECT id FROM outbox")
        let page = try site.get("/admin/outbox/\(id)", headers: admin)
        XCTAssertTrue(page.text.contains("Retry now"))
        XCTAssertTrue(page.text.contains("/petitions/\(slug)/confirm/"), "the message is readable, its link whole")
        // Retry now: tried again (and refused again).
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        XCTAssertEqual(try site.post("/admin/outbox/\(id)/retry", [("_csrf", token)], headers: admin).status, 303)
        try waitUntil { try self.scalar("SELECT attempts FROM outbox") == 2 }
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE action = 'retry'"), 1)
    }

    func testOutboxIsForAdminsOnly() throws {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "editor@example.org", name: "", role: .editor, passwordHash: hash)
        }
        let editor = try site.signIn("editor@example.org")
        XCTAssertEqual(try site.get("/admin/outbox", headers: editor).status, 403)
        XCTAssertEqual(try site.get("/admin/outbox").status, 303)
    }

    func testWithoutSMTPMailWaitsInTheOutboxForAnAdminToRead() throws {
        site.stop()
        site = try makeSite(smtp: nil)
        let admin = try signAdmin()
        _ = try site.sign(slug, ["email": "newcomer@example.org"])
        let list = try site.get("/admin/outbox", headers: admin)
        XCTAssertTrue(list.text.contains("No SMTP server is configured"))
        XCTAssertTrue(list.text.contains("newcomer@example.org"))
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE state = 'waiting'"), 1)
        let id = try scalar("SELECT id FROM outbox")
        let text = try site.get("/admin/outbox/\(id)", headers: admin).text
        let link = try XCTUnwrap(
            text.range(of: #"http://127\.0\.0\.1:8080/petitions/[a-z-]+/confirm/[A-Za-z0-9_-]+"#, options: .regularExpression).map {
                String(text[$0])
            })
        let before = try count()
        XCTAssertEqual(try press(link).status, 303)
        XCTAssertEqual(try count(), before + 1)
    }

    func testSTARTTLSWithAuthentication() throws {
        guard SMTPTestServer.hasAiosmtpd else { throw XCTSkip("python3-aiosmtpd is not installed (.ci/run installs it)") }
        let folder = makeTemporaryDirectory()
        let (cert, key) = (folder.appendingPathComponent("cert.pem").path, folder.appendingPathComponent("key.pem").path)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
        ]
        openssl.standardError = Pipe()
        openssl.standardOutput = Pipe()
        guard (try? openssl.run()) != nil else { throw XCTSkip("openssl is not installed") }
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw XCTSkip("openssl could not make a certificate") }
        let secure = try SMTPTestServer(tls: (cert, key), auth: "sanctuary:s3cret")
        defer { secure.stop() }
        site.stop()
        site = try makeSite(smtp: secure.url) {
            $0.smtpRequireTLS = true
            $0.smtpCAFile = cert
            $0.smtpUsername = "sanctuary"
            $0.smtpPassword = "s3cret"
        }
        _ = try site.sign(slug, ["email": "tls@example.org"])
        let mail = try XCTUnwrap(secure.waitForMessages(1).first)
        XCTAssertTrue(mail.tls, "sent after STARTTLS")
        XCTAssertTrue(mail.authenticated)

        // A wrong password is a failure the admin can see, not a silent loss.
        site.stop()
        site = try makeSite(smtp: secure.url) {
            $0.smtpRequireTLS = true
            $0.smtpCAFile = cert
            $0.smtpUsername = "sanctuary"
            $0.smtpPassword = "wrong"
        }
        _ = try site.sign(slug, ["email": "tls2@example.org"])
        try waitUntil { try self.scalar("SELECT attempts FROM outbox WHERE recipient = 'tls2@example.org'") >= 1 }
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE recipient = 'tls2@example.org' AND state = 'sent'"), 0)
        XCTAssertEqual(secure.messages().count, 1)

        // smtps://: TLS from the first byte.
        let implicit = try SMTPTestServer(tls: (cert, key), implicitTLS: true, auth: "sanctuary:s3cret")
        defer { implicit.stop() }
        site.stop()
        site = try makeSite(smtp: implicit.tlsURL) {
            $0.smtpCAFile = cert
            $0.smtpUsername = "sanctuary"
            $0.smtpPassword = "s3cret"
        }
        _ = try site.sign(slug, ["email": "smtps@example.org"])
        let wrapped = try XCTUnwrap(implicit.waitForMessages(1).first)
        XCTAssertEqual(wrapped.recipients, ["smtps@example.org"])
        XCTAssertTrue(wrapped.authenticated)
    }

    // MARK: RSVPs

    func addEvent(_ slug: String, startsIn seconds: Double, capacity: Int?) throws {
        let starts = Timestamp.format(Date().addingTimeInterval(seconds))
        try site.app.database.writeAndWait { db in
            try db.run(
                """
                INSERT INTO events (slug, title, title_fr, starts_at, time_zone, venue, address, state, rsvp_enabled, capacity)
                VALUES (?, 'Community vigil', 'Veillée', ?, 'America/Toronto', 'City Hall', '100 Queen St W', 'published', 1, ?)
                """, slug, starts, capacity)
        }
    }

    func rsvp(_ slug: String, _ email: String, name: String = "Sam") throws -> ClientResponse {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/events/\(slug)").text))
        return try site.post("/events/\(slug)/rsvp", [("_csrf", token), ("name", name), ("email", email), ("note", "")])
    }

    /// The newest mail to `address` whose subject starts with `subject`, once it arrives.
    func mail(to address: String, subject: String) throws -> ReceivedMail {
        var found: ReceivedMail?
        try waitUntil {
            found = self.smtp.messages(to: address).last { $0.subject.hasPrefix(subject) }
            return found != nil
        }
        return try XCTUnwrap(found)
    }

    /// Registers through the form, then confirms by the mailed button as a person would:
    /// where the button led.
    func register(_ slug: String, _ email: String, name: String = "Sam") throws -> String? {
        XCTAssertEqual(try rsvp(slug, email, name: name).header("Location"), "/events/\(slug)/check-email")
        let ask = try mail(to: email, subject: "Confirm your registration")
        return try press(XCTUnwrap(ask.link(containing: "/events/\(slug)/confirm/"))).header("Location")
    }

    func testRSVPMailsCancellationAndWaitingListPromotion() throws {
        try addEvent("vigil", startsIn: 30 * 86_400, capacity: 1)
        XCTAssertEqual(try register("vigil", "first@example.org", name: "First"), "/events/vigil/registered")
        XCTAssertEqual(try register("vigil", "second@example.org", name: "Second"), "/events/vigil/registered?list=waitlist")
        let confirmed = try mail(to: "first@example.org", subject: "You are registered: Community vigil")
        XCTAssertTrue(confirmed.text.contains("City Hall, 100 Queen St W"))
        XCTAssertTrue(confirmed.text.contains("EST") || confirmed.text.contains("EDT"), "the time, with its zone")
        XCTAssertEqual(confirmed.attachments.first?.filename, "vigil.ics")
        XCTAssertTrue(confirmed.attachments.first?.content.contains("BEGIN:VEVENT") ?? false)
        let waiting = try mail(to: "second@example.org", subject: "You are on the waiting list")
        XCTAssertTrue(waiting.attachments.isEmpty)

        // The same address again gets the page anyone gets, and its owner a mail with the link.
        XCTAssertEqual(try rsvp("vigil", "first@example.org").header("Location"), "/events/vigil/check-email")
        let again = try mail(to: "first@example.org", subject: "Your registration: Community vigil")

        // Cancelling by the mailed link: the page, then the button.
        let link = try XCTUnwrap(confirmed.link(containing: "/events/vigil/rsvp/"))
        let page = try site.get(path(link))
        XCTAssertTrue(page.text.contains("Cancel my registration"))
        XCTAssertEqual(try scalar("SELECT rsvp_count FROM events WHERE slug = 'vigil'"), 1, "GET changes nothing")
        XCTAssertEqual(try press(link).header("Location"), "/events/vigil/unregistered")
        XCTAssertEqual(try scalar("SELECT count(*) FROM rsvps WHERE email = 'first@example.org'"), 0)
        XCTAssertEqual(try scalar("SELECT status = 'confirmed' FROM rsvps WHERE email = 'second@example.org'"), 1)
        XCTAssertEqual(try scalar("SELECT rsvp_count FROM events WHERE slug = 'vigil'"), 1)
        XCTAssertEqual(try scalar("SELECT waitlist_count FROM events WHERE slug = 'vigil'"), 0)
        let promoted = try mail(to: "second@example.org", subject: "A place opened for you: Community vigil")
        XCTAssertEqual(promoted.attachments.first?.filename, "vigil.ics")
        // Used links (the cancelled one, and the "again" mail's) say so.
        XCTAssertTrue(try site.get(path(link)).text.contains("already been cancelled"))
        let againLink = try XCTUnwrap(again.link(containing: "/events/vigil/rsvp/"))
        XCTAssertEqual(try site.get(path(againLink)).status, 200)
        XCTAssertEqual(try site.get("/events/vigil/rsvp/unknown-token").status, 404)
    }

    /// An online event's join link reaches confirmed registrants only: their confirmation and
    /// its calendar file, and the mail giving a place that opened; never the waiting list, the
    /// event's pages or the calendar feeds anyone can read.
    func testAnOnlineEventsJoinLinkGoesToConfirmedRegistrantsOnly() throws {
        let join = "https://meet.example.org/j/8675309?pwd=only-for-registrants"
        try addEvent("webinar", startsIn: 30 * 86_400, capacity: 1)
        try site.app.database.writeAndWait {
            try $0.run("UPDATE events SET venue = '', address = '', online_url = ? WHERE slug = 'webinar'", join)
        }
        func unfolded(_ text: String) -> String {
            text.replacingOccurrences(of: "\r\n ", with: "").replacingOccurrences(of: "\n ", with: "")
        }
        XCTAssertEqual(try register("webinar", "first@example.org", name: "First"), "/events/webinar/registered")
        XCTAssertEqual(try register("webinar", "second@example.org", name: "Second"), "/events/webinar/registered?list=waitlist")
        let confirmed = try mail(to: "first@example.org", subject: "You are registered: Community vigil")
        XCTAssertTrue(confirmed.text.contains("Online, join here: \(join)"), confirmed.text)
        let calendar = try XCTUnwrap(confirmed.attachments.first { $0.filename == "webinar.ics" })
        XCTAssertTrue(unfolded(calendar.content).contains(join), "the registrant's calendar file carries it")
        let waitlisted = try mail(to: "second@example.org", subject: "You are on the waiting list: Community vigil")
        XCTAssertFalse(waitlisted.raw.contains("meet.example.org"), "not to the waiting list")
        XCTAssertTrue(waitlisted.text.contains("registrants receive the link"))
        for path in [
            "/events/webinar", "/fr/events/webinar", "/events/webinar.ics", "/fr/events/webinar.ics", "/events.ics", "/events", "/",
        ] {
            let page = try site.get(path)
            XCTAssertEqual(page.status, 200, path)
            XCTAssertFalse(unfolded(page.text).contains("meet.example.org"), "\(path) does not show the link")
        }
        XCTAssertTrue(try site.get("/events/webinar").text.contains("Registrants receive the link to join by e-mail."))
        XCTAssertTrue(try site.get("/fr/events/webinar").text.contains("Les personnes inscrites reçoivent le lien pour rejoindre"))
        XCTAssertTrue(unfolded(try site.get("/events/webinar.ics").text).contains("LOCATION:Online"), "the feed says it is online")
        // The first cancels: the place and the link go to the second.
        let manage = try XCTUnwrap(confirmed.link(containing: "/events/webinar/rsvp/"))
        XCTAssertEqual(try press(manage).header("Location"), "/events/webinar/unregistered")
        let promoted = try mail(to: "second@example.org", subject: "A place opened for you: Community vigil")
        XCTAssertTrue(promoted.text.contains(join))
        // The reminder carries it too.
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE events SET starts_at = ? WHERE slug = 'webinar'", Timestamp.format(Date().addingTimeInterval(3600)))
            try db.run("UPDATE rsvps SET created_at = '2020-01-01T00:00:00Z'")
        }
        try XCTUnwrap(site.app.features.flatMap { $0.jobs() }.first { $0.name == "event reminders" }).run()
        let reminder = try mail(to: "second@example.org", subject: "Reminder: Community vigil")
        XCTAssertTrue(reminder.text.contains("Online, join here: \(join)"), reminder.text)
    }

    /// Invented addresses fill nothing: a registration holds a place only once its owner
    /// confirms, and one never confirmed goes after events.rsvp_confirm_hours.
    func testRegistrationsFromInventedAddressesHoldNoPlace() throws {
        try addEvent("focus", startsIn: 30 * 86_400, capacity: 15)
        for n in 1...20 {
            XCTAssertEqual(try rsvp("focus", "invented\(n)@example.org", name: "Bot \(n)").header("Location"), "/events/focus/check-email")
        }
        XCTAssertEqual(try scalar("SELECT rsvp_count + waitlist_count FROM events WHERE slug = 'focus'"), 0)
        XCTAssertEqual(try scalar("SELECT count(*) FROM rsvps"), 0)
        XCTAssertTrue(try site.get("/events/focus").text.contains("15 places left"))
        // A real visitor still gets a place.
        XCTAssertEqual(try register("focus", "real@example.org"), "/events/focus/registered")
        XCTAssertEqual(try scalar("SELECT rsvp_count FROM events WHERE slug = 'focus'"), 1)
        // Nothing typed goes to the unconfirmed address; the confirmation link is no manage link
        // and works once.
        let ask = try mail(to: "invented1@example.org", subject: "Confirm your registration")
        XCTAssertFalse(ask.raw.contains("Bot 1"))
        let confirmLink = try XCTUnwrap(ask.link(containing: "/confirm/"))
        XCTAssertEqual(try site.get(path(confirmLink).replacingOccurrences(of: "/confirm/", with: "/rsvp/")).status, 404)
        XCTAssertEqual(try press(confirmLink).header("Location"), "/events/focus/registered")
        XCTAssertTrue(try site.get(path(confirmLink)).text.contains("Already confirmed"))
        // Those never confirmed go with housekeeping.
        XCTAssertEqual(
            try site.app.database.writeAndWait { try EventStore.purgeRequests($0, hours: 2, now: Date().addingTimeInterval(3 * 3600)) }, 19)
        XCTAssertEqual(try scalar("SELECT count(*) FROM rsvp_requests"), 0)
    }

    func testRemindersGoOnceBeforeTheStart() throws {
        site.stop()
        site = try makeSite(smtp: smtp.url) {
            $0.mailScheduleSeconds = 0.1
            $0.reminderHours = 24
        }
        try addEvent("soon", startsIn: 3 * 3600, capacity: nil)
        try addEvent("later", startsIn: 3 * 86_400, capacity: nil)
        XCTAssertEqual(try register("soon", "early@example.org"), "/events/soon/registered")
        XCTAssertEqual(try register("soon", "late@example.org"), "/events/soon/registered")
        XCTAssertEqual(try register("later", "future@example.org"), "/events/later/registered")
        // "early" registered days ago; "late" inside the window, and has just had the confirmation.
        // (The scheduler may have looked meanwhile and passed everyone over as just registered.
        // A pass that read the rows before this change decides on them as they are after it.)
        try site.app.database.writeAndWait {
            try $0.run("UPDATE rsvps SET created_at = '2026-01-01T00:00:00Z', reminded_at = NULL WHERE email != 'late@example.org'")
        }
        let runs = site.app.mailer.scheduledRuns.load(ordering: .acquiring)
        try waitUntil { self.site.app.mailer.scheduledRuns.load(ordering: .acquiring) >= runs + 5 }
        _ = try mail(to: "early@example.org", subject: "Reminder:")
        let reminders = smtp.messages().filter { $0.subject.hasPrefix("Reminder:") }
        XCTAssertEqual(reminders.map(\.recipients), [["early@example.org"]])
        // A restart does not send it again.
        site.stop()
        let database = site.app.config.database
        site = try makeSite(smtp: smtp.url) {
            $0.mailScheduleSeconds = 0.1
            $0.database = database
        }
        let again = site.app.mailer.scheduledRuns.load(ordering: .acquiring)
        try waitUntil { self.site.app.mailer.scheduledRuns.load(ordering: .acquiring) >= again + 5 }
        XCTAssertEqual(smtp.messages().filter { $0.subject.hasPrefix("Reminder:") }.count, 1)
    }

    // MARK: Staff

    func testInvitationChoosesAPasswordOnceAndSignsIn() throws {
        let admin = try signAdmin()
        let accounts = try site.get("/admin/accounts", headers: admin)
        XCTAssertTrue(accounts.text.contains("<select"), "the role is chosen, not typed")
        let token = try XCTUnwrap(FormHelper.csrfToken(in: accounts.text))
        let invited = try site.post(
            "/admin/accounts/invite", [("_csrf", token), ("email", "Rana@Example.org"), ("name", "Rana"), ("role", "organizer")],
            headers: admin)
        XCTAssertEqual(invited.status, 303)
        XCTAssertEqual(
            try site.post("/admin/accounts/invite", [("_csrf", token), ("email", "x@example.org"), ("role", "boss")], headers: admin)
                .status, 422)
        let mail = try XCTUnwrap(smtp.waitForMessages(1).first)
        XCTAssertEqual(mail.recipients, ["rana@example.org"])
        XCTAssertTrue(mail.text.contains("as Organizer"), mail.text)
        let link = path(try XCTUnwrap(mail.link(containing: "/admin/invite/")))
        XCTAssertEqual(try scalar("SELECT count(*) FROM users WHERE email = 'rana@example.org'"), 0, "no account until accepted")

        let page = try site.get(link)
        XCTAssertEqual(page.status, 200)
        let form = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        XCTAssertEqual(try site.post(link, [("_csrf", form), ("password", "short"), ("password_confirm", "short")]).status, 422)
        let accepted = try site.post(
            link,
            [("_csrf", form), ("name", "Rana"), ("password", "a long enough passphrase"), ("password_confirm", "a long enough passphrase")])
        XCTAssertEqual(accepted.status, 303)
        XCTAssertEqual(accepted.header("Location"), "/admin")
        let cookie = try XCTUnwrap(accepted.header("Set-Cookie")?.split(separator: ";").first.map(String.init))
        XCTAssertEqual(try site.get("/admin/petitions", headers: [("Cookie", cookie)]).status, 200, "signed in as an organizer")
        XCTAssertEqual(try scalar("SELECT count(*) FROM users WHERE email = 'rana@example.org' AND role = 'organizer'"), 1)
        // Once only.
        XCTAssertTrue(try site.get(link).text.contains("already been used"))
        XCTAssertEqual(
            try site.post(
                link, [("_csrf", form), ("password", "another long passphrase"), ("password_confirm", "another long passphrase")]
            ).status,
            200)
        XCTAssertEqual(try scalar("SELECT count(*) FROM users WHERE email = 'rana@example.org'"), 1)
        // Expired invitations are gone.
        XCTAssertEqual(
            try site.post("/admin/accounts/invite", [("_csrf", token), ("email", "late@example.org"), ("role", "editor")], headers: admin)
                .status, 303)
        let late = path(try XCTUnwrap(smtp.waitForMessages(2).last?.link(containing: "/admin/invite/")))
        try site.app.database.writeAndWait {
            try $0.run("UPDATE mail_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE purpose = 'invite'")
        }
        XCTAssertEqual(try site.get(late).status, 410)
    }

    /// Invitations not yet taken up are listed; one can be sent again (a new link, the old one
    /// ended) or withdrawn, and the accounts page says so.
    func testPendingInvitationsAreListedSentAgainAndWithdrawn() throws {
        let admin = try signAdmin()
        var token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/accounts", headers: admin).text))
        for (email, role) in [("ola@example.org", "editor"), ("pat@example.org", "organizer")] {
            XCTAssertEqual(
                try site.post("/admin/accounts/invite", [("_csrf", token), ("email", email), ("role", role)], headers: admin).status, 303)
        }
        try smtp.waitForMessages(2)
        let first = path(try XCTUnwrap(smtp.messages(to: "ola@example.org").first?.link(containing: "/admin/invite/")))
        let accounts = try site.get("/admin/accounts", headers: admin).text
        XCTAssertTrue(accounts.contains("Invitations waiting"), accounts)
        XCTAssertTrue(accounts.contains("<tr><td>ola@example.org</td><td>Editor</td>") && accounts.contains("pat@example.org"))
        token = try XCTUnwrap(FormHelper.csrfToken(in: accounts))
        func action(_ email: String, _ verb: String) throws -> String {
            let row = try XCTUnwrap(accounts.range(of: "<tr><td>\(email)</td>"))
            let form = try XCTUnwrap(
                accounts[row.upperBound...].range(of: #"/admin/accounts/invitations/[0-9a-f]+/"# + verb, options: .regularExpression))
            return String(accounts[form])
        }
        XCTAssertEqual(try site.post(try action("ola@example.org", "resend"), [("_csrf", token)], headers: admin).status, 303)
        try waitUntil { self.smtp.messages(to: "ola@example.org").count == 2 }
        XCTAssertFalse(try site.get(first).text.contains("name=\"password\""), "the old link is ended")
        let again = path(try XCTUnwrap(smtp.messages(to: "ola@example.org").last?.link(containing: "/admin/invite/")))
        XCTAssertTrue(try site.get(again).text.contains("name=\"password\""), "the new one works")
        XCTAssertEqual(try site.post(try action("pat@example.org", "revoke"), [("_csrf", token)], headers: admin).status, 303)
        let pat = path(try XCTUnwrap(smtp.messages(to: "pat@example.org").first?.link(containing: "/admin/invite/")))
        XCTAssertFalse(try site.get(pat).text.contains("name=\"password\""), "a withdrawn invitation no longer opens")
        let after = try site.get("/admin/accounts", headers: admin).text
        XCTAssertFalse(after.contains("<tr><td>pat@example.org</td>"))
        XCTAssertEqual(try site.post("/admin/accounts/invitations/00ff/revoke", [("_csrf", token)], headers: admin).status, 404)
        XCTAssertEqual(try site.post("/admin/accounts/invitations/zz/revoke", [("_csrf", token)], headers: admin).status, 404)
        XCTAssertEqual(try scalar("SELECT count(*) FROM audit_log WHERE action IN ('invite_again', 'invite_revoke')"), 2)
    }

    func testPasswordResetSaysTheSameForEveryoneAndEndsOldSessions() throws {
        let oldSession = try signAdmin()
        func ask(_ email: String) throws -> ClientResponse {
            let page = try site.get("/admin/password-reset")
            return try site.post(
                "/admin/password-reset", [("_csrf", try XCTUnwrap(FormHelper.csrfToken(in: page.text))), ("email", email)])
        }
        XCTAssertTrue(try site.get("/admin/login").text.contains("/admin/password-reset"))
        let known = try ask("admin@example.org")
        let unknown = try ask("nobody@example.org")
        XCTAssertEqual(known.status, 303)
        XCTAssertEqual(known.header("Location"), unknown.header("Location"))
        let mails = try smtp.waitForMessages(1)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(smtp.messages().count, 1, "only an existing account gets a mail")
        XCTAssertEqual(mails[0].recipients, ["admin@example.org"])
        let link = path(try XCTUnwrap(mails[0].link(containing: "/admin/password-reset/")))

        let page = try site.get(link)
        let form = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let done = try site.post(
            link, [("_csrf", form), ("password", "a brand new passphrase"), ("password_confirm", "a brand new passphrase")])
        XCTAssertEqual(done.header("Location"), "/admin/login?reset=1")
        XCTAssertEqual(try site.get("/admin", headers: oldSession).status, 303, "the old session is over")
        XCTAssertNoThrow(try site.signIn("admin@example.org", password: "a brand new passphrase"))
        XCTAssertTrue(try site.get(link).text.contains("already been used"))
        // Links last an hour.
        _ = try ask("admin@example.org")
        let second = path(try XCTUnwrap(smtp.waitForMessages(2).last?.link(containing: "/admin/password-reset/")))
        try site.app.database.writeAndWait {
            try $0.run("UPDATE mail_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE purpose = 'reset'")
        }
        XCTAssertEqual(try site.get(second).status, 410)
        // At most three links an hour to one account.
        for _ in 0..<4 { _ = try ask("admin@example.org") }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE kind = 'staff.reset'"), 3)
    }

    /// A reset link dies with the account's disabling, and a reset uses up the account's
    /// other reset links.
    func testResetLinksEndWithADisabledAccountAndWithAReset() throws {
        _ = try signAdmin()
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        let userID = try site.app.database.writeAndWait {
            try StaffStore.create($0, email: "volunteer@example.org", name: "", role: .editor, passwordHash: hash)
        }
        func ask() throws -> String {
            let before = smtp.messages(to: "volunteer@example.org").count
            let page = try site.get("/admin/password-reset")
            _ = try site.post(
                "/admin/password-reset",
                [("_csrf", try XCTUnwrap(FormHelper.csrfToken(in: page.text))), ("email", "volunteer@example.org")])
            try waitUntil { self.smtp.messages(to: "volunteer@example.org").count > before }
            return path(try XCTUnwrap(smtp.messages(to: "volunteer@example.org").last?.link(containing: "/admin/password-reset/")))
        }
        func choose(_ link: String) throws -> ClientResponse {
            let form = try XCTUnwrap(FormHelper.csrfToken(in: try site.get(link).text), "no form at \(link)")
            return try site.post(
                link, [("_csrf", form), ("password", "a brand new passphrase"), ("password_confirm", "a brand new passphrase")])
        }
        let first = try ask()
        let second = try ask()
        XCTAssertEqual(try choose(second).header("Location"), "/admin/login?reset=1")
        XCTAssertTrue(try site.get(first).text.contains("already been used"), "a reset uses up the other links")
        let third = try ask()
        XCTAssertTrue(try site.app.database.writeAndWait { try StaffStore.setDisabled($0, userID: userID, true) })
        XCTAssertTrue(try site.get(third).text.contains("already been used"), "disabling ends the account's links")
        XCTAssertNotEqual(
            try site.post(
                third,
                [
                    ("_csrf", site.app.formTokens.make(for: "/admin/password-reset/new")), ("password", "another long passphrase"),
                    ("password_confirm", "another long passphrase"),
                ]
            ).status, 303)
    }

    // MARK: Stay informed

    func testUpdatesAreDoubleOptIn() throws {
        func signUp(_ email: String) throws -> ClientResponse {
            let page = try site.get("/")
            let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text.components(separatedBy: "action=\"/updates\"").last ?? ""))
            return try site.post(
                "/updates", [("_csrf", token), ("name", "Noor"), ("email", email), ("consent_updates", "yes"), ("website", "")])
        }
        let response = try signUp("noor@example.org")
        XCTAssertEqual(response.status, 303)
        XCTAssertEqual(response.header("Location"), "/updates/sent")
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE email = 'noor@example.org'"), 0, "nothing until confirmed")
        let mail = try XCTUnwrap(smtp.waitForMessages(1).first)
        let link = try XCTUnwrap(mail.link(containing: "/updates/confirm/"))
        XCTAssertEqual(try site.get(path(link)).status, 200)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE email = 'noor@example.org'"), 0, "GET changes nothing")
        XCTAssertEqual(try press(link).header("Location"), "/updates/confirmed")
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE email = 'noor@example.org' AND unsubscribed_at IS NULL"), 1)

        // Unsubscribed: nobody but the owner, confirming again, can subscribe the address again.
        try site.app.database.writeAndWait { try $0.run("UPDATE subscribers SET unsubscribed_at = '2026-01-01T00:00:00Z'") }
        XCTAssertEqual(try signUp("noor@example.org").header("Location"), "/updates/sent")
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE unsubscribed_at IS NULL"), 0)
        let again = try XCTUnwrap(smtp.waitForMessages(2).last?.link(containing: "/updates/confirm/"))
        XCTAssertEqual(try press(again).status, 303)
        XCTAssertEqual(try scalar("SELECT count(*) FROM subscribers WHERE unsubscribed_at IS NULL"), 1)
    }

    func testHousekeepingForgetsOldMailUnconfirmedSignaturesAndDeadLinks() throws {
        site.stop()
        site = try makeSite(smtp: nil) { $0.maintenanceSeconds = 0.1 }
        _ = try site.sign(slug, ["email": "forgotten@example.org"])
        _ = try site.sign(slug, ["email": "recent@example.org"])
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE signatures SET created_at = '2020-01-01T00:00:00Z' WHERE email = 'forgotten@example.org'")
            try db.run("UPDATE outbox SET state = 'sent', created_at = '2020-01-01T00:00:00Z' WHERE recipient = 'forgotten@example.org'")
            try db.run(
                "UPDATE mail_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE subject_id = (SELECT id FROM signatures WHERE email = 'forgotten@example.org')"
            )
        }
        try waitUntil { try self.scalar("SELECT count(*) FROM signatures WHERE email = 'forgotten@example.org'") == 0 }
        try waitUntil { try self.scalar("SELECT count(*) FROM outbox WHERE recipient = 'forgotten@example.org'") == 0 }
        try waitUntil { try self.scalar("SELECT count(*) FROM mail_tokens") == 1 }
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE email = 'recent@example.org'"), 1)
        XCTAssertEqual(try scalar("SELECT count(*) FROM outbox WHERE recipient = 'recent@example.org'"), 1)
    }

    /// Housekeeping (at every start and every hour) and the pending count (every /metrics
    /// scrape, every dashboard view) must not read whole tables: a viral petition makes
    /// signatures, outbox and mail_tokens the largest. The statements are those of
    /// `OutboxStore.purgeIsDue`, `OutboxStore.done` (the mail retention rule), `OutboxStore.purgeExpired`,
    /// `PetitionStore.unconfirmedPurgeIsDue`, `PetitionStore.purgeUnconfirmed`, `PetitionStore.pendingCount` and `OutboxStore.counts`
    /// (also /metrics).
    /// SQLite builds a temporary b-tree for an `IN` list of three or more constants, each time
    /// a statement evaluates one: a CHECK or a partial index's WHERE written that way costs
    /// every insert. The tables visitors and the mail sender write to use comparisons instead.
    func testWhatVisitorsAndTheMailSenderWriteBuildsNoTemporaryTables() throws {
        try TestEngine.require(.sqlite, because: "it reads SQLite's query plans")
        let tables = [
            "signatures", "petition_province_counts", "petition_daily_counts", "rsvps", "letters", "letter_counts", "subscribers",
            "mail_addresses", "outbox", "outbox_attempts", "mail_tokens",
        ]
        for table in tables {
            let columns = try site.app.database.read { db in
                try db.query("SELECT name, pk FROM pragma_table_info(?)", table) {
                    (name: try $0.get("name", as: String.self), key: try $0.get("pk", as: Int.self) > 0)
                }
            }
            XCTAssertFalse(columns.isEmpty, table)
            let (keys, values) = (columns.filter(\.key).map(\.name), columns.filter { !$0.key }.map(\.name))
            let statements = [
                "INSERT INTO \(table) (\((keys + values).joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))",
                // The states change by key (the outbox's after each attempt, a token when used).
                "UPDATE \(table) SET \(values.map { "\($0) = ?" }.joined(separator: ", ")) WHERE "
                    + (keys.isEmpty ? "rowid = ?" : keys.map { "\($0) = ?" }.joined(separator: " AND ")),
            ]
            for statement in statements {
                // On the writer: a read-only connection never reads CHECK constraints.
                let program = try site.app.database.exclusive { db in
                    try db.query("EXPLAIN " + statement, parameters: statement.filter { $0 == "?" }.map { _ in SQLValue.null }) {
                        try $0.get("opcode", as: String.self)
                    }
                }
                XCTAssertFalse(program.isEmpty, statement)
                XCTAssertFalse(program.contains("OpenEphemeral"), statement)
            }
        }
    }

    func testHousekeepingAndThePendingCountUseIndexesNotWholeTables() throws {
        try TestEngine.require(.sqlite, because: "it reads SQLite's query plans")
        let statements = [
            "SELECT EXISTS (SELECT 1 FROM mail_tokens WHERE expires_at < ?)",
            "SELECT id FROM outbox WHERE state IN ('sent', 'failed') AND created_at < ?",
            "SELECT EXISTS (SELECT 1 FROM signatures WHERE confirmed_at IS NULL AND created_at < ?)",
            "DELETE FROM mail_tokens WHERE expires_at < ?",
            "DELETE FROM signatures WHERE confirmed_at IS NULL AND created_at < ?",
            "SELECT count(*) FROM signatures WHERE confirmed_at IS NULL",
            "SELECT state, count(*) AS n FROM outbox GROUP BY state",
        ]
        for statement in statements {
            let plan = try site.app.database.read { db in
                try db.query(
                    "EXPLAIN QUERY PLAN " + statement, parameters: ["x", "x", "x"].prefix(statement.count { $0 == "?" }).map { $0 }
                ) {
                    try $0.get("detail", as: String.self)
                }
            }
            for step in plan {
                XCTAssertTrue(step.contains("INDEX") || step.contains("CONSTANT ROW") || step.contains("SUBQUERY"), "\(statement): \(step)")
            }
        }
    }

}
