import CLinux
import CSQLite
import CoreMetrics
import Foundation
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
public final class Database: Sendable {
    public let path: String
    private let readers: Mutex<[Connection]>
    private let maxIdleReaders: Int
    private let writer: Writer
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
        let connection = try Connection(path: path, mode: .readWrite)
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
        self.writer = Writer(connection: connection, metrics: metrics.map(WriterMetrics.init))
        self.readers = Mutex([])
        self.maxIdleReaders = maxIdleReaders
    }

    // MARK: Reading

    /// Runs `body` with a read-only connection borrowed from the pool.
    public func read<R>(_ body: (Connection) throws -> R) throws -> R {
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
    public func borrowReader() throws -> Connection {
        if let pooled = readers.withLock({ $0.popLast() }) { return pooled }
        let connection = try Connection(path: path, mode: .readOnly)
        try connection.execute("PRAGMA query_only = ON")
        return connection
    }

    public func returnReader(_ connection: Connection) {
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
    /// `Writer.gatherWindow` of the last commit's end, waits for the rest of that window so
    /// that the next ones share its commit. A lone visitor on a quiet site, or a burst, waits
    /// for nothing. One client writing in a loop gains nothing by waiting (nothing comes
    /// while it waits for its answer): after `Writer.futileWaitsBeforeRest` waits in a row
    /// that gathered nothing, the writer stops waiting for `Writer.restAfterFutileWaits`.
    @discardableResult
    public func write<R: Sendable>(gathered: Bool = false, _ body: @escaping @Sendable (Connection) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            writer.submit(.batched, gathers: gathered, body) { continuation.resume(with: $0) }
        }
    }

    /// The blocking form of `write`, for command-line tools, start-up and tests.
    /// Never call it from the writer's own thread.
    @discardableResult
    public func writeAndWait<R: Sendable>(_ body: @escaping @Sendable (Connection) throws -> R) throws -> R {
        try wait(.batched, body)
    }

    /// Runs `body` alone on the writer connection with no transaction opened for it
    /// (migrations, bulk imports that manage their own transaction). Blocking.
    @discardableResult
    public func exclusive<R: Sendable>(_ body: @escaping @Sendable (Connection) throws -> R) throws -> R {
        try wait(.alone, body)
    }

    private func wait<R: Sendable>(_ kind: Writer.Kind, _ body: @escaping @Sendable (Connection) throws -> R) throws -> R {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<R>()
        writer.submit(kind, body) { result in
            box.result = result
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw SQLiteError(code: SQLITE_MISUSE, message: "write finished without a result") }
        return try result.get()
    }

    /// Finishes pending writes and closes every connection.
    public func close() {
        writer.stop()
        checkpointer?.stop()
        writer.close()
        readers.withLock { $0.removeAll() }
    }
}

/// Carries a write's result from the writer's thread to the caller blocked on a semaphore.
/// Unchecked: written once before the semaphore is signalled, read only after the wait.
private final class ResultBox<R>: @unchecked Sendable {
    var result: Result<R, Error>?
}

/// The single writer thread and its queue of jobs. Unchecked: the queue is touched only
/// under its `WorkerThread`'s lock, the connection only by the writer's thread.
private final class Writer: @unchecked Sendable {
    enum Kind { case batched, alone }

    struct Job {
        let kind: Kind
        /// May wait for company (`Database.write(gathered:)`).
        let gathers: Bool
        /// Runs the work, inside a savepoint of its own when `isolated`; returns a closure that
        /// reports the outcome once the commit is known, or nil when the work threw outside a
        /// savepoint (the whole transaction must then be rolled back and the batch run again).
        let run: (Connection, _ isolated: Bool) -> ((_ commitError: Error?) -> Void)?
        /// Reports a failure without running the work (the transaction could not begin).
        let fail: (Error) -> Void
    }

    private let connection: Connection
    private let metrics: WriterMetrics?
    let generation = Atomic<UInt64>(0)
    let rate = WriteRate()
    private let worker = WorkerThread()
    /// Guarded by `worker`'s lock.
    private var pending: [Job] = []
    static let maxBatch = 2_000
    /// Gathered writes (`Database.write(gathered:)`): a batch of fewer than this many, taken
    /// less than this long after the last commit ended, waits for more until it has this many
    /// or that time is out. 10 ms: a stream of 200 signatures a second shares commits two or
    /// three at a time; a burst from many visitors has its four at once, and waits for nothing.
    static let gatherBelow = 4
    static let gatherWindow: UInt64 = 10_000_000
    /// Waits that gathered nothing, in a row, after which gathering rests for a second: a
    /// client that sends its next write only once the last is answered (a script, a test,
    /// the closed-loop benchmark) never gains by waiting, and is then held back eight times
    /// a second at most. Independent visitors at 200 a second gain a companion in about two
    /// waits out of three, so eight futile waits in a row come once in thousands.
    static let futileWaitsBeforeRest = 8
    static let restAfterFutileWaits: UInt64 = 1_000_000_000
    /// On the writer's thread only: futile waits in a row, and when gathering may start again.
    private var futileWaits = 0
    private var restingUntil: UInt64 = 0
    /// Waits for company so far, and those that gained some (`Database.gathering`).
    let gatheringWaits = Atomic<UInt64>(0)
    let gatheringGains = Atomic<UInt64>(0)
    /// When the last batch's commit ended (`DispatchTime` nanoseconds); on the writer's thread only.
    private var lastCommitEnded: UInt64 = 0

