import CLinux
import CSQLite
import CoreMetrics
import Foundation
import SQL
import Synchronization

/// The application's database: one SQLite file in WAL mode.
///
/// Concurrency model:
/// - **One writer.** A single read-write connection lives on its own thread. Writes are
///   submitted as jobs; the thread takes every job waiting, runs them in ONE
///   `BEGIN IMMEDIATE … COMMIT` transaction (one job's failure undoes only its own
///   changes: see `Writer.runBatch`), and only after the commit has reached
///   the disk (`synchronous = FULL`) tells each caller its result. Under a burst this is
///   group commit: hundreds of signatures share one fsync instead of one each.
/// - **Many readers.** Read-only connections are kept in a pool; WAL lets them read a
///   consistent snapshot while the writer writes. `read` borrows one for the duration
///   of a closure and never blocks on the writer.
public final class SQLiteDatabase: Sendable {
    public let path: String
    private let readers: Mutex<[SQLiteConnection]>
    private let maxIdleReaders: Int
    private let writer: Writer<SQLiteConnection>
    private let checkpointer: Checkpointer?

    /// `metrics`: where to count group commits (their sizes and how long each took); none by default.
    /// `forgetAfterIdleSeconds`: once no commit has come for this long, the WAL file is emptied
    /// (see `Checkpointer`).
    public init(
        path: String, maxIdleReaders: Int = 8, metrics: (any MetricsFactory)? = nil, forgetAfterIdleSeconds: Double = 2
    ) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        // Readable by the server's user only: the file holds signers' names and the server key.
        // The folder is made 0700 and the file 0600 before SQLite opens it; SQLite gives the
        // -wal and -shm files the database file's permissions.
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if path != ":memory:" && !path.hasPrefix("file:") {
            let created = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if created >= 0 {
                fchmod(created, 0o600)
                Glibc.close(created)
            }
        }
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        try connection.execute(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA temp_store = MEMORY;
            """)
        // Checkpoints (copying the WAL back into the database file, then an fsync of it) run
        // on a thread of their own, so no signature waits behind one.
        let inWAL = try connection.scalar("PRAGMA journal_mode", as: String.self) == "wal"
        // (Its WAL hook replaces SQLite's automatic checkpoint: `PRAGMA wal_autocheckpoint`
        // would in turn replace the hook, so the two are never set together.)
        self.checkpointer = inWAL ? try Checkpointer(path: path, writer: connection, idleSeconds: forgetAfterIdleSeconds) : nil
        self.writer = Writer(connection: connection, metrics: metrics)
        self.readers = Mutex([])
        self.maxIdleReaders = maxIdleReaders
    }

    // MARK: Reading

    /// Runs `body` with a read-only connection borrowed from the pool.
    public func read<R>(_ body: (SQLiteConnection) throws -> R) throws -> R {
        let connection = try borrowReader()
        defer { returnReader(connection) }
        return try body(connection)
    }

    /// Whether a reader can run a query (the health check).
    public func answers() throws -> Bool {
        try read { try $0.scalar("SELECT 1", as: Int.self) } == 1
    }

    /// Borrows a reader for longer than one closure (a streamed export); give it back
    /// with `returnReader`.
    public func borrowReader() throws -> SQLiteConnection {
        if let pooled = readers.withLock({ $0.popLast() }) { return pooled }
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        try connection.execute("PRAGMA query_only = ON")
        return connection
    }

    public func returnReader(_ connection: SQLiteConnection) {
        if connection.isInTransaction { try? connection.execute("ROLLBACK") }
        readers.withLock { pool in
            if pool.count < maxIdleReaders { pool.append(connection) }
        }
    }

    /// Grows after every committed write (before its writer hears of success), so a
    /// cache of anything read from the database can tell whether it may be stale.
    public var generation: UInt64 { writer.generation.load(ordering: .acquiring) }

    /// Writes committed in the last three seconds and the one under way (a burst of
    /// signatures shows here whether or not they shared commits). Read without a lock.
    public var recentWrites: UInt64 { writer.rate.recent() }

    /// Gathered writes (`write(gathered:)`) that waited for company so far, and how many of
    /// those waits gained some.
    public var gathering: (waits: UInt64, gains: UInt64) {
        (writer.gatheringWaits.load(ordering: .relaxed), writer.gatheringGains.load(ordering: .relaxed))
    }

    // MARK: Writing

    /// Runs `body` on the writer inside the next group-committed transaction and
    /// returns once that transaction is durable. If `body` throws, its own changes are
    /// rolled back and the error is rethrown here; other jobs in the batch are unaffected.
    /// `body` may run twice (when another job in its batch throws), so it must do nothing
    /// but read and write through the connection it is given.
    ///
    /// `gathered`: a write many visitors make at once (a signature, an RSVP). When such writes
    /// come as a stream, one every few milliseconds (a petition going viral), each would be
    /// a commit of its own, with its `fdatasync` and the writer's sleep and wake: six times
    /// what a signature costs in a burst. A small batch of them, taken within
    /// `GroupCommit.gatherWindow` of the last commit's end, waits for the rest of that window so
    /// that the next ones share its commit. A lone visitor on a quiet site, or a burst, waits
    /// for nothing. One client writing in a loop gains nothing by waiting (nothing comes
    /// while it waits for its answer): after `GroupCommit.futileWaitsBeforeRest` waits in a row
    /// that gathered nothing, the writer stops waiting for `GroupCommit.restAfterFutileWaits`.
    @discardableResult
    public func write<R: Sendable>(gathered: Bool = false, _ body: @escaping @Sendable (SQLiteConnection) throws -> R) async throws -> R {
        try await writer.write(gathered: gathered, body)
    }

    /// The blocking form of `write`, for command-line tools, start-up and tests.
    /// Never call it from the writer's own thread.
    @discardableResult
    public func writeAndWait<R: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> R) throws -> R {
        try writer.wait(.batched, body)
    }

    /// Runs `body` alone on the writer connection with no transaction opened for it
    /// (migrations, bulk imports that manage their own transaction). Blocking.
    @discardableResult
    public func exclusive<R: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> R) throws -> R {
        try writer.wait(.alone, body)
    }

    /// Finishes pending writes and closes every connection.
    public func close() {
        writer.stop()
        checkpointer?.stop()
        writer.close()
        readers.withLock { $0.removeAll() }
    }
}

/// Checkpoints, mostly on a thread and connection of their own. SQLite's automatic checkpoint
/// runs inside the commit that crosses its threshold: with the writer's `synchronous = FULL`
/// that commit copied 16 MB and waited for the database file's fsync while a whole batch of
/// signatures waited behind it (10% of the writer's time with confirmation mail on, and most
/// of the p99).
///
/// Here the writer's WAL hook only counts frames. Every `step` new frames, this thread runs a
/// passive checkpoint, which never blocks the writer and never waits for readers. But only a
/// checkpoint that copies every frame lets the next transaction start the WAL over, and
/// under a steady stream of commits the thread never quite catches up: once the WAL holds
/// `threshold` frames, the writer itself checkpoints the few frames the thread has not
/// copied yet, and the WAL starts over (it grew past 1.7 GB in ten seconds without that).
///
/// Unchecked: `due` is guarded by the worker's lock, the counters are atomics, `requestedAt`
/// is the writer's thread's alone (the WAL hook), the connection the checkpoint thread's.
private final class Checkpointer: @unchecked Sendable {
    /// The WAL's size before it starts over: 4,000 pages (16 MB), as the automatic checkpoint had.
    static let threshold: Int32 = 4_000
    /// How many new frames wake the thread.
    static let step: Int32 = 500
    private let connection: SQLiteConnection
    private let writer: OpaquePointer
    private let worker = WorkerThread()
    /// Guarded by `worker`'s lock.
    private var due = false
    /// Frames of the current WAL the thread has copied (0 after the WAL starts over).
    private let copied = Atomic<Int32>(0)
    /// The frame count at which the thread was last asked (the writer's thread only).
    private var requestedAt: Int32 = 0
    /// Commits so far, counted by the writer; the thread compares readings to see quiet.
    private let commits = Atomic<Int>(0)
    /// Set when the thread has emptied the WAL and sleeps until asked: the next commit wakes
    /// it, so that it waits for the next quiet moment.
    private let emptied = Atomic<Bool>(false)
    private let idleSeconds: Double

    init(path: String, writer: OpaquePointer, idleSeconds: Double) throws {
        // No busy wait: emptying the WAL must never hold the writer back while a reader
        // (an export, say) is still on the WAL; it is tried again at the next quiet moment.
        connection = try SQLiteConnection(path: path, mode: .readWrite, busyTimeoutMilliseconds: 0)
        self.writer = writer
        self.idleSeconds = idleSeconds
        try connection.execute("PRAGMA synchronous = FULL")
        worker.start(name: "sanctuary-ckpt") { [unowned self] in self.loop() }
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(
            writer,
            { context, _, _, frames in
                if let context { Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().committed(frames: frames) }
                return SQLITE_OK
            }, context)
    }

    /// Called on the writer after each commit, with the frames now in the WAL.
    private func committed(frames: Int32) {
        commits.add(1, ordering: .relaxed)
        if emptied.exchange(false, ordering: .acquiringAndReleasing) { _ = worker.wake { due = true } }
        if frames < requestedAt { requestedAt = 0 }  // the WAL started over
        // Twice the threshold: the thread is starved, so the writer copies it all, as SQLite would.
        if frames >= Self.threshold && (frames - copied.load(ordering: .acquiring) <= 2 * Self.step || frames >= 2 * Self.threshold) {
            // The rest, here: the next transaction then starts the WAL over.
            var log: Int32 = 0
            var done: Int32 = 0
            if sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK, done == log {
                copied.store(0, ordering: .releasing)
                requestedAt = 0
            }
        } else if frames - requestedAt >= Self.step {
            requestedAt = frames
            _ = worker.wake { due = true }
        }
    }

    convenience init(path: String, writer: SQLiteConnection, idleSeconds: Double) throws {
        try self.init(path: path, writer: writer.handle, idleSeconds: idleSeconds)
    }

    /// Call once the writer has stopped: its connection stops calling here.
    func stop() {
        sqlite3_wal_hook(writer, nil, nil)
        worker.stop()
        connection.close()
    }

    /// Copies frames when asked; and once the database has been quiet for `idleSeconds`
    /// after a commit, empties the WAL file (`SQLITE_CHECKPOINT_TRUNCATE`). The WAL keeps old
    /// versions of pages until it is written over, so a row deleted from the database (a
    /// cancelled RSVP, a signature purged, a letter past its retention) would otherwise stay
    /// readable in the `-wal` file for as long as the site is quiet. Under load the WAL starts
    /// over every `threshold` frames and writes over them anyway.
    private func loop() {
        var emptiedAt = -1  // the commit count when the WAL was last emptied; -1: at start, once
        while true {
            let seen = commits.load(ordering: .relaxed)
            // With nothing written since the WAL was emptied, there is no quiet to wait for.
            switch worker.next(hasWork: { due }, take: { due = false }, orAfter: seen == emptiedAt ? nil : idleSeconds) {
            case false:
                return
            case true:
                var log: Int32 = 0
                var done: Int32 = 0
                if sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK {
                    copied.store(done, ordering: .releasing)
                }
            case nil:
                // Quiet only if no commit came while we waited.
                guard commits.load(ordering: .relaxed) == seen else { continue }
                if sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil) == SQLITE_OK {
                    copied.store(0, ordering: .releasing)
                    emptiedAt = seen
                    emptied.store(true, ordering: .releasing)
                }
            }
        }
    }
}
