import Foundation
import HTTP
import TestSupport
import XCTest

/// What a stranger could do to the whole server with one request or a few sockets, each
/// found by probing from outside (the hardening issue) and each failing before its fix.
final class HardeningTests: XCTestCase {
    /// A router that answers who it thinks asked, and has an upload route whose precheck refuses.
    func makeRouter(uploadsReached: UploadCounter = UploadCounter()) -> Router {
        let router = Router()
        router.get("/who") { request in
            .text("\(request.remoteAddress) \(request.isSecure ? "https" : "http")\n")
        }
        router.post("/echo") { request in .text("\(request.body.count)\n") }
        router.post(
            "/upload", upload: 1 << 20,
            precheck: { request in
                request.headers["x-csrf-token"] == "right" ? nil : .text("no\n", status: .forbidden)
            },
            async: { request in
                uploadsReached.add()
                return .text("stored \(request.bodyFile != nil)\n")
            })
        router.freeze()
        return router
    }

    final class UploadCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    func stillServing(_ server: TestServer) throws {
        let client = try server.client()
        client.send("GET /who HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200, "the server still answers")
    }

    // MARK: One-request crashes

    /// Sixteen hex digits overflowed the chunk size into a negative number, and a range with
    /// its end before its start trapped: the whole process died.
    func testAChunkSizeThatOverflowsIsRefusedNotACrash() throws {
        let server = try TestServer(responder: makeRouter())
        defer { server.stop() }
        for size in ["8000000000000000", "ffffffffffffffff", "7fffffffffffffff"] {
            let client = try server.client()
            client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nabc\r\n0\r\n\r\n")
            let status = try client.readResponse().status
            XCTAssertTrue(status == 413 || status == 200, "\(size): \(status)")
        }
        let client = try server.client()
        client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n000003\r\nabc\r\n0\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "3\n", "leading zeros are still a chunk size")
        try stillServing(server)
    }

    func testByteRangesWithSignsOrHugeNumbersAreIgnored() {
        XCTAssertEqual(ByteRange.parse("bytes=--5", size: 100), .whole)
        XCTAssertEqual(ByteRange.parse("bytes=-9223372036854775808", size: 100), .whole)
        XCTAssertEqual(ByteRange.parse("bytes=-+5", size: 100), .whole)
        XCTAssertEqual(ByteRange.parse("bytes=+1-5", size: 100), .whole)
        XCTAssertEqual(ByteRange.parse("bytes=1--5", size: 100), .whole)
        XCTAssertEqual(ByteRange.parse("bytes=99999999999999999999-", size: 100), .whole)
        XCTAssertEqual(ByteRange.parse("bytes=-500", size: 100), .partial(0, 99), "a suffix longer than the file is the whole file")
        XCTAssertEqual(ByteRange.parse("bytes=-5", size: 100), .partial(95, 99))
        XCTAssertEqual(ByteRange.parse("bytes=90-9999999999", size: 100), .partial(90, 99))
    }

    // MARK: Slow and greedy clients

