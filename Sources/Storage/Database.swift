import CoreMetrics
import Foundation
import Postgres
@_exported import SQL
import SQLite

/// The application's database, on whichever engine the `database` setting names: a SQLite
/// file (the embedded default) or a `postgres://` URL (past one machine). Both engines have
/// the same shape, so this only passes each call on: one writer thread group-committing every
/// job waiting in one transaction (`Writer`), and a pool of readers.
public final class Database: Sendable {
    enum Engine: Sendable {
        case sqlite(SQLiteDatabase)
        case postgres(PGDatabase)
    }

    let engine: Engine

    /// A SQLite file (see `SQLiteDatabase`).
    public init(
        path: String, maxIdleReaders: Int = 8, metrics: (any MetricsFactory)? = nil, forgetAfterIdleSeconds: Double = 2
    ) throws {
        engine = .sqlite(
            try SQLiteDatabase(path: path, maxIdleReaders: maxIdleReaders, metrics: metrics, forgetAfterIdleSeconds: forgetAfterIdleSeconds)
        )
    }

    /// A PostgreSQL database (see `PGDatabase`).
    public init(postgres url: String, readers: Int = 8, metrics: (any MetricsFactory)? = nil) throws {
        engine = .postgres(try PGDatabase(url: url, readers: readers, metrics: metrics))
    }

    /// The `database` setting: a `postgres://` or `postgresql://` URL, or a SQLite file's path.
    public convenience init(location: String, metrics: (any MetricsFactory)? = nil) throws {
        if Self.isPostgres(location) {
            try self.init(postgres: location, metrics: metrics)
        } else {
            try self.init(path: location, metrics: metrics)
        }
    }

    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    public var dialect: Dialect {
        switch engine {
        case .sqlite: return .sqlite
        case .postgres: return .postgres
        }
    }

    /// The SQLite database, for what only it has (a backup through SQLite's API); nil on PostgreSQL.
    public var sqlite: SQLiteDatabase? {
        if case .sqlite(let database) = engine { return database }
        return nil
    }

    /// The SQLite file's path, or the PostgreSQL URL.
    public var location: String {
        switch engine {
        case .sqlite(let database): return database.path
        case .postgres(let database): return database.url
        }
    }

    // MARK: Reading

    /// Runs `body` with a reading connection borrowed from the pool.
    public func read<R>(_ body: (Connection) throws -> R) throws -> R {
        switch engine {
        case .sqlite(let database): return try database.read { try body(Connection(.sqlite($0))) }
        case .postgres(let database): return try database.read { try body(Connection(.postgres($0))) }
        }
    }

    /// Whether a reader can run a query (the health check).
    public func answers() throws -> Bool {
        try read { try $0.scalar("SELECT 1", as: Int.self) } == 1
    }

    /// Steps through a query's rows one at a time on a reader of its own (a streamed export);
    /// `close()` it when done.
    public func cursor(_ sql: String, parameters: [any SQLBindable]) throws -> Cursor {
        switch engine {
        case .sqlite(let database):
            let connection = try database.borrowReader()
            do {
                let cursor = try SQLiteCursor(connection: connection, sql: sql, parameters: parameters)
                return Cursor(.sqlite(cursor)) { database.returnReader(connection) }
            } catch {
                database.returnReader(connection)
                throw error
            }
        case .postgres(let database):
            let connection = try PGConnection(url: database.url)
            return Cursor(.postgres(try connection.stream(sql, parameters))) { connection.close() }
        }
    }

    /// Grows after every committed write (before its writer hears of success), so a cache of
    /// anything read from the database can tell whether it may be stale.
    public var generation: UInt64 {
        switch engine {
        case .sqlite(let database): return database.generation
        case .postgres(let database): return database.generation
        }
    }

    /// Writes committed in the last three seconds and the one under way.
    public var recentWrites: UInt64 {
        switch engine {
        case .sqlite(let database): return database.recentWrites
        case .postgres(let database): return database.recentWrites
        }
    }

    /// Gathered writes that waited for company so far, and how many of those waits gained some.
    public var gathering: (waits: UInt64, gains: UInt64) {
        switch engine {
        case .sqlite(let database): return database.gathering
        case .postgres(let database): return database.gathering
        }
    }

    // MARK: Writing

    /// Runs `body` on the writer inside the next group-committed transaction and returns once
    /// that transaction is durable (see `SQLiteDatabase.write` for `gathered`). If `body`
    /// throws, its own changes are rolled back; other jobs in the batch are unaffected. `body`
    /// may run twice, so it must do nothing but read and write through its connection.
    @discardableResult
    public func write<R: Sendable>(gathered: Bool = false, _ body: @escaping @Sendable (Connection) throws -> R) async throws -> R {
        switch engine {
        case .sqlite(let database): return try await database.write(gathered: gathered) { try body(Connection(.sqlite($0))) }
        case .postgres(let database): return try await database.write(gathered: gathered) { try body(Connection(.postgres($0))) }
        }
    }

    /// The blocking form of `write`, for command-line tools, start-up and tests.
    @discardableResult
    public func writeAndWait<R: Sendable>(_ body: @escaping @Sendable (Connection) throws -> R) throws -> R {
        switch engine {
        case .sqlite(let database): return try database.writeAndWait { try body(Connection(.sqlite($0))) }
        case .postgres(let database): return try database.writeAndWait { try body(Connection(.postgres($0))) }
        }
    }

    /// Runs `body` alone on the writer connection with no transaction opened for it
    /// (migrations, bulk imports that manage their own transaction). Blocking.
    @discardableResult
    public func exclusive<R: Sendable>(_ body: @escaping @Sendable (Connection) throws -> R) throws -> R {
        switch engine {
        case .sqlite(let database): return try database.exclusive { try body(Connection(.sqlite($0))) }
        case .postgres(let database): return try database.exclusive { try body(Connection(.postgres($0))) }
        }
    }

    /// Finishes pending writes and closes every connection.
    public func close() {
        switch engine {
        case .sqlite(let database): database.close()
        case .postgres(let database): database.close()
        }
    }
}

/// The engine a statement is written for, where the two differ (rarely, and beside the store
/// that needs it: `connection.dialect == .postgres ? … : …`).
public enum Dialect: Sendable, Equatable {
    case sqlite, postgres
}
