import CPostgres
import SQL

/// A statement's result: its rows, read as `SQLValue`s by column type (integers, reals,
/// booleans as 0 or 1, `bytea` as bytes, the rest as text), and how many rows it changed.
/// Freed with the last reference.
public final class PGResult: @unchecked Sendable {
    private let handle: OpaquePointer
    public let count: Int
    public let columnCount: Int
    /// Column name → index, for reading by name.
    private let columns: [String: Int]

    init(_ handle: OpaquePointer) {
        self.handle = handle
        count = Int(PQntuples(handle))
        columnCount = Int(PQnfields(handle))
        var columns: [String: Int] = [:]
        for index in 0..<columnCount { columns[String(cString: PQfname(handle, Int32(index)))] = index }
        self.columns = columns
    }

    deinit { PQclear(handle) }

    /// The rows an `INSERT`, `UPDATE` or `DELETE` changed.
    public var changes: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    public func index(of column: String) -> Int? { columns[column] }

    /// The column a model property reads (`publishedAt` → `published_at`).
    func index(forProperty property: String) -> Int32? { columns[columnName(property)].map { Int32($0) } }

    public func value(row: Int, column: Int) -> SQLValue {
        guard row < count, column < columnCount else { return .null }
        let (r, c) = (Int32(row), Int32(column))
        if PQgetisnull(handle, r, c) == 1 { return .null }
        let text = String(cString: PQgetvalue(handle, r, c))
        switch PQftype(handle, c) {
        case 20, 21, 23, 26:  // int8, int2, int4, oid
            return Int64(text).map(SQLValue.integer) ?? .text(text)
        case 1700:  // numeric: a whole one (a sum of integers) is an integer
            if !text.contains("."), let whole = Int64(text) { return .integer(whole) }
            return Double(text).map(SQLValue.real) ?? .text(text)
        case 700, 701:  // float4, float8
            return Double(text).map(SQLValue.real) ?? .text(text)
        case 16:  // bool: t or f
            return .integer(text == "t" ? 1 : 0)
        case 17:  // bytea, in hex: \x0a0b…
            return .blob(Self.bytes(hex: text))
        default:
            return .text(text)
        }
    }

    func withText<R>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard row < count, column < columnCount, PQgetisnull(handle, Int32(row), Int32(column)) == 0,
            let text = PQgetvalue(handle, Int32(row), Int32(column))
        else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return try text.withMemoryRebound(to: UInt8.self, capacity: length) { try body(UnsafeBufferPointer(start: $0, count: length)) }
    }

    static func bytes(hex text: String) -> [UInt8] {
        let digits = Array(text.utf8.dropFirst(2))
        func value(_ byte: UInt8) -> UInt8 { byte >= 97 ? byte - 87 : byte >= 65 ? byte - 55 : byte - 48 }
        return stride(from: 0, to: digits.count - 1, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
    }
}

/// One row of a result.
public struct PGRow: ColumnSource {
    let result: PGResult
    let index: Int

    public init(result: PGResult, index: Int) {
        self.result = result
        self.index = index
    }

    public func index(forProperty property: String) -> Int32? { result.index(forProperty: property) }
    public func index(ofColumn name: String) -> Int32? { result.index(of: name).map { Int32($0) } }
    public func value(at column: Int32) -> SQLValue { result.value(row: index, column: Int(column)) }

    /// The column's text as PostgreSQL sent it, without a `String` (CSV export).
    public func withText<R>(at column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try result.withText(row: index, column: Int(column), body)
    }
}
