import CoreMetrics
import Synchronization

/// What the server counts through swift-metrics: requests by route pattern and status, and
/// how long each took from its first byte to its response being queued, by route pattern. The backend (the
/// application's Prometheus registry) is given, not global, so two servers in one process
/// (tests) can count apart.
public final class ServerMetrics: Sendable {
    struct Key: Hashable {
        let route: String
        let status: Int
    }

    private let factory: any MetricsFactory
    private let requests = Mutex<[Key: Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])
    /// Route labels come from registered patterns, so the table stays small; this bounds it anyway.
    static let maxSeries = 4_096

    public static let requestsLabel = "http_requests_total"
    public static let latencyLabel = "http_request_duration_seconds"

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// One answered request. `route` is the pattern that answered it (`/petitions/{slug}`),
    /// never the path itself, so addresses carrying tokens or typed by strangers stay out.
    /// The loop keeps its own handles, so counting takes no lock once a pair has been seen.
    func record(route: String?, status: Int, nanoseconds: UInt64, on loop: EventLoop) {
        let key = Key(route: route ?? "(none)", status: status)
        // One lookup per request: the loop keeps the counter and its route's timer together.
        if let known = loop.requestCounters[key] {
            known.counter.increment()
            known.timer?.recordNanoseconds(Int64(clamping: nanoseconds))
        } else if let counter = counter(for: key) {
            let timer = timer(for: key.route)
            if loop.requestCounters.count < Self.maxSeries { loop.requestCounters[key] = (counter, timer) }
            counter.increment()
            timer?.recordNanoseconds(Int64(clamping: nanoseconds))
        }
    }

    private func timer(for route: String) -> CoreMetrics.Timer? {
        timers.withLock { table -> CoreMetrics.Timer? in
            if let known = table[route] { return known }
            guard table.count < Self.maxSeries / 8 else { return nil }
            let made = CoreMetrics.Timer(label: Self.latencyLabel, dimensions: [("route", route)], factory: factory)
            table[route] = made
            return made
        }
    }

    private func counter(for key: Key) -> Counter? {
        requests.withLock { table -> Counter? in
            if let known = table[key] { return known }
            guard table.count < Self.maxSeries else { return nil }
            let made = Counter(
                label: Self.requestsLabel, dimensions: [("route", key.route), ("status", String(key.status))], factory: factory)
            table[key] = made
            return made
        }
    }
}
