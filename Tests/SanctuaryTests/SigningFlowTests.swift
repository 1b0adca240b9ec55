import Foundation
import HTTP
import Sanctuary
import TestSupport
import XCTest

/// Signing as a supporter lives it, with confirmation on: the check-your-e-mail page shows
/// the address typed and sends the link again; confirming leads to sharing, with a message
/// ready and links that say where each visitor came from.
final class SigningFlowTests: XCTestCase {
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
            $0.mailRetrySeconds = 0.2
            $0.mailMaxPerSecond = 1000
        }
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    func confirmationMails(to address: String) -> [ReceivedMail] {
        smtp.messages(to: address).filter { $0.link(containing: "/confirm/") != nil }
    }

    func testTheCheckYourEmailPageShowsTheAddressSendsAgainAndOffersAWayBack() throws {
        let signed = try site.sign(slug, ["email": "amal@example.org"])
        XCTAssertEqual(signed.status, 303)
        XCTAssertEqual(signed.header("Location"), "/petitions/\(slug)/thanks")
        let setCookie = try XCTUnwrap(signed.header("Set-Cookie"))
        XCTAssertTrue(setCookie.hasPrefix("sanctuary_sent="), setCookie)
        XCTAssertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax") && setCookie.contains("Max-Age=3600"))
        XCTAssertFalse(setCookie.contains("amal"), "sealed: the address cannot be read from the cookie")
        let cookie = [("Cookie", String(setCookie.split(separator: ";")[0]))]
        try waitUntil(timeout: 10) { self.confirmationMails(to: "amal@example.org").count == 1 }

        let page = try site.get("/petitions/\(slug)/thanks", headers: cookie)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("We sent an e-mail to <strong>amal@example.org</strong>"), page.text)
        XCTAssertTrue(page.text.contains("Send the e-mail again"))
        XCTAssertTrue(page.text.contains("Wrong address? <a href=\"/petitions/\(slug)#sign-heading\">Sign again with the right one</a>"))
        XCTAssertEqual(page.header("Cache-Control"), "no-store")
        // Shared, this page is its petition: its address and title, and it is not indexed.
        XCTAssertTrue(page.text.contains("<link rel=\"canonical\" href=\"http://127.0.0.1:8080/petitions/\(slug)\">"), page.text)
        XCTAssertTrue(page.text.contains("<meta property=\"og:title\" content=\"Waive travel-loan repayment for resettled refugees\">"))
        XCTAssertTrue(page.text.contains("<meta name=\"robots\" content=\"noindex\">"))

        // Without the cookie (another browser, or an hour later): no address, no resend.
        let bare = try site.get("/petitions/\(slug)/thanks").text
        XCTAssertFalse(bare.contains("amal@example.org"))
        XCTAssertFalse(bare.contains("Send the e-mail again"))
        XCTAssertTrue(bare.contains("Wrong address?"))

        // Sent again on request: twice more (three mails in all), then no more.
        for expected in [2, 3, 3] {
            let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/petitions/\(slug)/thanks", headers: cookie).text))
            let again = try site.post("/petitions/\(slug)/resend", [("_csrf", token)], headers: cookie)
            XCTAssertEqual(again.status, 303)
            XCTAssertEqual(again.header("Location"), "/petitions/\(slug)/thanks?resent=1")
            try waitUntil(timeout: 10) { self.confirmationMails(to: "amal@example.org").count == expected }
        }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(confirmationMails(to: "amal@example.org").count, 3, "at most three mails per address and petition")
        XCTAssertTrue(try site.get("/petitions/\(slug)/thanks?resent=1", headers: cookie).text.contains("Sent again"))

        // A cookie changed by hand, or made for another petition, sends nothing.
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/petitions/\(slug)/thanks", headers: cookie).text))
        var forged = cookie[0].1
        forged.removeLast(2)
        forged += forged.hasSuffix("A") ? "BB" : "AA"
        XCTAssertEqual(
            try site.post("/petitions/\(slug)/resend", [("_csrf", token)], headers: [("Cookie", forged)]).header("Location"),
            "/petitions/\(slug)/thanks")
        let other = try site.get("/petitions/rescind-safe-third-country/thanks", headers: cookie).text
        XCTAssertFalse(other.contains("amal@example.org"), "the cookie is this petition's only")
        XCTAssertEqual(try site.post("/petitions/\(slug)/resend", [("_csrf", "wrong")], headers: cookie).status, 403)
    }

    /// Every mail a supporter gets has an HTML part from one template: the site's name, the
    /// text, the link as a real button named for what it does; the text part stays text.
    func testTheConfirmationMailHasAnAccessibleHTMLPartWithARealButton() throws {
        XCTAssertEqual(try site.sign(slug, ["email": "html@example.org"]).status, 303)
        try waitUntil(timeout: 10) { self.confirmationMails(to: "html@example.org").count == 1 }
        let mail = try XCTUnwrap(confirmationMails(to: "html@example.org").first)
        let raw = mail.raw.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
        XCTAssertTrue(raw.contains("Content-Type: text/html; charset=utf-8"), raw)
        XCTAssertTrue(raw.contains("<html lang=\"en\">"))
        let link = try XCTUnwrap(mail.link(containing: "/confirm/"))
        XCTAssertTrue(raw.contains("<a href=\"\(link)\" style=\"display: inline-block;"), "the link is a button")
        XCTAssertTrue(raw.contains(">Confirm my signature</a>"), "named for what it does")
        XCTAssertTrue(raw.contains("word-break: break-all\"><a href=\"\(link)\">"), "and spelled out beneath it")
        XCTAssertFalse(mail.text.contains("<p>"), "the text part is text")
    }

    func testConfirmingLeadsToSharingWithAMessageReadyAndASourceOnEveryLink() throws {
        XCTAssertEqual(try site.sign(slug, ["email": "sam@example.org"]).status, 303)
        var link: String?
        try waitUntil(timeout: 10) {
            link = self.confirmationMails(to: "sam@example.org").first?.link(containing: "/confirm/")
            return link != nil
        }
        let confirmed = try site.press(String(try XCTUnwrap(link).dropFirst(site.app.config.publicBaseURL.count)))
        XCTAssertEqual(confirmed.header("Location"), "/petitions/\(slug)/confirmed")
        let page = try site.get("/petitions/\(slug)/confirmed").text
        let address = "http%3A%2F%2F127.0.0.1%3A8080%2Fpetitions%2F\(slug)"
        let message = "I%20signed%20%E2%80%9CWaive%20travel-loan%20repayment%20for%20resettled%20refugees%E2%80%9D.%20Will%20you%3F"
        XCTAssertTrue(page.contains("I signed “Waive travel-loan repayment for resettled refugees”. Will you?"), page)
        XCTAssertTrue(page.contains("https://wa.me/?text=\(message)%20\(address)%3Fsource%3Dwhatsapp"), page)
        XCTAssertTrue(page.contains("https://bsky.app/intent/compose?text=\(message)%20\(address)%3Fsource%3Dbluesky"))
        XCTAssertTrue(page.contains("href=\"/share/mastodon?text=\(message)%20\(address)%3Fsource%3Dmastodon\""))
        XCTAssertTrue(page.contains("https://www.linkedin.com/sharing/share-offsite/?url=\(address)%3Fsource%3Dlinkedin"))
        XCTAssertTrue(page.contains("https://www.facebook.com/sharer/sharer.php?u=\(address)%3Fsource%3Dfacebook"))
        XCTAssertTrue(page.contains("mailto:?subject="))
        XCTAssertTrue(page.contains("http://127.0.0.1:8080/petitions/\(slug)?source=copy</textarea>"), "the message to copy by hand")
        XCTAssertTrue(page.contains("data-copy=\"share-message\"") && page.contains("<script src=\"/js/share.js\" defer></script>"))
        XCTAssertEqual(try site.get("/js/share.js").status, 200)
        XCTAssertEqual(try site.get("/petitions/\(slug)?source=whatsapp").status, 200, "a shared link opens the petition")

        // The petition's own words, when staff wrote some, in each language.
        let slug = self.slug
        try site.app.database.writeAndWait { db in
            try db.run(
                "UPDATE petitions SET share_text = 'Refugees should not start in debt. Sign with me:', share_text_fr = 'Signez avec moi :' WHERE slug = ?",
                slug)
        }
        XCTAssertTrue(try site.get("/petitions/\(slug)/confirmed").text.contains("Refugees should not start in debt. Sign with me:"))
        XCTAssertTrue(try site.get("/fr/petitions/\(slug)/confirmed").text.contains("Signez avec moi :"))
    }

    func testMastodonAsksForTheServerThenSendsThereWithTheMessage() throws {
        let form = try site.get("/share/mastodon?text=I%20signed%20http%3A%2F%2F127.0.0.1%3A8080%2Fpetitions%2Fx")
        XCTAssertEqual(form.status, 200)
        XCTAssertTrue(form.text.contains("name=\"instance\""))
        XCTAssertTrue(form.text.contains("I signed http://127.0.0.1:8080/petitions/x"))
        XCTAssertTrue(form.header("Content-Security-Policy")?.contains("form-action 'self' https:") == true)
        for typed in ["mastodon.social", "https://mastodon.social/", "@me@mastodon.social", " Mastodon.Social "] {
            let sent = try site.get("/share/mastodon?instance=\(PercentEncoding.encode(typed))&text=I%20signed")
            XCTAssertEqual(sent.status, 303, typed)
            XCTAssertEqual(sent.header("Location"), "https://mastodon.social/share?text=I%20signed", typed)
        }
        for bad in [
            "", "localhost", "evil.example/path", "a..b", "javascript:alert(1)", "-x.example", String(repeating: "a", count: 300) + ".org",
        ] {
            let refused = try site.get("/share/mastodon?instance=\(PercentEncoding.encode(bad))&text=x")
            XCTAssertEqual(refused.status, 422, bad)
            XCTAssertTrue(refused.text.contains("Type a server name like mastodon.social"), bad)
        }
        XCTAssertEqual(try site.get("/fr/share/mastodon?text=x").status, 200)
    }

    func testNewsAndEventsHaveShareLinksToo() throws {
        let news = try site.app.database.read { try $0.scalar("SELECT slug FROM news WHERE state = 'published' LIMIT 1", as: String.self) }
        let post = try site.get("/news/\(try XCTUnwrap(news))").text
        XCTAssertTrue(post.contains("class=\"share-links\"") && post.contains("source%3Dwhatsapp"), post)
        XCTAssertTrue(post.contains("id=\"next-steps\""), "after reading, something to do")
        let event = try site.get("/events/stca-public-meeting").text
        XCTAssertTrue(event.contains("class=\"share-links\"") && event.contains("source%3Dbluesky"), event)
    }
}
