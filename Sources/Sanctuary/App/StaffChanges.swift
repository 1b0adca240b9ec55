import HTTP
import Synchronization

/// Staff changes, counted: every staff form post (`POST /admin/…`, counted once it is
/// answered, so after its write committed). The page cache drops what it built before even
/// while a burst of signatures lets pages live their whole second (`MicroCache.mustShow`):
/// "Saved — view it" shows what was saved.
final class StaffChanges: Middleware, Sendable {
    private let changes = Atomic<UInt64>(0)

    var count: UInt64 { changes.load(ordering: .acquiring) }

    func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome {
        guard request.method != "GET", request.method != "HEAD", request.path.hasPrefix("/admin/") else { return next(request) }
        return next(request).map { [self] response in
            changes.add(1, ordering: .releasing)
            return response
        }
    }
}