    init(connection: Connection, metrics: WriterMetrics?) {
        self.connection = connection
        self.metrics = metrics
        worker.start(name: "sanctuary-write") { [unowned self] in self.loop() }
    }

    func submit<R>(
        _ kind: Kind, gathers: Bool = false, _ body: @escaping @Sendable (Connection) throws -> R,
        completion: @escaping (Result<R, Error>) -> Void
    ) {
        let job = Job(kind: kind, gathers: gathers) { connection, isolated in
            let outcome: Result<R, Error>
            if kind == .batched && isolated {
                outcome = Result { try connection.savepoint("job") { try body(connection) } }
            } else {
                outcome = Result { try body(connection) }
                // Thrown (or the transaction ended under it) with nothing to undo it alone.
                if kind == .batched, case .failure = outcome { return nil }
                if kind == .batched && !connection.isInTransaction { return nil }
            }
            return { commitError in
                if let commitError, case .success = outcome {
                    completion(.failure(commitError))
                } else {
                    completion(outcome)
                }
            }
        } fail: { error in
            completion(.failure(error))
        }
        guard worker.wake({ pending.append(job) }) else {
            completion(.failure(SQLiteError(code: SQLITE_MISUSE, message: "the database is closed")))
            return
        }
    }

    func stop() { worker.stop() }

    /// Closes the writer's connection; after `stop`, and after the checkpointer stopped hooking it.
    func close() { connection.close() }

    private func loop() {
        while true {
            var batch: [Job] = []
            // Take one `alone` job by itself, or every batched job up to the next `alone` one
            // (called again after a wait, it adds the batched jobs that came meanwhile).
            let takeBatch = {
                if self.pending.isEmpty || !batch.isEmpty && self.pending[0].kind == .alone {
                    return
                } else if self.pending[0].kind == .alone {
                    batch.append(self.pending.removeFirst())
                } else {
                    let end = self.pending.firstIndex(where: { $0.kind == .alone }) ?? self.pending.count
                    let take = min(end, Self.maxBatch)
                    batch.append(contentsOf: self.pending[0..<take])
                    self.pending.removeFirst(take)
                }
            }
            guard worker.next(hasWork: { !pending.isEmpty }, take: takeBatch) else { return }
            if batch.count < Self.gatherBelow, batch.allSatisfy(\.gathers) {
                let now = DispatchTime.now().uptimeNanoseconds
                let sinceCommit = now &- lastCommitEnded
                if sinceCommit < Self.gatherWindow && now >= restingUntil {
                    // Until the batch would be large enough or the window ends: a stream of
                    // single jobs shares the rest of the window, a burst hardly waits.
                    let before = batch.count
                    let enough = { batch.count + self.pending.count >= Self.gatherBelow }
                    let seconds = Double(Self.gatherWindow - sinceCommit) / 1e9
                    worker.gather(until: enough, take: takeBatch, orAfter: seconds)
                    gatheringWaits.add(1, ordering: .relaxed)
                    metrics?.gatheringWaits.increment()
                    if batch.count > before {
                        gatheringGains.add(1, ordering: .relaxed)
                        metrics?.gatheringGains.increment()
                        futileWaits = 0
                    } else {
                        futileWaits += 1
                        if futileWaits >= Self.futileWaitsBeforeRest {
                            futileWaits = 0
                            restingUntil = DispatchTime.now().uptimeNanoseconds &+ Self.restAfterFutileWaits
                        }
                    }
                }
            }
            if batch[0].kind == .alone {
                let report = batch[0].run(connection, false)
                generation.add(1, ordering: .releasing)
                report?(nil)
            } else {
                runBatch(batch)
            }
        }
    }

