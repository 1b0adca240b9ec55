import Foundation
import HTTP
import TestSupport
import XCTest

/// The server over real sockets: framing, keep-alive, pipelining, every rejection rule.
final class ServerTests: XCTestCase {
    var server: TestServer!

    static func makeRouter() -> Router {
        let router = Router()
        router.get("/hello") { _ in .text("hello") }
        router.get("/items/{id}") { request in .text("item \(request.parameter("id"))") }
        router.get("/items/{id}.json") { request in .json("{\"id\":\"\(request.parameter("id"))\"}") }
        router.post("/echo") { request in
            var response = Response.text(String(decoding: request.body, as: UTF8.self))
            response.headers["X-Length"] = String(request.body.count)
            return response
        }
        router.post(
            "/slow",
            async: { request in
                try await Task.sleep(nanoseconds: 50_000_000)
                return .text("slow \(String(decoding: request.body, as: UTF8.self))")
            })
        router.get("/stream") { _ in
            let counter = Counter()
            return Response(
                status: .ok, headers: Headers([("Content-Type", "text/plain")]),
                body: .stream(
                    BodyStream(next: {
                        counter.value += 1
                        return counter.value <= 3 ? Array("part\(counter.value);".utf8) : nil
                    })))
        }
        router.fallback = { _ in .text("custom not found", status: .notFound) }
        router.freeze()
        return router
    }

    override func setUpWithError() throws {
        var limits = ServerLimits()
        limits.headerTimeout = 0.5
        limits.bodyTimeout = 0.5
        limits.maxBodyBytes = 1000
        limits.maxRequestLineBytes = 200
        limits.maxHeaderBytes = 1000
        limits.maxHeaderCount = 10
        server = try TestServer(limits: limits, responder: Self.makeRouter())
    }

    override func tearDown() { server.stop() }

