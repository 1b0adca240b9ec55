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

    /// Runs `body` on a pooled connection whose statements each commit on their own, outside
    /// the group-committed writer, on PostgreSQL; nil on SQLite (its readers cannot write, and
    /// one process keeps such state in memory). Only for state that may be lost and must be
    /// shared at once by every node (rate limits): nothing here waits for a batch.
    public func autocommit<R>(_ body: (Connection) throws -> R) throws -> R? {
        guard case .postgres(let database) = engine else { return nil }
        return try database.read { try body(Connection(.postgres($0))) }
    }

    /// Runs `body` unless another node is running work of the same `name`: on PostgreSQL under
    /// an advisory lock held on a connection of its own while `body` runs (so scheduled work
    /// runs on one node at a time, and a node that dies lets go of it with its connection);
    /// on SQLite, one process, at once. Answers whether `body` ran.
    @discardableResult
    public func alone(_ name: String, _ body: () throws -> Void) throws -> Bool {
        guard case .postgres(let database) = engine else {
            try body()
            return true
        }
        return try database.read { connection in
            guard try connection.scalar("SELECT pg_try_advisory_lock(hashtext(?))", [name], as: Bool.self) == true else { return false }
            defer { _ = try? connection.run("SELECT pg_advisory_unlock(hashtext(?))", [name]) }
            try body()
            return true
        }
    }

    /// Waits until no other node holds `name`, and holds it until `release` (or until this
    /// process ends): start-up on several nodes at once (migrations, keys, sample content)
    /// runs one node after another. On SQLite, one process: nothing to wait for.
    public func hold(_ name: String) throws -> Held {
        guard case .postgres(let database) = engine else { return Held(nil) }
        let connection = try PGConnection(url: database.url)
        try connection.run("SELECT pg_advisory_lock(hashtext(?))", [name])
        return Held(connection)
    }

    /// A lock `hold` took; let go with `release`, or with the connection that holds it.
    public final class Held: @unchecked Sendable {
        private var connection: PGConnection?
        init(_ connection: PGConnection?) { self.connection = connection }
        public func release() {
            connection?.close()
            connection = nil
        }
        deinit { release() }
    }

    /// Grows after every committed write (before its writer hears of success), so a cache of
    /// anything read from the database can tell whether it may be stale.
    public var generation: UInt64 {
        switch engine {
        case .sqlite(let database): return database.generation
        case .postgres(let database): return database.generation
        }
    }

    /// Commits other nodes announced (PostgreSQL); 0 on SQLite, whose one process sees all.
    public var changesByOthers: UInt64 {
        switch engine {
        case .sqlite: return 0
        case .postgres(let database): return database.changesByOthers
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

    /// The current time as our timestamps write it (`2026-12-06T10:30:00Z`), in SQL.
    public var now: String {
        switch self {
        case .sqlite: return "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
        case .postgres: return #"to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#
        }
    }

    /// An aggregate joining the texts of `expression` with `separator` (both SQL).
    public func joined(_ expression: String, separator: String) -> String {
        switch self {
        case .sqlite: return "group_concat(\(expression), \(separator))"
        case .postgres: return "string_agg(\(expression), \(separator))"
        }
    }

    /// The order rows were stored in, for a table that may have no `id` (SQLite's rowid,
    /// PostgreSQL's row address: the same order until rows are updated or the table vacuumed).
    public var storedOrder: String {
        switch self {
        case .sqlite: return "rowid"
        case .postgres: return "ctid"
        }
    }

    /// A table's key that numbers its rows by itself (SQLite's rowid, PostgreSQL's identity).
    public var idColumn: String {
        switch self {
        case .sqlite: return "id INTEGER PRIMARY KEY"
        case .postgres: return "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        }
    }

    /// Whether the text `haystack` holds `needle` (both SQL expressions), with no pattern
    /// characters to escape.
    public func contains(_ haystack: String, _ needle: String) -> String {
        switch self {
        case .sqlite: return "instr(\(haystack), \(needle)) > 0"
        case .postgres: return "strpos(\(haystack), \(needle)) > 0"
        }
    }
}
