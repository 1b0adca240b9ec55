/// Routes requests by method and path pattern (`/petitions/{slug}`, `/petitions/{slug}.json`),
/// runs them through middleware, answers `405` with `Allow` for a known path with the
/// wrong method, turns `HEAD` into `GET` without a body, and hands everything else to
/// the fallback (static files, then the 404 page).
///
/// Unchecked `Sendable`: routes and middleware are added before `freeze()`, on one thread,
/// before the server starts; from then on every thread only reads them.
public final class Router: Responder, @unchecked Sendable {
    public typealias SyncHandler = @Sendable (Request) throws -> Response
    public typealias AsyncHandler = @Sendable (Request) async throws -> Response

    public enum Handler: Sendable {
        case sync(SyncHandler)
        /// Runs on Swift's shared pool (long computations: password hashes, pictures).
        case async(AsyncHandler)
        /// Computes as little as a page, then waits for a database write (a public form):
        /// runs on the connection's event loop (`Outcome.Placement.eventLoop`).
        case writes(AsyncHandler)
    }

    struct Route {
        let method: String
        let pattern: Pattern
        let handler: Handler
        /// The path carries a secret: the access log shows the pattern instead.
        let sensitive: Bool
        /// Uploads: the body is spooled to disk, up to this many bytes.
        let upload: Int?
        /// Uploads: run on the head before any of the body is read; a response refuses it.
        let precheck: (@Sendable (Request) -> Response?)?
        let template: String
    }

    private var routes: [Route] = []
    /// Route indices by path shape, "segment-count first-segment" ("2 petitions"), with the
    /// routes whose first segment is a parameter under "2 *"; in specificity order. Built by
    /// `freeze()`: a request is compared with the few routes of its shape, not all of them
    /// (a static file used to be compared with every route, each copy of a route costing
    /// atomic retains that two cores fought over).
    private var byShape: [Shape: [Int]] = [:]
    /// The shapes holding an upload route: a post of any other shape is buffered at once.
    private var uploadShapes: Set<Shape> = []
    private var hasUploads = false
    private var middleware: [any Middleware] = []
    private var frozen = false
    /// Answers requests no route matched (GET/HEAD: static files, then 404).
    public var fallback: SyncHandler = { _ in .text("Not Found\n", status: .notFound) }
    /// The page for an `HTTPError` that carries no response of its own (the application's
    /// "not found" page, in the visitor's language).
    public var errorPage: @Sendable (Request, Status) -> Response = { _, status in
        .text("\(status.code) \(status.reason)\n", status: status)
    }
    /// Turns any other error thrown by a handler into a response (a `500`).
    public var errorResponse: @Sendable (Request, any Error) -> Response = { _, _ in
        .text("Internal Server Error\n", status: .internalServerError)
    }

    /// The answer for what a handler threw: an `HTTPError`'s response or error page, else a `500`.
    func answer(_ error: any Error, to request: Request) -> Response {
        if let error = error as? HTTPError { return error.response ?? errorPage(request, error.status) }
        return errorResponse(request, error)
    }

    public init() {}

    // MARK: Registration (before the server starts)

    public func get(_ path: String, sensitive: Bool = false, _ handler: @escaping SyncHandler) {
        add("GET", path, .sync(handler), sensitive: sensitive)
    }
    public func post(_ path: String, sensitive: Bool = false, _ handler: @escaping SyncHandler) {
        add("POST", path, .sync(handler), sensitive: sensitive)
    }
    public func post(_ path: String, sensitive: Bool = false, async handler: @escaping AsyncHandler) {
        add("POST", path, .async(handler), sensitive: sensitive)
    }
    public func get(_ path: String, sensitive: Bool = false, async handler: @escaping AsyncHandler) {
        add("GET", path, .async(handler), sensitive: sensitive)
    }
    /// A form whose handler computes little and waits for its write: see `Handler.writes`.
    public func post(_ path: String, sensitive: Bool = false, writes handler: @escaping AsyncHandler) {
        add("POST", path, .writes(handler), sensitive: sensitive)
    }

    /// An upload route: the body (up to `maxBytes`) is written to a temporary file as it
    /// arrives, never held in memory; the handler finds it in `request.bodyFile`.
    /// `precheck` sees the head first (through the middleware, like any request): when it
    /// returns a response (not signed in, wrong role, no valid form token), that is the
    /// answer and not one byte of the body is read or stored.
    public func post(
        _ path: String, upload maxBytes: Int, precheck: (@Sendable (Request) -> Response?)? = nil,
        async handler: @escaping AsyncHandler
    ) {
        add("POST", path, .async(handler), upload: maxBytes, precheck: precheck)
    }

