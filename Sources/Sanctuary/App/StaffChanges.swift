import Dispatch
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

/// Rows that visitors' forms read on every post and only staff change (the petition being
/// signed): kept for up to a second, and dropped as soon as any staff form post is answered,
/// so a petition staff close stops taking signatures at once. A burst of ten thousand
/// signatures a second reads its petition once a second, not ten thousand times.
final class StaffEditedCache<Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let staffChanges: UInt64
        let expires: UInt64
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let staffChanges: StaffChanges
    private let lifetime: UInt64
    /// Past this many keys the cache starts again (keys come from addresses people post to).
    private static var limit: Int { 256 }

    init(_ staffChanges: StaffChanges, lifetimeNanoseconds: UInt64 = 1_000_000_000) {
        self.staffChanges = staffChanges
        self.lifetime = lifetimeNanoseconds
    }

    /// The kept value for `key`, or what `load` reads now (kept when it found something).
    func value(_ key: String, load: () throws -> Value?) rethrows -> Value? {
        let changes = staffChanges.count
        let now = DispatchTime.now().uptimeNanoseconds
        if let entry = entries.withLock({ $0[key] }), entry.staffChanges == changes, entry.expires > now { return entry.value }
        guard let value = try load() else { return nil }
        entries.withLock { entries in
            if entries.count >= Self.limit { entries.removeAll() }
            entries[key] = Entry(value: value, staffChanges: changes, expires: now &+ lifetime)
        }
        return value
    }
}
