import CLinux
import Foundation
import Synchronization

/// One event loop's access-log lines not yet written: a fixed block of memory, written to the
/// log when it is nearly full, when the loop has been quiet for a turn, every
/// `AccessLog.flushInterval` under load, and when the server stops. So the log costs one
/// `write` per many requests, not one per turn of a busy loop.
///
/// A crash does not lose them: the buffers are registered in `CrashFlush`, whose handler for
/// the signals a crash raises (a Swift trap's `SIGILL`/`SIGTRAP`, `SIGSEGV`, `SIGBUS`,
/// `SIGFPE`, `SIGABRT`) writes every buffer out with `write(2)` alone before the process dies.
final class LogBuffer {
    static let capacity = 1 << 16
    let storage: UnsafeMutablePointer<UInt8>
    /// Read by the crash handler: the bytes of `storage` that hold lines.
    let count: UnsafeMutablePointer<Int>
    private let slot: Int?

    init(fd: Int32) {
        storage = .allocate(capacity: Self.capacity)
        count = .allocate(capacity: 1)
        count.initialize(to: 0)
        slot = CrashFlush.register(fd: fd, storage: storage, count: count)
    }

    deinit {
        if let slot { CrashFlush.unregister(slot) }
        storage.deallocate()
        count.deallocate()
    }

    var isEmpty: Bool { count.pointee == 0 }
    var used: Int { count.pointee }
    var room: Int { Self.capacity - count.pointee }

    /// Appends bytes the caller has made sure fit (`room`); what does not fit is dropped.
    @inline(__always)
    func append(_ byte: UInt8) {
        guard count.pointee < Self.capacity else { return }
        storage[count.pointee] = byte
        count.pointee += 1
    }

    func append<C: Collection>(contentsOf bytes: C) where C.Element == UInt8 {
        for byte in bytes {
            guard count.pointee < Self.capacity else { return }
            storage[count.pointee] = byte
            count.pointee += 1
        }
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            let n = min(utf8.count, room)
            guard n > 0, let base = utf8.baseAddress else { return }
            (storage + count.pointee).update(from: base, count: n)
            count.pointee += n
        }
    }

    /// Appends `value` in decimal: the digits from the last, then turned round in place.
    func appendDecimal(_ value: UInt64) {
        let start = count.pointee
        var rest = value
        repeat {
            append(UInt8(truncatingIfNeeded: 48 &+ rest % 10))
            rest /= 10
        } while rest > 0
        var digits = UnsafeMutableBufferPointer(start: storage + start, count: count.pointee - start)
        digits.reverse()
    }

    /// Hands the lines to `write` and empties the buffer.
    func drain(into write: (UnsafeRawBufferPointer) -> Void) {
        guard count.pointee > 0 else { return }
        write(UnsafeRawBufferPointer(start: storage, count: count.pointee))
        count.pointee = 0
    }
}

/// The access-log buffers a crash handler writes out (see `LogBuffer`). A fixed table, set
/// up before any handler can run, read by the handler without a lock or an allocation.
enum CrashFlush {
    static let slots = 256
    struct Slot {
        var fd: Int32
        var storage: UnsafeMutablePointer<UInt8>?
        var count: UnsafeMutablePointer<Int>?
    }
    nonisolated(unsafe) static let table: UnsafeMutablePointer<Slot> = {
        let table = UnsafeMutablePointer<Slot>.allocate(capacity: slots)
        table.initialize(repeating: Slot(fd: -1, storage: nil, count: nil), count: slots)
        return table
    }()
    nonisolated(unsafe) static let previous: UnsafeMutablePointer<sigaction> = {
        let saved = UnsafeMutablePointer<sigaction>.allocate(capacity: 32)
        saved.initialize(repeating: sigaction(), count: 32)
        return saved
    }()
    private static let lock = Mutex(())
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]
    private static let installed: Void = {
        _ = table
        _ = previous
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { signal, info, _ in
                CrashFlush.handle(signal, sentByKernel: (info?.pointee.si_code ?? 0) > 0)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigaction(signal, &action, previous + Int(signal))
        }
    }()

    /// A free slot for a loop's buffer; nil when the table is full (that loop's lines are then
    /// written only as usual).
    static func register(fd: Int32, storage: UnsafeMutablePointer<UInt8>, count: UnsafeMutablePointer<Int>) -> Int? {
        guard fd >= 0 else { return nil }
        installed
        return lock.withLock { _ -> Int? in
            for index in 0..<slots where table[index].storage == nil {
                table[index] = Slot(fd: fd, storage: storage, count: count)
                return index
            }
            return nil
        }
    }

    static func unregister(_ index: Int) {
        lock.withLock { _ in table[index] = Slot(fd: -1, storage: nil, count: nil) }
    }

    /// In the signal handler: `write(2)` of every buffer, then the handler that was there
    /// before (the Swift runtime's backtracer, or the default: the process dies as it would
    /// have). A fault (a trap, a bad address) is met again when the handler returns, by that
    /// handler, with its real context; a signal sent by a process is raised again for it.
    static func handle(_ signal: Int32, sentByKernel: Bool) {
        for index in 0..<slots {
            let slot = table[index]
            guard let storage = slot.storage, let count = slot.count, slot.fd >= 0 else { continue }
            var offset = 0
            let total = count.pointee
            while offset < total {
                let n = Glibc.write(slot.fd, storage + offset, total - offset)
                if n <= 0 { break }
                offset += n
            }
            count.pointee = 0
        }
        sigaction(signal, previous + Int(signal), nil)
        // Blocked while this handler runs: delivered to the previous one as this one returns.
        if !sentByKernel { raise(signal) }
    }
}
