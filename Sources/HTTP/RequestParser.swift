/// An incremental HTTP/1.1 request parser (RFC 9112).
///
/// It is fed the connection's buffered bytes and either asks for more, returns one
/// complete request and how many bytes it used, or rejects the input with the status to
/// answer (after which the connection is closed). It never buffers beyond the limits:
/// a head that grows past them is rejected before the rest arrives.
public struct RequestParser: Sendable {
    public enum Outcome: Sendable {
        case needMore
        case request(Request, consumed: Int)
        case reject(Status, String)
        /// The head of a request whose body is to be spooled: `length` bytes follow.
        case spool(Request, consumed: Int, length: Int)
        /// A head answered without reading its body (the body policy refused it).
        case refuse(Request, Response)
    }

    /// Asked once per head: buffer the body, spool it, or refuse it. Set by the connection.
    public var policy: @Sendable (inout Request) -> BodyPolicy = { _ in .buffer }
    /// The peer is a trusted proxy: believe its `X-Forwarded-*` / `Forwarded` headers.
    public var trustForwarded = false

    let limits: ServerLimits
    private var state: State = .head(scanned: 0)
    /// Set once a head asking `Expect: 100-continue` is waiting for its body.
    public private(set) var expectsContinue = false
    /// True while part of a request is buffered (for the header/body timeouts).
    public var isMidRequest: Bool {
        if case .head(let scanned) = state { return scanned > 0 }
        return true
    }
    /// Body bytes the parser holds itself (a chunked body decoded so far).
    public var bufferedBodyBytes: Int {
        if case .chunked(_, _, let chunk) = state { return chunk.body.count }
        return 0
    }
    public var isReadingBody: Bool {
        if case .head = state { return false }
        return true
    }

    private enum State: Sendable {
        case head(scanned: Int)
        case fixedBody(Request, headLength: Int, length: Int)
        case chunked(Request, headLength: Int, ChunkState)
    }

    private struct ChunkState: Sendable {
        var position: Int  // absolute offset in the buffer where decoding continues
        var body: [UInt8] = []
        var remainingInChunk = 0  // data bytes left in the current chunk
        var trailersStart = 0  // where the trailer section begins (after the last chunk)
        var phase: Phase = .size
        enum Phase: Sendable { case size, data, dataCRLF, trailers }
    }

    public init(limits: ServerLimits) { self.limits = limits }

    public mutating func reset() {
        state = .head(scanned: 0)
        expectsContinue = false
    }

