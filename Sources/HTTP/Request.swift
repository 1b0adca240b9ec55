import Foundation

/// One parsed HTTP request.
public struct Request: Sendable {
    public enum Version: Sendable, Equatable {
        case http10, http11
        public var text: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
    }

    /// The method token exactly as sent (methods are case-sensitive).
    public var method: String
    /// The raw request target (`/news?page=2`).
    public var target: String
    /// The path part of the target, still percent-encoded.
    public var path: String
    /// The query part without `?`, still encoded; empty when absent.
    public var queryString: String
    public var version: Version
    /// Header names are lower-cased.
    public var headers: Headers
    public var body: [UInt8]
    /// For a spooled upload: the temporary file holding the body (removed after the response).
    public var bodyFile: String?
    /// The client's IP address as text: the TCP peer, or, when the peer is a trusted proxy,
    /// the client it names in `X-Forwarded-For` / `Forwarded`. Rate limits, throttles,
    /// client hashes and the access log use this.
    public var remoteAddress: String
    /// The client reached us over HTTPS (a trusted proxy said `X-Forwarded-Proto: https`).
    public var isSecure = false
    /// Values of `{name}` segments of the matched route, percent-decoded.
    public var parameters: [String: String] = [:]
    /// The route found from the head (an upload's), so the router does not search twice.
    var matchedRoute: Int?
    /// Per-request values set by middleware (the visitor's language, the signed-in user…).
    public var attributes = Attributes()

    public init(
        method: String, target: String, version: Version = .http11, headers: Headers = Headers(),
        body: [UInt8] = [], remoteAddress: String = "127.0.0.1"
    ) {
        self.method = method
        self.target = target
        // On bytes: `?` is ASCII, so where it is found is a character boundary.
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.path = String(decoding: target.utf8[..<q], as: UTF8.self)
            self.queryString = String(decoding: target.utf8[target.utf8.index(after: q)...], as: UTF8.self)
        } else {
            self.path = target
            self.queryString = ""
        }
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// Whether the connection stays open after this request's response.
    public var wantsKeepAlive: Bool {
        let connection = headers["connection"] ?? ""
        switch version {
        case .http11: return !connection.listsToken("close")
        case .http10: return connection.listsToken("keep-alive")
        }
    }

    /// Decoded query parameters.
    public var query: FormFields { FormFields(urlEncoded: queryString) }

    /// Decoded `application/x-www-form-urlencoded` body.
    public var form: FormFields { body.withUnsafeBufferPointer { FormFields(urlEncoded: $0) } }

    public var cookies: [String: String] { Cookies.parse(headers["cookie"] ?? "") }

    public func parameter(_ name: String) -> String { parameters[name] ?? "" }

    /// Whether the client accepts a gzip-encoded response.
    public var acceptsGzip: Bool {
        guard let header = headers["accept-encoding"] else { return false }
        // The first entry naming gzip (or `*`) decides; `q=0` (or 0.0, 0.000) refuses it.
        guard let entry = Headers.qualityList(header).first(where: { $0.value == "gzip" || $0.value == "*" }) else { return false }
        return entry.quality > 0
    }
}

/// Type-keyed storage for values that middleware attaches to a request.
public struct Attributes: Sendable {
    private var storage: [ObjectIdentifier: any Sendable] = [:]
    public init() {}
    public subscript<Key: AttributeKey>(key: Key.Type) -> Key.Value? {
        get { storage[ObjectIdentifier(key)] as? Key.Value }
        set { storage[ObjectIdentifier(key)] = newValue }
    }
}

public protocol AttributeKey {
    associatedtype Value: Sendable
}
