import CoreMetrics
import Synchronization

/// Keeps rendered public pages for a moment, so a page shared by a newspaper is built once
/// per `ttl` (or once per database change), not once per visitor.
///
/// Only what the application marks shareable is kept: `200`, a byte body, `Cache-Control`
/// with `s-maxage` (what `CachePolicy.publicPage` sends), and no `Set-Cookie`. The key is the
/// application's: it decides which requests may share an answer (the same page, language and
/// encoding).
///
/// Freshness has two speeds:
/// - **Usually** an entry dies as soon as `generation()` moves (the database committed a
///   write), so a visitor who signs and reloads sees their signature counted.
/// - **Under a burst**, when more than `busyWrites` writes were committed in the last three
///   seconds and the one under way (`recentWrites()`: a petition going viral), an entry
///   lives its whole `ttl` whatever is committed, counts included: pages are built once a
///   second instead of after every commit. What `mustShow()` counts (staff changes) still
///   ends every entry at once.
///
/// A handful of signatures, as a person or a test makes them, never makes it busy. The
/// writes are counted where they are committed, so a burst is seen from its first second
/// even by a page nobody asked for until then (a window kept here, moved by the requests
/// that asked, once began only at the first page asked during the burst).
public final class MicroCache: Middleware, Sendable {
    struct Entry {
        let response: Response
        let expires: UInt64
        let generation: UInt64
        let mustShow: UInt64
    }

    let ttlNanoseconds: UInt64
    let maxEntries: Int
    let key: @Sendable (Request) -> String?
    let generation: @Sendable () -> UInt64
    let mustShow: @Sendable () -> UInt64
    let recentWrites: @Sendable () -> UInt64
    let busyWrites: UInt64
    private let entries = Mutex<[String: Entry]>([:])
    /// Pages answered from the cache, and pages that had to be built (counted when a metrics
    /// backend is given).
    private let hits: Counter?
    private let misses: Counter?

    /// `key`: nil for a request that must not be answered from the cache.
    /// `recentWrites`: writes committed in the last three seconds and the one under way.
    public init(
        ttl seconds: Double, maxEntries: Int = 2_000, metrics: (any MetricsFactory)? = nil, busyWrites: UInt64 = 300,
        generation: @escaping @Sendable () -> UInt64, recentWrites: @escaping @Sendable () -> UInt64,
        mustShow: @escaping @Sendable () -> UInt64 = { 0 }, key: @escaping @Sendable (Request) -> String?
    ) {
        self.busyWrites = busyWrites
        self.recentWrites = recentWrites
        self.mustShow = mustShow
        hits = metrics.map { Counter(label: "sanctuary_page_cache_hits_total", dimensions: [], factory: $0) }
        misses = metrics.map { Counter(label: "sanctuary_page_cache_misses_total", dimensions: [], factory: $0) }
        ttlNanoseconds = UInt64(seconds * 1e9)
        self.maxEntries = maxEntries
        self.generation = generation
        self.key = key
    }

    /// Pages held now, and whether writes come so fast that a page lives its whole time
    /// (`busyWrites` committed in the last three seconds).
    public var state: (entries: Int, busy: Bool) {
        (entries.withLock { $0.count }, recentWrites() > busyWrites)
    }

    public func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome {
        guard request.method == "GET" || request.method == "HEAD", let key = key(request) else { return next(request) }
        let now = monotonicNanoseconds()
        let current = generation()
        let shown = mustShow()
        if let hit = entries.withLock({ $0[key] }), hit.expires > now, hit.mustShow == shown,
            hit.generation == current || recentWrites() > busyWrites
        {
            hits?.increment()
            return .now(hit.response)
        }
        misses?.increment()
        return next(request).map { [self] response in
            guard response.status == .ok, case .bytes = response.body, response.headers["Set-Cookie"] == nil,
                response.headers["Cache-Control"]?.containsBytes("s-maxage") == true,
                !Self.variesBeyondKey(response.headers.values("Vary"))
            else { return response }
            let entry = Entry(response: response, expires: now + ttlNanoseconds, generation: current, mustShow: shown)
            entries.withLock { table in
                // Random query strings must not grow it without bound: start afresh when full.
                if table.count >= maxEntries { table.removeAll(keepingCapacity: true) }
                table[key] = entry
            }
            return response
        }
    }

    /// A response that varies by a header the key does not hold (`Vary: Accept`) is not kept:
    /// the key covers language and encoding only.
    static func variesBeyondKey(_ vary: [String]) -> Bool {
        vary.joined(separator: ",").split(separator: ",").contains { token in
            let name = token.trimmingCharacters(in: .whitespaces).lowercased()
            return !["accept-encoding", "accept-language", "cookie"].contains(name)
        }
    }
}
