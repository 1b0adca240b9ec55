import Foundation
import HTTP
import TestSupport
import XCTest

/// Thousands of random and mutated requests never crash the parser or the server, and
/// the server still answers a good request afterwards.
final class ParserFuzzTests: XCTestCase {
    static let seeds = [
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET /a?b=c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    ]

    /// A deterministic generator so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static func mutate(_ input: [UInt8], _ g: inout Generator) -> [UInt8] {
        var bytes = input
        let interesting: [[UInt8]] = [
            [13], [10], [13, 10], [0], [32], [9], Array(":".utf8), Array("\r\n\r\n".utf8),
            Array("Content-Length: 99999999999999999999\r\n".utf8), Array("Transfer-Encoding: chunked\r\n".utf8),
            Array("ffffffffffffffffff\r\n".utf8), [0xff, 0xfe], Array("%00".utf8),
        ]
        for _ in 0..<(1 + g.below(4)) {
            guard !bytes.isEmpty else {
                bytes = interesting[g.below(interesting.count)]
                continue
            }
            let at = g.below(bytes.count)
            switch g.below(5) {
            case 0: bytes[at] = UInt8(truncatingIfNeeded: g.next())
            case 1: bytes.remove(at: at)
            case 2: bytes.insert(contentsOf: interesting[g.below(interesting.count)], at: at)
            case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + g.below(40))], at: at)
            default: bytes = Array(bytes[0..<at])
            }
        }
        return bytes
    }

    func testParserNeverCrashesOnMutatedInput() {
        var g = Generator(state: 42)
        var limits = ServerLimits()
        limits.maxBodyBytes = 4096
        var outcomes = [0, 0, 0]
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 10 == 0 {
                bytes = (0..<g.below(300)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            } else {
                bytes = Self.mutate(Array(Self.seeds[g.below(Self.seeds.count)].utf8), &g)
            }
            var parser = RequestParser(limits: limits)
            // Feed in random pieces, as a socket would.
            var fed = 0
            loop: while fed < bytes.count {
                fed = min(bytes.count, fed + 1 + g.below(64))
                let outcome = bytes.withUnsafeBufferPointer { parser.parse(UnsafeBufferPointer(rebasing: $0[0..<fed]), remoteAddress: "t") }
                switch outcome {
                case .needMore: continue
                case .request(_, let consumed):
                    XCTAssertLessThanOrEqual(consumed, fed)
                    outcomes[0] += 1
                    break loop
                case .reject:
                    outcomes[1] += 1
                    break loop
                case .spool, .refuse:
                    XCTFail("no spooling or refusing without a policy")
                    break loop
                }
            }
            if fed >= bytes.count { outcomes[2] += 1 }
        }
        XCTAssertGreaterThan(outcomes[0], 100, "some mutations still parse")
        XCTAssertGreaterThan(outcomes[1], 100, "many are rejected")
    }

    // MARK: Regressions found by libFuzzer (Fuzz/run)

    /// `Fuzz/corpus`-style inputs `"\r\n"` and `"\r\n\r\n"`: fed whole they left the parser idle,
    /// fed byte by byte "mid-request", so a client sending blank lines got the header
    /// timeout or the idle timeout depending on how its packets fell.
    func testBlankLinesBeforeARequestAreNotPartOfOneHoweverTheyArrive() {
        for input in ["\r\n", "\r\n\r\n"] {
            let bytes = Array(input.utf8)
            var whole = RequestParser(limits: ServerLimits())
            _ = bytes.withUnsafeBufferPointer { whole.parse($0, remoteAddress: "t") }
            var pieces = RequestParser(limits: ServerLimits())
            for end in 1...bytes.count {
                _ = bytes.withUnsafeBufferPointer { pieces.parse(UnsafeBufferPointer(rebasing: $0[0..<end]), remoteAddress: "t") }
            }
            XCTAssertFalse(whole.isMidRequest, input.debugDescription)
            XCTAssertFalse(pieces.isMidRequest, input.debugDescription)
        }
        var parser = RequestParser(limits: ServerLimits())
        let request = Array("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        guard case .request(let parsed, let consumed) = request.withUnsafeBufferPointer({ parser.parse($0, remoteAddress: "t") }) else {
            return XCTFail("blank lines before a request are skipped (RFC 9112 §2.2)")
        }
        XCTAssertEqual(parsed.target, "/")
        XCTAssertEqual(consumed, request.count)
    }

    /// A request line past the limit with a bare CR further on: fed whole it was answered
    /// 400 (the CR), trickled 414 (the length). Now the first broken rule in byte order wins.
    /// Likewise trailers: a long trailer line was accepted whole and refused trickled.
    func testTheSameBytesGetTheSameAnswerHoweverTheyAreSplit() {
        var limits = ServerLimits()
        limits.maxRequestLineBytes = 256
        limits.maxHeaderBytes = 1024
        let cases: [(String, Status)] = [
            ("GET /" + String(repeating: "a", count: 300) + "\rX / HTTP/1.1\r\n\r\n", .uriTooLong),
            ("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "b", count: 1100) + "\rY\r\n\r\n", .headerFieldsTooLarge),
            ("GET /" + String(repeating: "a", count: 254) + " HTTP/1.1\r\nHost: x\r\n\r\n", .uriTooLong),
            // Trailers: one long line, and many short ones (third finding; they were unbounded when whole).
            (
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + String(repeating: "c", count: 1100)
                    + "\r\n\r\n",
                .headerFieldsTooLarge
            ),
            (
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n"
                    + String(repeating: "T: t\r\n", count: 300) + "\r\n",
                .headerFieldsTooLarge
            ),
            // A chunk-size line with a 1,100-byte extension (fourth finding: accepted when whole).
            (
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=" + String(repeating: "e", count: 1100)
                    + "\r\nhello\r\n0\r\n\r\n",
                .badRequest
            ),
        ]
        for (input, expected) in cases {
            let bytes = Array(input.utf8)
            for step in [bytes.count, 1, 7, 64] {
                var parser = RequestParser(limits: limits)
                var answer: Status?
                for end in stride(from: step, through: bytes.count + step - 1, by: step) {
                    let outcome = bytes.withUnsafeBufferPointer {
                        parser.parse(UnsafeBufferPointer(rebasing: $0[0..<min(end, bytes.count)]), remoteAddress: "t")
                    }
                    if case .reject(let status, _) = outcome {
                        answer = status
                        break
                    }
                }
                XCTAssertEqual(answer, expected, "fed in pieces of \(step): \(input.prefix(20))…")
            }
        }
        // And a line exactly at the limit is fine, even when its CR arrives last.
        let exact = Array(("GET /" + String(repeating: "a", count: 256 - 14) + " HTTP/1.1\r\nHost: x\r\n\r\n").utf8)
        var parser = RequestParser(limits: limits)
        var parsed = false
        for end in 1...exact.count {
            let outcome = exact.withUnsafeBufferPointer { parser.parse(UnsafeBufferPointer(rebasing: $0[0..<end]), remoteAddress: "t") }
            if case .request = outcome { parsed = true }
            if case .reject(let status, let reason) = outcome {
                XCTFail("\(status.code) \(reason) at byte \(end)")
                break
            }
        }
        XCTAssertTrue(parsed)
    }

    /// Found while fixing the above: endless blank lines were buffered without limit.
    func testAStreamOfBlankLinesIsRefused() {
        var parser = RequestParser(limits: ServerLimits())
        let flood = [UInt8](repeating: 0, count: 20_000).enumerated().map { $0.offset % 2 == 0 ? UInt8(13) : UInt8(10) }
        guard case .reject(let status, _) = flood.withUnsafeBufferPointer({ parser.parse($0, remoteAddress: "t") }) else {
            return XCTFail("refused")
        }
        XCTAssertEqual(status, .badRequest)
    }

    func testServerSurvivesMutatedRequestsOverSockets() throws {
        let router = ServerTests.makeRouter()
        var limits = ServerLimits()
        limits.headerTimeout = 0.2
        limits.bodyTimeout = 0.2
        let server = try TestServer(limits: limits, responder: router)
        defer { server.stop() }
        var g = Generator(state: 7)
        for _ in 0..<800 {
            let bytes = Self.mutate(Array(Self.seeds[g.below(Self.seeds.count)].utf8), &g)
            let client = try server.client()
            client.setTimeout(0.02)
            client.send(bytes)
            _ = try? client.readResponse()
        }
        let client = try server.client()
        client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "hello")
    }
}
