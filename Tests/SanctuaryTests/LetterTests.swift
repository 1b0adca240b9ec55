import Foundation
import HTTP
import Sanctuary
import Storage
import TestSupport
import XCTest
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

final class LetterTests: XCTestCase {
    var site: TestApp!

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) {
            $0.signaturesPerMinute = 1000
            $0.passwordCost = 10
        }
    }
    override func tearDown() { site.stop() }

    func write(_ slug: String, _ fields: [String: String]) throws -> ClientResponse {
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/letters/\(slug)").text))
        var values = [
            "name": "Zoë O'Neil", "email": "zoe@example.org", "street_address": "12 Rue & Co #4", "city": "Montréal",
            "postal_code": "K1A 0B1", "_csrf": token,
        ]
        for (k, v) in fields { values[k] = v }
        return try site.post("/letters/\(slug)", values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    func testLookupByValidInvalidAndUnknownCodes() throws {
        let json = try site.get("/representatives?postal_code=k1a0b1", headers: [("Accept", "application/json")])
        XCTAssertEqual(json.status, 200)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.body)) as? [String: Any])
        XCTAssertEqual(object["postal_code"] as? String, "K1A 0B1")
        let reps = try XCTUnwrap(object["representatives"] as? [[String: Any]])
        XCTAssertEqual(reps.first?["riding_name"] as? String, "Ottawa Centre")
        XCTAssertEqual(reps.first?["sample"] as? Bool, true)
        XCTAssertEqual(
            try site.get("/representatives?postal_code=H2X1Y4", headers: [("Accept", "application/json")]).text.components(
                separatedBy: "riding_code"
            ).count - 1, 2)
        XCTAssertEqual(try site.get("/representatives?postal_code=nope", headers: [("Accept", "application/json")]).status, 422)
        XCTAssertEqual(try site.get("/representatives?postal_code=Y1A1A1", headers: [("Accept", "application/json")]).status, 404)
        let html = try site.get("/representatives?postal_code=Y1A%201A1")
        XCTAssertEqual(html.status, 404)
        XCTAssertTrue(html.text.contains("postal codes starting Y1A"))
        XCTAssertTrue(try site.get("/representatives?postal_code=K1A0B1").text.contains("Sample MP (Ottawa Centre)"))
        XCTAssertEqual(try site.get("/representatives?postal_code=12345").status, 422)
    }

    func testTheShippedRidingListIsLoaded() throws {
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM ridings", as: Int.self) }, 343)
    }

    /// The sender's own words stand before the letter's "Thank you for your attention", and
    /// their address carries its province as Canada Post writes it.
    func testOwnWordsComeBeforeTheClosingLineAndTheAddressHasItsProvince() throws {
        let response = try write("waive-travel-loans-mp", ["personal": "My family arrived in 2019 and repaid the loan for years."])
        XCTAssertEqual(response.status, 303)
        let text = try site.get(try XCTUnwrap(response.header("Location"))).text
        let own = try XCTUnwrap(text.range(of: "My family arrived in 2019"))
        let ask = try XCTUnwrap(text.range(of: "to cancel outstanding transportation loans"))
        let thanks = try XCTUnwrap(text.range(of: "Thank you for your attention."))
        XCTAssertLessThan(ask.lowerBound, own.lowerBound, "after the campaign's ask")
        XCTAssertLessThan(own.lowerBound, thanks.lowerBound, "before the closing line")
        XCTAssertTrue(text.contains("Montréal ON  K1A 0B1"), text)
    }

    /// The letter can be read before anyone types their details, with what is filled in for
    /// each sender in brackets; a riding chooser says why there are two.
    func testTheLetterCanBeReadBeforeTypingAnything() throws {
        let page = try site.get("/letters/waive-travel-loans-mp").text
        XCTAssertTrue(page.contains("Read the letter first"), page)
        XCTAssertTrue(page.contains("I am writing to you as a constituent in [your riding]."))
        XCTAssertTrue(page.contains("I ask you, [your MP], to urge"))
        let own = try XCTUnwrap(page.range(of: "[Your own words, if you add some, go here.]"))
        let thanks = try XCTUnwrap(page.range(of: "Thank you for your attention."))
        XCTAssertLessThan(own.lowerBound, thanks.lowerBound, "where they will be")
        XCTAssertFalse(page.contains("{{"))
        XCTAssertTrue(try site.get("/fr/letters/waive-travel-loans-mp").text.contains("[votre circonscription]"))
    }

    func testLetterToTheMPWithPlaceholdersFilled() throws {
        let response = try write("waive-travel-loans-mp", [:])
        XCTAssertEqual(response.status, 303)
        let location = try XCTUnwrap(response.header("Location"))
        XCTAssertTrue(location.hasPrefix("/letters/waive-travel-loans-mp/letter/"))
        let page = try site.get(location)
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.header("Cache-Control"), "private, no-store")
        let text = page.text
        XCTAssertTrue(text.contains("I am writing to you as a constituent in Ottawa Centre."))
        XCTAssertTrue(text.contains("Dear Sample MP (Ottawa Centre),"))
        XCTAssertTrue(text.contains("Zoë O&#39;Neil"), "escaped")
        XCTAssertFalse(text.contains("{{"), "every placeholder filled")
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT count FROM letter_counts WHERE riding_code = '35079'", as: Int.self) }, 1)
        XCTAssertTrue(try site.get("/letters/waive-travel-loans-mp").text.contains("1 letter sent"))
        // Organizers see it per riding on the dashboard.
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "o@example.org", name: "", role: .organizer, passwordHash: hash)
        }
        let organizer = try site.signIn("o@example.org")
        XCTAssertTrue(try site.get("/admin", headers: organizer).text.contains("Ottawa Centre (1)"))
        // Letters by riding as open data, and by province and riding on the campaign's insight page.
        let csv = try site.get("/letters/waive-travel-loans-mp/ridings.csv")
        XCTAssertEqual(csv.header("Content-Type"), "text/csv; charset=utf-8")
        XCTAssertEqual(csv.header("Access-Control-Allow-Origin"), "*")
        let rows = try CSV.parse(String(decoding: csv.body.dropFirst(3), as: UTF8.self))
        XCTAssertEqual(
            rows.map(\.fields),
            [
                ["riding_code", "riding", "riding_fr", "province", "mp", "party", "letters"],
                ["35079", "Ottawa Centre", "Ottawa-Centre", "ON", "Sample MP (Ottawa Centre)", "Sample Party", "1"],
            ])
        XCTAssertEqual(try site.get("/letters/no-such-campaign/ridings.csv").status, 404)
        let id = try site.app.database.read {
            try $0.scalar("SELECT id FROM letter_campaigns WHERE slug = 'waive-travel-loans-mp'", as: Int.self)
        }
        let insight = try site.get("/admin/insight/letter/\(id ?? 0)", headers: organizer).text
        XCTAssertTrue(insight.contains("<caption>Letters by province and territory</caption>"), insight)
        XCTAssertTrue(insight.contains("<th scope=\"row\">Ontario</th><td class=\"number\">1</td><td class=\"number\">100%</td>"))
        XCTAssertTrue(insight.contains("/letters/waive-travel-loans-mp/ridings.csv"))
    }

    func testMailtoRoundTripsThroughAURLParser() throws {
        let location = try XCTUnwrap(
            try write("waive-travel-loans-mp", ["name": "A & B #1 100% Été", "street_address": "5 Line\u{00A0}Rd"]).header("Location"))
        let html = try site.get(location).text
        let start = try XCTUnwrap(html.range(of: "href=\"mailto:"))
        let href = String(html[html.index(start.lowerBound, offsetBy: 6)...].prefix { $0 != "\"" }).replacingOccurrences(
            of: "&amp;", with: "&")
        let components = try XCTUnwrap(URLComponents(string: href))
        XCTAssertEqual(components.scheme, "mailto")
        XCTAssertEqual(components.path, "ottawa-centre.sample@example.org")
        let items = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        XCTAssertEqual(items["subject"], "Please end the refugee travel loan")
        let body = try XCTUnwrap(items["body"])
        let text = try site.get(location + ".txt").text
        XCTAssertEqual(body, text.replacingOccurrences(of: "\n", with: "\r\n"), "the body survives & # % accents and line breaks")
        XCTAssertTrue(body.contains("A & B #1 100% Été"))
    }

    func testAmbiguousFSAAsksWhichRidingKeepingWhatWasTyped() throws {
        let ask = try write("waive-travel-loans-mp", ["postal_code": "H2X 1Y4"])
        XCTAssertEqual(ask.status, 200)
        XCTAssertTrue(ask.text.contains("spans more than one riding"))
        XCTAssertTrue(ask.text.contains("value=\"24037\"") && ask.text.contains("value=\"24054\""))
        XCTAssertTrue(ask.text.contains("value=\"12 Rue &amp; Co #4\""), "typed values kept")
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM letters", as: Int.self) }, 0)
        let chosen = try write("waive-travel-loans-mp", ["postal_code": "H2X 1Y4", "riding": "24054"])
        XCTAssertEqual(chosen.status, 303)
        XCTAssertTrue(try site.get(try XCTUnwrap(chosen.header("Location"))).text.contains("constituent in Papineau"))
        let wrongChoice = try write("waive-travel-loans-mp", ["postal_code": "H2X 1Y4", "riding": "35079"])
        XCTAssertEqual(wrongChoice.status, 200, "a riding outside the FSA is asked again")
    }

    func testBadInputIs422AndUnknownAreaIsAClearError() throws {
        let bad = try write("waive-travel-loans-mp", ["email": "x", "street_address": ""])
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.text.contains("Enter your street address"))
        let unknown = try write("waive-travel-loans-mp", ["postal_code": "Y1A 1A1"])
        XCTAssertEqual(unknown.status, 422)
        XCTAssertTrue(unknown.text.contains("postal codes starting Y1A"))
        XCTAssertEqual(try site.post("/letters/waive-travel-loans-mp", [("name", "A")]).status, 403)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM letters", as: Int.self) }, 0)
    }

    func testLetterToANamedRecipient() throws {
        let response = try write("stca-minister", ["postal_code": "M5V 2T6"])
        XCTAssertEqual(response.status, 303)
        let page = try site.get(try XCTUnwrap(response.header("Location"))).text
        XCTAssertTrue(page.contains("Dear The Minister of Immigration, Refugees and Citizenship,"))
        XCTAssertTrue(page.contains("writing from Spadina—Harbourfront"))
    }

    func testDocxIsARealPackage() throws {
        let location = try XCTUnwrap(try write("waive-travel-loans-mp", ["name": "Ana <b>&</b>"]).header("Location"))
        let response = try site.get(location + ".docx")
        XCTAssertEqual(response.header("Content-Type"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        XCTAssertEqual(response.header("Content-Disposition"), "attachment; filename=\"letter.docx\"")
        let archive = try Archive(data: Data(response.body), accessMode: .read)
        var parts: [String: Data] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            parts[entry.path] = data
        }
        XCTAssertEqual(Set(parts.keys), ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "word/document.xml"])
        for (path, data) in parts { XCTAssertTrue(XMLParser(data: data).parse(), "\(path) is well-formed XML") }
        let types = String(decoding: try XCTUnwrap(parts["[Content_Types].xml"]), as: UTF8.self)
        XCTAssertTrue(
            types.contains(
                "PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\""
            ))
        let document = String(decoding: try XCTUnwrap(parts["word/document.xml"]), as: UTF8.self)
        XCTAssertTrue(document.contains("Ana &lt;b&gt;&amp;&lt;/b&gt;"))
        XCTAssertTrue(document.contains("constituent in Ottawa Centre"))
    }

    func testLettersNeedTheirToken() throws {
        XCTAssertEqual(try site.get("/letters/waive-travel-loans-mp/letter/guess").status, 404)
        XCTAssertEqual(try site.get("/letters/waive-travel-loans-mp/letter/guess.docx").status, 404)
    }

    func testOldLettersArePurgedButCountsStay() throws {
        try site.app.database.writeAndWait { db in
            try db.run(
                """
                INSERT INTO letters (campaign_id, token_hash, sender_name, sender_email, sender_address, postal_code, recipient_name, subject, body, created_at)
                SELECT id, ?, 'Old', 'old@example.org', 'a', 'K1A 0B1', 'r', 's', 'b', '2000-01-01T00:00:00Z' FROM letter_campaigns LIMIT 1
                """, [UInt8(0)])
        }
        XCTAssertEqual(try write("waive-travel-loans-mp", [:]).status, 303)
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT count(*) FROM letters WHERE sender_name = 'Old'", as: Int.self) }, 0)
        XCTAssertEqual(try site.app.database.read { try $0.scalar("SELECT count(*) FROM letters", as: Int.self) }, 1)
    }
}

