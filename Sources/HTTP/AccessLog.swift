import Foundation
import Synchronization

/// One line per request: time, client, method, path (never the query string, which may
/// carry tokens), status, bytes, duration. Lines are buffered per I/O thread and written
/// once per turn of its event loop, so logging costs no system call per request.
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

    /// Writes a buffer of complete lines.
    func write(_ bytes: [UInt8]) {
        guard fd >= 0, !bytes.isEmpty else { return }
        lock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
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
}
