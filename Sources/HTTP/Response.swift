/// An HTTP response. The server adds `Date`, `Content-Length`/`Transfer-Encoding` and
/// `Connection` when it writes it.
public struct Response: Sendable {
    public var status: Status
    public var headers: Headers
    public var body: Body
    /// What the access log shows instead of the request path (the route's pattern, for
    /// paths that carry a secret such as a one-time token).
    public var logPath: String?
    /// The route pattern that answered (`/petitions/{slug}`), for metrics; nil for answers
    /// no route gave (the server's own 400s and 408s).
    public var route: String?

    public enum Body: Sendable {
        case bytes([UInt8])
        /// Produced piece by piece as the socket drains, so memory stays flat.
        case stream(BodyStream)
    }

    public init(status: Status = .ok, headers: Headers = Headers(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Status = .ok, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: Headers([("Content-Type", contentType)]), body: .bytes(body))
    }

    public static func text(_ text: String, status: Status = .ok) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    public static func html(_ html: String, status: Status = .ok) -> Response {
        Response(status: status, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
    }

    public static func json(_ json: String, status: Status = .ok) -> Response {
        Response(status: status, contentType: "application/json; charset=utf-8", body: Array(json.utf8))
    }

    /// `303 See Other` to `location`: the answer to a successful form post.
    public static func redirect(to location: String, status: Status = .seeOther) -> Response {
        var response = Response(status: status)
        response.headers["Location"] = location
        return response
    }

    /// The body bytes when the body is not streamed.
    public var bodyBytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }

    public var contentType: String? { headers["Content-Type"] }
}

/// A body written in pieces. `next` is called on the server's I/O thread whenever the
/// socket can take more; it returns nil when the body is complete. `finish` is called
/// exactly once, when the body ends or the connection drops. Unchecked: one connection owns
/// it, and a connection is served by one I/O thread.
public final class BodyStream: @unchecked Sendable {
    public let length: Int?
    private let produce: () throws -> [UInt8]?
    private let onFinish: () -> Void
    private var finished = false

    public init(length: Int? = nil, next: @escaping () throws -> [UInt8]?, finish: @escaping () -> Void = {}) {
        self.length = length
        self.produce = next
        self.onFinish = finish
    }

    public func next() throws -> [UInt8]? {
        if finished { return nil }
        let piece = try produce()
        if piece == nil { finish() }
        return piece
    }

    public func finish() {
        guard !finished else { return }
        finished = true
        onFinish()
    }

    /// Reads the whole stream (tests and small bodies).
    public func collect() throws -> [UInt8] {
        var all: [UInt8] = []
        while let piece = try next() { all += piece }
        return all
    }
}
