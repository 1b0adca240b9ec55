import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

/// A full disk is seen, said and survived: on a small tmpfs filled by signing, a write answers
/// `503` with the form and everything typed, `/healthz` fails, reads go on, and once the
/// filesystem grows the site takes signatures again by itself, with every acknowledged one on disk.
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

    func testAFullDiskRefusesWritesPlainlyKeepsTheInputAndRecoversWithoutARestart() throws {
        try TestEngine.require(.sqlite, because: "the disk filled here is the SQLite file's; PostgreSQL's is its server's")
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root (CI runs as root)") }
        let folder = makeTemporaryDirectory().appendingPathComponent("small")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard try run(["-t", "tmpfs", "-o", "size=64m", "tmpfs", folder.path]) == 0 else {
            throw XCTSkip("this machine does not let root mount a tmpfs")
        }
        defer {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/umount")
            process.arguments = ["-l", folder.path]
            try? process.run()
            process.waitUntilExit()
        }
        let site = try TestApp(sampleContent: true) {
            $0.database = folder.appendingPathComponent("site.sqlite").path
            $0.signaturesPerMinute = 1_000_000
            $0.storageProbeSeconds = 0.1
        }
        defer { site.stop() }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("site.sqlite-reserve").path), "the reserve")
        // Shrink the filesystem to what the site holds now and a little more.
        var stats = statvfs()
        XCTAssertEqual(statvfs(folder.path, &stats), 0)
        let used = (Int(stats.f_blocks) - Int(stats.f_bfree)) * Int(stats.f_frsize)
        XCTAssertEqual(try run(["-o", "remount,size=\((used >> 20) + 2)m", folder.path]), 0)

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
}
