import CSQLite
import SQL

/// An error reported by SQLite, carrying its (extended) result code and message,
/// and the SQL that caused it when known.
public struct SQLiteError: StorageError, CustomStringConvertible, Sendable {
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

    /// The extended result codes the application tells apart. Swift does not import them
    /// (they are C macros: `SQLITE_CONSTRAINT | (n << 8)`), so they are named here, once.
    public enum Kind: Sendable, Equatable {
        case constraintUnique, constraintPrimaryKey, constraintForeignKey, constraintCheck, constraintNotNull, constraintOther
        case busy, other
    }

    public var kind: Kind {
        switch code {
        case SQLITE_CONSTRAINT | (8 << 8): return .constraintUnique
        case SQLITE_CONSTRAINT | (6 << 8): return .constraintPrimaryKey
        case SQLITE_CONSTRAINT | (3 << 8): return .constraintForeignKey
        case SQLITE_CONSTRAINT | (1 << 8): return .constraintCheck
        case SQLITE_CONSTRAINT | (5 << 8): return .constraintNotNull
        default:
            if primaryCode == SQLITE_CONSTRAINT { return .constraintOther }
            if primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED { return .busy }
            return .other
        }
    }

    /// What the application does about it, the same words for both engines.
    public var failure: StorageFailure {
        if isUniqueViolation { return .uniqueViolation }
        if isBusy { return .busy }
        if primaryCode == SQLITE_FULL || primaryCode == SQLITE_IOERR { return .full }
        return .other
    }

    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }
    /// A `UNIQUE` or primary key already taken.
    public var isUniqueViolation: Bool { kind == .constraintUnique || kind == .constraintPrimaryKey }
    public var isForeignKeyViolation: Bool { kind == .constraintForeignKey }
    public var isBusy: Bool { kind == .busy }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }
}