    /// Parses from the start of `buffer` (bytes not yet consumed by earlier requests).
    public mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>, remoteAddress: String) -> Outcome {
        switch state {
        case .head(let scanned):
            return parseHead(buffer, scanned: scanned, remoteAddress: remoteAddress)
        case .fixedBody(let request, let headLength, let length):
            return finishFixedBody(buffer, request: request, headLength: headLength, length: length)
        case .chunked(let request, let headLength, let chunk):
            return continueChunked(buffer, request: request, headLength: headLength, chunk: chunk)
        }
    }

    // MARK: Head

    private mutating func parseHead(_ buf: UnsafeBufferPointer<UInt8>, scanned: Int, remoteAddress: String) -> Outcome {
        let cr: UInt8 = 13
        let lf: UInt8 = 10
        // Skip empty lines before the request line (RFC 9112 §2.2).
        var start = 0
        while start + 1 < buf.count, buf[start] == cr, buf[start + 1] == lf { start += 2 }
        // …but not forever: they count against the request line, or a stream of CRLFs would grow the buffer.
        if start > limits.maxRequestLineBytes { return .reject(.badRequest, "too many empty lines before the request") }
        if start > 0 && start == buf.count {
            // Empty lines are not part of a request (found by fuzzing: whole and byte-by-byte disagreed).
            state = .head(scanned: 0)
            return .needMore
        }
        // Find the end of the head: CRLF CRLF.
        var i = max(start, scanned - 3)
        var headEnd = -1
        var requestLineEnd = -1
        // Limits are checked at the byte that breaks them, before anything after it, so the
        // answer does not depend on how the bytes were split into reads (fuzzing found a
        // bare CR past the limit answered 400 when whole but 414 when trickled).
        let lineFeed = firstIndex(of: lf, in: buf, from: start)
        while i < buf.count {
            let c = buf[i]
            if let lineFeed, i >= lineFeed {
                if i - lineFeed > limits.maxHeaderBytes { return .reject(.headerFieldsTooLarge, "request header too large") }
            } else if i - start > limits.maxRequestLineBytes {
                return .reject(.uriTooLong, "request line too long")
            }
            if c == lf {
                if i == 0 || buf[i - 1] != cr { return .reject(.badRequest, "bare LF in request head") }
                if i >= 3 && buf[i - 2] == lf && buf[i - 3] == cr {
                    headEnd = i + 1
                    break
                }
            } else if c == cr {
                if i + 1 < buf.count && buf[i + 1] != lf { return .reject(.badRequest, "bare CR in request head") }
            }
            i += 1
        }
        // The same limits as in the loop, on what has arrived so far (the line may end in its CR).
        if (lineFeed ?? buf.count) - start > limits.maxRequestLineBytes + 1 { return .reject(.uriTooLong, "request line too long") }
        if let lineFeed { requestLineEnd = lineFeed - 1 }
        if headEnd < 0 {
            if let lineFeed, buf.count - 1 - lineFeed > limits.maxHeaderBytes {
                return .reject(.headerFieldsTooLarge, "request header too large")
            }
            state = .head(scanned: buf.count)
            return .needMore
        }
        // The request line.
        let line = Array(buf[start..<requestLineEnd])
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
            parts[0].allSatisfy(Self.isTokenChar)
        else {
            return .reject(.badRequest, "malformed request line")
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        let versionText = String(decoding: parts[2], as: UTF8.self)
        let version: Request.Version
        switch versionText {
        case "HTTP/1.1": version = .http11
        case "HTTP/1.0": version = .http10
        default:
            let v = Array(parts[2])
            if v.count == 8, versionText.hasPrefix("HTTP/"), v[6] == UInt8(ascii: "."),
                (48...57).contains(v[5]), (48...57).contains(v[7])
            {
                return .reject(.versionNotSupported, "HTTP version not supported")
            }
            return .reject(.badRequest, "malformed HTTP version")
        }
        guard parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else { return .reject(.badRequest, "invalid request target") }
        var target = String(decoding: parts[1], as: UTF8.self)
        if !target.hasPrefix("/") {
            if target == "*" && method == "OPTIONS" {
                // asterisk-form: fine
            } else if let schemeEnd = target.range(of: "://"), target.lowercased().hasPrefix("http") {
                // absolute-form: keep the path and query only.
                let rest = target[schemeEnd.upperBound...]
                target = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
            } else {
                return .reject(.badRequest, "invalid request target")
            }
        }
        // Header fields.
        var headers = Headers()
        var lineStart = requestLineEnd + 2
        let headersEnd = headEnd - 2
        var count = 0
        while lineStart < headersEnd {
            guard let lineEndLF = firstIndex(of: lf, in: buf, from: lineStart) else { break }
            let fieldEnd = lineEndLF - 1
            if buf[lineStart] == 32 || buf[lineStart] == 9 { return .reject(.badRequest, "obsolete line folding") }
            guard let colon = firstIndex(of: UInt8(ascii: ":"), in: buf, from: lineStart, to: fieldEnd), colon > lineStart else {
                return .reject(.badRequest, "malformed header field")
            }
            for j in lineStart..<colon where !Self.isTokenChar(buf[j]) {
                return .reject(.badRequest, "invalid header field name")
            }
            var valueStart = colon + 1
            var valueEnd = fieldEnd
            while valueStart < valueEnd, buf[valueStart] == 32 || buf[valueStart] == 9 { valueStart += 1 }
            while valueEnd > valueStart, buf[valueEnd - 1] == 32 || buf[valueEnd - 1] == 9 { valueEnd -= 1 }
            for j in valueStart..<valueEnd {
                let c = buf[j]
                if (c < 32 && c != 9) || c == 127 { return .reject(.badRequest, "invalid character in header value") }
            }
            count += 1
            if count > limits.maxHeaderCount { return .reject(.headerFieldsTooLarge, "too many header fields") }
            let name = String(decoding: UnsafeBufferPointer(rebasing: buf[lineStart..<colon]), as: UTF8.self).lowercased()
            let value = String(decoding: UnsafeBufferPointer(rebasing: buf[valueStart..<valueEnd]), as: UTF8.self)
            headers.add(name, value)
            lineStart = lineEndLF + 1
        }
        if headEnd - 1 - (requestLineEnd + 1) > limits.maxHeaderBytes {  // (the loop has checked this already)
            return .reject(.headerFieldsTooLarge, "request header too large")
        }
        if version == .http11 && headers.count(of: "host") != 1 {
            return .reject(.badRequest, "HTTP/1.1 requests need exactly one Host header")
        }
        var request = Request(method: method, target: target, version: version, headers: headers, remoteAddress: remoteAddress)
        if trustForwarded {
            (request.remoteAddress, request.isSecure) = limits.trustedProxies.resolve(peer: remoteAddress, headers: headers)
        }

        // Body framing (RFC 9112 §6).
        let transferEncodings = headers.values("transfer-encoding")
        let lengths = headers.values("content-length")
        let bodyPolicy = policy(&request)
        if case .refuse(let response) = bodyPolicy {
            reset()
            return .refuse(request, response)
        }
        if case .spool(let maxBytes) = bodyPolicy {
            guard transferEncodings.isEmpty else { return .reject(.lengthRequired, "uploads need a Content-Length") }
            guard lengths.count == 1, let length = Int(lengths[0]), lengths[0].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                return .reject(lengths.isEmpty ? .lengthRequired : .badRequest, "uploads need one valid Content-Length")
            }
            if length > maxBytes { return .reject(.contentTooLarge, "upload too large") }
            expectsContinue = false
            state = .head(scanned: 0)
            return .spool(request, consumed: headEnd, length: length)
        }
        if !transferEncodings.isEmpty {
            if !lengths.isEmpty { return .reject(.badRequest, "both Content-Length and Transfer-Encoding") }
            if version == .http10 { return .reject(.badRequest, "Transfer-Encoding in an HTTP/1.0 request") }
            let codings = transferEncodings.joined(separator: ",").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            guard codings == ["chunked"] else { return .reject(.notImplemented, "unsupported transfer coding") }
            expectsContinue = Self.expectsContinue(headers)
            let chunk = ChunkState(position: headEnd)
            return continueChunked(buf, request: request, headLength: headEnd, chunk: chunk)
        }
        if !lengths.isEmpty {
            guard lengths.count == 1 else { return .reject(.badRequest, "duplicate Content-Length") }
            let text = lengths[0]
            guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let length = Int(text)
            else {
                return .reject(.badRequest, "malformed Content-Length")
            }
            if length > limits.maxBodyBytes { return .reject(.contentTooLarge, "request body too large") }
            if length > 0 {
                expectsContinue = Self.expectsContinue(headers)
                return finishFixedBody(buf, request: request, headLength: headEnd, length: length)
            }
        }
        request.body = []
        reset()
        return .request(request, consumed: headEnd)
    }

    private static func expectsContinue(_ headers: Headers) -> Bool {
        headers["expect"]?.lowercased() == "100-continue"
    }

    private mutating func finishFixedBody(_ buf: UnsafeBufferPointer<UInt8>, request: Request, headLength: Int, length: Int) -> Outcome {
        guard buf.count >= headLength + length else {
            state = .fixedBody(request, headLength: headLength, length: length)
            return .needMore
        }
        var request = request
        request.body = Array(buf[headLength..<(headLength + length)])
        reset()
        return .request(request, consumed: headLength + length)
    }

    // MARK: Chunked bodies

    private mutating func continueChunked(_ buf: UnsafeBufferPointer<UInt8>, request: Request, headLength: Int, chunk: ChunkState)
        -> Outcome
    {
        var chunk = chunk
        let lf: UInt8 = 10
        let cr: UInt8 = 13
        while true {
            switch chunk.phase {
            case .size:
                guard let lineLF = firstIndex(of: lf, in: buf, from: chunk.position) else {
                    if buf.count - chunk.position > 1024 { return .reject(.badRequest, "chunk size line too long") }
                    return saveChunked(request, headLength, chunk)
                }
                // The same bound when the line arrived whole (fourth libFuzzer finding).
                if lineLF - chunk.position > 1024 { return .reject(.badRequest, "chunk size line too long") }
                guard lineLF > chunk.position, buf[lineLF - 1] == cr else { return .reject(.badRequest, "bad chunk size line") }
                var end = lineLF - 1
                if let semicolon = firstIndex(of: UInt8(ascii: ";"), in: buf, from: chunk.position, to: end) { end = semicolon }
                let digits = buf[chunk.position..<end]
                guard !digits.isEmpty else { return .reject(.badRequest, "bad chunk size") }
                // Bounded digit by digit: sixteen hex digits overflow into a negative size, which
                // once made a range with its end before its start and trapped (a one-request crash).
                var size = 0
                for d in digits {
                    guard let v = PercentEncoding.hexValue(d) else { return .reject(.badRequest, "bad chunk size") }
                    size = size << 4 | Int(v)
                    if size > limits.maxBodyBytes - chunk.body.count { return .reject(.contentTooLarge, "request body too large") }
                }
                chunk.position = lineLF + 1
                if size == 0 {
                    chunk.phase = .trailers
                    chunk.trailersStart = chunk.position
                } else {
                    chunk.remainingInChunk = size
                    chunk.phase = .data
                }
            case .data:
                let available = buf.count - chunk.position
                if available <= 0 { return saveChunked(request, headLength, chunk) }
                let take = min(available, chunk.remainingInChunk)
                chunk.body.append(contentsOf: buf[chunk.position..<(chunk.position + take)])
                chunk.position += take
                chunk.remainingInChunk -= take
                if chunk.remainingInChunk == 0 { chunk.phase = .dataCRLF } else { return saveChunked(request, headLength, chunk) }
            case .dataCRLF:
                guard buf.count - chunk.position >= 2 else { return saveChunked(request, headLength, chunk) }
                guard buf[chunk.position] == cr, buf[chunk.position + 1] == lf else {
                    return .reject(.badRequest, "chunk data not followed by CRLF")
                }
                chunk.position += 2
                chunk.phase = .size
            case .trailers:
                // Trailer fields are read and dropped; an empty line ends the body.
                // All trailer lines together count against the header limit, checked the same way
                // whether a line arrived whole or in pieces (a libFuzzer finding: a long complete
                // line was accepted, the same line trickled was refused).
                guard let lineLF = firstIndex(of: lf, in: buf, from: chunk.position) else {
                    if buf.count - chunk.trailersStart > limits.maxHeaderBytes {
                        return .reject(.headerFieldsTooLarge, "trailers too large")
                    }
                    return saveChunked(request, headLength, chunk)
                }
                if lineLF - chunk.trailersStart > limits.maxHeaderBytes { return .reject(.headerFieldsTooLarge, "trailers too large") }
                guard lineLF > chunk.position, buf[lineLF - 1] == cr else { return .reject(.badRequest, "bad trailer line") }
                let empty = lineLF - 1 == chunk.position
                chunk.position = lineLF + 1
                if empty {
                    var request = request
                    request.body = chunk.body
                    reset()
                    return .request(request, consumed: chunk.position)
                }
            }
        }
    }

    private mutating func saveChunked(_ request: Request, _ headLength: Int, _ chunk: ChunkState) -> Outcome {
        state = .chunked(request, headLength: headLength, chunk)
        return .needMore
    }

    // MARK: Helpers

    private func firstIndex(of byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, from: Int, to: Int? = nil) -> Int? {
        let end = to ?? buf.count
        var i = from
        while i < end {
            if buf[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// RFC 9110 `tchar`.
    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(c)
        }
    }
}
