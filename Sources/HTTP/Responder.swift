/// What handling a request produces: a response now, or work that finishes later
/// without holding the I/O thread (a write waiting for its group commit, a password hash).
public enum Outcome: Sendable {
    case now(Response)
    case later(@Sendable () async -> Response, on: Placement)

    /// Where work that finishes later runs.
    public enum Placement: Sendable {
        /// Swift's shared pool of threads: for work that computes for long (a password
        /// hash, a picture), so the connection's event loop keeps answering everyone else.
        case pool
        /// The connection's own event loop, which it leaves only while it waits: for a
        /// handler that computes as little as a page and then waits for a write. No thread
        /// hands it on, so a signature costs two wake-ups fewer (the writer's answer is
        /// the only one).
        case eventLoop
    }

    /// Applies `transform` to the response, whenever it arrives.
    public func map(_ transform: @escaping @Sendable (Response) -> Response) -> Outcome {
        switch self {
        case .now(let response): return .now(transform(response))
        case .later(let work, let placement): return .later({ transform(await work()) }, on: placement)
        }
    }
}

/// Anything that answers requests: the router, or a test's closure.
public protocol Responder: Sendable {
    func respond(to request: Request) -> Outcome
    /// How to receive the body of a request whose head just arrived: in memory (up to
    /// `maxBodyBytes`), or written to a temporary file as it arrives (uploads).
    func bodyPolicy(for head: inout Request) -> BodyPolicy
    /// The answer to an upload whose body could not be written to its spool file because the
    /// disk is full (`ENOSPC`, `EDQUOT`); the connection then closes. The request's `bodyFile`
    /// holds what was written of the body (nil when none could be), until this returns.
    func storageFull(_ request: Request, _ error: any Error) -> Response
}

extension Responder {
    public func bodyPolicy(for head: inout Request) -> BodyPolicy { .buffer }
    public func storageFull(_ request: Request, _ error: any Error) -> Response {
        var response = Response.text(
            "503 Service Unavailable: the server's storage is full; try again later\n", status: .serviceUnavailable)
        response.headers["Retry-After"] = "60"
        return response
    }
}

public enum BodyPolicy: Sendable, Equatable {
    case buffer
    /// Stream the body to a file in the spool folder, refusing more than `maxBytes` with 413.
    case spool(maxBytes: Int)
    /// Answer the head with this response and read none of the body (an upload from someone
    /// not signed in, or without a valid form token); the connection then closes.
    case refuse(Response)

    public static func == (lhs: BodyPolicy, rhs: BodyPolicy) -> Bool {
        switch (lhs, rhs) {
        case (.buffer, .buffer): return true
        case (.spool(let a), .spool(let b)): return a == b
        case (.refuse(let a), .refuse(let b)): return a.status == b.status
        default: return false
        }
    }
}

/// A responder made from a closure.
public struct ClosureResponder: Responder {
    let body: @Sendable (Request) -> Outcome
    public init(_ body: @escaping @Sendable (Request) -> Outcome) { self.body = body }
    public func respond(to request: Request) -> Outcome { body(request) }
}
