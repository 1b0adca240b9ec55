import CLinux
import Foundation
import Synchronization

/// State shared by all event loops of one server.
final class ServerCore: Sendable {
    let listenFD: Int32
    let responder: any Responder
    let limits: ServerLimits
    let accessLog: AccessLog
    let metrics: ServerMetrics?
    let openConnections = Atomic<Int>(0)
    /// Request bytes all connections hold in memory (for `limits.bufferedBodyBudget`).
    let bufferedBytes = Atomic<Int>(0)
    /// Open connections per client address (or IPv6 /64), for `limits.maxConnectionsPerAddress`.
    private let perAddress = Mutex<[String: Int]>([:])
    let stopRequested = Atomic<Bool>(false)
    /// How often loops wake to check timeouts: a quarter of the shortest timeout, 10–250 ms.
    let tickMilliseconds: Int32

    init(listenFD: Int32, responder: any Responder, limits: ServerLimits, accessLog: AccessLog, metrics: ServerMetrics?) {
        self.listenFD = listenFD
        self.metrics = metrics
        self.responder = responder
        self.limits = limits
        self.accessLog = accessLog
        let shortest = min(limits.headerTimeout, limits.idleTimeout, limits.bodyTimeout)
        tickMilliseconds = Int32(max(10, min(250, shortest * 1000 / 4)))
    }

    /// Counts a new connection from `key`; false when that address holds its share already.
    func admit(_ key: String) -> Bool {
        let cap = limits.maxConnectionsPerAddress
        return perAddress.withLock { counts in
            let open = counts[key, default: 0]
            guard open < cap else { return false }
            counts[key] = open + 1
            return true
        }
    }

    func release(_ key: String) {
        perAddress.withLock { counts in
            guard let open = counts[key] else { return }
            counts[key] = open > 1 ? open - 1 : nil
        }
    }
}

/// Our HTTP/1.1 server: a listening socket shared by one epoll event loop per core.
///
///     let server = try HTTPServer(host: "127.0.0.1", port: 0, responder: router)
///     try server.start()          // returns once listening; server.port is the bound port
///     server.shutdown()           // stop accepting, finish in-flight requests, return
public final class HTTPServer: Sendable {
    public let host: String
    public let port: Int
    private let core: ServerCore
    private let loopCount: Int
    private let finished = Mutex<[DispatchSemaphore]>([])
    private let loops = Mutex<[EventLoop]>([])

    public init(
        host: String, port: Int, responder: any Responder, limits: ServerLimits = ServerLimits(),
        accessLog: AccessLog = AccessLog(.off), metrics: ServerMetrics? = nil,
        loops: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws {
        let (fd, boundPort) = try Self.listen(host: host, port: port)
        self.host = host
        self.port = boundPort
        self.core = ServerCore(listenFD: fd, responder: responder, limits: limits, accessLog: accessLog, metrics: metrics)
        self.loopCount = max(1, loops)
    }

    /// Starts the event-loop threads. Returns at once; the socket is already listening.
    public func start() throws {
        var semaphores: [DispatchSemaphore] = []
        for index in 0..<loopCount {
            let loop = try EventLoop(core: core)
            loops.withLock { $0.append(loop) }
            let done = DispatchSemaphore(value: 0)
            semaphores.append(done)
            let thread = Thread {
                // The system's own name for the thread (15 bytes at most), as `top -H` and
                // `perf` show it: Foundation's `Thread.name` does not reach it on Linux.
                sanctuary_name_thread("sanctuary-io-\(index)")
                loop.run()
                done.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        finished.withLock { $0 = semaphores }
    }

    /// Stops accepting, lets in-flight requests finish (up to the configured grace), closes
    /// every connection and the listening socket, and returns when all loops have ended.
    public func shutdown() {
        requestStop()
        wait()
    }

    /// Blocks until the server has stopped.
    public func wait() {
        let semaphores = finished.withLock { $0 }
        for semaphore in semaphores { semaphore.wait() }
        finished.withLock { list in
            if !list.isEmpty { close(core.listenFD) }
            list.removeAll()
        }
        loops.withLock { $0.removeAll() }
    }

    /// Asks the server to stop without waiting (from a signal handler's queue).
    public func requestStop() {
        core.stopRequested.store(true, ordering: .releasing)
        for loop in loops.withLock({ $0 }) { loop.wake() }
    }

    public var openConnections: Int { core.openConnections.load(ordering: .relaxed) }
    /// Request bytes held in memory by all connections (bounded by `limits.bufferedBodyBudget`).
    public var bufferedRequestBytes: Int { core.bufferedBytes.load(ordering: .relaxed) }

    private static func listen(host: String, port: Int) throws -> (Int32, Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw ServerError.address("cannot resolve host \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        var lastError: Int32 = 0
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(
                info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 {
                lastError = errno
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, Glibc.listen(fd, 4096) == 0 else {
                lastError = errno
                close(fd)
                continue
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            let family = Int32(storage.ss_family)
            let boundPort: Int = withUnsafePointer(to: &storage) {
                if family == AF_INET6 {
                    return $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
                }
                return $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
            return (fd, boundPort)
        }
        throw ServerError.address("cannot listen on \(host):\(port): \(String(cString: strerror(lastError)))")
    }
}