final class RepresentativeImportTests: XCTestCase {
    func database() throws -> Database {
        let db = try Database(path: makeTemporaryDirectory().appendingPathComponent("r.sqlite").path)
        try Migrator(directory: packageRoot.appendingPathComponent("Migrations")).migrate(db)
        try db.writeAndWait { c in
            _ = try RepresentativeStore.loadRidingsIfEmpty(c, file: packageRoot.appendingPathComponent("Config/ridings-2023.csv"))
        }
        return db
    }

    func testImportReportsAddedAndUpdated() throws {
        let db = try database()
        defer { db.close() }
        let csv =
            "riding_code,riding_name,province,mp_name,party,email\r\n35079,Ottawa Centre,ON,\"Doe, Jane\",Party,jane@example.org\r\n59036,Vancouver East,BC,Sam Roe,Party,\r\n"
        let first = try db.exclusive { try RepresentativeStore.importMembers($0, csv: csv) }
        XCTAssertEqual(first, RepresentativeStore.ImportReport(read: 2, added: 2, updated: 0))
        let second = try db.exclusive { try RepresentativeStore.importMembers($0, csv: csv) }
        XCTAssertEqual(second, RepresentativeStore.ImportReport(read: 2, added: 0, updated: 2))
        XCTAssertEqual(try db.read { try $0.scalar("SELECT name FROM members WHERE riding_code = '35079'", as: String.self) }, "Doe, Jane")
    }

