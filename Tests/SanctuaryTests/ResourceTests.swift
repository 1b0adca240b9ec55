import Foundation
import HTTP
import Storage
import TestSupport
import XCTest

@testable import Sanctuary

final class ResourceTests: XCTestCase {
    var site: TestApp!
    var cookie: [(String, String)] = []
    var csrf = ""
    /// The sample content's resources (a briefing note and links), there before each test.
    var sampleCount = 0

    override func setUpWithError() throws {
        site = try TestApp(sampleContent: true) { $0.passwordCost = 10 }
        let hash = try site.app.passwordHasher.hash("a long enough passphrase")
        try site.app.database.writeAndWait { db in
            try StaffStore.create(db, email: "ed@example.org", name: "", role: .editor, passwordHash: hash)
        }
        cookie = try site.signIn("ed@example.org")
        csrf = try XCTUnwrap(FormHelper.csrfToken(in: try site.get("/admin/resources", headers: cookie).text))
        sampleCount = try resourceCount()
    }

    func resourceCount() throws -> Int {
        try site.app.database.read { try $0.scalar("SELECT count(*) FROM resources", as: Int.self) } ?? -1
    }
    override func tearDown() { site.stop() }

    func multipart(_ fields: [(String, String)], file: (name: String, bytes: [UInt8])?, boundary: String = "----sanctuaryBoundary7MA4YWxk")
        -> [UInt8]
    {
        FormHelper.multipart(fields, file: file, boundary: boundary)
    }