    /// Runs a batch in one transaction. The jobs first run one after another with nothing
    /// between them; only when one throws is the transaction rolled back and the batch run
    /// again with each job in a savepoint of its own, so the failure undoes only its job's
    /// changes. A savepoint per job (its statements, and a copy of every page it changes)
    /// cost about a twelfth of a signature's CPU, for a case that almost never comes.
    /// So a job may run twice: it must do nothing but read and write through its connection.
    private func runBatch(_ batch: [Job]) {
        let started = metrics != nil ? DispatchTime.now().uptimeNanoseconds : 0
        var reports: [(Error?) -> Void] = []
        reports.reserveCapacity(batch.count)
        for isolated in [false, true] {
            do {
                try connection.execute("BEGIN IMMEDIATE")
            } catch {
                for job in batch { job.fail(error) }
                return
            }
            reports.removeAll(keepingCapacity: true)
            for job in batch {
                guard let report = job.run(connection, isolated) else { break }
                reports.append(report)
            }
            if reports.count == batch.count { break }
            connection.discardCounters()
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
        }
        var commitError: Error?
        do {
            try connection.writeCounters()
            try connection.execute("COMMIT")
        } catch {
            commitError = error
            connection.discardCounters()
            try? connection.execute("ROLLBACK")
        }
        if commitError == nil { rate.record(batch.count) }
        generation.add(1, ordering: .releasing)
        if let metrics {
            metrics.batchSize.record(batch.count)
            metrics.commitTime.recordNanoseconds(Int64(clamping: DispatchTime.now().uptimeNanoseconds &- started))
        }
        for report in reports { report(commitError) }
        lastCommitEnded = DispatchTime.now().uptimeNanoseconds
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
    private let connection: Connection
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
        connection = try Connection(path: path, mode: .readWrite, busyTimeoutMilliseconds: 0)
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

    convenience init(path: String, writer: Connection, idleSeconds: Double) throws {
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

/// A thread of its own that sleeps until there is work or it is told to stop: the sleep and
/// the stop handshake shared by the writer and the checkpointer. What the thread works on
/// is guarded by this lock (`wake` and `next` run their closures under it).
private final class WorkerThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false

    func start(name: String, _ body: @escaping @Sendable () -> Void) {
        Thread {
            sanctuary_name_thread(name)
            body()
        }.start()
    }

    /// Runs `change` under the lock and wakes the thread; false (and nothing run) once it
    /// has stopped.
    func wake(_ change: () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        change()
        condition.signal()
        return true
    }

    /// On the thread: sleeps until `hasWork` or a stop, then runs `take` under the lock and
    /// answers true; answers false when told to stop with no work left (the thread ends).
    func next(hasWork: () -> Bool, take: () -> Void) -> Bool {
        next(hasWork: hasWork, take: take, orAfter: nil) ?? false
    }

    /// Like `next`, but also returns nil when `seconds` (if given) pass with no work and no stop.
    func next(hasWork: () -> Bool, take: () -> Void, orAfter seconds: Double?) -> Bool? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = seconds.map { Date(timeIntervalSinceNow: $0) }
        while !hasWork() && !stopping {
            guard let deadline else {
                condition.wait()
                continue
            }
            if !condition.wait(until: deadline) && !hasWork() && !stopping { return nil }
        }
        guard hasWork() else {
            stopped = true
            condition.broadcast()
            return false
        }
        take()
        return true
    }

    /// On the thread, holding work already taken: sleeps until `enough`, a stop, or `seconds`
    /// pass, then runs `take` under the lock (for whatever came meanwhile). Unlike `next`, a
    /// stop does not end the thread here: the work in hand is still to be done.
    func gather(until enough: () -> Bool, take: () -> Void, orAfter seconds: Double) {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !enough() && !stopping && condition.wait(until: deadline) {}
        take()
    }

    /// Lets the thread finish its work, and returns once it has ended.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }
}

/// Group commits, counted: how many jobs shared each transaction, and how long each took
/// from `BEGIN` to its `COMMIT` on disk.
struct WriterMetrics {
    static let batchSizeLabel = "sanctuary_db_write_batch_size"
    static let commitTimeLabel = "sanctuary_db_commit_seconds"
    let batchSize: Recorder
    let commitTime: CoreMetrics.Timer
    /// Gathered writes that waited for company, and those whose wait gained some.
    let gatheringWaits: Counter
    let gatheringGains: Counter

    init(factory: any MetricsFactory) {
        batchSize = Recorder(label: Self.batchSizeLabel, dimensions: [], aggregate: true, factory: factory)
        commitTime = CoreMetrics.Timer(label: Self.commitTimeLabel, dimensions: [], factory: factory)
        gatheringWaits = Counter(label: "sanctuary_db_gathering_waits_total", dimensions: [], factory: factory)
        gatheringGains = Counter(label: "sanctuary_db_gathering_gains_total", dimensions: [], factory: factory)
    }
}
