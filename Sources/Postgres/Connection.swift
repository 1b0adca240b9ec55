import CPostgres
import Foundation
import SQL

/// One connection to PostgreSQL through libpq: statements with bound values (sent as text,
/// PostgreSQL's own format for every type), prepared once per connection by name, results
/// read as `SQLValue`s like SQLite's, `LISTEN`/`NOTIFY`, and a reconnect after a lost
/// connection. A connection string with several hosts and `target_session_attrs=read-write`
/// is libpq's own failover: it connects to whichever is the primary.
///
/// Concurrency: used by one thread at a time (a pool hands each out exclusively), which is
/// why this type is `@unchecked Sendable`, as SQLite's `Connection` is.
public final class PGConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Statement text → the name it was prepared under on this connection.
    private var prepared: [String: String] = [:]
    /// Counter increments waiting for the transaction's end (`addToCounter`).
    private var counters = PendingCounters()
    private var closed = false
    /// Called after each batch this connection commits (the writer's: the node's announcer
    /// tells the other nodes, outside the transaction).
    public var afterCommit: (@Sendable () -> Void)?

    /// `url`: `postgres://user@host:port/database?…` or `host=… dbname=…`.
    public init(url: String) throws(PostgresError) {
        guard let handle = PQconnectdb(url) else {
            throw PostgresError(kind: .connectionLost, message: "libpq could not allocate a connection")
        }
        self.handle = handle
        guard PQstatus(handle) == CONNECTION_OK else {
            // Finished here, once: a class whose init throws once it is whole still runs its
            // deinit, which must then find it closed (else libpq frees it twice).
            let message = Self.message(PQerrorMessage(handle))
            closed = true
            PQfinish(handle)
            throw PostgresError(kind: .connectionLost, message: message)
        }
        // Notices (a table that already exists, …) are not ours to print.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit { close() }

    /// Ends the session now; nothing may use the connection afterwards.
    public func close() {
        guard !closed else { return }
        closed = true
        PQfinish(handle)
    }

    /// Whether the connection is up (false after the server went away).
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Connects again with the same settings (after a failover: to the new primary); the
    /// statements prepared before are gone with the old session.
    public func reconnect() throws(PostgresError) {
        PQreset(handle)
        prepared.removeAll()
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(kind: .connectionLost, message: Self.message(PQerrorMessage(handle)))
        }
    }

    /// Runs statements that take no values (a migration, `BEGIN`), several at once.
    public func execute(_ sql: String) throws(PostgresError) {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result)
    }

    /// Runs one statement with `?` placeholders (see `Placeholders`) and its values bound,
    /// prepared on this connection the first time: its rows, and how many rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [any SQLBindable] = []) throws(PostgresError) -> PGResult {
        let name = try statementName(for: sql)
        let texts = values.map { Self.text($0.sqlValue) }
        let answer = Self.withCStrings(texts) { pointers in
            PQexecPrepared(handle, name, Int32(pointers.count), pointers, nil, nil, 0)
        }
        guard let result = answer else {
            throw PostgresError(kind: .connectionLost, message: Self.message(PQerrorMessage(handle)))
        }
        do {
            try check(result)
        } catch {
            PQclear(result)
            throw error
        }
        return PGResult(result)
    }

    /// Sends a prepared statement and asks for its rows one at a time (`PGStream`).
    func sendStreamed(_ sql: String, _ values: [any SQLBindable]) throws(PostgresError) {
        let name = try statementName(for: sql)
        let texts = values.map { Self.text($0.sqlValue) }
        let sent = Self.withCStrings(texts) { pointers in
            PQsendQueryPrepared(handle, name, Int32(pointers.count), pointers, nil, nil, 0)
        }
        guard sent == 1, PQsetSingleRowMode(handle) == 1 else {
            throw PostgresError(kind: .connectionLost, message: Self.message(PQerrorMessage(handle)))
        }
    }

    /// The next result of a streamed statement: a single row, the empty end, or nil once
    /// every result has been read.
    func nextStreamedResult() throws(PostgresError) -> PGResult? {
        guard let result = PQgetResult(handle) else { return nil }
        do {
            try check(result)
        } catch {
            PQclear(result)
            while let rest = PQgetResult(handle) { PQclear(rest) }
            throw error
        }
        return PGResult(result)
    }

    /// Whether a transaction is open (or failed and not yet rolled back).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The id the last insert into a table with an identity column took, in this session.
    public func lastInsertID() throws(PostgresError) -> Int64 {
        let result = try run("SELECT lastval()")
        guard case .integer(let id) = result.value(row: 0, column: 0) else {
            throw PostgresError(kind: .other, message: "lastval() answered no number")
        }
        return id
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN")
        do {
            let result = try body()
            try commitBatch()
            return result
        } catch {
            rollbackBatch()
            throw error
        }
    }

    /// Runs `body` inside a savepoint, so its changes can be undone alone within a larger transaction.
    public func savepoint<R>(_ name: String, _ body: () throws -> R) throws -> R {
        try execute("SAVEPOINT \(name)")
        let countersBefore = counters
        do {
            let result = try body()
            try execute("RELEASE \(name)")
            return result
        } catch {
            counters = countersBefore
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            throw error
        }
    }

    /// Adds `amount` to a counter kept in a row, written once per transaction (see `PendingCounters`).
    @discardableResult
    public func addToCounter(_ update: String, key: [SQLValue], by amount: Int = 1, current: (() throws -> Int)? = nil) throws -> Int {
        guard isInTransaction else {
            let before = try current?() ?? 0
            try run(update, [SQLValue.integer(Int64(amount))] + key)
            return before + amount
        }
        return try counters.add(update, key: key, by: amount, current: current)
    }

    /// Rows of a statement, each made into a model by `row`.
    public func query<T>(_ sql: String, _ values: [any SQLBindable] = [], row: (PGRow) throws -> T) throws -> [T] {
        let result = try run(sql, values)
        return try (0..<result.count).map { try row(PGRow(result: result, index: $0)) }
    }

    /// The first column of the first row, or nil.
    public func scalar<T: SQLColumnDecodable>(_ sql: String, _ values: [any SQLBindable] = [], as type: T.Type) throws -> T? {
        let result = try run(sql, values)
        guard result.count > 0, result.columnCount > 0 else { return nil }
        return T(sqlValue: result.value(row: 0, column: 0))
    }

    // MARK: LISTEN and NOTIFY

    public func listen(_ channel: String) throws(PostgresError) {
        try execute("LISTEN \(Self.quotedName(channel))")
    }

    /// `NOTIFY` with a payload, bound (`pg_notify`).
    public func notify(_ channel: String, payload: String = "") throws(PostgresError) {
        try run("SELECT pg_notify(?, ?)", [channel, payload])
    }

    /// The notifications that have arrived, without waiting (reads what the socket holds).
    public func notifications() throws(PostgresError) -> [(channel: String, payload: String)] {
        guard PQconsumeInput(handle) == 1 else {
            throw PostgresError(kind: .connectionLost, message: Self.message(PQerrorMessage(handle)))
        }
        var found: [(channel: String, payload: String)] = []
        while let notice = PQnotifies(handle) {
            found.append((String(cString: notice.pointee.relname), String(cString: notice.pointee.extra)))
            PQfreemem(notice)
        }
        return found
    }

    /// The socket, to wait on with `poll` for notifications.
    public var socket: Int32 { PQsocket(handle) }

    // MARK: Inside

    private func statementName(for sql: String) throws(PostgresError) -> String {
        if let name = prepared[sql] { return name }
        let name = "s\(prepared.count + 1)"
        let result = PQprepare(handle, name, Placeholders.numbered(sql), 0, nil)
        defer { PQclear(result) }
        do {
            try check(result)
        } catch {
            throw PostgresError(kind: error.kind, sqlState: error.sqlState, message: error.message, sql: sql)
        }
        prepared[sql] = name
        return name
    }

    private func check(_ result: OpaquePointer?) throws(PostgresError) {
        guard let result else {
            throw PostgresError(kind: .connectionLost, message: Self.message(PQerrorMessage(handle)))
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE: return
        default:
            let state = PQresultErrorField(result, 67).map { String(cString: $0) } ?? ""  // PG_DIAG_SQLSTATE, 'C'
            let message = Self.message(PQresultErrorMessage(result))
            if state.isEmpty, PQstatus(handle) != CONNECTION_OK { throw PostgresError(kind: .connectionLost, message: message) }
            throw PostgresError(sqlState: state, message: message)
        }
    }

    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "no message"
    }

    /// A value as PostgreSQL's text input reads it; nil for NULL. A blob is `bytea`'s hex form.
    static func text(_ value: SQLValue) -> String? {
        switch value {
        case .null: return nil
        case .integer(let number): return String(number)
        case .real(let number): return String(number)
        case .text(let text): return text
        case .blob(let bytes):
            let digits = Array("0123456789abcdef".utf8)
            var hex: [UInt8] = Array("\\x".utf8)
            for byte in bytes { hex += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
            return String(decoding: hex, as: UTF8.self)
        }
    }

    /// A name as an identifier (`"channel"`), its quotes doubled.
    static func quotedName(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    private static func withCStrings<R>(_ texts: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = texts.map { $0.flatMap { strdup($0) } }
        defer { for copy in copies { free(copy) } }
        return body(copies.map { UnsafePointer($0) })
    }
}

extension PGConnection: BatchConnection {
    public var transactionFailed: Bool { PQtransactionStatus(handle) == PQTRANS_INERROR }

    /// A batch's transaction, on a connection made again first if the server went away (a
    /// failover: libpq finds the new primary among the URL's hosts).
    public func beginBatch() throws {
        if !isConnected { try reconnect() }
        try execute("BEGIN")
    }

    public func commitBatch() throws {
        try counters.write { update, parameters in try run(update, parameters) }
        try execute("COMMIT")
        afterCommit?()
    }

    public func rollbackBatch() {
        counters.discard()
        if isInTransaction { try? execute("ROLLBACK") }
    }
}

/// A query's rows as they arrive, one at a time (libpq's single-row mode), for a result too
/// large to hold (a streamed export). The connection runs nothing else until it is closed.
public final class PGStream {
    private let connection: PGConnection
    private var done = false

    init(connection: PGConnection) { self.connection = connection }

    /// The next row, or nil at the end.
    public func next() throws(PostgresError) -> PGRow? {
        guard !done else { return nil }
        guard let result = try connection.nextStreamedResult() else {
            done = true
            return nil
        }
        if result.count == 0 {
            close()
            return nil
        }
        return PGRow(result: result, index: 0)
    }

    /// Reads and drops whatever is left of the result.
    public func close() {
        guard !done else { return }
        done = true
        while (try? connection.nextStreamedResult()) ?? nil != nil {}
    }

    deinit { close() }
}

extension PGConnection {
    /// Sends `sql` and streams its rows (see `PGStream`).
    public func stream(_ sql: String, _ values: [any SQLBindable]) throws(PostgresError) -> PGStream {
        try sendStreamed(sql, values)
        return PGStream(connection: self)
    }
}
