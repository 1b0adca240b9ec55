import Foundation
import Postgres
import SQLite

/// A connection lent by `Database` (the writer's or a reader's), on either engine. Statements
/// are written once, with SQLite's `?` placeholders (PostgreSQL's are numbered for it), and
/// every value is bound. Used on one thread at a time, like the connection it wraps.
public struct Connection: Sendable {
    enum Engine: Sendable {
        case sqlite(SQLiteConnection)
        case postgres(PGConnection)
    }

    let engine: Engine

    init(_ engine: Engine) { self.engine = engine }

    /// A connection of its own, outside any `Database`, for a command-line tool: to the SQLite
    /// file or the `postgres://` URL the `database` setting names.
    public static func open(_ location: String, readOnly: Bool = false) throws -> Connection {
        if Database.isPostgres(location) { return Connection(.postgres(try PGConnection(url: location))) }
        return Connection(.sqlite(try SQLiteConnection(path: location, mode: readOnly ? .readOnly : .readWrite)))
    }

    /// Whether the database the setting names is there to open (a SQLite file exists; a
    /// PostgreSQL URL is tried when it is opened).
    public static func exists(_ location: String) -> Bool {
        Database.isPostgres(location) || FileManager.default.fileExists(atPath: location)
    }

    public var dialect: Dialect {
        switch engine {
        case .sqlite: return .sqlite
        case .postgres: return .postgres
        }
    }

    /// The SQLite connection, for what only SQLite has; nil on PostgreSQL.
    public var sqlite: SQLiteConnection? {
        if case .sqlite(let connection) = engine { return connection }
        return nil
    }

    /// Runs one or more statements with no parameters and no results (DDL, scripts).
    public func execute(_ sql: String) throws {
        switch engine {
        case .sqlite(let connection): try connection.execute(sql)
        case .postgres(let connection): try connection.execute(sql)
        }
    }

    /// Runs a statement that returns no rows; answers the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ parameters: any SQLBindable...) throws -> Int {
        try run(sql, parameters: parameters)
    }

    @discardableResult
    public func run(_ sql: String, parameters: [any SQLBindable]) throws -> Int {
        switch engine {
        case .sqlite(let connection): return try connection.run(sql, parameters: parameters)
        case .postgres(let connection): return try connection.run(sql, parameters).changes
        }
    }

    /// Maps every result row through `transform`.
    public func query<T>(_ sql: String, _ parameters: any SQLBindable..., row transform: (Row) throws -> T) throws -> [T] {
        try query(sql, parameters: parameters, row: transform)
    }

    public func query<T>(_ sql: String, parameters: [any SQLBindable], row transform: (Row) throws -> T) throws -> [T] {
        switch engine {
        case .sqlite(let connection):
            return try connection.query(sql, parameters: parameters) { try transform(Row(.sqlite($0))) }
        case .postgres(let connection):
            return try connection.query(sql, parameters) { try transform(Row(.postgres($0))) }
        }
    }

    /// The first row mapped through `transform`, or nil when there is none.
    public func first<T>(_ sql: String, _ parameters: any SQLBindable..., row transform: (Row) throws -> T) throws -> T? {
        switch engine {
        case .sqlite(let connection):
            return try connection.first(sql, parameters: parameters) { try transform(Row(.sqlite($0))) }
        case .postgres(let connection):
            let result = try connection.run(sql, parameters)
            return result.count > 0 ? try transform(Row(.postgres(PGRow(result: result, index: 0)))) : nil
        }
    }

    /// The first column of the first row.
    public func scalar<T: SQLColumnDecodable>(_ sql: String, _ parameters: any SQLBindable..., as type: T.Type = T.self) throws -> T? {
        switch engine {
        case .sqlite(let connection): return try connection.scalar(sql, parameters: parameters, as: type)
        case .postgres(let connection): return try connection.scalar(sql, parameters, as: type)
        }
    }

    /// The first column of the first row, with the parameters as a list.
    public func scalar<T: SQLColumnDecodable>(_ sql: String, parameters: [any SQLBindable], as type: T.Type = T.self) throws -> T? {
        switch engine {
        case .sqlite(let connection): return try connection.scalar(sql, parameters: parameters, as: type)
        case .postgres(let connection): return try connection.scalar(sql, parameters, as: type)
        }
    }

    /// The names of a table's columns, in order (none when there is no such table).
    public func columns(of table: String) throws -> [String] {
        switch engine {
        case .sqlite(let connection):
            return try connection.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", parameters: [table]) { try $0.get("name") }
        case .postgres(let connection):
            return try connection.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                [table]
            ) { try $0.get("column_name") }
        }
    }

    /// Runs an `INSERT` of one row into a table with an `id` and answers the row's id, or nil
    /// when no row went in (`ON CONFLICT … DO NOTHING`). One round trip on PostgreSQL
    /// (`RETURNING id`), where `lastInsertRowID` takes a second.
    public func insert(_ sql: String, _ parameters: any SQLBindable...) throws -> Int64? {
        switch engine {
        case .sqlite(let connection):
            return try connection.run(sql, parameters: parameters) == 1 ? connection.lastInsertRowID : nil
        case .postgres(let connection):
            let result = try connection.run(sql + " RETURNING id", parameters)
            guard result.count > 0, case .integer(let id) = result.value(row: 0, column: 0) else { return nil }
            return id
        }
    }

    /// The id the last `INSERT` on this connection gave its row.
    public var lastInsertRowID: Int64 {
        get throws {
            switch engine {
            case .sqlite(let connection): return connection.lastInsertRowID
            case .postgres(let connection): return try connection.lastInsertID()
            }
        }
    }

    public var isInTransaction: Bool {
        switch engine {
        case .sqlite(let connection): return connection.isInTransaction
        case .postgres(let connection): return connection.isInTransaction
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// On SQLite the write lock is taken up front (`BEGIN IMMEDIATE`).
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        switch engine {
        case .sqlite(let connection): return try connection.transaction(.immediate, body)
        case .postgres(let connection): return try connection.transaction(body)
        }
    }

    /// Runs `body` inside a savepoint, so its changes can be undone alone.
    public func savepoint<R>(_ name: String = "sp", _ body: () throws -> R) throws -> R {
        switch engine {
        case .sqlite(let connection): return try connection.savepoint(name, body)
        case .postgres(let connection): return try connection.savepoint(name, body)
        }
    }

    /// Adds `amount` to a counter kept in a row, written once per transaction (see `PendingCounters`).
    @discardableResult
    public func addToCounter(_ update: String, key: [SQLValue], by amount: Int = 1, current: (() throws -> Int)? = nil) throws -> Int {
        switch engine {
        case .sqlite(let connection): return try connection.addToCounter(update, key: key, by: amount, current: current)
        case .postgres(let connection): return try connection.addToCounter(update, key: key, by: amount, current: current)
        }
    }
}

