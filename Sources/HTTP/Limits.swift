import Foundation

/// Limits that protect the server from oversized or slow input. All configurable.
public struct ServerLimits: Sendable, Equatable {
    public var maxRequestLineBytes = 8 * 1024
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderCount = 100
    public var maxBodyBytes = 1024 * 1024
    /// Seconds a client has to send a complete request head once it started one.
    public var headerTimeout: Double = 10
    /// Seconds an idle keep-alive connection stays open.
    public var idleTimeout: Double = 30
    /// Seconds a request body has to arrive in full once its head has (however it trickles),
    /// and seconds allowed between two pieces of a response the client is slow to read.
    public var bodyTimeout: Double = 30
    /// Open connections at most; more are answered `503` and closed.
    public var maxConnections = 10_000
    /// Open connections from one client address at most (trusted proxies are exempt).
    public var maxConnectionsPerAddress = 256
    /// Request bodies held in memory by all connections together; past it a body is refused
    /// with `503` and `Retry-After` instead of growing memory without bound.
    public var bufferedBodyBudget = 64 * 1024 * 1024
    /// Peers whose `X-Forwarded-For` / `Forwarded` / `X-Forwarded-Proto` are believed.
    public var trustedProxies = TrustedProxies()
    /// Seconds in-flight requests get to finish on shutdown.
    public var shutdownGrace: Double = 10
    /// Where spooled uploads are written while they arrive (best on the data's file system).
    public var spoolDirectory: String = NSTemporaryDirectory()

    public init() {}
}
