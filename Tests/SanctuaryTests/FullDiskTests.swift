import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// A full disk is seen, said and survived: on a small tmpfs filled by signing, a write answers
/// `503` with the form and everything typed, `/healthz` fails, reads go on, and once the
/// filesystem grows the site takes signatures again by itself, with every acknowledged one on
/// disk, as after a `kill -9` of the real binary on a full disk.
final class FullDiskTests: XCTestCase {
    func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A small tmpfs at a new folder (64 MiB until `shrink`), unmounted at the end; skips
    /// where root may not mount one.
    func smallDisk() throws -> URL {
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root (CI runs as root)") }
        let folder = makeTemporaryDirectory().appendingPathComponent("small")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard try run(["-t", "tmpfs", "-o", "size=64m", "tmpfs", folder.path]) == 0 else {
            throw XCTSkip("this machine does not let root mount a tmpfs")
        }
        addTeardownBlock {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/umount")
            process.arguments = ["-l", folder.path]
            try? process.run()
            process.waitUntilExit()
        }
        return folder
    }

    /// The filesystem shrunk to what it holds now and `spare` MiB more.
    func shrink(_ folder: URL, spare: Int = 2) throws {
        var stats = statvfs()
        XCTAssertEqual(statvfs(folder.path, &stats), 0)
        let used = (Int(stats.f_blocks) - Int(stats.f_bfree)) * Int(stats.f_frsize)
        XCTAssertEqual(try run(["-o", "remount,size=\((used >> 20) + spare)m", folder.path]), 0)
    }

