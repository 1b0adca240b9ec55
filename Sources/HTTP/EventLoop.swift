import CLinux
import CoreMetrics
import Foundation
import Synchronization

/// One I/O thread: an epoll instance watching the shared listening socket and the
/// connections this thread accepted. Each connection lives on exactly one loop and is
/// touched only by that loop's thread, so connection state needs no locks.
///
/// Why epoll and not Dispatch sources: on Linux, libdispatch receives every event on a
/// manager thread and then hands the handler to a worker thread, a thread hop per
/// request. One epoll loop per core reads, parses, answers and writes on the same thread.
final class EventLoop: @unchecked Sendable {
    let core: ServerCore
    let epfd: Int32
    private let wakefd: Int32
    private let tasks = Mutex<[@Sendable () -> Void]>([])
    /// Work this loop's own thread queued for itself: run after the events at hand, with
    /// no lock and no wake-up.
    private var localTasks: [@Sendable () -> Void] = []
    /// The loop's thread (`pthread_t`), known once `run` starts; asked from other threads.
    private let thread = Atomic<UInt>(0)
    var connections: [Int32: HTTPConnection] = [:]
    var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Access-log lines not yet written (see `LogBuffer` for when they are).
    let logBuffer: LogBuffer
    private var lastLogFlush: UInt64 = 0
    /// This loop's request counters by route and status: found here without a lock; the
    /// shared table is asked only the first time a pair is seen on this loop.
    var requestCounters: [ServerMetrics.Key: (counter: Counter, timer: CoreMetrics.Timer?)] = [:]
    private(set) var now: UInt64 = monotonicNanoseconds()
    private var wallSecond: time_t = 0
    private(set) var dateLine: [UInt8] = []
    /// The access log's time field for the current second, as bytes.
    private(set) var logTimestamp: [UInt8] = []
    private var lastSweep: UInt64 = 0
    private(set) var draining = false
    /// Draining, or about to: responses from now on close their connection.
    var isStopping: Bool { draining || core.stopRequested.load(ordering: .acquiring) }
    private var drainDeadline: UInt64 = 0
    private var spareFD: Int32 = -1

    init(core: ServerCore) throws {
        self.core = core
        logBuffer = LogBuffer(fd: core.accessLog.descriptor)
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakefd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard epfd >= 0, wakefd >= 0 else { throw ServerError.system("epoll/eventfd", errno) }
        spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try add(wakefd, events: EPOLLIN.rawValue)
        // Every loop is woken by a new connection (not `EPOLLEXCLUSIVE`) and each takes only
        // a few per turn (`acceptConnections`): the loop with the least to do takes the most.
        // Woken alone, the first loop took all 64 of a benchmark's connections in one go and
        // answered them while the other loop idled.
        try add(core.listenFD, events: EPOLLIN.rawValue)
        updateClock()
    }

    deinit {
        close(epfd)
        close(wakefd)
        if spareFD >= 0 { close(spareFD) }
    }

    // MARK: epoll registration

    func add(_ fd: Int32, events: UInt32) throws {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0 else { throw ServerError.system("epoll_ctl", errno) }
    }