    func upload(_ fields: [(String, String)], file: (name: String, bytes: [UInt8])?) throws -> ClientResponse {
        let body = multipart([("_csrf", csrf)] + fields, file: file)
        let client = try site.client()
        // The token travels in the form's action too: the session and token are checked on the head.
        client.send(
            "POST /admin/resources?_csrf=\(csrf) HTTP/1.1\r\nHost: x\r\nCookie: \(cookie[0].1.split(separator: " ").last ?? "")\r\nContent-Type: multipart/form-data; boundary=----sanctuaryBoundary7MA4YWxk\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        )
        client.send(body)
        return try client.readResponse()
    }

    func pdf(_ size: Int) -> [UInt8] {
        var bytes = Array("%PDF-1.4\n".utf8)
        while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: bytes.count % 251)) }
        return bytes
    }

    func testUploadLargerThanTheBodyLimitIsSpooledServedWithRangesAndCounted() throws {
        let file = pdf(3 * 1024 * 1024 + 17)  // over the 1 MiB in-memory body limit
        let response = try upload(
            [("title", "Training kit"), ("description", "For organisers"), ("language", "en"), ("campaign_id", "2")],
            file: ("../../Training Kit (final).pdf", file))
        XCTAssertEqual(response.status, 303, response.text)
        let row = try XCTUnwrap(
            try site.app.database.read {
                try $0.first("SELECT id, filename, size, content_type FROM resources WHERE title = 'Training kit'") {
                    (
                        try $0.get("id", as: Int64.self), try $0.get("filename", as: String.self), try $0.get("size", as: Int.self),
                        try $0.get("content_type", as: String.self)
                    )
                }
            })
        XCTAssertEqual(row.1, "Training-Kit-final.pdf", "no path, no odd characters")
        XCTAssertEqual(row.2, file.count)
        XCTAssertEqual(row.3, "application/pdf")
        let whole = try site.get("/resources/\(row.0)/\(row.1)")
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.body, file)
        XCTAssertEqual(whole.header("Content-Type"), "application/pdf")
        XCTAssertEqual(whole.header("Content-Disposition"), "inline; filename=\"\(row.1)\"")
        let etag = try XCTUnwrap(whole.header("ETag"))
        let part = try site.get("/resources/\(row.0)/\(row.1)", headers: [("Range", "bytes=0-99")])
        XCTAssertEqual(part.status, 206)
        XCTAssertEqual(part.body, Array(file[0...99]))
        XCTAssertEqual(part.header("Content-Range"), "bytes 0-99/\(file.count)")
        XCTAssertEqual(try site.get("/resources/\(row.0)/\(row.1)", headers: [("If-None-Match", etag)]).status, 304)
        // Counted in memory (a write per download would end every cached page), written together.
        let downloads = try XCTUnwrap(site.app.feature(ResourcesFeature.self)).downloads
        func stored() throws -> Int? {
            try site.app.database.read { try $0.scalar("SELECT download_count FROM resources WHERE id = ?", row.0, as: Int.self) }
        }
        XCTAssertEqual(downloads.pending(row.0), 1, "the whole download counts; the range and the 304 do not")
        _ = try site.get("/resources/\(row.0)/\(row.1)")
        XCTAssertEqual(downloads.pending(row.0), 2)
        XCTAssertTrue(
            try site.get("/admin/resources", headers: cookie).text.contains("<td class=\"number\">2</td>"), "staff see them at once")
        downloads.flushAndWait(site.app.database)
        XCTAssertEqual(try stored(), 2)
        XCTAssertEqual(downloads.pending(row.0), 0)
        XCTAssertTrue(try site.get("/campaigns/refugees-welcome-here").text.contains("Training kit"))
        let spool = try FileManager.default.contentsOfDirectory(atPath: site.app.config.dataDirectory + "/uploads")
        XCTAssertEqual(spool, [], "temporary files are gone")
    }

    func testOversizedUploadIs413BeforeTheBodyIsRead() throws {
        let client = try site.client()
        client.send(
            "POST /admin/resources HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: \(25 * 1024 * 1024 + 1)\r\n\r\n"
        )
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.header("Connection"), "close")
    }

    func testUploadNeedsTheSessionsCSRFToken() throws {
        csrf = "wrong"
        XCTAssertEqual(try upload([("title", "X")], file: ("a.pdf", pdf(100))).status, 403)
        XCTAssertEqual(try resourceCount(), sampleCount, "nothing stored")
    }

    func testTypeIsCheckedByContent() throws {
        let fake = try upload([("title", "Fake")], file: ("report.pdf", Array("<html><script>alert(1)</script>".utf8)))
        XCTAssertEqual(fake.status, 422)
        XCTAssertTrue(fake.text.contains("is not a PDF"))
        XCTAssertEqual(try upload([("title", "Script")], file: ("x.html", Array("<html>".utf8))).status, 422)
        XCTAssertEqual(try resourceCount(), sampleCount, "nothing stored")
    }

    func testLinksAndTraversalAttempts() throws {
        XCTAssertEqual(try upload([("title", "Video"), ("url", "https://example.org/video")], file: nil).status, 303)
        XCTAssertEqual(try upload([("title", "Bad"), ("url", "javascript:alert(1)")], file: nil).status, 422)
        XCTAssertEqual(try upload([("title", "Kit")], file: ("kit.pdf", pdf(500))).status, 303)
        let id = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT id FROM resources WHERE kind = 'file' AND title = 'Kit'", as: Int64.self) })
        for path in [
            "/resources/\(id)/..%2f..%2fsanctuary.sqlite", "/resources/\(id)/../\(id)", "/resources/\(id)/other.pdf",
            "/resources/999/kit.pdf",
        ] {
            XCTAssertEqual(try site.get(path).status, 404, path)
        }
    }

    /// A newcomer's campaign comes with a resource pack: a briefing note (a real PDF, served
    /// and counted like an upload), the draft letter and the government's summary; a link to
    /// a page of the site stays in the visitor's language.
    func testTheSampleCampaignHasAResourcePack() throws {
        let note = try XCTUnwrap(
            try site.app.database.read {
                try $0.first("SELECT id, filename FROM resources WHERE kind = 'file'") {
                    (try $0.get("id", as: Int64.self), try $0.get("filename", as: String.self))
                }
            })
        XCTAssertEqual(note.1, "stca-briefing-note.pdf")
        let pdf = try site.get("/resources/\(note.0)/\(note.1)")
        XCTAssertEqual(pdf.status, 200)
        XCTAssertEqual(pdf.header("Content-Type"), "application/pdf")
        XCTAssertTrue(pdf.body.starts(with: Array("%PDF-".utf8)))
        let english = try site.get("/campaigns/safe-third-country").text
        XCTAssertTrue(english.contains("href=\"/resources/\(note.0)/stca-briefing-note.pdf\""), "the briefing note")
        XCTAssertTrue(english.contains("href=\"/letters/stca-minister\""), "the draft letter")
        let french = try site.get("/fr/campaigns/safe-third-country").text
        XCTAssertTrue(french.contains("href=\"/fr/letters/stca-minister\""), "the site's own page, in French")
        XCTAssertTrue(french.contains("Entente sur les tiers pays sûrs : le résumé du gouvernement"))
    }

    func testMalformedMultipartIs400() throws {
        let client = try site.client()
        let body = Array("no boundary here".utf8)
        client.send(
            "POST /admin/resources?_csrf=\(csrf) HTTP/1.1\r\nHost: x\r\nCookie: \(cookie[0].1.split(separator: " ").last ?? "")\r\nContent-Type: multipart/form-data; boundary=zzz\r\nContent-Length: \(body.count)\r\n\r\n"
        )
        client.send(body)
        XCTAssertEqual(try client.readResponse().status, 400)
    }
}

