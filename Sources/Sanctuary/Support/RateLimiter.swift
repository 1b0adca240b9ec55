import Foundation
import Storage
import Synchronization

/// A token bucket per client address: `capacity` actions at once, refilled evenly over
/// `period`. Kept in memory; a restart forgets it, which errs towards letting people act.
/// With `shared` (several nodes on one PostgreSQL) the buckets are the database's, so that
/// every node counts the same actions; if the database cannot answer, this node's own count
/// decides.
public final class RateLimiter: Sendable {
    public let capacity: Double
    public let period: TimeInterval
    private let buckets = Mutex<[String: Bucket]>([:])
    private let shared: SharedRateBuckets?

    struct Bucket {
        var tokens: Double
        var updated: TimeInterval
    }

    public init(capacity: Int, per period: TimeInterval, shared: SharedRateBuckets? = nil) {
        self.capacity = Double(max(1, capacity))
        self.period = period
        self.shared = shared
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        /// Denied; the client may retry after this many seconds.
        case limited(retryAfter: Int)
    }

    /// Seconds to wait if `client` has no action left now, without using one; nil if it has.
    public func retryAfter(_ client: String, now: TimeInterval = Date().timeIntervalSince1970) -> Int? {
        let rate = capacity / period
        if let shared, let tokens = shared.tokens(client, capacity: capacity, rate: rate) {
            return tokens >= 1 ? nil : max(1, Int(((1 - tokens) / rate).rounded(.up)))
        }
        return buckets.withLock { buckets -> Int? in
            guard let bucket = buckets[client] else { return nil }
            let tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            return tokens >= 1 ? nil : max(1, Int(((1 - tokens) / rate).rounded(.up)))
        }
    }

    /// Returns one action taken by `take` (a login that succeeded need not count against anyone).
    public func giveBack(_ client: String) {
        if let shared, shared.giveBack(client, capacity: capacity) { return }
        buckets.withLock { buckets in
            guard var bucket = buckets[client] else { return }
            bucket.tokens = min(capacity, bucket.tokens + 1)
            buckets[client] = bucket
        }
    }

    public func take(_ client: String, now: TimeInterval = Date().timeIntervalSince1970) -> Decision {
        let rate = capacity / period
        if let shared, let (allowed, tokens) = shared.take(client, capacity: capacity, rate: rate) {
            return allowed ? .allowed : .limited(retryAfter: max(1, Int(((1 - tokens) / rate).rounded(.up))))
        }
        return buckets.withLock { buckets in
            if buckets.count > 100_000 {
                // Forget clients whose buckets have refilled: they are indistinguishable from new ones.
                buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * rate < capacity }
            }
            var bucket = buckets[client] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[client] = bucket
                return .allowed
            }
            buckets[client] = bucket
            return .limited(retryAfter: max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))))
        }
    }
}

/// The buckets of the rate limiters every node shares (PostgreSQL's `rate_buckets`), by the
/// database's one clock. A client is kept as its keyed hash, never as its address or e-mail.
public struct SharedRateBuckets: Sendable {
    let database: Database
    /// Which limiter (`logins.address`): one table holds them all.
    let limiter: String
    let hash: @Sendable (String) -> String

    public init(_ database: Database, limiter: String, hash: @escaping @Sendable (String) -> String) {
        self.database = database
        self.limiter = limiter
        self.hash = hash
    }

    /// The seconds of the database's clock, as SQL.
    private static let clock = "CAST(extract(epoch FROM clock_timestamp()) AS DOUBLE PRECISION)"
    /// The bucket's tokens refilled until now, given the parameters holding the capacity and
    /// the rate per second.
    private static func refilled(capacity: String, rate: String) -> String {
        "LEAST(CAST(\(capacity) AS DOUBLE PRECISION), b.tokens + (\(clock) - b.updated) * CAST(\(rate) AS DOUBLE PRECISION))"
    }
    private static let refilled = refilled(capacity: "?3", rate: "?4")
    private static let peek = "SELECT \(refilled(capacity: "?1", rate: "?2")) FROM rate_buckets b WHERE limiter = ?3 AND client = ?4"
    private static let takeOne = """
        INSERT INTO rate_buckets AS b (limiter, client, tokens, updated, allowed)
        VALUES (?1, ?2, CAST(?3 AS DOUBLE PRECISION) - 1, \(clock), true)
        ON CONFLICT (limiter, client) DO UPDATE SET
            tokens = CASE WHEN \(refilled) >= 1 THEN \(refilled) - 1 ELSE \(refilled) END,
            allowed = \(refilled) >= 1, updated = \(clock)
        RETURNING tokens, allowed
        """
    /// Takes one action's token, or finds none: nil when the database could not answer.
    func take(_ client: String, capacity: Double, rate: Double) -> (allowed: Bool, tokens: Double)? {
        let key = hash(client)
        let answer = try? database.autocommit { db in
            try db.first(Self.takeOne, limiter, key, capacity, rate) {
                (try $0.get("allowed", as: Bool.self), try $0.get("tokens", as: Double.self))
            }
        }
        guard let found = answer.flatMap({ $0 }) else { return nil }
        return found
    }

    /// The client's tokens now, without taking one: nil when unknown (a full bucket) or unreadable.
    func tokens(_ client: String, capacity: Double, rate: Double) -> Double? {
        let answer = try? database.autocommit { db in
            try db.scalar(Self.peek, capacity, rate, limiter, hash(client), as: Double.self)
        }
        return answer.flatMap { $0 }
    }

    /// Gives back a token; false when the database could not be asked.
    func giveBack(_ client: String, capacity: Double) -> Bool {
        (try? database.autocommit { db in
            try db.run(
                "UPDATE rate_buckets SET tokens = LEAST(CAST(? AS DOUBLE PRECISION), tokens + 1) WHERE limiter = ? AND client = ?",
                capacity,
                limiter, hash(client))
        }) != nil
    }
}
