import CLinux
import CoreMetrics
import Foundation
import Synchronization

/// A connection the group-commit `Writer` runs its batches on: SQLite's or PostgreSQL's.
public protocol BatchConnection: AnyObject, SendableMetatype {
    /// Begins a batch's transaction (SQLite takes the write lock up front: `BEGIN IMMEDIATE`).
    func beginBatch() throws
    /// Writes the batch's pending counters (`addToCounter`) and commits; durable on return.
    func commitBatch() throws
    /// Forgets pending counters and rolls back whatever is open.
    func rollbackBatch()
    /// Runs `body` inside a savepoint, so its changes can be undone alone.
    func savepoint<R>(_ name: String, _ body: () throws -> R) throws -> R
    var isInTransaction: Bool { get }
    /// The transaction can only be rolled back (PostgreSQL, after a refused statement).
    var transactionFailed: Bool { get }
    func close()
}

/// How the `Writer` gathers jobs into commits.
public enum GroupCommit {
    public static let maxBatch = 2_000
    /// Gathered writes (`Database.write(gathered:)`): a batch of fewer than this many, taken
    /// less than this long after the last commit ended, waits for more until it has this many
    /// or that time is out. 10 ms: a stream of 200 signatures a second shares commits two or
    /// three at a time; a burst from many visitors has its four at once, and waits for nothing.
    public static let gatherBelow = 4
    public static let gatherWindow: UInt64 = 10_000_000
    /// Waits that gathered nothing, in a row, after which gathering rests for a second: a
    /// client that sends its next write only once the last is answered (a script, a test,
    /// the closed-loop benchmark) never gains by waiting, and is then held back eight times
    /// a second at most. Independent visitors at 200 a second gain a companion in about two
    /// waits out of three, so eight futile waits in a row come once in thousands.
    public static let futileWaitsBeforeRest = 8
    public static let restAfterFutileWaits: UInt64 = 1_000_000_000
}

/// Carries a write's result from the writer's thread to the caller blocked on a semaphore.
/// Unchecked: written once before the semaphore is signalled, read only after the wait.
final class ResultBox<R>: @unchecked Sendable {
    var result: Result<R, Error>?
}

/// The single writer thread and its queue of jobs. Unchecked: the queue is touched only
/// under its `WorkerThread`'s lock, the connection only by the writer's thread.
public final class Writer<Connection: BatchConnection>: @unchecked Sendable {
    public enum Kind: Sendable { case batched, alone }

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
    public let generation = Atomic<UInt64>(0)
    public let rate = WriteRate()
    private let worker = WorkerThread()
    /// Guarded by `worker`'s lock.
    private var pending: [Job] = []
    /// On the writer's thread only: futile waits in a row, and when gathering may start again.
    private var futileWaits = 0
    private var restingUntil: UInt64 = 0
    /// Waits for company so far, and those that gained some (`Database.gathering`).
    public let gatheringWaits = Atomic<UInt64>(0)
    public let gatheringGains = Atomic<UInt64>(0)
    /// When the last batch's commit ended (`DispatchTime` nanoseconds); on the writer's thread only.
    private var lastCommitEnded: UInt64 = 0

    public init(connection: Connection, metrics: (any MetricsFactory)?) {
        self.connection = connection
        self.metrics = metrics.map(WriterMetrics.init)
        worker.start(name: "sanctuary-write") { [unowned self] in self.loop() }
    }

