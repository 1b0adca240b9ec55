/// What PostgreSQL (or the way to it) answered instead of a result, typed by what the caller
/// does about it: a unique violation is the visitor's (a slug taken), a serialization failure
/// is tried again, a lost connection is reconnected.
import SQL

public struct PostgresError: StorageError, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// `23505`: a row with the same key exists.
        case uniqueViolation
        /// `40001` or `40P01`: the transaction lost a race with another; run it again.
        case serializationFailure
        /// The server went away, or never answered (a failover, a restart, a wrong address).
        case connectionLost
        /// A statement's mistake or anything else, with its SQLSTATE.
        case other
    }

    public let kind: Kind
    /// The five-character SQLSTATE, empty when the error did not come from the server.
    public let sqlState: String
    public let message: String
    /// The statement, when it was the statement that was refused.
    public let sql: String?

    public init(kind: Kind, sqlState: String = "", message: String, sql: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.sql = sql
    }

    /// From a server's SQLSTATE: the classes a caller tells apart.
    init(sqlState: String, message: String) {
        let kind: Kind
        switch sqlState {
        case "23505": kind = .uniqueViolation
        case "40001", "40P01": kind = .serializationFailure
        // Class 08: connection exceptions; 57P01–57P03: the server is shutting down or starting.
        case let state where state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03":
            kind = .connectionLost
        default: kind = .other
        }
        self.init(kind: kind, sqlState: sqlState, message: message)
    }

    public var failure: StorageFailure {
        switch kind {
        case .uniqueViolation: return .uniqueViolation
        case .serializationFailure: return .serializationFailure
        case .connectionLost: return .connectionLost
        case .other: return sqlState == "53100" ? .full : .other  // disk_full
        }
    }

    public var description: String {
        let text = sqlState.isEmpty ? "PostgreSQL: \(message)" : "PostgreSQL \(sqlState): \(message)"
        return sql.map { text + " (in: \($0.prefix(200)))" } ?? text
    }
}
