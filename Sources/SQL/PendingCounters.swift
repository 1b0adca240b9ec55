/// Counters kept in rows (a petition's total, a province's count), added to in memory during
/// a transaction and written once before it commits: the writer's batch of 25 signatures runs
/// each counter's `UPDATE` once, not 25 times, and on PostgreSQL a hot row is locked for one
/// statement per commit instead of 25. Each connection keeps one, for its transaction.
///
/// `update` adds the transaction's total: its first parameter is the amount, then `key`.
/// `current`, when given, reads the value in the database (once per transaction and counter),
/// and `add` answers the counter's value after this change as this transaction sees it;
/// without it, the pending amount. A savepoint that rolls back restores a copy taken before it.
public struct PendingCounters: Sendable {
    private var pending: [Key: Count] = [:]

    public init() {}

    public var isEmpty: Bool { pending.isEmpty }

    public mutating func add(_ update: String, key: [SQLValue], by amount: Int, current: (() throws -> Int)?) throws -> Int {
        let counterKey = Key(update: update, key: key)
        if var count = pending[counterKey] {
            count.amount += amount
            pending[counterKey] = count
            return count.base + count.amount
        }
        let base = try current?() ?? 0
        pending[counterKey] = Count(base: base, amount: amount)
        return base + amount
    }

    /// Runs each counter's `UPDATE` with its total, and forgets them.
    public mutating func write(_ run: (String, [SQLValue]) throws -> Void) throws {
        guard !pending.isEmpty else { return }
        let counts = pending
        pending.removeAll(keepingCapacity: true)
        // In one order on every connection, so two writers (PostgreSQL) locking the same rows
        // take them in the same order and never deadlock.
        for (key, count) in counts.sorted(by: { $0.key < $1.key }) where count.amount != 0 {
            try run(key.update, [SQLValue.integer(Int64(count.amount))] + key.key)
        }
    }

    public mutating func discard() { pending.removeAll(keepingCapacity: true) }

    private struct Key: Hashable, Sendable, Comparable {
        let update: String
        let key: [SQLValue]

        static func < (a: Key, b: Key) -> Bool {
            if a.update != b.update { return a.update < b.update }
            return a.key.map(\.sortText).lexicographicallyPrecedes(b.key.map(\.sortText))
        }
    }

    private struct Count: Sendable {
        let base: Int
        var amount: Int
    }
}
