import Foundation
import HTTP
import TestSupport
import XCTest

/// Static files over real sockets: caching validators, gzip, ranges, and no way out of the folder.
final class StaticFilesTests: XCTestCase {
    var root: URL!
    var outside: URL!
    var server: TestServer!

    override func setUpWithError() throws {
        let base = makeTemporaryDirectory()
        root = base.appendingPathComponent("public")
        outside = base.appendingPathComponent("secret.txt")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("css"), withIntermediateDirectories: true)
        try String(repeating: "body { color: black; }\n", count: 100).write(
            to: root.appendingPathComponent("css/site.css"), atomically: true, encoding: .utf8)
        try "top secret".write(to: outside, atomically: true, encoding: .utf8)
        try "hidden".write(to: root.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        try "hello file".write(to: root.appendingPathComponent("hello.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("link.txt"), withDestinationURL: outside)
        let files = StaticFiles(root: root.path)
        let router = Router()
        // As the application runs them: a file served a moment ago comes from memory.
        router.use(StaticFastPath([files]))
        router.fallback = { request in files.respond(to: request) ?? .text("nope", status: .notFound) }
        router.freeze()
        server = try TestServer(responder: router)
    }

    override func tearDown() { server.stop() }

    func get(_ path: String, _ headers: [(String, String)] = []) throws -> ClientResponse {
        let client = try server.client()
        var raw = "GET \(path) HTTP/1.1\r\nHost: x\r\n"
        for (k, v) in headers { raw += "\(k): \(v)\r\n" }
        client.send(raw + "\r\n")
        return try client.readResponse()
    }

    func testServesWithTypeValidatorsAndCacheControl() throws {
        let response = try get("/css/site.css")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "text/css; charset=utf-8")
        XCTAssertNotNil(response.header("ETag"))
        XCTAssertNotNil(response.header("Last-Modified"))
        XCTAssertEqual(response.header("Cache-Control"), "public, max-age=3600")
        XCTAssertEqual(response.body.count, 2300)
    }

    func testIfNoneMatchGives304() throws {
        let etag = try XCTUnwrap(try get("/css/site.css").header("ETag"))
        let again = try get("/css/site.css", [("If-None-Match", etag)])
        XCTAssertEqual(again.status, 304)
        XCTAssertTrue(again.body.isEmpty)
        XCTAssertEqual(again.header("ETag"), etag)
        XCTAssertEqual(try get("/css/site.css", [("If-None-Match", "\"other\"")]).status, 200)
    }

    func testIfModifiedSinceGives304() throws {
        let modified = try XCTUnwrap(try get("/hello.txt").header("Last-Modified"))
        XCTAssertEqual(try get("/hello.txt", [("If-Modified-Since", modified)]).status, 304)
    }

    func testGzipWhenAccepted() throws {
        let response = try get("/css/site.css", [("Accept-Encoding", "gzip")])
        XCTAssertEqual(response.header("Content-Encoding"), "gzip")
        XCTAssertEqual(response.header("Vary"), "Accept-Encoding")
        XCTAssertLessThan(response.body.count, 2300)
        XCTAssertEqual(Gzip.decompress(response.body)?.count, 2300)
    }

    func testRanges() throws {
        let partial = try get("/hello.txt", [("Range", "bytes=0-4")])
        XCTAssertEqual(partial.status, 206)
        XCTAssertEqual(partial.text, "hello")
        XCTAssertEqual(partial.header("Content-Range"), "bytes 0-4/10")
        XCTAssertEqual(try get("/hello.txt", [("Range", "bytes=-4")]).text, "file")
        let outOfRange = try get("/hello.txt", [("Range", "bytes=50-")])
        XCTAssertEqual(outOfRange.status, 416)
        XCTAssertEqual(outOfRange.header("Content-Range"), "bytes */10")
    }

    func testNoWayOutOfTheFolder() throws {
        let attempts = [
            "/../secret.txt", "/css/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
            "/css/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/css%2f..%2f..%2fsecret.txt",
            "/.env", "/%2eenv", "/link.txt", "/css/", "/css", "/hello.txt%00.css", "/..\\secret.txt",
        ]
        for path in attempts {
            let response = try get(path)
            XCTAssertEqual(response.status, 404, path)
            XCTAssertFalse(response.text.contains("top secret"), path)
            XCTAssertFalse(response.text.contains("hidden"), path)
        }
    }

    /// A file served a moment ago may be answered from memory for up to a second; a change on
    /// disk is seen after that.
    func testFileChangesAreSeen() throws {
        XCTAssertEqual(try get("/hello.txt").text, "hello file")
        try "changed!".write(to: root.appendingPathComponent("hello.txt"), atomically: true, encoding: .utf8)
        try waitUntil(timeout: 10) { try get("/hello.txt").text == "changed!" }
    }

    /// The answer from memory is the same answer: headers, validators, 304s, gzip and ranges.
    func testAFileAnsweredFromMemoryIsTheSameAnswer() throws {
        let first = try get("/css/site.css", [("Accept-Encoding", "gzip")])
        let again = try get("/css/site.css", [("Accept-Encoding", "gzip")])
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(again.body, first.body)
        for name in ["Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Encoding", "Vary"] {
            XCTAssertEqual(again.header(name), first.header(name), name)
        }
        XCTAssertEqual(again.header("X-Content-Type-Options"), "nosniff")
        let etag = try XCTUnwrap(again.header("ETag"))
        let cached = try get("/css/site.css", [("Accept-Encoding", "gzip"), ("If-None-Match", etag)])
        XCTAssertEqual(cached.status, 304)
        XCTAssertNil(cached.header("Content-Encoding"))
        let plain = try get("/css/site.css")
        XCTAssertNil(plain.header("Content-Encoding"))
        XCTAssertEqual(plain.text, String(repeating: "body { color: black; }\n", count: 100))
        let part = try get("/css/site.css", [("Range", "bytes=0-3")])
        XCTAssertEqual(part.status, 206)
        XCTAssertEqual(part.text, "body")
        XCTAssertEqual(try get("/css/../../secret.txt").status, 404, "a path never served is never in memory")
    }
}
