import Foundation
import HTTP
import Storage
import TestSupport
import XCTest
import ZIPFoundation

@testable import Sanctuary

/// Privacy operations end to end: one supporter who acted everywhere is found by one search,
/// exported, and erased with every count unchanged and no byte of their address left in the
/// database file, its WAL, or a backup made after; retention with the clock moved forward.
final class PrivacyTests: XCTestCase {
    var smtp: SMTPTestServer!
    var site: TestApp!
    let pat = "pat.doe@example.org"

    override func setUpWithError() throws {
        smtp = try SMTPTestServer()
        site = try TestApp.mailing(to: smtp) { $0.confirmSignatures = true }
    }

    override func tearDown() {
        site?.stop()
        smtp?.stop()
    }

    func scalar(_ sql: String) throws -> Int { try site.app.database.read { try $0.scalar(sql, as: Int.self) } ?? -1 }

    func admin() throws -> [(String, String)] {
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try db.run(
                "INSERT INTO users (email, role, password_hash) VALUES ('admin@example.org', 'admin', ?) ON CONFLICT DO NOTHING", hash)
        }
        return try site.signIn("admin@example.org")
    }

    /// Presses the newest link containing `fragment` in a mail to `address`.
    func press(_ address: String, _ fragment: String) throws {
        var link: String?
        try waitUntil(timeout: 10) {
            link = self.smtp.messages(to: address).reversed().lazy.compactMap { $0.link(containing: fragment) }.first
            return link != nil
        }
        let path = String(try XCTUnwrap(link).dropFirst(site.app.config.publicBaseURL.count))
        XCTAssertEqual(try site.press(path).status, 303, fragment)
    }

    func form(_ path: String) throws -> String { try XCTUnwrap(FormHelper.csrfToken(in: try site.get(path).text)) }

    /// Signs, registers, writes a letter (asking for updates), signs up and tells a story, each
    /// confirmed by its mailed link.
    func actEverywhere(_ email: String, name: String) throws {
        XCTAssertEqual(
            try site.sign("waive-travel-loans", ["email": email, "first_name": name, "comment": "\(name) cares"]).status, 303)
        try press(email, "/confirm/")
        XCTAssertEqual(
            try site.post(
                "/events/stca-public-meeting/rsvp",
                [("_csrf", try form("/events/stca-public-meeting")), ("name", name), ("email", email), ("note", "wheelchair")]
            ).status, 303)
        try press(email, "/events/stca-public-meeting/confirm/")
        let letter = try site.post(
            "/letters/stca-minister",
            [
                ("_csrf", try form("/letters/stca-minister")), ("name", name), ("email", email), ("street_address", "1 Elm St"),
                ("city", "Ottawa"), ("postal_code", "K1A 0B1"), ("personal", "My words"), ("consent_updates", "yes"),
            ])
        XCTAssertEqual(letter.status, 303)
        // Sent by the site to the minister, replying to the sender; its link also joins the list.
        try press(email, "/letters/stca-minister/send/")
        let token = try form("/stories/new")
        let boundary = "----privacy"
        let body = FormHelper.multipart(
            [
                ("_csrf", token), ("story", "\(name) welcomed a family."), ("first_name", name), ("naming", "first"), ("email", email),
                ("consent_publish", "yes"),
            ], file: nil, boundary: boundary)
        let client = try site.client()
        client.send(
            "POST /stories?_csrf=\(token) HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        )
        client.send(body)
        XCTAssertEqual(try client.readResponse().status, 303)
        try press(email, "/stories/confirm/")
    }

    func counts() throws -> [Int] {
        try [
            scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'"),
            scalar("SELECT rsvp_count FROM events WHERE slug = 'stca-public-meeting'"),
            scalar("SELECT sum(count) FROM petition_province_counts"), scalar("SELECT count(*) FROM stories"),
            scalar("SELECT letter_count FROM letter_campaigns WHERE slug = 'stca-minister'"),
        ]
    }

    func testOneSearchFindsAPersonEverywhereTheExportHoldsOnlyThemAndErasureLeavesNoTrace() throws {
        try site.app.database.writeAndWait { db in
            try db.run(
                "UPDATE letter_campaigns SET delivery = 'site', recipient_email = 'minister@example.org' WHERE slug = 'stca-minister'")
        }
        try actEverywhere(pat, name: "Patricia")
        try actEverywhere("other@example.org", name: "Olivia")
        let staff = try admin()
        // Staff forms carry the session's token.
        let session = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/privacy", headers: staff).text))

        // No reason, no search.
        XCTAssertEqual(
            try site.post("/admin/privacy/search", [("_csrf", session), ("email", pat), ("why", "")], headers: staff).status, 422)
        let found = try site.post(
            "/admin/privacy/search", [("_csrf", session), ("email", pat.uppercased()), ("why", "request by e-mail")], headers: staff)
        XCTAssertEqual(found.status, 200)
        for kind in [
            "petition signatures", "event registrations", "letters to representatives", "subscriptions to updates", "stories and photos",
            "mail waiting or sent", "letters sent for them",
        ] {
            XCTAssertTrue(found.text.contains(kind), kind)
        }
        XCTAssertFalse(found.text.contains("Olivia"))
        XCTAssertEqual(found.header("Cache-Control"), "no-store")

        // The export: a ZIP with a README, all of it, nothing of anyone else.
        let zip = try site.post(
            "/admin/privacy/export", [("_csrf", session), ("email", pat), ("why", "request by e-mail"), ("language", "fr")], headers: staff)
        XCTAssertEqual(zip.status, 200)
        XCTAssertEqual(zip.header("Content-Type"), "application/zip")
        let archive = try Archive(data: Data(zip.body), accessMode: .read)
        var files: [String: String] = [:]
        for entry in archive {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            files[entry.path] = String(decoding: data, as: UTF8.self)
        }
        XCTAssertTrue(files["README.txt"]?.contains("Ce que") ?? false, "the README in the language chosen")
        let json = try XCTUnwrap(files["data.json"])
        for table in ["signatures", "rsvps", "letters", "subscribers", "stories", "outbox"] {
            XCTAssertTrue(json.contains("\"table\" : \"\(table)\""), table)
            XCTAssertNotNil(files["\(table).csv"], table)
        }
        XCTAssertTrue(json.contains("Patricia cares") && json.contains("wheelchair") && json.contains("My words"))
        XCTAssertFalse(json.contains("Olivia") || json.contains("other@example.org"))

        // Erased: every count as it was, no byte of the address anywhere.
        let before = try counts()
        let erased = try site.post(
            "/admin/privacy/erase", [("_csrf", session), ("email", pat), ("why", "request by e-mail"), ("confirm", "yes")],
            headers: staff)
        XCTAssertEqual(erased.status, 200)
        XCTAssertTrue(erased.text.contains("Erased"))
        XCTAssertEqual(try counts(), before, "every count unchanged")
        XCTAssertTrue(try site.app.database.read { try CounterStore.differences($0) }.isEmpty, "sanctuary check is clean")
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE first_name = 'Olivia'"), 1, "the other signer untouched")
        let again = try site.post(
            "/admin/privacy/search", [("_csrf", session), ("email", pat), ("why", "checking")], headers: staff)
        XCTAssertTrue(again.text.contains("Nothing is held about this address"), again.text)
        let audit = try site.app.database.read {
            try $0.query("SELECT detail FROM audit_log WHERE action LIKE 'privacy%' OR action LIKE 'erase%'") {
                try $0.get("detail", as: String.self)
            }
        }
        XCTAssertGreaterThanOrEqual(audit.count, 4, "searches, export and erasure recorded")
        XCTAssertTrue(audit.allSatisfy { !$0.contains(pat) && $0.contains(site.app.addressFingerprint(pat)) && $0.contains("why:") })

        guard site.app.database.dialect == .sqlite else { return }  // bytes on disk: SQLite's own files
        let path = site.app.config.databasePath
        let bytes = Data(pat.utf8)
        func holds(_ file: String) -> Bool { (FileManager.default.contents(atPath: file) ?? Data()).range(of: bytes) != nil }
        // secure_delete overwrites freed space; the WAL is emptied once the database is quiet.
        try waitUntil(timeout: 15) { !holds(path + "-wal") }
        XCTAssertFalse(holds(path), "the database file")
        let backup = makeTemporaryDirectory().appendingPathComponent("after.sanctuary").path
        _ = try BackupStore.backup(databasePath: path, to: backup)
        XCTAssertFalse(holds(backup), "a backup made after")
        XCTAssertTrue(
            (FileManager.default.contents(atPath: path) ?? Data()).range(of: Data("other@example.org".utf8)) != nil, "the check can see")
    }

    /// A supporter asks by themselves: the same answer for any address, a mailed link that
    /// works once, the ZIP from its button; then erasure by another link.
    func testASupporterGetsTheirDataAndIsForgottenByMailedLinks() throws {
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": pat, "comment": "Pat's words"]).status, 303)
        try press(pat, "/confirm/")
        func ask(_ email: String, _ what: String) throws -> ClientResponse {
            try site.post("/privacy/request", [("_csrf", try form("/privacy/request")), ("email", email), ("what", what)])
        }
        XCTAssertTrue(try site.get("/privacy").text.contains("/privacy/request"), "the notice leads to it")
        XCTAssertEqual(try ask("nobody@example.org", "export").header("Location"), "/privacy/request/sent", "the same answer")
        XCTAssertEqual(try ask(pat, "export").header("Location"), "/privacy/request/sent")
        var link: String?
        try waitUntil(timeout: 10) {
            link = self.smtp.messages(to: self.pat).reversed().lazy.compactMap { $0.link(containing: "/privacy/request/") }.first
            return link != nil
        }
        let path = String(try XCTUnwrap(link).dropFirst(site.app.config.publicBaseURL.count))
        XCTAssertTrue(try site.get(path).text.contains("Download my data"))
        let zip = try site.press(path)
        XCTAssertEqual(zip.header("Content-Type"), "application/zip")
        let archive = try Archive(data: Data(zip.body), accessMode: .read)
        XCTAssertNotNil(archive["README.txt"])
        XCTAssertEqual(try site.get(path).status, 200, "used once")
        XCTAssertTrue(try site.get(path).text.contains("used"))

        let count = try scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'")
        XCTAssertEqual(try ask(pat, "erase").status, 303)
        var eraseLink: String?
        try waitUntil(timeout: 10) {
            eraseLink = self.smtp.messages(to: self.pat).filter { $0.subject.contains("Erase") }.last?.link(containing: "/privacy/request/")
            return eraseLink != nil
        }
        let erasePath = String(try XCTUnwrap(eraseLink).dropFirst(site.app.config.publicBaseURL.count))
        XCTAssertTrue(try site.press(erasePath).text.contains("Your data is erased"))
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE email = '\(pat)' OR comment = 'Pat''s words'"), 0)
        XCTAssertEqual(try scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'"), count)
    }

    /// Removing (not only anonymising) takes the signature out of the counts, and check stays clean.
    func testRemovingASignatureTakesItOutOfEveryCount() throws {
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": pat]).status, 303)
        try press(pat, "/confirm/")
        let before = try scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'")
        let outcomes = try site.app.eraseEverywhereAndWait(email: pat, removing: true, actorName: "test", why: "asked to be removed")
        XCTAssertEqual(outcomes.first { $0.what == "petition signatures" }?.removed, 1)
        XCTAssertEqual(try scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'"), before - 1)
        XCTAssertTrue(try site.app.database.read { try CounterStore.differences($0) }.isEmpty)
    }

    /// Retention with the clock moved forward: each kind goes on its day, not a day earlier,
    /// in batches, and check is clean afterwards.
    func testRetentionAnonymisesOnItsDayNotBefore() throws {
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": pat]).status, 303)
        try press(pat, "/confirm/")
        let closed = Date()
        try site.app.database.writeAndWait { db in
            try db.run("UPDATE petitions SET closes_at = ? WHERE slug = 'waive-travel-loans'", Timestamp.format(closed))
            try db.run("INSERT INTO audit_log (actor, action, created_at) VALUES ('x', 'old', '2000-01-01T00:00:00Z')")
        }
        let months = site.app.config.signatureRetentionMonths
        let dueDay = Timestamp.monthsBefore(-months, closed)
        func due(_ at: Date) throws -> Int { try site.app.retentionDue(now: at).first { $0.what.hasPrefix("signatures") }?.count ?? -1 }
        XCTAssertEqual(try due(dueDay.addingTimeInterval(-86_400)), 0, "not a day early")
        XCTAssertEqual(try due(dueDay.addingTimeInterval(60)), 1)
        let before = try scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'")
        let done = try site.app.enforceRetention(now: dueDay.addingTimeInterval(60), batch: 1)
        XCTAssertEqual(done.first { $0.what.hasPrefix("signatures") }?.count, 1)
        XCTAssertEqual(done.first { $0.what.hasPrefix("audit") }?.count, 1, "the old audit entry")
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE lower(email) = '\(pat)'"), 0)
        XCTAssertEqual(try scalar("SELECT count(*) FROM signatures WHERE email LIKE 'erased-%@invalid' AND first_name = ''"), 1)
        XCTAssertEqual(try scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'"), before)
        XCTAssertTrue(try site.app.database.read { try CounterStore.differences($0) }.isEmpty)
        XCTAssertEqual(try due(dueDay.addingTimeInterval(60)), 0, "nothing left to do")
    }

    /// Client addresses are hashed with the day's random key: two days' hashes of one address
    /// differ, a day's key is made a day ahead and gone once the day is over, and a second
    /// application on the same database (another node) hashes alike.
    func testClientHashesRotateDailyAndTheirKeysAreForgotten() throws {
        let keys = site.app.clientHashes
        let now = Date()
        let tomorrow = now.addingTimeInterval(86_400)
        XCTAssertEqual(keys.hash("203.0.113.9", now: now), keys.hash("203.0.113.9", now: now))
        XCTAssertNotEqual(keys.hash("203.0.113.9", now: now), keys.hash("203.0.113.9", now: tomorrow), "not joinable across days")
        XCTAssertNotEqual(keys.hash("203.0.113.9", now: now), site.app.serverKey.clientHash("203.0.113.9"), "not the lasting key")
        XCTAssertEqual(try scalar("SELECT count(*) FROM client_hash_keys"), 2, "today's and tomorrow's")

        let other = ClientHashKeys(fallback: site.app.serverKey)
        try other.refresh(site.app.database, now: now)
        XCTAssertEqual(other.hash("203.0.113.9", now: now), keys.hash("203.0.113.9", now: now), "every node alike")

        try keys.refresh(site.app.database, now: tomorrow)
        let today = String(Timestamp.format(now).prefix(10))
        XCTAssertEqual(try scalar("SELECT count(*) FROM client_hash_keys WHERE day = '\(today)'"), 0, "a past day's key is deleted")
        XCTAssertEqual(try scalar("SELECT count(*) FROM client_hash_keys"), 2)
    }

    /// Rotating backups older than `backup.max_age_days` go, however many `backup.keep` allows,
    /// and never the newest: an erased record lives on in backups no longer than that.
    func testOldBackupsAreForgotten() throws {
        let folder = makeTemporaryDirectory().path
        let now = Date()
        for days in [40, 31, 29, 1] {
            let path = folder + "/" + BackupStore.name(at: now.addingTimeInterval(-Double(days) * 86_400))
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("backup".utf8)))
            try FileManager.default.setAttributes(
                [.modificationDate: now.addingTimeInterval(-Double(days) * 86_400)], ofItemAtPath: path)
        }
        BackupStore.forgetOld(in: folder, maxAgeDays: 30, now: now)
        XCTAssertEqual(BackupStore.rotating(in: folder).count, 2, "the 29-day and the 1-day backups stay")
        BackupStore.forgetOld(in: folder, maxAgeDays: 1, now: now.addingTimeInterval(90 * 86_400))
        XCTAssertEqual(BackupStore.rotating(in: folder).count, 1, "never the newest")
        XCTAssertTrue(try site.get("/privacy").text.contains("for up to 7 days") || site.app.config.backupEveryHours == 0)
    }

    /// Every column whose name says it holds something about a person is declared by a feature
    /// (or listed here with why it is not a supporter's): a migration that adds one without a
    /// declaration fails here.
    func testEveryPersonalColumnIsOnTheDataMap() throws {
        guard site.app.database.dialect == .sqlite else {
            throw XCTSkip("reads SQLite's catalogue; SchemaTests keeps PostgreSQL's the same")
        }
        let declared = Set(
            Application.declaredPersonalData.flatMap { d -> [String] in
                var names = [d.email] + d.columns
                if case .blank(let values) = d.erase { names += values.keys }
                return names.map { "\(d.table).\($0)" }
            })
        let notAboutSupporters: Set<String> = [
            "events.address",  // the venue
            "members.name", "members.email", "members.constituency_office", "members.hill_office", "members.phone",  // MPs, public
            "letter_campaigns.recipient_name", "letter_campaigns.recipient_name_fr", "letter_campaigns.recipient_email",  // ministers
            "letter_campaigns.recipient_address", "letter_campaigns.recipient_address_fr",
            "letters.recipient_name", "letters.recipient_email", "letters.recipient_address",  // the MP the letter went to
            "news.author_name", "event_speakers.name",  // bylines and speakers, published
            "site_settings.postal_address", "site_settings.reply_to", "site_settings.contact_email",  // the organisation's
            "media.name", "resources.filename",  // file names
            "audit_log.actor",  // staff, kept with their actions (audit retention)
            "ridings.name", "ridings.name_en", "ridings.name_fr", "users.name",  // riding names; staff accounts are declared by address
            "schema_migrations.name", "letter_campaigns.recipient_kind",
            "media.caption", "media.caption_fr",  // a picture's words: a story's photo (and its row) goes with its story
            "petition_outcomes.body", "pages.body", "news.body", "mailings.body_en", "mailings.body_fr",
            "partners.name",  // a partner group, an organisation
            "signing_blocks.note",  // staff's words on a block (an address is kept only as a keyed hash)
            "videos.captions_url",  // a captions file's address
            "letter_responses.recipient_name",  // the MP who replied (or not), public
        ]
        let pattern = /(email|name|address|recipient|postal_code|phone|note|comment|payload|message|place|photographer|caption)/
        let columns = try site.app.database.read { db -> [String] in
            let tables = try db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                try $0.get("name", as: String.self)
            }
            return try tables.flatMap { table in
                try db.query("SELECT name, type FROM pragma_table_info(?)", table) {
                    (try $0.get("name", as: String.self), try $0.get("type", as: String.self))
                }.filter { $0.1.uppercased() == "TEXT" }.map { "\(table).\($0.0)" }
            }
        }
        let undeclared = columns.filter { column in
            column.split(separator: ".").last.map { $0.contains(pattern) } == true && !declared.contains(column)
                && !notAboutSupporters.contains(column)
        }
        XCTAssertEqual(undeclared, [], "columns about a person that no feature declares (Feature.personalData)")
    }
}
