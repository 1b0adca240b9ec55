import CLinux
import CoreMetrics
import Foundation
import SQL
import Synchronization

/// The application's database on PostgreSQL, shaped like `SQLiteDatabase`: writer
/// connections, each on its own thread taking every job waiting for it into one transaction
/// (the same group commit, `Writer`), and a pool of connections for reads. Several
/// application nodes each have their own writers; PostgreSQL's row locks and `SKIP LOCKED`
/// keep them apart.
///
/// The batches the writers commit are announced (`NOTIFY sanctuary_commits`, by a thread of
/// its own, after the commit), and a thread of its own listens for the other nodes'
/// announcements: `generation` grows with this node's commits and theirs, so a page cached
/// here is made again once a staff edit on another node has committed (within the moment the
/// notification takes to arrive).
public final class PGDatabase: Sendable {
    public let url: String
    /// Several writers, each a connection on its own thread group-committing the jobs it is
    /// given: a job's statements are round trips to the server, and one connection waiting on
    /// each in turn left both cores idle (2,850 signatures a second). Jobs go to them in turn;
    /// the counters a batch adds to are written in one order by every writer
    /// (`PendingCounters`), so two writers never deadlock on them.
    private let writers: [Writer<PGConnection>]
    private let turn = Atomic<Int>(0)
    private let readers: PGPool
    private let listener: CommitListener
    private let announcer: CommitAnnouncer

    public static let commitChannel = "sanctuary_commits"

    public init(url: String, readers: Int = 8, writers: Int = 4, metrics: (any MetricsFactory)? = nil) throws {
        self.url = url
        let node = UUID().uuidString
        let announcer = CommitAnnouncer(url: url, channel: Self.commitChannel, node: node)
        self.announcer = announcer
        self.writers = try (0..<max(1, writers)).map { _ in
            let connection = try PGConnection(url: url)
            connection.afterCommit = { announcer.commitDone() }
            return Writer(connection: connection, metrics: metrics)
        }
        self.readers = PGPool(url: url, size: readers)
        listener = try CommitListener(url: url, channel: Self.commitChannel, node: node)
    }

    /// The writer for the next job.
    private var writer: Writer<PGConnection> {
        writers[Int(UInt(bitPattern: turn.add(1, ordering: .relaxed).newValue) % UInt(writers.count))]
    }

    /// Runs `body` with a connection of the read pool (tried once more on a fresh connection
    /// when the first was lost: a read has nothing to undo).
    public func read<R>(_ body: (PGConnection) throws -> R) throws -> R {
        try readers.with(retry: true, body)
    }

    /// Commits other nodes announced.
    public var changesByOthers: UInt64 { listener.heard.load(ordering: .acquiring) }

    /// This node's commits and those other nodes announced.
    public var generation: UInt64 {
        writers.reduce(listener.heard.load(ordering: .acquiring)) { $0 &+ $1.generation.load(ordering: .acquiring) }
    }
    public var recentWrites: UInt64 { writers.reduce(0) { $0 &+ $1.rate.recent() } }
    public var gathering: (waits: UInt64, gains: UInt64) {
        writers.reduce((0, 0)) {
            ($0.0 &+ $1.gatheringWaits.load(ordering: .relaxed), $0.1 &+ $1.gatheringGains.load(ordering: .relaxed))
        }
    }

    public func write<R: Sendable>(gathered: Bool = false, _ body: @escaping @Sendable (PGConnection) throws -> R) async throws -> R {
        try await writer.write(gathered: gathered, body)
    }

    public func writeAndWait<R: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> R) throws -> R {
        try writer.wait(.batched, body)
    }

    /// On the first writer, alone (migrations, imports that make their own transaction).
    public func exclusive<R: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> R) throws -> R {
        try writers[0].wait(.alone, body)
    }

    public func close() {
        listener.stop()
        for writer in writers { writer.stop() }
        announcer.stop()
        for writer in writers { writer.close() }
        readers.close()
    }
}

/// Tells the other nodes that this one committed: one `NOTIFY` for all the commits since the
/// last, from a connection of its own, at most every 10 ms. Not in the writers' transactions: a
/// transaction that notifies holds PostgreSQL's one notify lock until its commit is on disk,
/// so the writers' commits, each waiting for its flush in turn, would go one at a time across
/// the whole cluster (544 commits a second, 2,870 signatures a second on this machine).
final class CommitAnnouncer: @unchecked Sendable {
    private let url: String
    private let channel: String
    private let node: String
    /// A commit not yet announced (set by the writers, cleared by the thread before it notifies).
    private let pending = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    static let pause: useconds_t = 10_000

    init(url: String, channel: String, node: String) {
        self.url = url
        self.channel = channel
        self.node = node
        Thread { [self] in
            sanctuary_name_thread("sanctuary-ann")
            run()
            done.signal()
        }.start()
    }

    /// A writer committed (its thread; returns at once).
    func commitDone() {
        if !pending.exchange(true, ordering: .acquiringAndReleasing) { wake.signal() }
    }

    private func run() {
        var connection: PGConnection?
        while true {
            wake.wait()
            if stopping.load(ordering: .acquiring) { break }
            pending.store(false, ordering: .releasing)
            do {
                let current = try connection ?? PGConnection(url: url)
                connection = current
                try current.notify(channel, payload: node)
                usleep(Self.pause)
            } catch {
                // The server went away (a failover): try again in a moment. The other nodes'
                // listeners count their own reconnection as a change too.
                connection?.close()
                connection = nil
                usleep(500_000)
                commitDone()
            }
        }
        connection?.close()
    }

    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
        done.wait()
    }
}

/// Listens for other nodes' commits on a connection of its own, and counts them. A lost
/// connection is made again (and counted as a change: some may have been missed meanwhile).
final class CommitListener: @unchecked Sendable {
    let heard = Atomic<UInt64>(0)
    private let url: String
    private let channel: String
    private let node: String
    /// Written to by `stop`, to wake the thread from its wait at once.
    private let wake: (read: Int32, write: Int32)
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    init(url: String, channel: String, node: String) throws {
        self.url = url
        self.channel = channel
        self.node = node
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw PostgresError(kind: .other, message: "no pipe for the commit listener") }
        wake = (ends[0], ends[1])
        let connection = try PGConnection(url: url)
        try connection.listen(channel)
        Thread { [self] in
            sanctuary_name_thread("sanctuary-lsn")
            listen(on: connection)
            done.signal()
        }.start()
    }

    private func listen(on first: PGConnection) {
        var connection: PGConnection? = first
        while !stopping.load(ordering: .acquiring) {
            guard let current = connection else {
                // Reconnect (a failover): wait a moment, then listen again.
                var fd = pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, 500)
                if let made = try? PGConnection(url: url), (try? made.listen(channel)) != nil {
                    connection = made
                    heard.add(1, ordering: .releasing)
                }
                continue
            }
            var fds = [
                pollfd(fd: current.socket, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, 5_000)
            do {
                let others = try current.notifications().filter { $0.payload != node }.count
                if others > 0 { heard.add(UInt64(others), ordering: .releasing) }
            } catch {
                current.close()
                connection = nil
            }
        }
        connection?.close()
    }

    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        done.wait()
        close(wake.read)
        close(wake.write)
    }
}