    /// The body deadline counts from the start of the body: one byte every 300 ms used to
    /// keep a request open for ever, since each byte reset the timer.
    func testATricklingBodyIsCutOffAtTheBodyDeadline() throws {
        var limits = ServerLimits()
        limits.bodyTimeout = 1
        let server = try TestServer(limits: limits, responder: makeRouter())
        defer { server.stop() }
        let client = try server.client()
        client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n")
        var sent = 0
        while sent < 20, client.send("a") {
            sent += 1
            Thread.sleep(forTimeInterval: 0.3)
        }
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 408, "cut off after \(sent) bytes")
        XCTAssertLessThan(sent, 20)
    }

    func testBufferedBodiesShareABudgetAndPastItAreRefusedWith503() throws {
        var limits = ServerLimits()
        limits.bufferedBodyBudget = 64 * 1024
        let server = try TestServer(limits: limits, responder: makeRouter())
        defer { server.stop() }
        let first = try server.client()
        first.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n")
        first.send([UInt8](repeating: 65, count: 50_000))
        // Until the server holds it.
        for _ in 0..<500 where server.server.bufferedRequestBytes < 50_000 { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertGreaterThanOrEqual(server.server.bufferedRequestBytes, 50_000)
        // More than one read's worth, so it is still arriving when the budget is found spent
        // (a body that arrives whole in one read is answered at once and holds nothing).
        let second = try server.client()
        second.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        second.send([UInt8](repeating: 66, count: 100_000))
        let refused = try second.readResponse()
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "5")
        first.send([UInt8](repeating: 65, count: 10_000))
        XCTAssertEqual(try first.readResponse().text, "60000\n", "the first body, within the budget, is answered")
        // Its bytes are given back: the same body fits now.
        let third = try server.client()
        third.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 30000\r\n\r\n")
        third.send([UInt8](repeating: 67, count: 30_000))
        XCTAssertEqual(try third.readResponse().text, "30000\n")
        XCTAssertLessThanOrEqual(server.server.bufferedRequestBytes, 64 * 1024)
    }

    func testOneAddressCannotTakeEveryConnection() throws {
        var limits = ServerLimits()
        limits.maxConnectionsPerAddress = 3
        let server = try TestServer(limits: limits, responder: makeRouter())
        defer { server.stop() }
        var held: [RawClient] = []
        for _ in 0..<3 {
            let client = try server.client()
            client.send("GET /who HTTP/1.1\r\nHost: x\r\n")  // half-sent, held open
            held.append(client)
        }
        for _ in 0..<500 where server.server.openConnections < 3 { Thread.sleep(forTimeInterval: 0.01) }  // all three accepted
        let fourth = try server.client()
        let refused = try fourth.readResponse()
        XCTAssertEqual(refused.status, 503)
        // Another address is not affected.
        let other = try RawClient(port: server.port, source: "127.0.0.2")
        other.send("GET /who HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try other.readResponse().text, "127.0.0.2 http\n")
        // A slot given back can be taken again.
        held.removeFirst()
        for _ in 0..<500 where server.server.openConnections > 3 { Thread.sleep(forTimeInterval: 0.01) }  // two held, and `other`
        try stillServing(server)
    }

    // MARK: Trusted proxies

    func testForwardedHeadersAreBelievedFromTrustedProxiesOnly() throws {
        var limits = ServerLimits()
        limits.trustedProxies = try TrustedProxies(["127.0.0.1", "10.0.0.0/8"])
        let trusting = try TestServer(limits: limits, responder: makeRouter())
        defer { trusting.stop() }
        let plain = try TestServer(responder: makeRouter())
        defer { plain.stop() }
        func who(_ server: TestServer, source: String? = nil, _ headers: String) throws -> String {
            let client = try RawClient(port: server.port, source: source)
            client.send("GET /who HTTP/1.1\r\nHost: x\r\n\(headers)\r\n")
            return try client.readResponse().text
        }
        XCTAssertEqual(try who(trusting, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"), "203.0.113.7 https\n")
        // What the client wrote itself is on the left; the proxy appends what it saw.
        XCTAssertEqual(try who(trusting, "X-Forwarded-For: 1.2.3.4, 203.0.113.7, 10.1.2.3\r\n"), "203.0.113.7 http\n")
        XCTAssertEqual(try who(trusting, "Forwarded: for=\"[2001:db8::1]:4711\";proto=https\r\n"), "2001:db8::1 https\n")
        XCTAssertEqual(try who(trusting, "X-Forwarded-For: not-an-address\r\n"), "127.0.0.1 http\n")
        // Not a trusted peer: the headers are the client's own words.
        XCTAssertEqual(try who(plain, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"), "127.0.0.1 http\n")
        XCTAssertEqual(try who(trusting, source: "127.0.0.2", "X-Forwarded-For: 203.0.113.7\r\n"), "127.0.0.2 http\n")
    }

    func testTrustedProxyRangesParseAndMatch() throws {
        let proxies = try TrustedProxies(["192.168.0.0/16", "::1", "fd00::/8", " 10.0.0.1 "])
        XCTAssertTrue(proxies.contains("192.168.44.1"))
        XCTAssertFalse(proxies.contains("192.169.0.1"))
        XCTAssertTrue(proxies.contains("::1"))
        XCTAssertTrue(proxies.contains("fd12:3456::1"))
        XCTAssertFalse(proxies.contains("fe80::1"))
        XCTAssertTrue(proxies.contains("10.0.0.1"))
        XCTAssertTrue(proxies.contains("::ffff:10.0.0.1"), "an IPv4-mapped address is the IPv4 address")
        XCTAssertFalse(proxies.contains("nonsense"))
        XCTAssertThrowsError(try TrustedProxies(["10.0.0.0/33"]))
        XCTAssertThrowsError(try TrustedProxies(["example.org"]))
        XCTAssertThrowsError(try TrustedProxies(["10.0.0.0/-1"]))
    }

    // MARK: Uploads

    /// An upload the precheck refuses is answered from its head: the body is never read,
    /// nothing is spooled, the handler never runs.
    func testARefusedUploadIsAnsweredBeforeItsBody() throws {
        let counter = UploadCounter()
        var limits = ServerLimits()
        let spool = makeTemporaryDirectory()
        limits.spoolDirectory = spool.path
        let server = try TestServer(limits: limits, responder: makeRouter(uploadsReached: counter))
        defer { server.stop() }
        let client = try server.client()
        client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n")  // and no body at all
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertEqual(counter.value, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spool.path), [])
        let allowed = try server.client()
        allowed.send("POST /upload HTTP/1.1\r\nHost: x\r\nX-CSRF-Token: right\r\nContent-Length: 5\r\n\r\nhello")
        XCTAssertEqual(try allowed.readResponse().text, "stored true\n")
        XCTAssertEqual(counter.value, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spool.path), [], "the spooled body is removed after the answer")
    }

    /// Every failure path of the multipart parser removes every file it wrote.
    func testMultipartFailuresLeaveNoFiles() throws {
        let folder = makeTemporaryDirectory()
        let parts = folder.appendingPathComponent("parts")
        try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: true)
        let body = folder.appendingPathComponent("body").path
        var good = ""
        for i in 0..<5 { good += "--B\r\nContent-Disposition: form-data; name=\"f\(i)\"; filename=\"f\(i)\"\r\n\r\ndata \(i)\r\n" }
        let failures = [
            good + "--B\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--B--\r\n",  // a part without a name
            good + "--Bxx\r\nbad delimiter line",  // a bad delimiter line
            good + "--B\r\nContent-Disposition: form-data; name=\"x\"\r\n" + String(repeating: "h", count: 20_000),  // headers too long
            good + "--B\r\nContent-Disposition: form-data; name=\"x\"; filename=\"y\"\r\n\r\ncut",  // the body ends in a part
            // too many parts
            String(repeating: "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\nx\r\n", count: 150) + "--B--\r\n",
        ]
        for (index, failure) in failures.enumerated() {
            _ = FileManager.default.createFile(atPath: body, contents: Data(failure.utf8))
            XCTAssertThrowsError(try Multipart.parse(file: body, boundary: "B", directory: parts.path), "case \(index)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parts.path), [], "case \(index) left files")
        }
        _ = FileManager.default.createFile(atPath: body, contents: Data((good + "--B--\r\n").utf8))
        let parsed = try Multipart.parse(file: body, boundary: "B", directory: parts.path)
        XCTAssertEqual(parsed.count, 5)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: try XCTUnwrap(parsed[0].file))[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o777, 0o600, "part files are the server's user's only")
    }

    /// What arrived of a body cut short (the disk filled as it came) is read without writing a
    /// byte: every whole text field, and the file it was cut in, by name; a text field cut
    /// short is left out, and so is anything past the first `maxBytes`.
    func testWhatArrivedOfACutBodyIsReadableWithoutWritingAnything() throws {
        let folder = makeTemporaryDirectory()
        let body = folder.appendingPathComponent("body").path
        let head =
            "--B\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntoken\r\n"
            + "--B\r\nContent-Disposition: form-data; name=\"story\"\r\n\r\nLine one\r\nLine two\r\n"
        func read(_ text: String, maxBytes: Int = 1 << 20) -> [String] {
            _ = FileManager.default.createFile(atPath: body, contents: Data(text.utf8))
            return Multipart.readable(file: body, boundary: "B", maxBytes: maxBytes).map { part in
                part.filename == nil
                    ? "\(part.name)=\(part.value ?? "")" : "\(part.name): \(part.filename ?? "")\(part.size > 0 ? "" : " empty")"
            }
        }
        let cutInAFile =
            head + "--B\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\r\n" + String(repeating: "x", count: 300)
        XCTAssertEqual(read(cutInAFile), ["_csrf=token", "story=Line one\r\nLine two", "photo: a.jpg"])
        XCTAssertEqual(
            read(head + "--B\r\nContent-Disposition: form-data; name=\"headline\"\r\n\r\nA meal"),
            ["_csrf=token", "story=Line one\r\nLine two"])
        XCTAssertEqual(read(head + "--B--\r\n"), ["_csrf=token", "story=Line one\r\nLine two"], "a whole body, all of it")
        XCTAssertEqual(read(head + "--B--\r\n", maxBytes: 70), ["_csrf=token"], "no further than asked")
        XCTAssertEqual(read("no boundary at all"), [])
        XCTAssertEqual(read(""), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["body"], "nothing written")
    }
}
