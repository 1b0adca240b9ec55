import CoreMetrics
import Foundation
import Storage
import Synchronization

/// Whole-file resource downloads, counted in memory and written together: one statement per
/// resource every `interval` (by the download that finds the tally due, by housekeeping, and
/// at shutdown), not one write per visitor. A write also ends every cached page, so a
/// briefing note shared widely would otherwise empty the page cache with each download.
/// A crash loses at most `interval` of counts, which no visitor was promised.
public final class DownloadTally: Sendable {
    private let state = Mutex<(counts: [Int64: Int], since: Date?)>(([:], nil))
    let interval: TimeInterval
    private let counter: CoreMetrics.Counter?

    public init(interval: TimeInterval = 10, metrics: (any MetricsFactory)? = nil) {
        self.interval = interval
        counter = metrics.map { CoreMetrics.Counter(label: "sanctuary_resource_downloads_total", dimensions: [], factory: $0) }
    }

    /// Counts one download; answers whether the tally is due to be written.
    public func add(_ id: Int64, now: Date = Date()) -> Bool {
        counter?.increment()
        return state.withLock { state in
            state.counts[id, default: 0] += 1
            let since = state.since ?? now
            state.since = since
            return now.timeIntervalSince(since) >= interval
        }
    }

    /// Downloads counted but not yet written, for one resource (the admin list adds them).
    public func pending(_ id: Int64) -> Int { state.withLock { $0.counts[id] ?? 0 } }

    /// Writes every pending count in one transaction; counts it could not write wait for the next time.
    func flush(_ database: Database) async {
        let counts = take()
        guard !counts.isEmpty else { return }
        do {
            try await database.write { db in try ResourceStore.addDownloads(db, counts) }
        } catch {
            giveBack(counts)
        }
    }

    /// The blocking form, for shutdown.
    public func flushAndWait(_ database: Database) {
        let counts = take()
        guard !counts.isEmpty else { return }
        do {
            try database.writeAndWait { db in try ResourceStore.addDownloads(db, counts) }
        } catch {
            giveBack(counts)
        }
    }

    private func take() -> [Int64: Int] {
        state.withLock { state in
            defer { state = ([:], nil) }
            return state.counts
        }
    }

    private func giveBack(_ counts: [Int64: Int]) {
        state.withLock { state in
            for (id, count) in counts { state.counts[id, default: 0] += count }
            state.since = state.since ?? Date()
        }
    }
}
