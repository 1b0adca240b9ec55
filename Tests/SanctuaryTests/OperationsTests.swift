import Foundation
import HTTP
import SQLite
import Sanctuary
import Storage
import TestSupport
import XCTest

/// "Operating it": backups of a live site, restoring one, checking counters against rows,
/// and what `/metrics` tells a monitor. The commands are the real binary's.
final class OperationsTests: XCTestCase {
    /// Runs `sanctuary …` to its end; answers its exit status and everything it printed.
    func command(_ arguments: [String]) throws -> (status: Int32, output: String) {
        guard SanctuaryBinary.isBuilt else { throw XCTSkip("binary not built") }
        return try SanctuaryBinary.run(arguments)
    }

    func emails(in path: String) throws -> Set<String> {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        return Set(try connection.query("SELECT email FROM signatures") { try $0.get("email", as: String.self) })
    }

    func mode(_ path: String) throws -> Int {
        ((try FileManager.default.attributesOfItem(atPath: path))[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// A backup taken while signatures pour in holds every signature acknowledged before it
    /// began, restores into a database `sanctuary check` finds sound, and is the server's
    /// user's alone.
    func testABackupDuringASigningBurstHoldsEverySignatureAcknowledgedBeforeIt() throws {
        try TestEngine.require(
            .sqlite,
            because:
                "SQLite's online backup and restore: on PostgreSQL, backup and restore name the engine's tools instead (testBackupAndRestoreOnPostgresNameTheEnginesTools)"
        )
        let folder = makeTemporaryDirectory()
        let live = folder.appendingPathComponent("live.sqlite").path
        let (server, port) = try startServer(
            database: live,
            config: #"{"access_log": "off", "rate_limits": {"signatures_per_minute": 1000000}, "petitions": {"confirm_signatures": false}}"#
        )
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let token = try RawClient(port: port).signToken("waive-travel-loans")
        let acknowledged = Acknowledged()
        let stop = Acknowledged()
        let group = DispatchGroup()
        for worker in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let client = try? RawClient(port: port, receiveTimeout: 5) else { return }
                for n in 0..<1_000_000 where stop.count == 0 {
                    let email = "w\(worker)-\(n)@example.org"
                    guard let response = try? client.sign("waive-travel-loans", email: email, token: token) else { return }
                    if response.status == 303 { acknowledged.add(email) }
                }
            }.start()
        }
        try waitUntil { acknowledged.count >= 500 }
        let before = acknowledged.all
        let backup = folder.appendingPathComponent("backup.sqlite").path
        let made = try command(["backup", "--db", live, "--output", backup])
        let during = acknowledged.count - before.count
        stop.add("stop")
        XCTAssertEqual(group.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(made.status, 0, made.output)
        XCTAssertTrue(made.output.contains("integrity ok"), made.output)
        XCTAssertGreaterThan(during, 0, "signing went on while the backup was made")
        XCTAssertEqual(try mode(backup), 0o600, "the backup holds signers' names: the server's user's alone")
        XCTAssertFalse(FileManager.default.fileExists(atPath: backup + ".partial"))

        let restored = folder.appendingPathComponent("restored.sqlite").path
        let restore = try command(["restore", "--db", restored, backup])
        XCTAssertEqual(restore.status, 0, restore.output)
        let stored = try emails(in: restored)
        XCTAssertEqual(before.filter { !stored.contains($0) }, [], "every signature acknowledged before the backup began is in it")
        let check = try command(["check", "--db", restored])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.output.contains("ok: integrity"), check.output)
        print("backup: \(before.count) signatures acknowledged before it, \(during) while it ran; \(stored.count) in the copy")
    }

    /// Restoring over a database the server has open is refused, and changes nothing; stopped,
    /// it goes through and keeps the replaced database beside it. A damaged file or a foreign
    /// database is refused before anything is touched.
    func testRestoreRefusesADatabaseInUseAndFilesThatAreNotOurBackups() throws {
        try TestEngine.require(
            .sqlite,
            because:
                "SQLite's online backup and restore: on PostgreSQL, backup and restore name the engine's tools instead (testBackupAndRestoreOnPostgresNameTheEnginesTools)"
        )
        let folder = makeTemporaryDirectory()
        let live = folder.appendingPathComponent("live.sqlite").path
        let backup = folder.appendingPathComponent("backup.sqlite").path
        let (server, port) = try startServer(
            database: live, config: #"{"access_log": "off", "petitions": {"confirm_signatures": false}}"#)
        let token = try RawClient(port: port).signToken("waive-travel-loans")
        func sign(_ email: String) throws -> Int {
            try RawClient(port: port).sign("waive-travel-loans", email: email, token: token).status
        }
        XCTAssertEqual(try sign("kept@example.org"), 303)
        XCTAssertEqual(try command(["backup", "--db", live, "--output", backup]).status, 0)
        XCTAssertEqual(try sign("after@example.org"), 303)

        let refused = try command(["restore", "--db", live, backup])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("in use"), refused.output)
        XCTAssertTrue(try emails(in: live).contains("after@example.org"), "nothing changed")
        server.terminate()
        server.waitUntilExit()

        let garbage = folder.appendingPathComponent("garbage.sqlite").path
        try Data("not a database at all, just text that is long enough".utf8).write(to: URL(fileURLWithPath: garbage))
        let damaged = try command(["restore", "--db", live, garbage])
        XCTAssertNotEqual(damaged.status, 0)
        XCTAssertTrue(damaged.output.contains("not a SQLite database"), damaged.output)
        let foreign = folder.appendingPathComponent("foreign.sqlite").path
        try SQLiteConnection(path: foreign).execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello')")
        let notOurs = try command(["restore", "--db", live, foreign])
        XCTAssertNotEqual(notOurs.status, 0)
        XCTAssertTrue(notOurs.output.contains("not a Sanctuary database"), notOurs.output)
        XCTAssertTrue(try emails(in: live).contains("after@example.org"), "refused files change nothing")

        let restored = try command(["restore", "--db", live, backup])
        XCTAssertEqual(restored.status, 0, restored.output)
        let now = try emails(in: live)
        XCTAssertTrue(now.contains("kept@example.org"))
        XCTAssertFalse(now.contains("after@example.org"), "the database is the backup's")
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("live.sqlite.before-restore-") }
        XCTAssertEqual(kept.count, 1, "the replaced database is kept")
        XCTAssertTrue(try emails(in: folder.appendingPathComponent(kept[0]).path).contains("after@example.org"))
        XCTAssertEqual(try command(["check", "--db", live]).status, 0)
    }