    /// Finds an upload route from the head alone, and remembers it in the request so that
    /// dispatch does not search the routes again.
    public func bodyPolicy(for head: inout Request) -> BodyPolicy {
        guard head.method == "POST" || head.method == "PUT", frozen ? hasUploads : routes.contains(where: { $0.upload != nil }) else {
            return .buffer
        }
        let path = middleware.reduce(head.path) { $1.routedPath($0) }
        let segments = Pattern.split(path)
        if frozen && !uploadShapes.contains(Shape(count: segments.count, first: segments.first ?? ""))
            && !uploadShapes.contains(Shape(count: segments.count, first: "*"))
        {
            return .buffer
        }
        guard
            let index = candidates(segments).first(where: {
                routes[$0].upload != nil && routes[$0].method == head.method && routes[$0].pattern.match(segments) != nil
            })
        else { return .buffer }
        let route = routes[index]
        head.matchedRoute = index
        let spool = BodyPolicy.spool(maxBytes: route.upload ?? 0)
        // Too large for anyone: the parser answers 413 whoever sends it.
        if let length = head.headers["content-length"].flatMap(Int.init), length > route.upload ?? 0 { return spool }
        guard let precheck = route.precheck else { return spool }
        var refused = false
        let outcome = run(head, at: 0) { request in
            var request = request
            request.parameters = route.pattern.match(Pattern.split(request.path)) ?? [:]
            guard let refusal = precheck(request) else { return .now(Response(status: .noContent)) }
            refused = true
            return .now(refusal)
        }
        guard refused, case .now(let response) = outcome else { return spool }
        return .refuse(response)
    }

    /// Registers a route. `sensitive`: the path holds a secret (a one-time token), so the
    /// access log records the pattern (`/admin/setup/{token}`) instead.
    public func add(
        _ method: String, _ path: String, _ handler: Handler, sensitive: Bool = false, upload: Int? = nil,
        precheck: (@Sendable (Request) -> Response?)? = nil
    ) {
        precondition(!frozen, "routes are registered before the server starts")
        routes.append(
            Route(
                method: method, pattern: Pattern(path), handler: handler, sensitive: sensitive, upload: upload,
                precheck: precheck, template: path))
        // Most specific first: literal segments beat parameters, longer literals beat shorter.
        routes.sort { $0.pattern.specificity > $1.pattern.specificity }
    }

    /// A registered route, as `sanctuary routes` lists it.
    public struct Listing: Sendable {
        public let method: String
        public let path: String
        /// The path carries a secret (a one-time link's token).
        public let sensitive: Bool
        /// An upload route's size limit.
        public let upload: Int?
    }

