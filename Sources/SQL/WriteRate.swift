import Foundation
import Synchronization

/// Writes counted by the second: the last three whole seconds and the one under way.
/// A plain value, so that its arithmetic can be tested with any clock; `WriteRate` keeps one
/// for the writer.
public struct WriteWindow: Sendable, Equatable {
    /// The second `counts.last` belongs to.
    public private(set) var second: UInt64 = 0
    /// Writes in each of the last four seconds, the one under way last.
    public private(set) var counts: [UInt64] = [0, 0, 0, 0]

    public init() {}

    /// Counts `writes` in `second`. A second older than the window's (another thread's
    /// clock reading a moment late) counts in the second under way: the window never moves
    /// back.
    public mutating func add(_ writes: UInt64, second: UInt64) {
        if second > self.second {
            let moved = min(second - self.second, UInt64(counts.count))
            counts.removeFirst(Int(moved))
            counts.append(contentsOf: repeatElement(0, count: Int(moved)))
            self.second = second
        }
        counts[counts.count - 1] &+= writes
    }

    /// The writes in the window as seen at `second`: those of the seconds that have since
    /// left it are not counted (a reading a moment older than the window counts it whole).
    public func total(at second: UInt64) -> UInt64 {
        let aged = second > self.second ? min(second - self.second, UInt64(counts.count)) : 0
        return counts.dropFirst(Int(aged)).reduce(0, &+)
    }
}

/// How many writes the database committed over the last three seconds and the one under
/// way: the writer adds each batch after its commit and publishes the sum, which any thread
/// reads without a lock (the page cache asks on every page it serves during a burst).
/// Counted in writes, not commits: gathered writes share commits, and 200 signatures a
/// second are a burst however many commits carry them.
public final class WriteRate: @unchecked Sendable {
    public init() {}

    /// Only the writer's thread touches it.
    private var window = WriteWindow()
    /// The window's sum as of the last commit, and that commit's second. A reader after a
    /// quiet spell of four seconds or more sees nothing; within it, the sum as the last
    /// commit left it (the page cache asks only when a commit has just come).
    private let publishedTotal = Atomic<UInt64>(0)
    private let publishedSecond = Atomic<UInt64>(0)

    /// Whole seconds of the monotonic clock.
    static func currentSecond() -> UInt64 { DispatchTime.now().uptimeNanoseconds / 1_000_000_000 }

    /// On the writer's thread, after a commit.
    public func record(_ writes: Int) {
        let second = Self.currentSecond()
        window.add(UInt64(max(0, writes)), second: second)
        publishedTotal.store(window.total(at: second), ordering: .relaxed)
        publishedSecond.store(second, ordering: .releasing)
    }

    /// Writes in the last three seconds and the one under way.
    public func recent() -> UInt64 {
        let second = publishedSecond.load(ordering: .acquiring)
        guard Self.currentSecond() < second &+ 4 else { return 0 }
        return publishedTotal.load(ordering: .relaxed)
    }
}