    func modify(_ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event)
    }

    func remove(_ fd: Int32) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
    }

    // MARK: Cross-thread work

    /// Whether the caller is this loop's own thread.
    var inLoop: Bool {
        let thread = thread.load(ordering: .acquiring)
        return thread != 0 && pthread_equal(thread, pthread_self()) != 0
    }

    /// Runs `task` on this loop's thread (how async handlers hand back their response).
    /// The loop is woken only by the task that finds the queue empty: it takes the whole
    /// queue, so the writer answering a batch of 200 signatures wakes it once, not 200 times.
    func execute(_ task: @escaping @Sendable () -> Void) {
        if inLoop {
            localTasks.append(task)
            return
        }
        let wasEmpty = tasks.withLock { queue -> Bool in
            queue.append(task)
            return queue.count == 1
        }
        guard wasEmpty else { return }
        var one: UInt64 = 1
        _ = write(wakefd, &one, 8)
    }

    /// Runs what this thread queued for itself, including what that queues in turn.
    private func runLocalTasks() {
        while !localTasks.isEmpty {
            let pending = localTasks
            localTasks.removeAll(keepingCapacity: true)
            for task in pending { task() }
        }
    }

    private func runTasks() {
        var value: UInt64 = 0
        _ = read(wakefd, &value, 8)
        let pending = tasks.withLock { queue -> [@Sendable () -> Void] in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for task in pending { task() }
    }

    // MARK: The loop

    /// Wakes the loop's thread (to notice a stop request at once).
    func wake() { execute {} }

    func run() {
        thread.store(pthread_self(), ordering: .releasing)
        let capacity = 256
        var events = [epoll_event](repeating: epoll_event(), count: capacity)
        let tick = core.tickMilliseconds
        while true {
            let n = events.withUnsafeMutableBufferPointer { epoll_wait(epfd, $0.baseAddress, Int32(capacity), tick) }
            updateClock()
            if !draining && core.stopRequested.load(ordering: .acquiring) { beginDrain() }
            if n > 0 {
                for i in 0..<Int(n) {
                    let event = events[i]
                    let fd = event.data.fd
                    if fd == core.listenFD {
                        if !draining { acceptConnections() }
                    } else if fd == wakefd {
                        runTasks()
                    } else if let connection = connections[fd] {
                        connection.handle(events: event.events)
                    }
                }
            }
            runLocalTasks()
            if now &- lastSweep >= UInt64(tick) * 1_000_000 {
                lastSweep = now
                sweepTimeouts()
            }
            // A quiet turn, a buffer half full, or lines older than the interval: write them.
            if n == 0 || logBuffer.used >= LogBuffer.capacity / 2 || now &- lastLogFlush >= AccessLog.flushNanoseconds {
                flushLog()
            }
            if core.stopRequested.load(ordering: .acquiring) && !draining { beginDrain() }
            if draining {
                if connections.isEmpty { break }
                if now >= drainDeadline {
                    for connection in Array(connections.values) { connection.close() }
                    break
                }
            }
        }
        flushLog()
    }

    private func updateClock() {
        now = monotonicNanoseconds()
        let second = time(nil)
        if second != wallSecond {
            wallSecond = second
            dateLine = Array("Date: \(HTTPDate.format(second))\r\n".utf8)
            logTimestamp = Array(HTTPDate.iso(second).utf8)
        }
    }

    private func beginDrain() {
        draining = true
        drainDeadline = now + UInt64(core.limits.shutdownGrace * 1e9)
        remove(core.listenFD)
        for connection in Array(connections.values) { connection.drain() }
    }

    private func sweepTimeouts() {
        for connection in Array(connections.values) where connection.deadline <= now {
            connection.timedOut()
        }
    }

    /// Appends one access-log line to this loop's buffer, byte by byte: no `String` is made
    /// (formatting through interpolation and `String(format:)` was most of the log's cost).
    func appendLogLine(address: String, method: String, path: String, status: Int, bytes: Int, micros: UInt64) {
        let needed = logTimestamp.count + address.utf8.count + method.utf8.count + path.utf8.count + 64
        if needed > logBuffer.room { flushLog() }
        logBuffer.append(contentsOf: logTimestamp)
        logBuffer.append(0x20)
        logBuffer.append(address)
        logBuffer.append(0x20)
        logBuffer.append(method)
        logBuffer.append(0x20)
        logBuffer.append(path)  // within the request line's limit, so it fits once flushed
        logBuffer.append(0x20)
        logBuffer.appendDecimal(UInt64(clamping: status))
        logBuffer.append(0x20)
        logBuffer.appendDecimal(UInt64(clamping: bytes))
        logBuffer.append(0x20)
        logBuffer.appendDecimal(micros / 1000)
        logBuffer.append(0x2E)
        let fraction = micros % 1000
        logBuffer.append(UInt8(truncatingIfNeeded: 48 &+ fraction / 100))
        logBuffer.append(UInt8(truncatingIfNeeded: 48 &+ fraction / 10 % 10))
        logBuffer.append(UInt8(truncatingIfNeeded: 48 &+ fraction % 10))
        logBuffer.append(0x6D)  // "ms\n"
        logBuffer.append(0x73)
        logBuffer.append(0x0A)
    }

    func flushLog() {
        lastLogFlush = now
        guard !logBuffer.isEmpty else { return }
        logBuffer.drain { core.accessLog.write($0) }
    }

    // MARK: Accepting

    /// Connections one loop takes per turn before answering what it has.
    private static var acceptsPerTurn: Int { 4 }

    private func acceptConnections() {
        for _ in 0..<Self.acceptsPerTurn {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept4(core.listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                let error = errno
                if error == EINTR || error == ECONNABORTED { continue }
                if error == EMFILE || error == ENFILE { shedOneConnection() }
                return
            }
            if core.openConnections.add(1, ordering: .relaxed).newValue > core.limits.maxConnections {
                refuse(fd)
                continue
            }
            let remoteAddress = Self.describe(address)
            // One address may not take every slot; a trusted proxy speaks for many clients.
            let fromProxy = core.limits.trustedProxies.contains(remoteAddress)
            let key = fromProxy ? nil : Self.addressKey(address, text: remoteAddress)
            if let key, !core.admit(key) {
                refuse(fd)
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let connection = HTTPConnection(fd: fd, loop: self, remoteAddress: remoteAddress, addressKey: key, fromProxy: fromProxy)
            connections[fd] = connection
            do {
                try add(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
            } catch {
                connection.close()
            }
        }
    }

    /// Over the connection cap: a short `503` and close, never a crash.
    private func refuse(_ fd: Int32) {
        let message =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 20\r\nRetry-After: 1\r\nConnection: close\r\n\r\nServer is too busy.\n"
        _ = message.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
        core.openConnections.subtract(1, ordering: .relaxed)
    }

    /// Out of file descriptors: free the spare, accept and close one, take the spare back,
    /// so the listening socket does not spin.
    private func shedOneConnection() {
        guard spareFD >= 0 else { return }
        Glibc.close(spareFD)
        let fd = accept(core.listenFD, nil, nil)
        if fd >= 0 { Glibc.close(fd) }
        spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    /// What the per-address cap counts by (`ClientKey`: the IPv4 address, or the IPv6 /64).
    static func addressKey(_ storage: sockaddr_storage, text: String) -> String {
        guard Int32(storage.ss_family) == AF_INET6, !text.hasPrefix("::ffff:") else { return text }
        var storage = storage
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { ClientKey.of(ipv6: $0) }
            }
        }
    }

    static func describe(_ storage: sockaddr_storage) -> String {
        var storage = storage
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin_addr
                    inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
                    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin6_addr
                    inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
                    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
        default:
            return "unknown"
        }
    }
}

public enum ServerError: Error, CustomStringConvertible {
    case system(String, Int32)
    case address(String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .address(let text): return text
        }
    }
}

/// Async handlers placed on the event loop (`Outcome.Placement.eventLoop`) run here: each
/// piece of the task between two waits is a task of this loop, so the handler runs on the
/// thread that owns its connection, and leaves it only while it waits.
extension EventLoop: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        execute { job.runSynchronously(on: executor) }
    }
}