/// A result row on either engine. Valid only while its statement is (until the next row).
public struct Row: ColumnSource {
    enum Source {
        case sqlite(SQLiteRow)
        case postgres(PGRow)
    }

    let source: Source

    init(_ source: Source) { self.source = source }

    public func index(forProperty property: String) -> Int32? {
        switch source {
        case .sqlite(let row): return row.index(forProperty: property)
        case .postgres(let row): return row.index(forProperty: property)
        }
    }

    public func index(ofColumn name: String) -> Int32? {
        switch source {
        case .sqlite(let row): return row.index(ofColumn: name)
        case .postgres(let row): return row.index(ofColumn: name)
        }
    }

    public func value(at index: Int32) -> SQLValue {
        switch source {
        case .sqlite(let row): return row.value(at: index)
        case .postgres(let row): return row.value(at: index)
        }
    }

    /// Column text without an intermediate `String`, for hot loops (CSV export).
    public func withText<R>(at index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch source {
        case .sqlite(let row): return try row.withText(at: index, body)
        case .postgres(let row): return try row.withText(at: index, body)
        }
    }

    public func int64(at index: Int32) -> Int64 {
        switch source {
        case .sqlite(let row): return row.int64(at: index)
        case .postgres(let row):
            if case .integer(let number) = row.value(at: index) { return number }
            return 0
        }
    }

    public func isNull(at index: Int32) -> Bool {
        switch source {
        case .sqlite(let row): return row.isNull(at: index)
        case .postgres(let row): return row.value(at: index) == .null
        }
    }
}

/// A query's rows one at a time (`Database.cursor`), for results too large to collect.
public final class Cursor {
    enum Source {
        case sqlite(SQLiteCursor)
        case postgres(PGStream)
    }

    private let source: Source
    private var release: (() -> Void)?

    init(_ source: Source, release: @escaping () -> Void) {
        self.source = source
        self.release = release
    }

    /// The next row (valid until the following call), or nil at the end.
    public func next() throws -> Row? {
        switch source {
        case .sqlite(let cursor): return try cursor.next().map { Row(.sqlite($0)) }
        case .postgres(let stream): return try stream.next().map { Row(.postgres($0)) }
        }
    }

    /// Gives the connection back; the cursor reads nothing more.
    public func close() {
        switch source {
        case .sqlite(let cursor): cursor.close()
        case .postgres(let stream): stream.close()
        }
        release?()
        release = nil
    }

    deinit { close() }
}