    // MARK: The basics

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let client = try server.client()
        for _ in 0..<3 {
            client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "hello")
            XCTAssertNil(response.header("Connection"))
            XCTAssertNotNil(response.header("Date"))
        }
    }

    func testPipelinedRequestsInOneWriteAreAnsweredInOrder() throws {
        let client = try server.client()
        client.send(
            "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nAGET /items/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        XCTAssertEqual(try client.readResponse().text, "slow A", "the slow async answer comes first")
        XCTAssertEqual(try client.readResponse().text, "item 2")
        XCTAssertEqual(try client.readResponse().text, "hello")
    }

    func testHTTP10ClosesByDefaultAndKeepsAliveWhenAsked() throws {
        let client = try server.client()
        client.send("GET /hello HTTP/1.0\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByServer())

        let second = try server.client()
        second.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try second.readResponse().header("Connection"), "keep-alive")
        second.send("GET /hello HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try second.readResponse().text, "hello")
    }

    func testConnectionCloseIsHonoured() throws {
        let client = try server.client()
        client.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(try client.readResponse().header("Connection"), "close")
        XCTAssertTrue(client.isClosedByServer())
    }

    func testHeadHasHeadersButNoBody() throws {
        let client = try server.client()
        client.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try client.readResponse(head: true)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), "5")
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(try client.readResponse().text, "hello", "no stray body bytes before the next response")
    }

    func testWrongMethodOnKnownPathIs405WithAllow() throws {
        let client = try server.client()
        client.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.header("Allow"), "GET, HEAD")
    }

    func testUnknownPathUsesTheFallback() throws {
        let client = try server.client()
        client.send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.text, "custom not found")
    }

    func testRouteParametersAndSuffixPatterns() throws {
        let client = try server.client()
        client.send("GET /items/caf%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "item café")
        client.send("GET /items/abc.json HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "{\"id\":\"abc\"}")
    }

    func testChunkedRequestBody() throws {
        let client = try server.client()
        client.send(
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n"
        )
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "hello, world")
    }

    func testChunkedBodyArrivingInPieces() throws {
        let client = try server.client()
        let parts = ["POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-", "Encoding: chunked\r\n\r\n3", "\r\nab", "c\r\n0\r", "\n\r\n"]
        for part in parts {
            client.send(part)
            usleep(20_000)
        }
        XCTAssertEqual(try client.readResponse().text, "abc")
    }

    func testContentLengthBodyArrivingSlowlyButInTime() throws {
        let client = try server.client()
        client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc")
        usleep(100_000)
        client.send("def")
        XCTAssertEqual(try client.readResponse().text, "abcdef")
    }

    func testExpectContinue() throws {
        let client = try server.client()
        client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 100)
        client.send("ok")
        XCTAssertEqual(try client.readResponse().text, "ok")
    }

    func testStreamedBodyIsChunkedForHTTP11AndCloseDelimitedFor10() throws {
        let client = try server.client()
        client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.header("Transfer-Encoding"), "chunked")
        XCTAssertEqual(response.text, "part1;part2;part3;")

        let old = try server.client()
        old.send("GET /stream HTTP/1.0\r\n\r\n")
        let all = String(decoding: old.readToEnd(), as: UTF8.self)
        XCTAssertTrue(all.hasSuffix("\r\n\r\npart1;part2;part3;"), all)
    }

    // MARK: Rejections: each answers 4xx and closes the connection

    func assertRejected(_ raw: String, status: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let client = try server.client()
        client.send(raw)
        let response = try client.readResponse()
        XCTAssertEqual(response.status, status, raw.debugDescription, file: file, line: line)
        XCTAssertEqual(response.header("Connection"), "close", file: file, line: line)
        XCTAssertTrue(client.isClosedByServer(), "connection closed after \(status)", file: file, line: line)
    }

    func testContentLengthWithTransferEncodingIsRejected() throws {
        try assertRejected(
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 400)
    }

    func testDuplicateContentLengthIsRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", status: 400)
    }

    func testMalformedContentLengthIsRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", status: 400)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", status: 400)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", status: 400)
    }

    func testBadChunkSizeIsRejected() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", status: 400)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", status: 400)
    }

    func testUnknownTransferCodingIsNotImplemented() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501)
    }

    func testObsoleteLineFoldingIsRejected() throws {
        try assertRejected("GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n b\r\n\r\n", status: 400)
    }

    func testBareCRIsRejected() throws {
        try assertRejected("GET /hello HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n", status: 400)
    }

    func testBareLFIsRejected() throws {
        try assertRejected("GET /hello HTTP/1.1\nHost: x\r\n\r\n", status: 400)
    }

    func testSpaceBeforeColonAndBadNamesAreRejected() throws {
        try assertRejected("GET /hello HTTP/1.1\r\nHost: x\r\nX-Bad : a\r\n\r\n", status: 400)
        try assertRejected("GET /hello HTTP/1.1\r\nHost: x\r\nX(Bad): a\r\n\r\n", status: 400)
    }

    func testMissingHostOnHTTP11IsRejected() throws {
        try assertRejected("GET /hello HTTP/1.1\r\n\r\n", status: 400)
    }

    func testMalformedRequestLinesAreRejected() throws {
        try assertRejected("GET /hello\r\nHost: x\r\n\r\n", status: 400)
        try assertRejected("GET  /hello HTTP/1.1\r\nHost: x\r\n\r\n", status: 400)
        try assertRejected("GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", status: 505)
        try assertRejected("GET /hel\u{1}lo HTTP/1.1\r\nHost: x\r\n\r\n", status: 400)
    }

    func testOversizedRequestLineIs414() throws {
        try assertRejected("GET /" + String(repeating: "a", count: 300) + " HTTP/1.1\r\nHost: x\r\n\r\n", status: 414)
    }

    func testOversizedRequestLineIsRefusedBeforeItEnds() throws {
        // No CRLF at all: the server must not wait for one forever or buffer without end.
        try assertRejected("GET /" + String(repeating: "a", count: 5000), status: 414)
    }

    func testOversizedHeadersAre431() throws {
        try assertRejected("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 2000) + "\r\n\r\n", status: 431)
    }

    func testTooManyHeaderFieldsAre431() throws {
        var raw = "GET /hello HTTP/1.1\r\nHost: x\r\n"
        for i in 0..<20 { raw += "X-\(i): y\r\n" }
        try assertRejected(raw + "\r\n", status: 431)
    }

    func testOversizedBodyIs413() throws {
        try assertRejected(
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "z", count: 5000), status: 413)
    }

    func testOversizedChunkedBodyIs413() throws {
        var raw = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<3 { raw += "200\r\n" + String(repeating: "z", count: 512) + "\r\n" }
        try assertRejected(raw + "0\r\n\r\n", status: 413)
    }

    func testSlowHeadersTimeOutWith408() throws {
        let client = try server.client()
        client.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
        let started = Date()
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertLessThan(Date().timeIntervalSince(started), 4)
    }

    func testSlowlorisTricklingBytesStillTimesOut() throws {
        let client = try server.client()
        client.send("GET /hello HTTP/1.1\r\n")
        var closed = false
        for _ in 0..<40 {
            if !client.send("X") {
                closed = true
                break
            }
            usleep(50_000)
        }
        XCTAssertTrue(closed || client.isClosedByServer(), "trickling one byte at a time does not keep the head alive")
    }

    func testIdleConnectionIsClosedAfterIdleTimeout() throws {
        var limits = ServerLimits()
        limits.idleTimeout = 0.3
        let idle = try TestServer(limits: limits, responder: Self.makeRouter())
        defer { idle.stop() }
        let client = try idle.client()
        client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        XCTAssertTrue(client.isClosedByServer())
    }

    func testConnectionsBeyondTheCapAreRefusedCleanly() throws {
        var limits = ServerLimits()
        limits.maxConnections = 2
        let capped = try TestServer(limits: limits, responder: Self.makeRouter())
        defer { capped.stop() }
        let a = try capped.client()
        let b = try capped.client()
        a.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        b.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try a.readResponse().status, 200)
        XCTAssertEqual(try b.readResponse().status, 200)
        let c = try capped.client()
        XCTAssertEqual(try c.readResponse().status, 503)
        XCTAssertTrue(c.isClosedByServer())
        // The two admitted connections still work.
        a.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try a.readResponse().status, 200)
    }

    func testGracefulShutdownFinishesTheRequestInFlight() throws {
        let started = DispatchSemaphore(value: 0)
        let router = Router()
        router.post(
            "/work",
            async: { request in
                started.signal()
                try await Task.sleep(nanoseconds: 200_000_000)
                return .text("done \(String(decoding: request.body, as: UTF8.self))")
            })
        router.freeze()
        let local = try TestServer(responder: router)
        let client = try local.client()
        client.send("POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        XCTAssertEqual(started.wait(timeout: .now() + 5), .success, "the request is in flight")
        let stopped = expectation(description: "stopped")
        DispatchQueue.global().async {
            local.stop()
            stopped.fulfill()
        }
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "done hi")
        XCTAssertEqual(response.header("Connection"), "close")
        wait(for: [stopped], timeout: 5)
        XCTAssertThrowsError(try RawClient(port: local.port), "no longer accepting")
    }
}

