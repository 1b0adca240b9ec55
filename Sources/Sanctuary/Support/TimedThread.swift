import CLinux
import Foundation
import Synchronization

/// A thread of its own that runs `body` until told to stop, and whose sleeps a stop cuts
/// short: the shape of the scheduler and the rotating backups, which must never hold one
/// of the few threads that answer requests.
final class TimedThread: Sendable {
    private let name: String
    private let stopping = Mutex(false)
    private let wake = NSCondition()
    private let finished = DispatchSemaphore(value: 0)

    init(name: String) { self.name = name }

    var isStopping: Bool { stopping.withLock { $0 } }

    /// Starts `body` on the thread; it should return once `isStopping`.
    func start(_ body: @escaping @Sendable () -> Void) {
        let name = name
        Thread { [self] in
            sanctuary_name_thread(name)
            body()
            finished.signal()
        }.start()
    }

    /// Asks the thread to stop, wakes it, and waits for `body` to return.
    func stop() {
        stopping.withLock { $0 = true }
        wake.lock()
        wake.broadcast()
        wake.unlock()
        finished.wait()
    }

    /// Sleeps until `date`, or until `stop`.
    func sleep(until date: Date) {
        wake.lock()
        if !isStopping { _ = wake.wait(until: date) }
        wake.unlock()
    }
}
