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
/// - **Under a burst**, when more than `busyCommits` commits arrived in the last three
///   seconds (a petition going viral), an entry lives its whole `ttl` whatever is committed,
///   counts included: pages are built once a second instead of after every group commit.
///   What `mustShow()` counts (staff changes) still ends every entry at once.
///
/// A handful of signatures, as a person or a test makes them, never makes it busy.
public final class MicroCache: Middleware, Sendable {
    struct Entry {
        let response: Response
        let expires: UInt64
        let generation: UInt64
        let mustShow: UInt64
    }

    /// Commits per second over the last three seconds, brought up to date lazily.
    struct Load {
        var since: UInt64 = 0
        var generation: UInt64 = 0
        var seconds: [UInt64] = [0, 0, 0]
    }

    let ttlNanoseconds: UInt64
    let maxEntries: Int
    let key: @Sendable (Request) -> String?
    let generation: @Sendable () -> UInt64
    let mustShow: @Sendable () -> UInt64
    let busyCommits: UInt64
    private let entries = Mutex<[String: Entry]>([:])
    private let load = Mutex(Load())
    /// The window as it last moved (its commits, the generation then, and when): within the
    /// next second the loops read it without taking `load`'s lock (in a burst every page
    /// served asks).
    private let windowCommits = Atomic<UInt64>(0)
    private let windowGeneration = Atomic<UInt64>(0)
    private let windowMoved = Atomic<UInt64>(0)
    /// Pages answered from the cache, and pages that had to be built (counted when a metrics
    /// backend is given).
    private let hits: Counter?
    private let misses: Counter?

    /// `key`: nil for a request that must not be answered from the cache.
    public init(
        ttl seconds: Double, maxEntries: Int = 2_000, metrics: (any MetricsFactory)? = nil, busyCommits: UInt64 = 300,
        generation: @escaping @Sendable () -> UInt64, mustShow: @escaping @Sendable () -> UInt64 = { 0 },
        key: @escaping @Sendable (Request) -> String?
    ) {
        self.busyCommits = busyCommits
        self.mustShow = mustShow
        hits = metrics.map { Counter(label: "sanctuary_page_cache_hits_total", dimensions: [], factory: $0) }
        misses = metrics.map { Counter(label: "sanctuary_page_cache_misses_total", dimensions: [], factory: $0) }
        ttlNanoseconds = UInt64(seconds * 1e9)
        self.maxEntries = maxEntries
        self.generation = generation
        self.key = key
    }

    public func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome {
        guard request.method == "GET" || request.method == "HEAD", let key = key(request) else { return next(request) }
        let now = monotonicNanoseconds()
        let current = generation()
        let shown = mustShow()
        if let hit = entries.withLock({ $0[key] }), hit.expires > now, hit.mustShow == shown,
            hit.generation == current || isBusy(now: now, generation: current)
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

    /// Whether more than `busyCommits` commits arrived in the last three seconds and the one
    /// under way (so a burst is seen within its first two seconds). Asked only when an entry
    /// is older than the last commit; the window moves a second at a time.
    /// `now`: `monotonicNanoseconds()`, as each loop read it.
    public func isBusy(now: UInt64, generation current: UInt64) -> Bool {
        let moved = windowMoved.load(ordering: .acquiring)
        if moved != 0 && now < moved + 1_000_000_000 {
            // The seconds in the window and the one under way: a burst counts from its start.
            let sinceMoved = current &- windowGeneration.load(ordering: .relaxed)
            return windowCommits.load(ordering: .relaxed) &+ sinceMoved > busyCommits
        }
        return load.withLock { load in
            // `now` was read before the lock: another loop may have moved the window past it
            // meanwhile. Then it stays (an unsigned `now - since` once wrapped round, moved
            // the window three seconds and forgot the burst).
            if load.since == 0 || now >= load.since + 1_000_000_000 {
                let elapsed = now - load.since
                let seconds = max(1, min(3, elapsed / 1_000_000_000))
                let commits = current &- load.generation
                for _ in 1..<seconds { load.seconds.append(0) }
                load.seconds.append(load.since == 0 ? 0 : commits)
                load.seconds.removeFirst(load.seconds.count - 3)
                load.since = now
                load.generation = current
            }
            let commits = load.seconds.reduce(0, &+)
            windowCommits.store(commits, ordering: .relaxed)
            windowGeneration.store(load.generation, ordering: .relaxed)
            windowMoved.store(load.since, ordering: .releasing)
            return commits &+ (current &- load.generation) > busyCommits
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
