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

    public init(_ destination: Destination) {
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
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}