    public func submit<R>(
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
                if kind == .batched && (!connection.isInTransaction || connection.transactionFailed) { return nil }
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
            completion(.failure(DatabaseError.closed))
            return
        }
    }

    /// Runs `body` in the next batch and returns its result once the batch is durable.
    public func write<R: Sendable>(gathered: Bool, _ body: @escaping @Sendable (Connection) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            submit(.batched, gathers: gathered, body) { continuation.resume(with: $0) }
        }
    }

    /// The blocking form of `write` (`.batched`), or `body` alone with no transaction opened
    /// for it (`.alone`). Never call it from the writer's own thread.
    public func wait<R: Sendable>(_ kind: Kind, _ body: @escaping @Sendable (Connection) throws -> R) throws -> R {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<R>()
        submit(kind, body) { result in
            box.result = result
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw DatabaseError.closed }
        return try result.get()
    }

    public func stop() { worker.stop() }

    /// Closes the writer's connection; after `stop`, and after the checkpointer stopped hooking it.
    public func close() { connection.close() }

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
                    let take = min(end, GroupCommit.maxBatch)
                    batch.append(contentsOf: self.pending[0..<take])
                    self.pending.removeFirst(take)
                }
            }
            guard worker.next(hasWork: { !pending.isEmpty }, take: takeBatch) else { return }
            if batch.count < GroupCommit.gatherBelow, batch.allSatisfy(\.gathers) {
                let now = DispatchTime.now().uptimeNanoseconds
                let sinceCommit = now &- lastCommitEnded
                if sinceCommit < GroupCommit.gatherWindow && now >= restingUntil {
                    // Until the batch would be large enough or the window ends: a stream of
                    // single jobs shares the rest of the window, a burst hardly waits.
                    let before = batch.count
                    let enough = { batch.count + self.pending.count >= GroupCommit.gatherBelow }
                    let seconds = Double(GroupCommit.gatherWindow - sinceCommit) / 1e9
                    worker.gather(until: enough, take: takeBatch, orAfter: seconds)
                    gatheringWaits.add(1, ordering: .relaxed)
                    metrics?.gatheringWaits.increment()
                    if batch.count > before {
                        gatheringGains.add(1, ordering: .relaxed)
                        metrics?.gatheringGains.increment()
                        futileWaits = 0
                    } else {
                        futileWaits += 1
                        if futileWaits >= GroupCommit.futileWaitsBeforeRest {
                            futileWaits = 0
                            restingUntil = DispatchTime.now().uptimeNanoseconds &+ GroupCommit.restAfterFutileWaits
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
                try connection.beginBatch()
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
            connection.rollbackBatch()
        }
        var commitError: Error?
        do {
            try connection.commitBatch()
        } catch {
            commitError = error
            connection.rollbackBatch()
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

/// A thread of its own that sleeps until there is work or it is told to stop: the sleep and
/// the stop handshake shared by the writer and the checkpointer. What the thread works on
/// is guarded by this lock (`wake` and `next` run their closures under it).
public final class WorkerThread: @unchecked Sendable {
    public init() {}

    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false

    public func start(name: String, _ body: @escaping @Sendable () -> Void) {
        Thread {
            sanctuary_name_thread(name)
            body()
        }.start()
    }

    /// Runs `change` under the lock and wakes the thread; false (and nothing run) once it
    /// has stopped.
    public func wake(_ change: () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        change()
        condition.signal()
        return true
    }

    /// On the thread: sleeps until `hasWork` or a stop, then runs `take` under the lock and
    /// answers true; answers false when told to stop with no work left (the thread ends).
    public func next(hasWork: () -> Bool, take: () -> Void) -> Bool {
        next(hasWork: hasWork, take: take, orAfter: nil) ?? false
    }

    /// Like `next`, but also returns nil when `seconds` (if given) pass with no work and no stop.
    public func next(hasWork: () -> Bool, take: () -> Void, orAfter seconds: Double?) -> Bool? {
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
    public func gather(until enough: () -> Bool, take: () -> Void, orAfter seconds: Double) {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !enough() && !stopping && condition.wait(until: deadline) {}
        take()
    }

    /// Lets the thread finish its work, and returns once it has ended.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }
}

/// Group commits, counted: how many jobs shared each transaction, and how long each took
/// from `BEGIN` to its `COMMIT` on disk.
public struct WriterMetrics {
    public static let batchSizeLabel = "sanctuary_db_write_batch_size"
    public static let commitTimeLabel = "sanctuary_db_commit_seconds"
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