final class MultipartTests: XCTestCase {
    func testBoundaryAcrossReadChunksAndTextFields() throws {
        let folder = makeTemporaryDirectory()
        var body: [UInt8] = Array("preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello, \"world\"\r\n".utf8)
        body += Array("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n".utf8)
        // File content that ends right at a 64 KiB read boundary and contains near-delimiters.
        var content = [UInt8](repeating: 65, count: 65_536 - body.count - 3)
        content += Array("\r\n--XY".utf8) + [UInt8](repeating: 66, count: 70_000)
        body += content + Array("\r\n--XyZ--\r\n".utf8)
        let path = folder.appendingPathComponent("body").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(body))
        let parts = try Multipart.parse(file: path, boundary: "XyZ", directory: folder.path)
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0].value, "Hello, \"world\"")
        XCTAssertEqual(parts[1].filename, "a.bin")
        XCTAssertEqual(parts[1].size, content.count)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(parts[1].file))), Data(content))
        XCTAssertEqual(Multipart.boundary(contentType: "multipart/form-data; boundary=\"a b\""), "a b")
        XCTAssertNil(Multipart.boundary(contentType: "text/plain"))
    }

    func testTruncatedBodiesAreRefused() throws {
        let folder = makeTemporaryDirectory()
        let path = folder.appendingPathComponent("body").path
        _ = FileManager.default.createFile(
            atPath: path, contents: Data("--B\r\nContent-Disposition: form-data; name=\"x\"; filename=\"f\"\r\n\r\nno end".utf8))
        XCTAssertThrowsError(try Multipart.parse(file: path, boundary: "B", directory: folder.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["body"], "no half-written part left")
    }
}

/// Downloads are written by the download that finds the tally due, in one transaction.
final class DownloadTallyTests: XCTestCase {
    func testTheTallyIsDueTenSecondsAfterItsFirstCountAndWrittenInOneGo() throws {
        let site = try TestApp(sampleContent: true)
        defer { site.stop() }
        let id = try XCTUnwrap(
            try site.app.database.read { try $0.scalar("SELECT min(id) FROM resources WHERE kind = 'file'", as: Int64.self) })
        let tally = DownloadTally(interval: 10)
        let start = Date()
        XCTAssertFalse(tally.add(id, now: start))
        XCTAssertFalse(tally.add(id, now: start.addingTimeInterval(5)))
        XCTAssertTrue(tally.add(id, now: start.addingTimeInterval(10)), "due once the first count is ten seconds old")
        XCTAssertTrue(tally.add(999_999, now: start.addingTimeInterval(10)), "still due until written")
        let before =
            try site.app.database.read { try $0.scalar("SELECT download_count FROM resources WHERE id = ?", id, as: Int.self) } ?? -1
        tally.flushAndWait(site.app.database)
        XCTAssertEqual(
            try site.app.database.read { try $0.scalar("SELECT download_count FROM resources WHERE id = ?", id, as: Int.self) }, before + 3)
        XCTAssertEqual(tally.pending(id), 0)
        XCTAssertEqual(tally.pending(999_999), 0, "a resource deleted meanwhile is let go")
    }
}