    /// Takes every byte the filesystem has left, in a file removed to give them back.
    func fill(_ folder: URL) throws -> URL {
        let filler = folder.appendingPathComponent("filler")
        let fd = open(filler.path, O_WRONLY | O_CREAT, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var stats = statvfs()
        XCTAssertEqual(statvfs(folder.path, &stats), 0)
        XCTAssertEqual(posix_fallocate(fd, 0, off_t(stats.f_bavail) * off_t(stats.f_frsize)), 0)
        return filler
    }

    func testAnUploadAndTheAccessLogOnAFullDiskAreSaidAndBothRecover() throws {
        try TestEngine.require(.sqlite, because: "the disk filled here holds the SQLite file, its uploads and its log")
        let folder = try smallDisk()
        let site = try TestApp(sampleContent: true) {
            $0.database = folder.appendingPathComponent("site.sqlite").path
            $0.accessLog = .file(folder.appendingPathComponent("access.log").path)
            $0.storageProbeSeconds = 0.1
        }
        defer { site.stop() }
        func detail() throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try site.get("/healthz?detail").body)) as? [String: Any])
        }
        let cache = try XCTUnwrap(try detail()["page_cache"] as? [String: Any])
        XCTAssertNotNil(cache["entries"] as? Int, "the page cache says what it holds")
        XCTAssertEqual(cache["busy"] as? Bool, false)
        let token = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/fr/stories/new").text))
        let filler = try fill(folder)

        // The log's lines cannot be written: requests go on, and the detail says so.
        XCTAssertEqual(try site.get("/").status, 200)
        try waitUntil(timeout: 10) { ((try detail()["warnings"] as? [String]) ?? []).contains("access_log_failing") }
        let log = try XCTUnwrap(try detail()["access_log"] as? [String: Any])
        XCTAssertEqual(log["failure"] as? String, "No space left on device")
        XCTAssertGreaterThan(log["dropped_bytes"] as? Int ?? 0, 0)
        XCTAssertTrue(try site.get("/metrics").text.contains("sanctuary_health_warning{kind=\"access_log_failing\"} 1"))

        // An upload whose body cannot be spooled: the site's own page, in the visitor's language,
        // with the text that arrived before the disk filled (room for its start only).
        XCTAssertEqual(
            truncate(filler.path, off_t(try XCTUnwrap(try filler.resourceValues(forKeys: [.fileSizeKey]).fileSize)) - (256 << 10)), 0)
        let boundary = "----fullBoundary"
        let body = FormHelper.multipart(
            [("_csrf", token), ("headline", "Un repas"), ("story", "Nous avons partagé un repas.")],
            file: ("repas.jpg", [UInt8](repeating: 0xAB, count: 3 << 20)), boundary: boundary, fileType: "image/jpeg", fileField: "photo")
        let refused = try site.upload("/fr/stories?_csrf=\(token)", body, boundary: boundary)
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "60")
        XCTAssertTrue(refused.text.contains("lang=\"fr\""), "in the visitor's language")
        XCTAssertNotNil(refused.header("Content-Security-Policy"), "a page like any other")
        let kept = try XCTUnwrap(FormHelper.form(in: refused.text, marker: "kept-form"), refused.text)
        XCTAssertEqual(kept.action, "/fr/stories?_csrf=\(token)")
        XCTAssertTrue(refused.text.contains("enctype=\"multipart/form-data\""))
        XCTAssertEqual(kept.fields.first { $0.0 == "story" }?.1, "Nous avons partagé un repas.", "the story that arrived is given back")
        XCTAssertTrue(refused.text.contains("name=\"photo\" type=\"file\""), "and its photo asked for again")
        XCTAssertEqual(try site.get("/healthz").status, 503, "a full disk seen by an upload fails the health check too")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: site.app.config.spoolDirectory).filter { $0.hasPrefix("upload-") }, [],
            "no spooled file is left behind")

        // Space returns: writes, the health check and the log go on without a restart.
        try FileManager.default.removeItem(at: filler)
        try waitUntil(timeout: 20) { try site.get("/healthz").status == 200 }
        try waitUntil(timeout: 10) { try detail()["access_log"].flatMap { $0 as? [String: Any] }?["failure"] == nil }
        XCTAssertFalse(((try detail()["warnings"] as? [String]) ?? []).contains("access_log_failing"))
    }

    func testEverySignatureAcknowledgedBeforeTheDiskFilledSurvivesAKill9() throws {
        try TestEngine.require(.sqlite, because: "the disk filled here is the SQLite file's")
        let folder = try smallDisk()
        let databasePath = folder.appendingPathComponent("crash.sqlite").path
        let (process, port) = try startServer(
            database: databasePath,
            config: #"{"access_log": "off", "rate_limits": {"signatures_per_minute": 1000000}, "backup": {"every_hours": 0}}"#)
        try shrink(folder)
        let client = try RawClient(port: port, receiveTimeout: 5)
        let token = try client.signToken("waive-travel-loans")
        var acknowledged: [String] = []
        var refusals = 0
        for n in 0..<100_000 {
            let email = "k\(n)@example.org"
            let response = try client.sign("waive-travel-loans", email: email, token: token)
            if response.status == 303 { acknowledged.append(email) } else if response.status == 503 { refusals += 1 }
            if refusals >= 3 { break }
        }
        XCTAssertEqual(refusals, 3, "the disk filled and writes were refused")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(try run(["-o", "remount,size=64m", folder.path]), 0)
        let database = try Database(path: databasePath)
        defer { database.close() }
        let stored = Set(try database.read { try $0.query("SELECT email FROM signatures") { try $0.get("email", as: String.self) } })
        XCTAssertEqual(acknowledged.filter { !stored.contains($0) }, [], "every acknowledged signature is on disk")
        XCTAssertEqual(try database.read { try CounterStore.differences($0) }, [], "counts equal rows")
    }

    func testAFullDiskRefusesWritesPlainlyKeepsTheInputAndRecoversWithoutARestart() throws {
        try TestEngine.require(.sqlite, because: "the disk filled here is the SQLite file's; PostgreSQL's is its server's")
        let folder = try smallDisk()
        let site = try TestApp(sampleContent: true) {
            $0.database = folder.appendingPathComponent("site.sqlite").path
            $0.signaturesPerMinute = 1_000_000
            $0.storageProbeSeconds = 0.1
        }
        defer { site.stop() }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("site.sqlite-reserve").path), "the reserve")
        try shrink(folder)

        let slug = "waive-travel-loans"
        let token = try site.signToken(slug)
        var acknowledged: [String] = []
        var refused: ClientResponse?
        for i in 0..<50_000 {
            let email = "filler\(i)@example.org"
            let response = try site.sign(
                slug, ["email": email, "first_name": "Filler \(i)", "comment": String(repeating: "words ", count: 100)], token: token)
            if response.status == 303 {
                acknowledged.append(email)
            } else {
                refused = response
                break
            }
        }
        let full = try XCTUnwrap(refused, "the disk filled")
        XCTAssertGreaterThan(acknowledged.count, 10)
        XCTAssertEqual(full.status, 503)
        XCTAssertNotNil(full.header("Retry-After"))
        XCTAssertTrue(full.text.contains("the site’s storage is full"), full.text)
        XCTAssertTrue(full.text.contains("value=\"Filler \(acknowledged.count)\""), "what was typed is still there")
        XCTAssertEqual(try site.get("/healthz").status, 503, "the health check says so")
        XCTAssertEqual(try site.get("/petitions/\(slug)").status, 200, "reading goes on")
        let again = try site.sign(slug, ["email": "later@example.org"], token: token)
        XCTAssertEqual(again.status, 503, "refused at once while the disk is full")
        // Staff see it on every admin page, and what to do on the dashboard.
        try site.addStaff(["admin@example.org": "admin"])
        let staff = try site.signIn("admin@example.org")
        XCTAssertTrue(try site.get("/admin", headers: staff).text.contains("Free space on the server"))
        XCTAssertTrue(try site.get("/admin/petitions", headers: staff).text.contains("The disk is full: nothing can be saved"))

        // Space returns: the site goes on without a restart.
        XCTAssertEqual(try run(["-o", "remount,size=64m", folder.path]), 0)
        try waitUntil(timeout: 20) { try site.get("/healthz").status == 200 }
        XCTAssertEqual(try site.sign(slug, ["email": "after@example.org"], token: token).status, 303)
        acknowledged.append("after@example.org")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("site.sqlite-reserve").path), "the reserve is made again")

        // Every acknowledged signature is on disk; the counters agree; the outage is in the audit log.
        let stored = try site.app.database.read { db in
            Set(
                try db.query("SELECT email FROM signatures WHERE email LIKE 'filler%' OR email = 'after@example.org'") {
                    try $0.get("email", as: String.self)
                })
        }
        XCTAssertEqual(stored, Set(acknowledged))
        XCTAssertEqual(try site.app.database.read { try CounterStore.differences($0) }, [])
        let audit = try site.app.database.read { db in
            try db.query("SELECT action FROM audit_log WHERE action LIKE 'storage%' ORDER BY id") { try $0.get("action", as: String.self) }
        }
        XCTAssertEqual(audit, ["storage full", "storage recovered"])
    }

    /// A staff form has no page of its own to show again: a news item refused for want of
    /// space comes back whole, in a form that sends it again once there is room. The database
    /// is made full with SQLite's own page limit (`max_page_count`: the same `SQLITE_FULL` as a
    /// full disk), so this runs without root.
    func testAStaffFormRefusedForWantOfSpaceComesBackWholeToSendAgain() throws {
        try TestEngine.require(.sqlite, because: "the page limit that fills the database here is SQLite's")
        // No probe meanwhile: the outage stays known until the test looks for the room again.
        let site = try TestApp(sampleContent: true) { $0.storageProbeSeconds = 3600 }
        defer { site.stop() }
        try site.addStaff(["editor@example.org": "editor"])
        let staff = try site.signIn("editor@example.org")
        let csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/news/new", headers: staff).text))
        let body =
            "\nA first line that starts after an empty one, & <b>not bold</b> \"quoted\".\n\n"
            + String(repeating: "Words of a long article. ", count: 1_900)
        let fields = [
            ("_csrf", csrf), ("title", "Vigil at the border: what we saw"), ("slug", ""), ("summary", "Short"), ("body", body),
            ("body_fr", String(repeating: "Des mots. ", count: 4_900)), ("author_name", ""), ("published_at", "2026-01-01T10:00"),
            ("state", "published"), ("action", "save"),
        ]
        func limitPages(_ extra: Int?) throws {
            _ = try site.app.database.writeAndWait { db -> Int? in
                let pages = try db.scalar("PRAGMA page_count", as: Int.self) ?? 0
                return try db.scalar("PRAGMA max_page_count = \(extra.map { pages + $0 } ?? 1_073_741_823)", as: Int.self)
            }
        }
        try limitPages(0)
        let refused = try site.post("/admin/news", fields, headers: staff)
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "60")
        XCTAssertTrue(refused.text.contains("Everything you typed is below"), refused.text)
        let kept = try XCTUnwrap(FormHelper.form(in: refused.text, marker: "kept-form"), "the form that sends it again")
        XCTAssertEqual(kept.action, "/admin/news")
        XCTAssertEqual(kept.fields.map(\.0), fields.map(\.0), "every field, in order")
        XCTAssertTrue(kept.fields.first { $0.0 == "body" }?.1 == body, "the text exactly as typed")
        XCTAssertTrue(refused.text.contains("&lt;b&gt;not bold&lt;/b&gt;"), "escaped, not markup")
        XCTAssertTrue(refused.text.contains(">Title</label>"), "labelled as in the editor")
        XCTAssertTrue(refused.text.contains(">Text in French</label>"))
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT count(*) FROM news WHERE title LIKE 'Vigil at%'", as: Int.self) }, 0)

        // In French too; a password is never sent back.
        let french = try site.post("/fr/admin/news", fields + [("new_password", "a long enough passphrase")], headers: staff)
        XCTAssertEqual(french.status, 503)
        XCTAssertTrue(french.text.contains("Tout ce que vous avez saisi est ci-dessous"))
        XCTAssertEqual(FormHelper.form(in: french.text, marker: "kept-form")?.action, "/fr/admin/news")
        XCTAssertFalse(french.text.contains("a long enough passphrase"))

        // A visitor's story while the disk is known to be full: refused before trying, its text
        // given back from the spooled body, its photo asked for again.
        let storyToken = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/stories/new").text))
        let boundary = "----keptBoundary"
        let story = "We cooked for forty people.\nNobody was a stranger by the end."
        let upload = FormHelper.multipart(
            [
                ("_csrf", storyToken), ("story", story), ("first_name", "Maryam"), ("last_name", "Haddad"), ("naming", "initial"),
                ("place", "Dauphin, Manitoba"), ("email", "maryam@example.org"), ("consent_publish", "yes"), ("website", ""),
            ],
            file: ("", []), boundary: boundary, fileField: "photo")  // a file input left empty, as a browser sends it
        let storyRefused = try site.upload("/stories?_csrf=\(storyToken)", upload, boundary: boundary)
        XCTAssertEqual(storyRefused.status, 503)
        let keptStory = try XCTUnwrap(FormHelper.form(in: storyRefused.text, marker: "kept-form"), storyRefused.text)
        XCTAssertEqual(keptStory.fields.first { $0.0 == "story" }?.1, story)
        XCTAssertTrue(storyRefused.text.contains(">Your story</label>"), "labelled as on the form")
        XCTAssertTrue(storyRefused.text.contains("<code>consent_publish</code>"), "or by its name where no label is found")
        XCTAssertTrue(storyRefused.text.contains("name=\"photo\" type=\"file\""))

        // Room again: sent again as it came back, the item is saved whole.
        try limitPages(nil)
        XCTAssertEqual(try site.get("/healthz").status, 503)
        site.app.storageHealth.probe(site.app.database)
        XCTAssertEqual(try site.get("/healthz").status, 200)
        XCTAssertEqual(try site.post(kept.action, kept.fields, headers: staff).status, 303)
        let saved = try site.app.database.read { try $0.scalar("SELECT body FROM news WHERE title LIKE 'Vigil at%'", as: String.self) }
        XCTAssertTrue(saved == body.trimmingCharacters(in: .whitespacesAndNewlines), "saved whole (the editor trims the ends)")
    }
}
