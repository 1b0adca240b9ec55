import Foundation
import Synchronization

/// One line per request: time, client, method, path (never the query string, which may
/// carry tokens), status, bytes, duration. Lines are kept per I/O thread (`LogBuffer`) and
/// written in blocks: when a loop has a quiet turn, its buffer is half full, or its oldest
/// line is `flushNanoseconds` old; at shutdown; and by a crash's signal handler. So logging
/// costs one system call per many requests, and no line is lost to a crash or a SIGTERM.
public final class AccessLog: Sendable {
    public enum Destination: Sendable, Equatable {
        case off, standardOutput, standardError
        case file(String)
    }

    private let fd: Int32
    private let ownsDescriptor: Bool
    private let lock = Mutex(())
    /// Since when writes fail (seconds since 1970, 0: they do not) and the last `errno`: a full
    /// disk drops lines rather than stopping requests, and says so (`failure`).
    private let failingSince = Atomic<Int64>(0)
    private let failingErrno = Atomic<Int32>(0)
    private let droppedBytes = Atomic<Int>(0)
    /// Whole client addresses; by default only their network (IPv4 /24, IPv6 /48), which is
    /// enough to see abuse and too little to name a household.
    public let fullAddresses: Bool

    public init(_ destination: Destination, fullAddresses: Bool = false) {
        self.fullAddresses = fullAddresses
        switch destination {
        case .off:
            fd = -1
            ownsDescriptor = false
        case .standardOutput:
            fd = 1
            ownsDescriptor = false
        case .standardError:
            fd = 2
            ownsDescriptor = false
        case .file(let path):
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            ownsDescriptor = fd >= 0
        }
    }

    deinit { if ownsDescriptor { close(fd) } }

    public var isEnabled: Bool { fd >= 0 }

    /// An address as the log writes it: its network, the host's part zeroed (`203.0.113.0`,
    /// `2001:db8:85a3::`; an IPv4 address inside IPv6 as IPv4). What is not an address is
    /// written as it is (a Unix socket's peer).
    public static func network(of address: String) -> String {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            withUnsafeMutableBytes(of: &v4) { $0[3] = 0 }  // network byte order: the last byte is the host's
            return text(AF_INET, &v4, count: Int(INET_ADDRSTRLEN)) ?? address
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        return withUnsafeMutableBytes(of: &v6) { bytes -> String in
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            for i in (mapped ? 15 : 6)..<16 { bytes[i] = 0 }
            guard let base = bytes.baseAddress else { return address }
            return text(AF_INET6, base, count: Int(INET6_ADDRSTRLEN)) ?? address
        }
    }

    private static func text(_ family: Int32, _ address: UnsafeRawPointer, count: Int) -> String? {
        var buffer = [CChar](repeating: 0, count: count + 1)
        guard inet_ntop(family, address, &buffer, socklen_t(count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    var descriptor: Int32 { fd }

    /// How old a buffered line may grow under load before its buffer is written.
    static let flushNanoseconds: UInt64 = 100_000_000

    /// Writes a block of complete lines (one `write` when the file takes it all).
    func write(_ raw: UnsafeRawBufferPointer) {
        guard fd >= 0, let base = raw.baseAddress, !raw.isEmpty else { return }
        lock.withLock { _ in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, base + offset, raw.count - offset)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    let code = n < 0 ? errno : ENOSPC
                    _ = failingSince.compareExchange(expected: 0, desired: Int64(time(nil)), ordering: .relaxed)
                    failingErrno.store(code, ordering: .relaxed)
                    droppedBytes.add(raw.count - offset, ordering: .relaxed)
                    return
                }
                offset += n
            }
            failingSince.store(0, ordering: .relaxed)
        }
    }

    /// While the log cannot be written (a full disk, a file removed from under a read-only
    /// mount): since when, why, and how many bytes of lines were dropped since the server began.
    public var failure: (since: Date, reason: String, droppedBytes: Int)? {
        let since = failingSince.load(ordering: .relaxed)
        guard since > 0 else { return nil }
        let reason = String(cString: strerror(failingErrno.load(ordering: .relaxed)))
        return (Date(timeIntervalSince1970: TimeInterval(since)), reason, droppedBytes.load(ordering: .relaxed))
    }
}
