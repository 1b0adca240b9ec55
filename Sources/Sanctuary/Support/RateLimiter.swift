import Foundation
import Synchronization

/// A token bucket per client address: `capacity` actions at once, refilled evenly over
/// `period`. Kept in memory; a restart forgets it, which errs towards letting people act.
public final class RateLimiter: Sendable {
    public let capacity: Double
    public let period: TimeInterval
    private let buckets = Mutex<[String: Bucket]>([:])

    struct Bucket {
        var tokens: Double
        var updated: TimeInterval
    }

    public init(capacity: Int, per period: TimeInterval) {
        self.capacity = Double(max(1, capacity))
        self.period = period
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        /// Denied; the client may retry after this many seconds.
        case limited(retryAfter: Int)
    }

    /// Seconds to wait if `client` has no action left now, without using one; nil if it has.
    public func retryAfter(_ client: String, now: TimeInterval = Date().timeIntervalSince1970) -> Int? {
        let rate = capacity / period
        return buckets.withLock { buckets -> Int? in
            guard let bucket = buckets[client] else { return nil }
            let tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            return tokens >= 1 ? nil : max(1, Int(((1 - tokens) / rate).rounded(.up)))
        }
    }

    /// Returns one action taken by `take` (a login that succeeded need not count against anyone).
    public func giveBack(_ client: String) {
        buckets.withLock { buckets in
            guard var bucket = buckets[client] else { return }
            bucket.tokens = min(capacity, bucket.tokens + 1)
            buckets[client] = bucket
        }
    }

    public func take(_ client: String, now: TimeInterval = Date().timeIntervalSince1970) -> Decision {
        let rate = capacity / period
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
