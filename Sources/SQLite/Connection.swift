import CSQLite
import Foundation
import SQL

/// One SQLite connection with a cache of prepared statements.
///
/// Concurrency: a connection is used by one thread at a time. `SQLiteDatabase` owns all
/// connections and hands each one out exclusively (the writer to its own thread,
/// readers from a pool), which is why this type is `@unchecked Sendable`.
public final class SQLiteConnection: @unchecked Sendable {
    let handle: OpaquePointer
    public let path: String
    private var cache: [String: Statement] = [:]
    /// The same statements by where their SQL's bytes lie (see `cached`).
    private var cacheByAddress: [TextAddress: Statement] = [:]
    /// Counter increments waiting for the transaction's end (`addToCounter`).
    private var counters = PendingCounters()
    private static let cacheLimit = 128

    public enum Mode: Sendable { case readWrite, readOnly }

    /// Process-wide SQLite settings, made once before the first connection opens.
    private static let configured: Void = {
        // Debian's SQLite counts memory use under a global mutex and has no lookaside
        // allocator: without this every small allocation of every connection takes that lock.
        _ = csqlite_disable_memory_statistics()
    }()

    public init(path: String, mode: Mode = .readWrite, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        Self.configured
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        switch mode {
        case .readWrite: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        // Deleted rows (a signature its owner asked us to forget) are overwritten in the file,
        // not left in free space: Debian's SQLite does this by default, other builds may not.
        try execute("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON")
    }

    deinit { close() }

    private var closed = false

    /// Finalizes the cached statements and closes the file now, rather than when the last
    /// reference goes (a stopped application may be kept alive by its routes). Nothing may use
    /// the connection afterwards.
    public func close() {
        guard !closed else { return }
        closed = true
        cache.removeAll()
        cacheByAddress.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(code: Int32, sql: String?) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        return SQLiteError(
            code: extended != 0 ? extended : code,
            message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements with no parameters and no results (DDL, pragmas, scripts).
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// Borrows a cached prepared statement for `sql`, bound to `parameters`, and
    /// resets it afterwards. A statement already in use (nested query) gets a fresh copy.
    public func withStatement<R>(
        _ sql: String, _ parameters: [any SQLBindable],
        _ body: (Statement) throws -> R
    ) throws -> R {
        let statement: Statement
        if let cached = cached(sql), !cached.inUse {
            statement = cached
        } else {
            statement = try Statement(connection: self, sql: sql)
            if cache[sql] == nil {
                if cache.count >= Self.cacheLimit {
                    cache.removeAll()
                    cacheByAddress.removeAll()
                }
                cache[sql] = statement
            }
        }
        statement.inUse = true
        defer {
            statement.reset()
            statement.inUse = false
        }
        try statement.bind(parameters)
        return try body(statement)
    }

    /// The cached statement for `sql`. The SQL is nearly always a literal, whose bytes never
    /// move, so the statement is first looked up by their address: no hash of a long text per
    /// query. The text is still compared (at once, when it is the same literal), so a string
    /// built later in memory another one used never gets that one's statement.
    private func cached(_ sql: String) -> Statement? {
        let address = sql.utf8.withContiguousStorageIfAvailable { TextAddress(start: UInt(bitPattern: $0.baseAddress), count: $0.count) }
        if let address, let statement = cacheByAddress[address], statement.sql == sql { return statement }
        guard let statement = cache[sql] else { return nil }
        if let address {
            if cacheByAddress.count >= Self.cacheLimit { cacheByAddress.removeAll() }
            cacheByAddress[address] = statement
        }
        return statement
    }

    /// Runs a statement that returns no rows; answers the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ parameters: any SQLBindable...) throws -> Int {
        try run(sql, parameters: parameters)
    }

    @discardableResult
    public func run(_ sql: String, parameters: [any SQLBindable]) throws -> Int {
        try withStatement(sql, parameters) { statement in
            while try statement.step() {}
            return Int(sqlite3_changes64(handle))
        }
    }

    /// Maps every result row through `transform`.
    public func query<T>(
        _ sql: String, _ parameters: any SQLBindable...,
        row transform: (SQLiteRow) throws -> T
    ) throws -> [T] {
        try query(sql, parameters: parameters, row: transform)
    }

    public func query<T>(
        _ sql: String, parameters: [any SQLBindable],
        row transform: (SQLiteRow) throws -> T
    ) throws -> [T] {
        try withStatement(sql, parameters) { statement in
            var results: [T] = []
            while try statement.step() { results.append(try transform(statement.row)) }
            return results
        }
    }

    /// The first row mapped through `transform`, or nil when there is none.
    public func first<T>(
        _ sql: String, _ parameters: any SQLBindable...,
        row transform: (SQLiteRow) throws -> T
    ) throws -> T? {
        try first(sql, parameters: parameters, row: transform)
    }

    public func first<T>(
        _ sql: String, parameters: [any SQLBindable],
        row transform: (SQLiteRow) throws -> T
    ) throws -> T? {
        try withStatement(sql, parameters) { statement in
            try statement.step() ? try transform(statement.row) : nil
        }
    }

    /// The first column of the first row.
    public func scalar<T: SQLColumnDecodable>(
        _ sql: String, _ parameters: any SQLBindable...,
        as type: T.Type = T.self
    ) throws -> T? {
        try scalar(sql, parameters: parameters, as: type)
    }

    public func scalar<T: SQLColumnDecodable>(
        _ sql: String, parameters: [any SQLBindable],
        as type: T.Type = T.self
    ) throws -> T? {
        try withStatement(sql, parameters) { statement in
            guard try statement.step() else { return nil }
            return T(sqlValue: statement.row.value(at: 0))
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    public enum TransactionKind: String, Sendable {
        case deferred = "DEFERRED"
        case immediate = "IMMEDIATE"
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Writers use `.immediate` so the write lock is taken up front and never upgraded mid-way.
    public func transaction<R>(_ kind: TransactionKind = .immediate, _ body: () throws -> R) throws -> R {
        try execute("BEGIN \(kind.rawValue)")
        do {
            let result = try body()
            try writeCounters()
            try execute("COMMIT")
            return result
        } catch {
            discardCounters()
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` inside a savepoint, so its changes can be undone alone within a larger transaction.
    /// Both statements are prepared once and cached (the writer runs one per job).
    /// Counter increments made inside it are undone with it too.
    public func savepoint<R>(_ name: String = "sp", _ body: () throws -> R) throws -> R {
        try run("SAVEPOINT \(name)")
        let countersBefore = counters
        do {
            let result = try body()
            try run("RELEASE \(name)")
            return result
        } catch {
            counters = countersBefore
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            throw error
        }
    }

    // MARK: Counters kept in rows

    /// Adds `amount` to a counter kept in a row (a petition's total, a province's count),
    /// written once per transaction instead of once per change (see `PendingCounters`).
    @discardableResult
    public func addToCounter(_ update: String, key: [SQLValue], by amount: Int = 1, current: (() throws -> Int)? = nil) throws -> Int {
        guard isInTransaction else {
            let before = try current?() ?? 0
            try run(update, parameters: [SQLValue.integer(Int64(amount))] + key)
            return before + amount
        }
        return try counters.add(update, key: key, by: amount, current: current)
    }

    /// Writes every counter's pending total (call before `COMMIT`).
    public func writeCounters() throws {
        try counters.write { update, parameters in try run(update, parameters: parameters) }
    }

    /// Forgets pending counters (the transaction rolled back).
    public func discardCounters() { counters.discard() }
}

extension SQLiteConnection: BatchConnection {
    /// A refused statement leaves SQLite's transaction as it was.
    public var transactionFailed: Bool { false }

    public func beginBatch() throws { try execute("BEGIN IMMEDIATE") }

    public func commitBatch() throws {
        try writeCounters()
        try execute("COMMIT")
    }

    public func rollbackBatch() {
        discardCounters()
        if isInTransaction { try? execute("ROLLBACK") }
    }
}

private struct TextAddress: Hashable {
    let start: UInt
    let count: Int
}
