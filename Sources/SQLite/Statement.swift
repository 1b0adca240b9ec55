import CSQLite
import SQL

/// SQLite's `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the call
/// returns, so a binding never outlives the Swift value it came from.
let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A prepared statement. Owned by one `SQLiteConnection` and used on its thread only.
public final class Statement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection
    public let sql: String
    private(set) lazy var columnIndex: [String: Int32] = {
        var map: [String: Int32] = [:]
        let count = sqlite3_column_count(handle)
        for i in 0..<count {
            if let name = sqlite3_column_name(handle, i) { map[String(cString: name)] = i }
        }
        return map
    }()
    var inUse = false
    /// Model property names (`publishedAt`) → column index (`published_at`), found once per
    /// statement: a cached statement reads the same model over and over (`RowDecodable`).
    private var propertyColumns: [String: Int32?] = [:]

    /// The column a model property reads, by `columnName`; nil when the row has none.
    func index(forProperty property: String) -> Int32? {
        if let known = propertyColumns[property] { return known }
        let index = columnIndex[columnName(property)]
        propertyColumns[property] = index
        return index
    }

    init(connection: SQLiteConnection, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw connection.error(code: rc, sql: sql)
        }
        self.handle = stmt
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds positional parameters (1-based in SQLite, 0-based in the array).
    public func bind(_ values: [any SQLBindable]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw SQLiteError(code: SQLITE_RANGE, message: "expected \(expected) parameters, got \(values.count)", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            try bind(value.sqlValue, at: Int32(offset + 1))
        }
    }

    func bind(_ value: SQLValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(handle, index)
        case .integer(let v):
            rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v):
            rc = sqlite3_bind_double(handle, index, v)
        case .text(let v):
            var v = v
            rc = v.withUTF8 { buf -> Int32 in
                guard let base = buf.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transient) }
                return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                    sqlite3_bind_text64(handle, index, $0, sqlite3_uint64(buf.count), transient, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let v):
            rc = v.withUnsafeBytes { buf in
                // A zero-length blob must still be a blob, not NULL.
                if buf.count == 0 { return sqlite3_bind_zeroblob(handle, index, 0) }
                return sqlite3_bind_blob64(handle, index, buf.baseAddress, sqlite3_uint64(buf.count), transient)
            }
        }
        guard rc == SQLITE_OK else { throw connection.error(code: rc, sql: sql) }
    }

    /// Advances one row. Returns false when done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(code: rc, sql: sql)
        }
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    public var row: SQLiteRow { SQLiteRow(statement: self) }
}

/// The current row of a stepping statement. Valid only until the next `step()`.
public struct SQLiteRow: ColumnSource {
    let statement: Statement

    public func index(forProperty property: String) -> Int32? { statement.index(forProperty: property) }
    public func index(ofColumn name: String) -> Int32? { statement.columnIndex[name] }

    public var columnCount: Int { Int(sqlite3_column_count(statement.handle)) }

    public func value(at index: Int32) -> SQLValue {
        let h = statement.handle
        switch sqlite3_column_type(h, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(h, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(h, index))
        case SQLITE_TEXT:
            guard let p = sqlite3_column_text(h, index) else { return .text("") }
            let n = Int(sqlite3_column_bytes(h, index))
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(h, index))
            guard n > 0, let p = sqlite3_column_blob(h, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    /// Column text without an intermediate `SQLValue`, for hot loops (CSV export).
    public func withText<R>(at index: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let h = statement.handle
        let p = sqlite3_column_text(h, index)
        let n = Int(sqlite3_column_bytes(h, index))
        return try body(UnsafeBufferPointer(start: p, count: p == nil ? 0 : n))
    }

    public func int64(at index: Int32) -> Int64 { sqlite3_column_int64(statement.handle, index) }
    public func isNull(at index: Int32) -> Bool { sqlite3_column_type(statement.handle, index) == SQLITE_NULL }
}
