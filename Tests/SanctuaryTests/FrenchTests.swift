import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest
import ZIPFoundation

/// The site in French under `/fr/`, over real HTTP: every public page, the forms, letters,
/// feeds, formatting, and the choice of language.
final class FrenchTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.signaturesPerMinute = 1000
            $0.passwordCost = 10
        }
    }
    override func tearDown() { site.stop() }

    var english: Localizer { site.app.languages.english }
    var french: Localizer { site.app.languages.french }

    // MARK: The catalogues

    func testBothCataloguesHaveTheSameKeysAndPlaceholders() throws {
        let directory = packageRoot.appendingPathComponent("Config/locales")
        let en = try Localizer.load(language: "en", directory: directory)
        let fr = try Localizer.load(language: "fr", directory: directory)
        XCTAssertEqual(en.keys.subtracting(fr.keys), [], "keys missing from fr.json")
        XCTAssertEqual(fr.keys.subtracting(en.keys), [], "keys missing from en.json")
        XCTAssertGreaterThan(en.keys.count, 300)
        for key in en.keys.sorted() {
            let a = Localizer.placeholders(in: en.text(key) ?? "")
            let b = Localizer.placeholders(in: fr.text(key) ?? "")
            XCTAssertEqual(a, b, "placeholders of \(key)")
            XCTAssertFalse((fr.text(key) ?? "").isEmpty, "\(key) is empty in fr.json")
        }
    }

    // MARK: Every public page

    /// English interface text left on a French page: every catalogue text that differs
    /// between the languages, in literal pieces between placeholders, searched in the page
    /// once English content (marked `lang="en"`, as the fallback does) is taken out.
    func englishLeftOver(in html: String) -> [String] {
        var page = html.replacingOccurrences(of: #"<(\w+)\b[^>]*\blang="en"[^>]*>.*?</\1>"#, with: "", options: [.regularExpression])
        // What a person reads or hears: the text between tags, and the attributes that are read out.
        let spoken = page.matches(of: #/\b(?:aria-label|title|alt|placeholder|content|value)="([^"]*)"/#).map { String($0.1) }
        page = page.replacingOccurrences(of: #"<[^>]*>"#, with: " ", options: .regularExpression) + "\n" + spoken.joined(separator: "\n")
        page = page.replacingOccurrences(of: #"[^\s"<>]+@[^\s"<>]+"#, with: " ", options: .regularExpression)  // e-mail addresses are data
        page = page.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(
            of: "&amp;", with: "&")
        var found: [String] = []
        for key in english.keys.sorted() where !key.hasPrefix("format.") && !key.hasPrefix("admin.") {
            guard let en = english.text(key), en != french.text(key) else { continue }
            let pieces = en.replacingOccurrences(of: #"\{[a-z_]+\}"#, with: "\u{0}", options: .regularExpression).split(separator: "\u{0}")
            for piece in pieces.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters)) })
            where piece.count >= 5 {
                if page.range(of: "\\b" + NSRegularExpression.escapedPattern(for: piece) + "\\b", options: .regularExpression) != nil {
                    found.append("\(key): \(piece)")
                }
            }
        }
        return found
    }

    /// Local links and form actions of a French page that leave French (static files and the switch excepted).
    func linksOutsideFrench(_ html: String) -> [String] {
        html.matches(of: #/(?:href|action)="(/[^"]*)"/#).map { String($0.1) }.filter { target in
            !target.hasPrefix("/fr/") && !target.hasPrefix("/css/") && !target.hasPrefix("/favicon") && !target.hasPrefix("/language/")
                && !target.hasPrefix("/resources/")
        }
    }

    func publicPages() throws -> [(path: String, status: Int)] {
        // Pages that exist only after an action.
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/fr/letters/waive-travel-loans-mp").text))
        let letter = try site.post(
            "/fr/letters/waive-travel-loans-mp",
            [
                ("_csrf", token), ("name", "Chloé Tremblay"), ("email", "chloe@example.org"),
                ("street_address", "12 rue Sparks"), ("city", "Ottawa"), ("postal_code", "K1A 0B1"),
            ])
        XCTAssertEqual(letter.status, 303)
        let letterPath = try XCTUnwrap(letter.header("Location"))
        return [
            ("/fr/", 200), ("/fr/campaigns", 200), ("/fr/campaigns/safe-third-country", 200), ("/fr/campaigns/refugees-welcome-here", 200),
            ("/fr/petitions", 200), ("/fr/petitions/rescind-safe-third-country", 200),
            ("/fr/petitions/rescind-safe-third-country/thanks", 200),
            ("/fr/letters", 200), ("/fr/letters/waive-travel-loans-mp", 200), ("/fr/letters/stca-minister", 200), (letterPath, 200),
            ("/fr/representatives", 200), ("/fr/representatives?postal_code=K1A0B1", 200), ("/fr/representatives?postal_code=nope", 422),
            ("/fr/events", 200), ("/fr/events?past=1", 200), ("/fr/events/stca-public-meeting", 200),
            ("/fr/events/focus-group-welcome-here", 200),
            ("/fr/events/stca-public-meeting/registered", 200), ("/fr/news", 200), ("/fr/news/welcome-here-toolkit", 200),
            ("/fr/news?page=9", 404), ("/fr/no-such-page", 404),
        ]
    }

    func testEveryPublicPageAnswersInFrenchWithNoEnglishInterfaceLeft() throws {
        for (path, status) in try publicPages() {
            let response = try site.get(path)
            XCTAssertEqual(response.status, status, path)
            let html = response.text
            XCTAssertTrue(html.contains("<html lang=\"fr\">"), "\(path) is marked French")
            XCTAssertEqual(englishLeftOver(in: html), [], "English interface text on \(path)")
            let neutral = String(path.dropFirst(3))
            XCTAssertTrue(
                html.contains("hreflang=\"en\" href=\"\(site.app.config.publicBaseURL)\(neutral.isEmpty ? "/" : neutral)\""),
                "\(path) names its English twin")
            XCTAssertTrue(html.contains("hreflang=\"fr\" href=\"\(site.app.config.publicBaseURL)\(path)\""), "\(path) names itself")
            XCTAssertTrue(
                html.contains(
                    "class=\"language-switch\" href=\"/language/en?next=\(PercentEncoding.encode(neutral.isEmpty ? "/" : neutral))\" lang=\"en\""
                ),
                "\(path) offers English for the same content")
            XCTAssertEqual(linksOutsideFrench(html), [], "\(path) links outside /fr/")
        }
        // And the English site says nothing in French.
        let home = try site.get("/").text
        XCTAssertTrue(home.contains("<html lang=\"en\">"))
        XCTAssertFalse(home.contains("Pétitions"))
        XCTAssertGreaterThan(englishLeftOver(in: home).count, 10, "the check does find English where there is some")
        XCTAssertTrue(home.contains("href=\"/language/fr?next=%2F\" lang=\"fr\" hreflang=\"fr\">Français</a>"))
    }

    // MARK: Forms

    func testSigningInFrenchKeepsTheVisitorInFrench() throws {
        let slug = "rescind-safe-third-country"
        let page = try site.get("/fr/petitions/\(slug)")
        XCTAssertTrue(page.text.contains("action=\"/fr/petitions/\(slug)/sign\""))
        let token = try XCTUnwrap(FormHelper.csrfToken(in: page.text))
        let fields = [
            ("_csrf", token), ("first_name", "Émilie"), ("last_name", "Gagnon"), ("email", "emilie@example.org"), ("website", ""),
        ]
        let invalid = try site.post("/fr/petitions/\(slug)/sign", fields + [("postal_code", "H2X")])
        XCTAssertEqual(invalid.status, 422)
        XCTAssertTrue(invalid.text.contains("<html lang=\"fr\">"))
        XCTAssertTrue(invalid.text.contains("Entrez un code postal canadien comme K1A 0B1"))
        XCTAssertTrue(invalid.text.contains("value=\"Émilie\""), "values kept")
        XCTAssertEqual(englishLeftOver(in: invalid.text), [])
        XCTAssertTrue(
            invalid.text.contains("href=\"/language/en?next=%2Fpetitions%2F\(slug)\""),
            "the switch leads to the petition, not the POST address")
        XCTAssertEqual(try site.petitionJSON(slug)["signature_count"] as? Int, 0, "nothing stored")
        let signed = try site.post("/fr/petitions/\(slug)/sign", fields + [("postal_code", "h2x 1y4")])
        XCTAssertEqual(signed.status, 303)
        XCTAssertEqual(signed.header("Location"), "/fr/petitions/\(slug)/thanks")
        let thanks = try site.get("/fr/petitions/\(slug)/thanks").text
        XCTAssertTrue(thanks.contains("Merci d’avoir signé"))
        XCTAssertTrue(thanks.contains("<p class=\"count\">1 signature "), "French singular")
        XCTAssertEqual(try site.petitionJSON(slug)["signature_count"] as? Int, 1)
        // The same token works from either language's page: it is for the form, not the address.
        let again = try site.sign(slug, ["email": "other@example.org"], token: token)
        XCTAssertEqual(again.status, 303)
        XCTAssertEqual(again.header("Location"), "/petitions/\(slug)/thanks")
    }

    func testRSVPAndUpdatesInFrench() throws {
        let event = try site.get("/fr/events/focus-group-welcome-here").text
        let token = try XCTUnwrap(FormHelper.csrfToken(in: event))
        let missing = try site.post(
            "/fr/events/focus-group-welcome-here/rsvp", [("_csrf", token), ("name", ""), ("email", "x@example.org")])
        XCTAssertEqual(missing.status, 422)
        XCTAssertTrue(missing.text.contains("Entrez votre nom"))
        let done = try site.post(
            "/fr/events/focus-group-welcome-here/rsvp", [("_csrf", token), ("name", "Luc"), ("email", "luc@example.org")])
        XCTAssertEqual(done.status, 303)
        XCTAssertEqual(done.header("Location"), "/fr/events/focus-group-welcome-here/check-email")
        XCTAssertTrue(try site.get(done.header("Location") ?? "").text.contains("Consultez vos courriels pour confirmer votre place"))
        let confirm = try site.press(try site.mailedLink(to: "luc@example.org", containing: "/fr/events/focus-group-welcome-here/confirm/"))
        XCTAssertEqual(confirm.header("Location"), "/fr/events/focus-group-welcome-here/registered")
        XCTAssertTrue(try site.get(confirm.header("Location") ?? "").text.contains("Votre inscription est confirmée"))

        let home = try site.get("/fr/").text
        let updatesToken = try XCTUnwrap(
            home.matches(of: #/action="/fr/updates"[^>]*><input type="hidden" name="_csrf" value="([^"]+)"/#).first.map { String($0.1) })
        let signup = try site.post(
            "/fr/updates", [("_csrf", updatesToken), ("name", "Luc"), ("email", "luc@example.org"), ("consent_updates", "yes")])
        XCTAssertEqual(signup.status, 303)
        XCTAssertEqual(signup.header("Location"), "/fr/updates/sent")
        XCTAssertTrue(try site.get("/fr/updates/sent").text.contains("Consultez vos courriels"))
        let mail = try site.outboxText(to: "luc@example.org")
        XCTAssertTrue(mail.contains("Bonjour,"))
        XCTAssertFalse(mail.contains("Luc"), "nothing typed goes to an unconfirmed address")
        XCTAssertEqual(try site.press(try site.mailedLink(to: "luc@example.org", containing: "/fr/updates/confirm/")).status, 303)
        let language = try site.app.database.read {
            try $0.scalar("SELECT language FROM subscribers WHERE email = 'luc@example.org'", as: String.self)
        }
        XCTAssertEqual(language, "fr", "we remember the language someone signed up in")
    }

    // MARK: Letters

    func testALetterWrittenInFrenchIsInFrench() throws {
        let slug = "waive-travel-loans-mp"
        let form = try site.get("/fr/letters/\(slug)").text
        let token = try XCTUnwrap(FormHelper.csrfToken(in: form))
        let made = try site.post(
            "/fr/letters/\(slug)",
            [
                ("_csrf", token), ("name", "Chloé Tremblay"), ("email", "chloe@example.org"),
                ("street_address", "12 rue Sparks"), ("city", "Ottawa"), ("postal_code", "K1A 0B1"),
            ])
        XCTAssertEqual(made.status, 303)
        let location = try XCTUnwrap(made.header("Location"))
        XCTAssertTrue(location.hasPrefix("/fr/letters/\(slug)/letter/"))
        let page = try site.get(location).text
        let today = DateText.day(Timestamp.now(), t: french)
        XCTAssertTrue(today.contains(" ") && !today.contains("November"), today)
        for expected in [
            "Votre lettre est prête", "Bonjour Sample MP (Ottawa Centre),", "Chambre des communes",
            "électrice ou électeur de Ottawa-Centre",
            "Veuillez agréer", today,
        ] {
            XCTAssertTrue(page.contains(HTML.escape(expected)), "letter page has \(expected)")
        }
        let text = try site.get(location + ".txt").text
        XCTAssertTrue(text.hasPrefix(today))
        XCTAssertTrue(text.contains("Ottawa (Ontario) K1A 0A6"))
        XCTAssertFalse(text.contains("Dear ") || text.contains("Sincerely"))
        let docx = try site.get(location + ".docx")
        let archive = try Archive(data: Data(docx.body), accessMode: .read)
        var document = Data()
        _ = try archive.extract(try XCTUnwrap(archive["word/document.xml"])) { document.append($0) }
        XCTAssertTrue(String(decoding: document, as: UTF8.self).contains("w:lang w:val=\"fr-CA\""))
        // The English page of the same letter keeps the letter in French, and says so.
        let englishView = try site.get(String(location.dropFirst(3))).text
        XCTAssertTrue(englishView.contains("<article class=\"letter\" aria-label=\"Your letter\" lang=\"fr\">"))
    }

    func testWithoutAFrenchTemplateTheLetterIsWhollyEnglish() throws {
        try site.app.database.writeAndWait { db in
            _ = try db.run("UPDATE letter_campaigns SET body_template_fr = '' WHERE slug = 'waive-travel-loans-mp'")
        }
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/fr/letters/waive-travel-loans-mp").text))
        let made = try site.post(
            "/fr/letters/waive-travel-loans-mp",
            [
                ("_csrf", token), ("name", "Chloé"), ("email", "c@example.org"),
                ("street_address", "1 rue X"), ("city", "Ottawa"), ("postal_code", "K1A 0B1"),
            ])
        let text = try site.get(try XCTUnwrap(made.header("Location")) + ".txt").text
        XCTAssertTrue(
            text.contains("Dear Sample MP (Ottawa Centre),") && text.contains("House of Commons")
                && text.contains("constituent in Ottawa Centre"))
        XCTAssertFalse(text.contains("Bonjour"))
    }

    func testANamedRecipientIsAddressedInFrench() throws {
        let form = try site.get("/fr/letters/stca-minister").text
        XCTAssertTrue(
            form.contains("<h2 id=\"letter-heading\">Écrire à Le ministre de l’Immigration, des Réfugiés et de la Citoyenneté</h2>"))
        let token = try XCTUnwrap(FormHelper.csrfToken(in: form))
        let made = try site.post(
            "/fr/letters/stca-minister",
            [
                ("_csrf", token), ("name", "Luc Roy"), ("email", "luc@example.org"),
                ("street_address", "1 rue A"), ("city", "Ottawa"), ("postal_code", "K1A 0B1"),
            ])
        XCTAssertEqual(made.status, 303)
        let text = try site.get(try XCTUnwrap(made.header("Location")) + ".txt").text
        XCTAssertTrue(text.contains("Bonjour Le ministre de l’Immigration, des Réfugiés et de la Citoyenneté,"), text)
        XCTAssertTrue(text.contains("Chambre des communes, Ottawa (Ontario) K1A 0A6"))
        XCTAssertFalse(text.contains("The Minister") || text.contains("House of Commons"))
    }

    // MARK: Formatting

    func testFrenchDatesTimesAndNumbers() throws {
        try site.app.database.writeAndWait { db in
            // 7 to 9 PM in Toronto on 8 December 2026 (EST, UTC−5).
            _ = try db.run(
                """
                INSERT INTO events (slug, title, title_fr, starts_at, ends_at, time_zone, state)
                VALUES ('vigil', 'Vigil', 'Veille', '2026-12-09T00:00:00Z', '2026-12-09T02:00:00Z', 'America/Toronto', 'published')
                """)
            _ = try db.run("UPDATE petitions SET goal = 12345, signature_count = 150 WHERE slug = 'rescind-safe-third-country'")
        }
        let event = try site.get("/fr/events/vigil").text
        XCTAssertTrue(event.contains("le mardi 8 décembre 2026 de 19 h à 21 h HNE (America/Toronto)"), "French event time")
        XCTAssertTrue(try site.get("/events/vigil").text.contains("Tuesday 8 December 2026, 7:00 PM – 9:00 PM EST (America/Toronto)"))
        let petition = try site.get("/fr/petitions/rescind-safe-third-country").text
        XCTAssertTrue(petition.contains("sur 12\u{202F}345"), "narrow no-break space between thousands")
        XCTAssertTrue(try site.get("/petitions/rescind-safe-third-country").text.contains("of 12,345"))
        XCTAssertEqual(french.formatNumber(1_234_567), "1\u{202F}234\u{202F}567")
        XCTAssertEqual(french.formatNumber(1.5), "1,5", "a decimal comma")
        XCTAssertEqual(english.formatNumber(1.5), "1.5")
        XCTAssertEqual(english.formatNumber(24.0), "24")
        XCTAssertEqual(french.formatNumber(1234.25), "1\u{202F}234,3")
        XCTAssertEqual(french.plural("petition.signatures", 0), "0 signature")
        XCTAssertEqual(english.plural("petition.signatures", 0), "0 signatures")
        XCTAssertEqual(DateText.day("2026-11-24T12:00:00Z", t: french), "24 novembre 2026")
        XCTAssertEqual(DateText.day("2017-06-07T23:00:00Z", t: french), "7 juin 2017")
        // Riding names come from the shipped list in both languages.
        let reps = try site.get("/fr/representatives?postal_code=K1A0B1").text
        XCTAssertTrue(reps.contains("<h2 class=\"card-title\">Ottawa-Centre</h2>"))
    }

    func testUntranslatedContentFallsBackToEnglishMarkedAsSuch() throws {
        try site.app.database.writeAndWait { db in
            _ = try db.run(
                "INSERT INTO petitions (slug, title, summary, body, state) VALUES ('only-english', 'Only in English', 'A summary.', 'Body text.', 'open')"
            )
        }
        let page = try site.get("/fr/petitions/only-english").text
        XCTAssertTrue(page.contains("<h1><span lang=\"en\">Only in English</span> <span class=\"fallback\">(en anglais)</span></h1>"), page)
        XCTAssertTrue(page.contains("<p class=\"lede\" lang=\"en\">A summary.</p>"))
        XCTAssertTrue(
            page.contains(
                "<p class=\"fallback\">Ce texte n’est pas encore traduit : le voici en anglais.</p>\n<div lang=\"en\"><p>Body text.</p></div>"
            ),
            "the body says it is in English")
        XCTAssertTrue(page.contains("Signer la pétition"), "the interface is still French")
        let list = try site.get("/fr/petitions").text
        XCTAssertTrue(list.contains("<span lang=\"en\">Only in English</span>"))
        XCTAssertFalse(try site.get("/petitions/only-english").text.contains("lang=\"en\"><"), "no marking on English pages")
        XCTAssertFalse(try site.get("/petitions/only-english").text.contains("class=\"fallback\""))
        // Staff see which items still lack their French.
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run("INSERT INTO users (email, role, password_hash) VALUES ('fr-admin@example.org', 'admin', ?)", hash)
        }
        let admin = try site.get("/admin/petitions", headers: try site.signIn("fr-admin@example.org")).text
        XCTAssertTrue(admin.contains("<td>Only in English <span class=\"badge muted\">French missing</span></td>"), admin)
        XCTAssertFalse(admin.contains("Rescind the Safe Third Country Agreement <span class=\"badge"), "translated: no marker")
    }

    func testResourcesInTheOtherLanguageSaySo() throws {
        try site.app.database.writeAndWait { db in
            let campaign = try XCTUnwrap(try db.scalar("SELECT id FROM campaigns WHERE slug = 'refugees-welcome-here'", as: Int64.self))
            _ = try db.run(
                "INSERT INTO resources (campaign_id, title, language, kind, url) VALUES (?, 'Organiser toolkit', 'en', 'link', 'https://example.org/en')",
                campaign)
            _ = try db.run(
                "INSERT INTO resources (campaign_id, title, language, kind, url) VALUES (?, 'Trousse d’organisation', 'fr', 'link', 'https://example.org/fr')",
                campaign)
        }
        let french = try site.get("/fr/campaigns/refugees-welcome-here").text
        let own = try XCTUnwrap(french.range(of: "Trousse d’organisation"))
        let other = try XCTUnwrap(french.range(of: "Organiser toolkit"))
        XCTAssertLessThan(own.lowerBound, other.lowerBound, "French resources first on the French page")
        XCTAssertTrue(french.contains("<li lang=\"en\"><a href=\"https://example.org/en\" hreflang=\"en\">Organiser toolkit</a>"))
        XCTAssertTrue(french.contains("(anglais)"))
        let english = try site.get("/campaigns/refugees-welcome-here").text
        XCTAssertLessThan(
            try XCTUnwrap(english.range(of: "Organiser toolkit")).lowerBound, try XCTUnwrap(english.range(of: "Trousse")).lowerBound)
        XCTAssertTrue(english.contains("(French)"))
    }

    // MARK: Feeds

    func testFeedsPerLanguage() throws {
        let atom = try site.get("/fr/news.atom")
        XCTAssertEqual(atom.status, 200)
        XCTAssertTrue(atom.text.contains("xml:lang=\"fr\""))
        XCTAssertTrue(atom.text.contains("Notre trousse Bienvenue aux personnes réfugiées est prête"))
        XCTAssertTrue(atom.text.contains("/fr/news/welcome-here-toolkit"))
        XCTAssertTrue(try site.get("/news.atom").text.contains("Our Refugees Welcome Here toolkit is ready"))
        let ics = try site.get("/fr/events.ics").text
        XCTAssertTrue(ics.contains("PRODID:-//Sanctuary//Events//FR"))
        XCTAssertTrue(ics.contains("SUMMARY:Assemblée publique"))
        XCTAssertTrue(ics.contains("/fr/events/stca-public-meeting"))
        let one = try site.get("/fr/events/stca-public-meeting.ics").text
        XCTAssertTrue(one.contains("SUMMARY:Assemblée publique"))
        let english = try site.get("/events.ics").text
        XCTAssertEqual(
            english.matches(of: #/UID:event-\d+@/#).count, ics.matches(of: #/UID:event-\d+@/#).count, "the same events, by the same UIDs")
        let sitemap = try site.get("/sitemap.xml").text
        let base = site.app.config.publicBaseURL
        XCTAssertTrue(sitemap.contains("<loc>\(base)/fr/petitions/rescind-safe-third-country</loc>"))
        XCTAssertTrue(sitemap.contains("<xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"\(base)/fr/campaigns/safe-third-country\"/>"))
        XCTAssertTrue(
            try site.get("/fr/petitions/rescind-safe-third-country.json").text.contains(
                "\"title\":\"Annulez l’Entente sur les tiers pays sûrs\""))
    }

    // MARK: Choosing the language

    func testFirstVisitFollowsAcceptLanguageUntilTheVisitorChooses() throws {
        let french = try site.get("/", headers: [("Accept-Language", "fr-CA,fr;q=0.9,en;q=0.8")])
        XCTAssertEqual(french.status, 302)
        XCTAssertEqual(french.header("Location"), "/fr/")
        XCTAssertEqual(french.header("Vary"), "Accept-Language, Cookie")
        XCTAssertEqual(try site.get("/", headers: [("Accept-Language", "en-CA,en;q=0.9,fr;q=0.8")]).status, 200)
        XCTAssertEqual(try site.get("/", headers: [("Accept-Language", "en;q=0.5, fr;q=0.8")]).status, 302, "the higher q wins")
        XCTAssertEqual(try site.get("/", headers: [("Accept-Language", "de-DE, fr;q=0")]).status, 200, "q=0 means not French")
        XCTAssertEqual(try site.get("/").status, 200, "no header: English")
        XCTAssertEqual(try site.get("/petitions", headers: [("Accept-Language", "fr")]).status, 200, "only the home page guesses")
        // The switch records the choice, and then the home page no longer guesses.
        let chooseEnglish = try site.get("/language/en?next=%2Fpetitions%2Frescind-safe-third-country")
        XCTAssertEqual(chooseEnglish.status, 303)
        XCTAssertEqual(chooseEnglish.header("Location"), "/petitions/rescind-safe-third-country")
        let cookie = try XCTUnwrap(chooseEnglish.header("Set-Cookie"))
        XCTAssertTrue(cookie.hasPrefix("sanctuary_lang=en;") && cookie.contains("Path=/") && cookie.contains("SameSite=Lax"))
        XCTAssertEqual(try site.get("/", headers: [("Accept-Language", "fr-CA"), ("Cookie", "sanctuary_lang=en")]).status, 200)
        let chooseFrench = try site.get("/language/fr?next=%2Fevents%3Fpast%3D1")
        XCTAssertEqual(chooseFrench.header("Location"), "/fr/events?past=1")
        // Only local paths: the switch is not an open redirect.
        XCTAssertEqual(try site.get("/language/fr?next=%2F%2Fevil.example").header("Location"), "/fr/")
        XCTAssertEqual(try site.get("/language/en?next=https%3A%2F%2Fevil.example").header("Location"), "/")
        XCTAssertEqual(try site.get("/language/de").status, 404)
        XCTAssertEqual(try site.get("/fr").header("Location"), "/fr/")
        XCTAssertEqual(try site.get("/fr/language/en?next=%2Fnews").header("Location"), "/news", "the switch names its own language")
    }

    func testStaffEditBothLanguages() throws {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "o@example.org", name: "", role: .organizer, passwordHash: hash)
        }
        let cookie = try site.signIn("o@example.org")
        // Staff can work in French too: the same screens under /fr/admin, every link staying there.
        for path in ["/fr/admin", "/fr/admin/petitions", "/fr/admin/petitions/new", "/fr/admin/letters"] {
            let page = try site.get(path, headers: cookie)
            XCTAssertEqual(page.status, 200, path)
            XCTAssertTrue(page.text.contains("<html lang=\"fr\">"), path)
            XCTAssertEqual(linksOutsideFrench(page.text), [], path)
        }
        XCTAssertTrue(try site.get("/fr/admin/petitions/new", headers: cookie).text.contains("<label for=\"f-title_fr\">Titre en français"))
        let editor = try site.get("/admin/petitions/new", headers: cookie).text
        XCTAssertTrue(editor.contains("<label for=\"f-title_fr\">Title in French"))
        XCTAssertTrue(
            editor.contains("name=\"body_fr\" rows=\"16\" maxlength=\"20000\" lang=\"fr\""),
            "French fields are marked French for spell-checkers")
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: editor))
        let created = try site.post(
            "/admin/petitions",
            [
                ("_csrf", csrf), ("title", "Status for all"), ("title_fr", "Un statut pour tous"),
                ("slug", "status"), ("summary", "Regularise."), ("summary_fr", "Régularisez."),
                ("body", "Text."), ("body_fr", "Texte."), ("state", "open"),
            ], headers: cookie)
        XCTAssertEqual(created.status, 303)
        let page = try site.get("/fr/petitions/status").text
        XCTAssertTrue(page.contains("<h1>Un statut pour tous</h1>") && page.contains("<p>Texte.</p>"))
        XCTAssertTrue(try site.get("/petitions/status").text.contains("<h1>Status for all</h1>"))
        let tooLong = try site.post(
            "/admin/petitions",
            [
                ("_csrf", csrf), ("title", "T"), ("title_fr", String(repeating: "é", count: 201)),
                ("slug", "long"), ("state", "open"),
            ], headers: cookie)
        XCTAssertEqual(tooLong.status, 422, "the French text is checked like the English")
        XCTAssertEqual(try site.get("/petitions/long").status, 404, "nothing stored")
    }
}
