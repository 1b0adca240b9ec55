import Dispatch
import Synchronization

/// Pictures are decoded, scaled and encoded on threads of their own, at most `slots` at a
/// time, never on the shared pool every other handler (sign-in included) runs on: a hostile
/// upload waits its turn instead of holding the site. Past `waitingLimit` uploads already
/// waiting, the next is told to try again in a moment.
final class ImageWorkers: Sendable {
    struct Busy: Error {}

    private let queue = DispatchQueue(label: "sanctuary-images", attributes: .concurrent)
    private let slots: DispatchSemaphore
    private let waiting = Atomic<Int>(0)
    let waitingLimit: Int

    init(slots: Int = 2, waitingLimit: Int = 4) {
        self.slots = DispatchSemaphore(value: max(1, slots))
        self.waitingLimit = max(slots, waitingLimit)
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard waiting.add(1, ordering: .acquiringAndReleasing).newValue <= waitingLimit else {
            waiting.subtract(1, ordering: .relaxed)
            throw Busy()
        }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                self.slots.wait()
                let result = Result { try work() }
                self.slots.signal()
                self.waiting.subtract(1, ordering: .relaxed)
                continuation.resume(with: result)
            }
        }
    }
}
