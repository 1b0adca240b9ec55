/// What went wrong in a database, in the words the application acts on, whichever engine
/// said it: a unique key taken is the visitor's (a slug in use), a serialization failure or
/// a busy database is tried again, a lost connection waits for the engine to come back.
public enum StorageFailure: Sendable, Equatable {
    /// A row with the same unique key exists.
    case uniqueViolation
    /// The transaction lost a race with another (PostgreSQL); run it again.
    case serializationFailure
    /// The engine cannot be reached (a failover, a restart): answer 503 and try later.
    case connectionLost
    /// Another connection holds the lock (SQLite) for longer than we wait.
    case busy
    /// The disk is full or failing.
    case full
    case other
}

/// An engine's error (`SQLiteError`, `PostgresError`), typed by `failure`.
public protocol StorageError: Error {
    var failure: StorageFailure { get }
}

extension Error {
    /// This error's `StorageFailure`, or nil when it did not come from a database.
    public var storageFailure: StorageFailure? { (self as? any StorageError)?.failure }
}

/// Errors from our own layer rather than from SQLite itself.
public enum DatabaseError: Error, CustomStringConvertible, Sendable {
    case noSuchColumn(String)
    case typeMismatch(column: String, expected: String)
    case migration(String)
    /// The database was closed before the work could run.
    case closed

    public var description: String {
        switch self {
        case .noSuchColumn(let name): return "no column named \(name) in the result"
        case .typeMismatch(let column, let expected): return "column \(column) is not \(expected)"
        case .migration(let message): return message
        case .closed: return "the database is closed"
        }
    }
}