final class Counter: @unchecked Sendable { var value = 0 }

/// Where async handlers run: a form that only waits for its write on its connection's own
/// event loop, before and after the wait; long work on Swift's pool, never on a loop.
final class HandlerPlacementTests: XCTestCase {
    /// The name of the thread running the caller (our loops are `sanctuary-io-N`).
    static func threadName() -> String { Thread.current.name ?? "" }

    /// Waits for another thread to answer, as a handler waits for the database's writer.
    static func answerFromAnotherThread() async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) {
                continuation.resume(returning: threadName())
            }
        }
    }

    func testFormsThatOnlyWriteStayOnTheirLoopAndLongWorkDoesNot() throws {
        let router = Router()
        router.post(
            "/form",
            writes: { _ in
                let before = Self.threadName()
                let answeredOn = await Self.answerFromAnotherThread()
                let after = Self.threadName()
                return .text("\(before)|\(answeredOn)|\(after)")
            })
        router.post("/long", async: { _ in .text(Self.threadName()) })
        router.freeze()
        let server = try TestServer(responder: router)
        defer { server.stop() }
        let client = try server.client()
        for _ in 0..<3 {
            client.send("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            let parts = try client.readResponse().text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(parts.count, 3)
            XCTAssertTrue(parts[0].hasPrefix("sanctuary-io-"), "runs on an event loop: \(parts[0])")
            XCTAssertFalse(parts[1].hasPrefix("sanctuary-io-"), "answered from elsewhere: \(parts[1])")
            XCTAssertEqual(parts[2], parts[0], "back on the same loop after the wait")
        }
        client.send("POST /long HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        XCTAssertFalse(try client.readResponse().text.hasPrefix("sanctuary-io-"), "long work leaves the loops free")
    }
}

/// The micro-cache on its own: what it keeps, for how long, and its bound.
final class MicroCacheTests: XCTestCase {
    final class Counter: @unchecked Sendable {
        var value = 0
        var generation: UInt64 = 0
        /// What the database would report as written in the last few seconds.
        var recentWrites: UInt64 = 0
    }

    func testKeepsShareableAnswersUntilTheyExpireOrTheDataChanges() throws {
        let counter = Counter()
        let cache = MicroCache(
            ttl: 60, maxEntries: 3, generation: { counter.generation }, recentWrites: { counter.recentWrites },
            key: { $0.target.hasPrefix("/nocache") ? nil : $0.target })
        let respond: (Request) -> Outcome = { request in
            counter.value += 1
            var response = Response.text("render \(counter.value)")
            response.headers["Cache-Control"] = request.target.hasPrefix("/private") ? "no-store" : "public, max-age=0, s-maxage=5"
            return .now(response)
        }
        func body(_ target: String, method: String = "GET") -> String {
            guard case .now(let response) = cache.handle(Request(method: method, target: target), next: respond),
                case .bytes(let bytes) = response.body
            else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
        XCTAssertEqual(body("/a"), "render 1")
        XCTAssertEqual(body("/a"), "render 1", "kept")
        XCTAssertEqual(body("/a", method: "HEAD"), "render 1", "HEAD shares GET's entry")
        XCTAssertEqual(body("/a", method: "POST"), "render 2", "never for a POST")
        XCTAssertEqual(body("/private"), "render 3")
        XCTAssertEqual(body("/private"), "render 4", "no-store is not kept")
        XCTAssertEqual(body("/nocache"), "render 5")
        XCTAssertEqual(body("/nocache"), "render 6", "the key function can refuse")
        counter.generation += 1
        XCTAssertEqual(body("/a"), "render 7", "a write ends every entry")
        XCTAssertEqual(body("/a"), "render 7")
        _ = body("/b")
        _ = body("/c")
        XCTAssertEqual(body("/d"), "render 10")
        XCTAssertEqual(body("/a"), "render 11", "full: it started afresh rather than grow")
    }

    /// Under a burst of writes a page lives its whole time (counts may be a moment old);
    /// what must show (staff changes) ends it at once; a few writes never make it busy.
    func testABurstOfWritesLetsPagesLiveWhatMustShowStillEndsThem() throws {
        let counter = Counter()
        let staff = Counter()
        let cache = MicroCache(
            ttl: 60, busyWrites: 300, generation: { counter.generation }, recentWrites: { counter.recentWrites },
            mustShow: { UInt64(staff.value) }, key: { $0.target })
        let respond: (Request) -> Outcome = { _ in
            counter.value += 1
            var response = Response.text("render \(counter.value)")
            response.headers["Cache-Control"] = "public, max-age=0, s-maxage=60"
            return .now(response)
        }
        func body() -> String {
            guard case .now(let response) = cache.handle(Request(method: "GET", target: "/"), next: respond),
                case .bytes(let bytes) = response.body
            else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
        // A few writes, as a visitor makes them: each one is seen on the next request.
        for _ in 0..<20 {
            let before = body()
            counter.generation += 1
            counter.recentWrites += 1
            XCTAssertNotEqual(body(), before, "an ordinary write ends the page")
        }
        // A viral petition: writes pour in (however few commits carry them); pages stay.
        counter.recentWrites = 301
        let kept = body()
        counter.generation += 5
        XCTAssertEqual(body(), kept, "during the burst a commit does not end the page")
        staff.value += 1
        let afterStaff = body()
        XCTAssertNotEqual(afterStaff, kept, "a staff change ends it at once")
        // The burst ends: every commit shows again.
        counter.recentWrites = 300
        counter.generation += 1
        XCTAssertNotEqual(body(), afterStaff, "once the writes slow down, a commit ends the page again")
    }
}

final class HeaderTokenTests: XCTestCase {
    func testConnectionAndVaryTokens() {
        func keepAlive(_ version: Request.Version, _ connection: String?) -> Bool {
            var request = Request(method: "GET", target: "/", version: version)
            if let connection { request.headers.add("connection", connection) }
            return request.wantsKeepAlive
        }
        XCTAssertTrue(keepAlive(.http11, nil))
        XCTAssertFalse(keepAlive(.http11, "close"))
        XCTAssertFalse(keepAlive(.http11, "Upgrade, \tClose "))
        XCTAssertTrue(keepAlive(.http11, "closed"), "a token, not a substring")
        XCTAssertFalse(keepAlive(.http10, nil))
        XCTAssertTrue(keepAlive(.http10, "Keep-Alive"))
        XCTAssertTrue(keepAlive(.http10, "foo,keep-alive"))
        XCTAssertFalse(keepAlive(.http10, "keep-alive-not"))
        XCTAssertTrue(keepAlive(.http11, ""), "an empty header closes nothing")
    }
}
