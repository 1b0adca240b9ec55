import CSQLite
import CoreMetrics
import Foundation
import Synchronization

/// The application's database: one SQLite file in WAL mode.
///
/// Concurrency model:
/// - **One writer.** A single read-write connection lives on its own thread. Writes are
///   submitted as jobs; the thread takes every job waiting, runs them in ONE
///   `BEGIN IMMEDIATE … COMMIT` transaction (each job inside its own savepoint, so one
///   job's failure undoes only its own changes), and only after the commit has reached
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

    /// `metrics`: where to count group commits (their sizes and how long each took); none by default.
    public init(path: String, maxIdleReaders: Int = 8, metrics: (any MetricsFactory)? = nil) throws {
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
            PRAGMA wal_autocheckpoint = 4000;
            """)
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

    // MARK: Writing

    /// Runs `body` on the writer inside the next group-committed transaction and
    /// returns once that transaction is durable. If `body` throws, its own changes are
    /// rolled back and the error is rethrown here; other jobs in the batch are unaffected.
    @discardableResult
    public func write<R: Sendable>(_ body: @escaping @Sendable (Connection) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            writer.submit(.batched, body) { continuation.resume(with: $0) }
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
        readers.withLock { $0.removeAll() }
    }
}

private final class ResultBox<R>: @unchecked Sendable {
    var result: Result<R, Error>?
}

/// The single writer thread and its queue of jobs.
private final class Writer: @unchecked Sendable {
    enum Kind { case batched, alone }

    struct Job {
        let kind: Kind
        /// Runs the work; returns a closure that reports the outcome once the commit is known.
        let run: (Connection) -> (_ commitError: Error?) -> Void
        /// Reports a failure without running the work (the transaction could not begin).
        let fail: (Error) -> Void
    }

    private let connection: Connection
    private let metrics: WriterMetrics?
    let generation = Atomic<UInt64>(0)
    private let condition = NSCondition()
    private var pending: [Job] = []
    private var stopping = false
    private var stopped = false
    private var thread: Thread?
    static let maxBatch = 2_000

    init(connection: Connection, metrics: WriterMetrics?) {
        self.connection = connection
        self.metrics = metrics
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "sanctuary-db-writer"
        self.thread = thread
        thread.start()
    }

    func submit<R>(
        _ kind: Kind, _ body: @escaping @Sendable (Connection) throws -> R,
        completion: @escaping (Result<R, Error>) -> Void
    ) {
        let job = Job(kind: kind) { connection in
            let outcome: Result<R, Error>
            switch kind {
            case .alone:
                outcome = Result { try body(connection) }
            case .batched:
                outcome = Result { try connection.savepoint("job") { try body(connection) } }
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
        condition.lock()
        if stopped {
            condition.unlock()
            completion(.failure(SQLiteError(code: SQLITE_MISUSE, message: "the database is closed")))
            return
        }
        pending.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty && stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            // Take one `alone` job by itself, or every batched job up to the next `alone` one.
            var batch: [Job] = []
            if pending[0].kind == .alone {
                batch.append(pending.removeFirst())
            } else {
                let end = pending.firstIndex(where: { $0.kind == .alone }) ?? pending.count
                let take = min(end, Self.maxBatch)
                batch.append(contentsOf: pending[0..<take])
                pending.removeFirst(take)
            }
            condition.unlock()
            if batch[0].kind == .alone {
                let report = batch[0].run(connection)
                generation.add(1, ordering: .releasing)
                report(nil)
            } else {
                runBatch(batch)
            }
        }
    }

    private func runBatch(_ batch: [Job]) {
        var reports: [(Error?) -> Void] = []
        reports.reserveCapacity(batch.count)
        let started = metrics != nil ? DispatchTime.now().uptimeNanoseconds : 0
        do {
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            for job in batch { job.fail(error) }
            return
        }
        for job in batch { reports.append(job.run(connection)) }
        var commitError: Error?
        do {
            try connection.execute("COMMIT")
        } catch {
            commitError = error
            try? connection.execute("ROLLBACK")
        }
        generation.add(1, ordering: .releasing)
        if let metrics {
            metrics.batchSize.record(batch.count)
            metrics.commitTime.recordNanoseconds(Int64(clamping: DispatchTime.now().uptimeNanoseconds &- started))
        }
        for report in reports { report(commitError) }
    }
}

/// Group commits, counted: how many jobs shared each transaction, and how long each took
/// from `BEGIN` to its `COMMIT` on disk.
struct WriterMetrics {
    static let batchSizeLabel = "sanctuary_db_write_batch_size"
    static let commitTimeLabel = "sanctuary_db_commit_seconds"
    let batchSize: Recorder
    let commitTime: CoreMetrics.Timer

    init(factory: any MetricsFactory) {
        batchSize = Recorder(label: Self.batchSizeLabel, dimensions: [], aggregate: true, factory: factory)
        commitTime = CoreMetrics.Timer(label: Self.commitTimeLabel, dimensions: [], factory: factory)
    }
}
