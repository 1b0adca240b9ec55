import CSQLite

/// An error reported by SQLite, carrying its (extended) result code and message,
/// and the SQL that caused it when known.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, …).
    public var primaryCode: Int32 { code & 0xff }

    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }
    // Extended codes are C macros that Swift does not import: SQLITE_CONSTRAINT | (n << 8).
    public var isUniqueViolation: Bool {
        code == SQLITE_CONSTRAINT | (8 << 8) || code == SQLITE_CONSTRAINT | (6 << 8)
    }
    public var isForeignKeyViolation: Bool { code == SQLITE_CONSTRAINT | (3 << 8) }
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }
}

/// Errors from our own layer rather than from SQLite itself.
public enum DatabaseError: Error, CustomStringConvertible, Sendable {
    case noSuchColumn(String)
    case typeMismatch(column: String, expected: String)
    case migration(String)

    public var description: String {
        switch self {
        case .noSuchColumn(let name): return "no column named \(name) in the result"
        case .typeMismatch(let column, let expected): return "column \(column) is not \(expected)"
        case .migration(let message): return message
        }
    }
}