    /// A backup is the whole site: after the data folder is wiped, `restore` brings back the
    /// database and every picture and resource, each answering byte for byte; `sqlite3 -A`
    /// reads the archive too. A backup made before backups carried files leaves the folders be.
    func testABackupIsTheWholeSiteAndRestoreBringsBackEveryFileByteForByte() throws {
        try TestEngine.require(
            .sqlite,
            because:
                "SQLite's online backup and restore: on PostgreSQL, backup and restore name the engine's tools instead (testBackupAndRestoreOnPostgresNameTheEnginesTools)"
        )
        let site = try TestApp(sampleContent: true) {
            $0.loadSampleMedia = true
            $0.passwordCost = 10
        }
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "org@example.org", name: "", role: .organizer, passwordHash: hash)
        }
        let staff = try site.signIn("org@example.org")
        var document = Array("%PDF-1.4\n".utf8)
        while document.count < 300_000 { document.append(UInt8(truncatingIfNeeded: document.count &* 31 % 253)) }
        let uploaded = try site.upload(
            "/admin/resources", [("title", "Know your rights"), ("description", ""), ("language", "en"), ("campaign_id", "")],
            file: ("rights.pdf", document), cookie: staff, fileType: "application/pdf")
        XCTAssertEqual(uploaded.status, 303, uploaded.text)

        // Every file the site serves from its data folder, and its bytes.
        let data = site.directory.path
        var addresses: [String] = []
        for name in (FileManager.default.subpaths(atPath: data + "/media") ?? []).sorted() {
            var folder: ObjCBool = false
            if FileManager.default.fileExists(atPath: data + "/media/" + name, isDirectory: &folder), !folder.boolValue {
                addresses.append("/media/" + name)
            }
        }
        let resources = try site.app.database.read { db in
            try db.query("SELECT id, filename FROM resources WHERE kind = 'file'") {
                "/resources/\(try $0.get("id", as: Int.self))/\(try $0.get("filename", as: String.self))"
            }
        }
        addresses += resources
        XCTAssertGreaterThan(addresses.filter { $0.hasPrefix("/media/") }.count, 3, "the sample pictures, in several sizes")
        XCTAssertGreaterThanOrEqual(resources.count, 2, "a sample resource and the upload")
        var before: [String: [UInt8]] = [:]
        for address in addresses {
            let response = try site.get(address)
            XCTAssertEqual(response.status, 200, address)
            before[address] = response.body
        }
        let databasePath = site.app.config.databasePath
        site.stop(keepingFiles: true)

        let elsewhere = makeTemporaryDirectory()
        let backup = elsewhere.appendingPathComponent("site.sqlite").path
        let made = try command(["backup", "--db", databasePath, "--output", backup])
        XCTAssertEqual(made.status, 0, made.output)
        XCTAssertTrue(made.output.contains("uploaded files"), made.output)
        XCTAssertEqual(try mode(backup), 0o600)
        // SQLite's own shell lists the archive: an operator can take one file out by hand.
        let listing = Process()
        listing.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            let out = Pipe()
            listing.arguments = [backup, "-At"]
            listing.standardOutput = out
            try listing.run()
            let names = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            listing.waitUntilExit()
            XCTAssertTrue(names.contains("resources/"), names)
            XCTAssertTrue(names.contains("media/"), names)
        }

        // The machine is lost: nothing of the data folder is left.
        try FileManager.default.removeItem(atPath: data)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let restored = try command(["restore", "--db", databasePath, backup])
        XCTAssertEqual(restored.status, 0, restored.output)
        XCTAssertTrue(restored.output.contains("Put back \(addresses.count) uploaded files"), restored.output)
        let database = try SQLiteConnection(path: databasePath, mode: .readOnly)
        XCTAssertEqual(
            try database.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlar'", as: Int.self), 0,
            "the archive does not stay in the live database")
        XCTAssertEqual(try command(["check", "--db", databasePath]).status, 0)

        let again = try TestApp { $0.database = databasePath }
        defer { again.stop() }
        for address in addresses {
            let response = try again.get(address)
            XCTAssertEqual(response.status, 200, address)
            XCTAssertEqual(response.body, before[address], "\(address) byte for byte")
        }
        XCTAssertEqual(try mode(data + "/resources"), 0o700, "resources stay the server's user's alone")
    }

    /// A crafted backup whose archive names a file outside the data folder is refused before
    /// anything is touched.
    func testRestoreRefusesAnArchiveThatWouldWriteOutsideTheDataFolder() throws {
        try TestEngine.require(
            .sqlite,
            because:
                "SQLite's online backup and restore: on PostgreSQL, backup and restore name the engine's tools instead (testBackupAndRestoreOnPostgresNameTheEnginesTools)"
        )
        let site = try TestApp(sampleContent: true)
        let databasePath = site.app.config.databasePath
        site.stop(keepingFiles: true)
        let elsewhere = makeTemporaryDirectory()
        let backup = elsewhere.appendingPathComponent("crafted.sqlite").path
        XCTAssertEqual(try command(["backup", "--db", databasePath, "--output", backup]).status, 0)
        try SQLiteConnection(path: backup).execute(
            "INSERT INTO sqlar (name, mode, mtime, sz, data) VALUES ('media/../../escaped', 33188, 0, 4, x'41424344')")
        let refused = try command(["restore", "--db", databasePath, backup])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("restore refuses"), refused.output)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: site.directory.deletingLastPathComponent().appendingPathComponent("escaped").path))
        let left = try FileManager.default.contentsOfDirectory(atPath: site.directory.path)
        XCTAssertFalse(left.contains { $0.contains("before-restore") || $0.hasPrefix(".restoring") }, "\(left)")
    }

    /// A counter changed behind the application's back is found, named and mended.
    func testBackupAndRestoreOnPostgresNameTheEnginesTools() throws {
        try TestEngine.require(.postgres, because: "on SQLite the backup command makes the backup (the tests above)")
        let site = try TestApp()
        let url = site.app.config.databasePath
        site.stop()
        for arguments in [["backup", "--output", "/tmp/never.sqlite"], ["restore", "/tmp/never.sqlite"]] {
            let answer = try command(arguments + ["--db", url])
            XCTAssertNotEqual(answer.status, 0, answer.output)
            XCTAssertTrue(answer.output.contains("pg_dump"), answer.output)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never.sqlite"))
    }

    func testCheckFindsCountersThatDifferFromTheirRowsAndRepairMendsThem() throws {
        let site = try TestApp(sampleContent: true)
        let path = site.app.config.databasePath
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "one@example.org"]).status, 303)
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "two@example.org", "postal_code": "H2X 1Y4"]).status, 303)
        site.stop(keepingFiles: true)

        let clean = try command(["check", "--db", path])
        XCTAssertEqual(clean.status, 0, clean.output)
        try Connection.open(path).execute(
            """
            UPDATE petitions SET signature_count = signature_count + 40 WHERE slug = 'waive-travel-loans';
            UPDATE petition_province_counts SET count = 7 WHERE province = 'QC';
            UPDATE petition_daily_counts SET count = count - 1;
            UPDATE events SET rsvp_count = 3 WHERE slug = 'stca-public-meeting';
            """)
        let found = try command(["check", "--db", path])
        XCTAssertEqual(found.status, 1, found.output)
        XCTAssertTrue(found.output.contains("petitions.signature_count: petition waive-travel-loans: kept 42, rows say 2"), found.output)
        XCTAssertTrue(
            found.output.contains("petition_province_counts: petition waive-travel-loans, province QC: kept 7, rows say 1"), found.output)
        XCTAssertTrue(found.output.contains("petition_daily_counts"), found.output)
        XCTAssertTrue(found.output.contains("events.rsvp_count: event stca-public-meeting: kept 3, rows say 0"), found.output)

        let repaired = try command(["check", "--repair", "--db", path])
        XCTAssertEqual(repaired.status, 0, repaired.output)
        XCTAssertTrue(repaired.output.contains("repaired petitions.signature_count"), repaired.output)
        let connection = try Connection.open(path, readOnly: true)
        XCTAssertEqual(try connection.scalar("SELECT signature_count FROM petitions WHERE slug = 'waive-travel-loans'", as: Int.self), 2)
        XCTAssertEqual(try CounterStore.check(connection).differences, [])
    }

    /// Rotating backups appear in `var/backups/` (0700, files 0600) and only the newest
    /// `backup.keep` stay.
    func testTheServerKeepsRotatingBackups() throws {
        try TestEngine.require(
            .sqlite,
            because:
                "SQLite's online backup and restore: on PostgreSQL, backup and restore name the engine's tools instead (testBackupAndRestoreOnPostgresNameTheEnginesTools)"
        )
        let site = try TestApp { config in
            config.backupEveryHours = 0.5 / 3600  // every half second
            config.backupKeep = 2
        }
        defer { site.stop() }
        let folder = site.app.config.backupDirectory
        var seen = Set<String>()
        try waitUntil {
            seen.formUnion(BackupStore.rotating(in: folder))
            return seen.count >= 4
        }
        // A new backup is written before the oldest goes: between the two there are three for a
        // moment, so the folder is watched until it holds the two to keep.
        XCTAssertNoThrow(try waitUntil(timeout: 10) { BackupStore.rotating(in: folder).count <= 2 }, "older backups are removed")
        XCTAssertEqual(try mode(folder), 0o700)
        for name in BackupStore.rotating(in: folder) {
            XCTAssertEqual(try mode(folder + "/" + name), 0o600)
            let copy = try SQLiteConnection(path: folder + "/" + name, mode: .readOnly)
            XCTAssertEqual(try copy.integrityProblems(), [])
        }
    }

    /// The example alert file in `deploy/prometheus/` names only series the server exports
    /// (so a renamed metric cannot silently disarm an alert), and when `promtool` is installed
    /// (CI installs it) it passes `promtool check rules` and its own unit tests: each alert
    /// fires on the series that should raise it and not on a healthy site.
    func testTheAlertFileNamesOnlyMetricsTheServerExportsAndItsRulesFireWhenTheyShould() throws {
        try TestEngine.require(
            .sqlite,
            because: "the alerts read the rotating backups' series, which a site on PostgreSQL (backed up by its own tools) does not export"
        )
        let site = try TestApp(sampleContent: true) { $0.backupEveryHours = 24 }
        defer { site.stop() }
        try BackupStore.rotate(databasePath: site.app.config.databasePath, folder: site.app.config.backupDirectory, keep: 2)
        XCTAssertEqual(try site.get("/").status, 200)
        let metrics = try site.get("/metrics").text
        var exported = Set<String>()
        for line in metrics.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            let name = String(parts[2])
            exported.insert(name)
            if parts[3] == "histogram" { for suffix in ["_bucket", "_count", "_sum"] { exported.insert(name + suffix) } }
        }
        let folder = packageRoot.appendingPathComponent("deploy/prometheus")
        let rules = try String(contentsOf: folder.appendingPathComponent("sanctuary-alerts.yml"), encoding: .utf8)
        let expressions = rules.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("expr:") }
        XCTAssertGreaterThanOrEqual(expressions.count, 8)
        var named = Set<String>()
        for expression in expressions {
            for match in expression.matches(of: /\b(?:sanctuary|http)_[a-z_]+/) { named.insert(String(match.0)) }
        }
        for alert in ["SanctuaryDown", "SanctuaryMailStuck", "SanctuaryBackupStale", "SanctuaryDiskFilling"] {
            XCTAssertTrue(rules.contains("alert: \(alert)"), alert)
        }
        XCTAssertGreaterThanOrEqual(named.count, 8)
        XCTAssertEqual(named.subtracting(exported), [], "every series an alert reads is one the server exports")

        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let promtool else {
            print("promtool is not installed: the rules' syntax and unit tests run in CI")
            return
        }
        for arguments in [["check", "rules", "sanctuary-alerts.yml"], ["test", "rules", "sanctuary-alerts-test.yml"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: promtool)
            process.arguments = arguments
            process.currentDirectoryURL = folder
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "promtool \(arguments.joined(separator: " ")): \(text)")
            XCTAssertTrue(text.contains("SUCCESS"), text)
        }
    }

    /// `/metrics` answers this machine and the token holder, no one else, and moves.
    func testMetricsAnswerLoopbackOrTheTokenAndMove() throws {
        let proxies = try TrustedProxies(["127.0.0.1"])
        let site = try TestApp(sampleContent: true) { config in
            config.metricsToken = "a-secret-token-for-the-scraper"
            config.limits.trustedProxies = proxies
            config.pageCacheSeconds = 1
        }
        defer { site.stop() }
        func value(_ text: String, _ series: String) -> Double {
            for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
                return Double(line.split(separator: " ").last ?? "") ?? -1
            }
            return 0
        }
        let first = try site.get("/metrics")
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertEqual(first.header("Cache-Control"), "no-store")
        let homeSeries = #"http_requests_total{route="/",status="200"}"#
        let homeBefore = value(first.text, homeSeries)
        let signed = value(first.text, #"sanctuary_signatures{state="confirmed"}"#)
        XCTAssertEqual(try site.get("/").status, 200)
        XCTAssertEqual(try site.get("/").status, 200)
        XCTAssertEqual(try site.sign("waive-travel-loans").status, 303)
        XCTAssertEqual(try site.get("/petitions/nope").status, 404)

        let second = try site.get("/metrics").text
        XCTAssertEqual(value(second, homeSeries), homeBefore + 2)
        XCTAssertEqual(value(second, #"sanctuary_signatures{state="confirmed"}"#), signed + 1)
        XCTAssertGreaterThanOrEqual(value(second, #"http_requests_total{route="/petitions/{slug}/sign",status="303"}"#), 1)
        XCTAssertGreaterThanOrEqual(value(second, #"http_requests_total{route="/petitions/{slug}",status="404"}"#), 1)
        // Latency by route: the home page's own histogram moved by its two requests.
        XCTAssertGreaterThanOrEqual(
            value(second, #"http_request_duration_seconds_count{route="/"}"#)
                - value(first.text, #"http_request_duration_seconds_count{route="/"}"#),
            2)
        XCTAssertGreaterThanOrEqual(value(second, #"http_request_duration_seconds_count{route="/petitions/{slug}/sign"}"#), 1)
        XCTAssertTrue(second.contains(#"sanctuary_mail_attempts_total{result="failed"} 0"#), "mail counters exist before the first failure")
        // Every family says what it is.
        let families = Set(second.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        let described = Set(second.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        XCTAssertEqual(families.subtracting(described), [], "a HELP on every family")
        XCTAssertGreaterThan(families.count, 20)
        XCTAssertGreaterThan(value(second, "sanctuary_db_write_batch_size_count"), 0)
        XCTAssertGreaterThan(value(second, "sanctuary_db_commit_seconds_count"), 0)
        XCTAssertGreaterThanOrEqual(
            value(second, "sanctuary_page_cache_hits_total") + value(second, "sanctuary_page_cache_misses_total"), 3)
        XCTAssertTrue(second.contains(#"sanctuary_outbox_messages{state="waiting"}"#))
        // What an operator pages on for mail: the oldest message still waiting, a relay refusing, suppressions.
        XCTAssertTrue(second.contains("sanctuary_mail_oldest_unsent_seconds "), second)
        XCTAssertEqual(value(second, "sanctuary_mail_relay_failing"), 0)
        XCTAssertTrue(second.contains(#"sanctuary_mail_suppressed_addresses{kind="hard"} 0"#), second)
        XCTAssertTrue(second.contains("# HELP sanctuary_mail_relay_failing"))
        // The database and its WAL on disk, the process, and which build answers.
        XCTAssertGreaterThan(value(second, "sanctuary_database_bytes") + value(second, "sanctuary_database_wal_bytes"), 100_000)
        XCTAssertGreaterThan(value(second, "sanctuary_process_resident_memory_bytes"), 1_000_000)
        XCTAssertGreaterThan(value(second, "sanctuary_process_cpu_seconds"), 0)
        XCTAssertGreaterThan(value(second, "sanctuary_process_open_files"), 3)
        let newest = try XCTUnwrap(KnownMigrations.checksums.keys.max())
        XCTAssertTrue(second.contains("sanctuary_build_info{schema=\"\(newest)\"} 1"), second)
        XCTAssertGreaterThanOrEqual(value(second, "http_open_connections"), 1)
        XCTAssertFalse(second.contains("example.org"), "no address, path or personal detail in the metrics")

        // Through a proxy, a visitor from elsewhere is refused, and the address is not advertised.
        XCTAssertEqual(try site.get("/metrics", headers: [("X-Forwarded-For", "203.0.113.9")]).status, 404)
        let wrong = try site.get("/metrics", headers: [("X-Forwarded-For", "203.0.113.9"), ("Authorization", "Bearer guess")])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.header("WWW-Authenticate"), "Bearer")
        let scraper = try site.get(
            "/metrics", headers: [("X-Forwarded-For", "203.0.113.9"), ("Authorization", "Bearer a-secret-token-for-the-scraper")])
        XCTAssertEqual(scraper.status, 200)
        XCTAssertTrue(scraper.text.contains("http_requests_total"))
    }
}

/// The outbox keeps no secrets: a backup taken while mail waits holds no link that works.
final class OutboxSecretsTests: XCTestCase {
    func testNoRowOfTheOutboxInABackupHoldsALinkThatAnyRouteAccepts() throws {
        try TestEngine.require(
            .sqlite,
            because:
                "SQLite's online backup and restore: on PostgreSQL, backup and restore name the engine's tools instead (testBackupAndRestoreOnPostgresNameTheEnginesTools)"
        )
        let site = try TestApp(sampleContent: true) {
            $0.confirmSignatures = true
            $0.smtpURL = nil
            $0.signaturesPerMinute = 100_000
            $0.passwordCost = 10
        }
        defer { site.stop() }
        // Mail that waits: a signature, a sign-up, an RSVP and a password reset.
        XCTAssertEqual(try site.sign("waive-travel-loans", ["email": "signer@example.org"]).status, 303)
        let updates = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/").text))
        _ = try site.post("/updates", [("_csrf", updates), ("name", "Sam"), ("email", "sam@example.org"), ("consent_updates", "yes")])
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait {
            try StaffStore.create($0, email: "staff@example.org", name: "", role: .admin, passwordHash: hash)
        }
        let reset = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/password-reset").text))
        XCTAssertEqual(try site.post("/admin/password-reset", [("_csrf", reset), ("email", "staff@example.org")]).status, 303)
        let waiting = try site.app.database.read { try $0.scalar("SELECT count(*) FROM outbox WHERE state = 'waiting'", as: Int.self) }
        XCTAssertGreaterThanOrEqual(waiting ?? 0, 3)

        let backup = makeTemporaryDirectory().appendingPathComponent("b.sqlite").path
        _ = try BackupStore.backup(databasePath: site.app.config.databasePath, to: backup)
        let rows = try SQLiteConnection(path: backup, mode: .readOnly).query("SELECT message FROM outbox") {
            try $0.get("message", as: String.self)
        }
        let base = site.app.config.publicBaseURL
        var tried = 0
        for raw in rows {
            let text = raw.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
            for word in text.split(whereSeparator: { $0.isWhitespace }) where word.hasPrefix(base + "/") {
                let path = String(word.dropFirst(base.count))
                guard let last = path.split(separator: "/").last, last.count >= 40 else { continue }
                tried += 1
                XCTAssertEqual(try site.get(path).status, 404, "a link read from a backup: \(path)")
            }
        }
        XCTAssertGreaterThanOrEqual(tried, 3, "the links were found")
        // As sent (or read by an admin), the same messages' links work.
        let link = try site.mailedLink(to: "signer@example.org", containing: "/confirm/")
        XCTAssertEqual(try site.get(link).status, 200)
        let resetLink = try site.mailedLink(to: "staff@example.org", containing: "/admin/password-reset/")
        XCTAssertEqual(try site.get(resetLink).status, 200)
        for raw in rows { XCTAssertFalse(raw.replacingOccurrences(of: "=\r\n", with: "").contains(String(link.suffix(54)))) }
    }
}

/// The list of migrations compiled into the binary is the folder's.
final class KnownMigrationsListTests: XCTestCase {
    func testTheBuildKnowsExactlyTheMigrationsInTheFolder() throws {
        let folder = packageRoot.appendingPathComponent("Migrations")
        let files =
            try Migrator(directory: folder).migrations(for: .sqlite).map(\.name)
            + Migrator(directory: folder).migrations(for: .postgres).map { "postgres/" + $0.name }
        XCTAssertEqual(
            Set(files), Set(KnownMigrations.checksums.keys),
            "Sources/Sanctuary/App/KnownMigrations.swift is out of date: run Migrations/known")
        for dialect in [Dialect.sqlite, .postgres] {
            XCTAssertNoThrow(
                try Migrator(directory: folder, known: KnownMigrations.checksums).migrations(for: dialect),
                "a migration was edited after Migrations/known listed it: run Migrations/known (or put the change in a new migration)")
        }
    }
}