    /// Every route, sorted by path and method.
    public var listing: [Listing] {
        routes.map { Listing(method: $0.method, path: $0.template, sensitive: $0.sensitive, upload: $0.upload) }
            .sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    /// Runs an upload route's precheck (what its head must pass before the body is read), if it has one.
    public func precheck(method: String, path: String, _ request: Request) -> Response? {
        routes.first { $0.method == method && $0.template == path }?.precheck?(request)
    }

    /// Middleware run in the order added, outermost first, around every request
    /// (routed, fallback, 404 and 405 alike).
    public func use(_ m: any Middleware) {
        precondition(!frozen, "middleware is added before the server starts")
        middleware.append(m)
    }

    public func freeze() {
        frozen = true
        hasUploads = routes.contains { $0.upload != nil }
        byShape = [:]
        uploadShapes = []
        for (index, route) in routes.enumerated() {
            let first: String
            switch route.pattern.segments.first {
            case .literal(let text): first = text
            case .parameter: first = "*"
            case nil: first = ""
            }
            let shape = Shape(count: route.pattern.segments.count, first: first)
            byShape[shape, default: []].append(index)
            if route.upload != nil { uploadShapes.insert(shape) }
        }
    }

    /// A path's shape: its number of segments and its first one (`*` for a parameter).
    private struct Shape: Hashable {
        let count: Int
        let first: String
    }

    /// The routes a path of these segments could match, in specificity order.
    private func candidates(_ segments: [String]) -> [Int] {
        guard frozen else { return Array(routes.indices) }
        let literal = byShape[Shape(count: segments.count, first: segments.first ?? "")] ?? []
        let wild = segments.isEmpty ? [] : byShape[Shape(count: segments.count, first: "*")] ?? []
        if wild.isEmpty { return literal }
        if literal.isEmpty { return wild }
        return (literal + wild).sorted()
    }

    // MARK: Answering

    public func respond(to request: Request) -> Outcome {
        run(request, at: 0, terminal: route)
    }

    /// The application's answer to the error (`errorResponse`), through the middleware like
    /// any page (its language, its security headers).
    public func storageFull(_ request: Request, _ error: any Error) -> Response {
        if case .now(let response) = run(request, at: 0, terminal: { [self] in .now(answer(error, to: $0)) }) { return response }
        return answer(error, to: request)
    }

    /// The middleware from `index` on, around `terminal` (the route, or an upload's precheck).
    private func run(_ request: Request, at index: Int, terminal: (Request) -> Outcome) -> Outcome {
        if index < middleware.count {
            return middleware[index].handle(request) { [self] next in run(next, at: index + 1, terminal: terminal) }
        }
        return terminal(request)
    }

    private func route(_ request: Request) -> Outcome {
        let segments = Pattern.split(request.path)
        let method = request.method == "HEAD" ? "GET" : request.method
        // An upload's route was found from its head (`bodyPolicy`); the middleware rewrites
        // the path the same way both times, so it still matches.
        if let index = request.matchedRoute, routes.indices.contains(index), routes[index].method == method,
            let parameters = routes[index].pattern.match(segments)
        {
            return dispatch(routes[index], parameters, request)
        }
        var allowed: Set<String> = []
        for index in candidates(segments) {
            let route = routes[index]
            guard let parameters = route.pattern.match(segments) else { continue }
            guard route.method == method else {
                allowed.insert(route.method)
                continue
            }
            return dispatch(route, parameters, request)
        }
        if !allowed.isEmpty {
            if allowed.contains("GET") { allowed.insert("HEAD") }
            let allow = allowed.sorted().joined(separator: ", ")
            if request.method == "OPTIONS" {
                var response = Response(status: .noContent)
                response.headers["Allow"] = allow
                return .now(response)
            }
            var response = Response.text("Method Not Allowed\n", status: .methodNotAllowed)
            response.headers["Allow"] = allow
            return .now(response)
        }
        if method == "GET" { return .now(call(fallback, request)) }
        var response = call(fallback, request)
        if response.status == .ok {
            response = .text("Method Not Allowed\n", status: .methodNotAllowed)
            response.headers["Allow"] = "GET, HEAD"
        }
        return .now(response)
    }

    private func dispatch(_ route: Route, _ parameters: [String: String], _ request: Request) -> Outcome {
        var request = request
        request.parameters = parameters
        let outcome: Outcome
        let template = route.template
        switch route.handler {
        case .sync(let handler):
            var response = call(handler, request)
            response.route = template
            outcome = .now(response)
        case .async(let handler), .writes(let handler):
            let request = request
            let placement: Outcome.Placement
            if case .writes = route.handler { placement = .eventLoop } else { placement = .pool }
            outcome = .later(
                { [self] in
                    var response: Response
                    do { response = try await handler(request) } catch { response = answer(error, to: request) }
                    response.route = template
                    return response
                }, on: placement)
        }
        guard route.sensitive else { return outcome }
        return outcome.map { response in
            var response = response
            response.logPath = template
            // The secret in this address must not leave in a `Referer` to another site.
            response.headers["Referrer-Policy"] = "no-referrer"
            return response
        }
    }

    private func call(_ handler: SyncHandler, _ request: Request) -> Response {
        do { return try handler(request) } catch { return answer(error, to: request) }
    }
}

/// Cross-cutting work around every request: security headers, compression, sessions…
public protocol Middleware: Sendable {
    func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome
    /// The path routes will see, when this middleware rewrites it (a language prefix);
    /// used to find an upload route before the body arrives.
    func routedPath(_ path: String) -> String
}

extension Middleware {
    public func routedPath(_ path: String) -> String { path }
}

/// A path pattern split into segments; `{name}` captures one segment, optionally with a
/// literal prefix or suffix in the same segment (`{slug}.json`).
struct Pattern {
    enum Segment {
        case literal(String)
        case parameter(name: String, prefix: String, suffix: String)
    }

    let segments: [Segment]
    let specificity: Int

    init(_ path: String) {
        var score = 0
        segments = Pattern.split(path).map { raw in
            guard let open = raw.firstIndex(of: "{"), let close = raw.firstIndex(of: "}"), open < close else {
                score += 100
                return .literal(raw)
            }
            let prefix = String(raw[..<open])
            let suffix = String(raw[raw.index(after: close)...])
            score += 10 + prefix.count + suffix.count
            return .parameter(name: String(raw[raw.index(after: open)..<close]), prefix: prefix, suffix: suffix)
        }
        specificity = score * 16 + segments.count
    }

    static func split(_ path: String) -> [String] {
        // On bytes: `/` is ASCII, so it never falls inside a multi-byte character.
        var path = path
        return path.withUTF8 { bytes in
            var segments: [String] = []
            var start = 0
            for index in bytes.indices where bytes[index] == UInt8(ascii: "/") {
                if start < index { segments.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)) }
                start = index + 1
            }
            if start < bytes.count { segments.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self)) }
            return segments
        }
    }

    func match(_ path: [String]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        // Literals first: most candidates differ from the path in one (`/petitions/{slug}/thanks`
        // against `…/sign`), and need no parameter decoded to tell.
        for (segment, raw) in zip(segments, path) {
            if case .literal(let text) = segment, text != raw { return nil }
        }
        var parameters: [String: String] = [:]
        for (segment, raw) in zip(segments, path) {
            guard case .parameter(let name, let prefix, let suffix) = segment else { continue }
            // A whole segment (the usual `{slug}`) needs no counting of characters.
            let whole = prefix.isEmpty && suffix.isEmpty
            guard whole || (raw.count > prefix.count + suffix.count && raw.hasPrefix(prefix) && raw.hasSuffix(suffix)) else {
                return nil
            }
            let decoded =
                whole && !raw.containsBytes("%")
                ? raw : PercentEncoding.decode(whole ? raw[...] : raw.dropFirst(prefix.count).dropLast(suffix.count))
            guard !decoded.containsBytes("/") else { return nil }
            parameters[name] = decoded
        }
        return parameters
    }
}