    func testBrokenFileIsRefusedWithItsLineAndNothingKept() throws {
        let db = try database()
        defer { db.close() }
        let cases: [(String, String)] = [
            (
                "riding_code,riding_name,province,mp_name,party,email\n35079,Ottawa Centre,ON,Jane,P,jane@example.org\n99999,Nowhere,ON,X,P,x@example.org\n",
                "line 3: riding_code 99999"
            ),
            (
                "riding_code,riding_name,province,mp_name,party,email\n35079,Ottawa Centre,ON,Jane,P,jane@example.org\n59036,Vancouver East,BC,Sam\n",
                "line 3: 4 fields"
            ),
            ("riding_code,riding_name,province,mp_name,party,email\n35079,Ottawa Centre,ON,Jane,P,not-an-email\n", "line 2: email"),
            (
                "riding_code,riding_name,province,mp_name,party,email\n35079,\"Ottawa Centre,ON,Jane,P,jane@example.org\n",
                "line 2: a quoted field is not closed"
            ),
            ("code,name\n35079,x\n", "line 1: the header has no riding_code column"),
        ]
        for (csv, message) in cases {
            XCTAssertThrowsError(try db.exclusive { try RepresentativeStore.importMembers($0, csv: csv) }) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "\(error) should start with \(message)")
            }
        }
        XCTAssertEqual(try db.read { try $0.scalar("SELECT count(*) FROM members", as: Int.self) }, 0, "nothing half-imported")
        XCTAssertThrowsError(try db.exclusive { try RepresentativeStore.importFSA($0, csv: "fsa,riding_code\nK1A,35079\nZ9Z,35079\n") }) {
            error in
            XCTAssertTrue("\(error)".hasPrefix("line 3"), "\(error)")
        }
        XCTAssertEqual(try db.read { try $0.scalar("SELECT count(*) FROM fsa_ridings", as: Int.self) }, 0)
    }
}
