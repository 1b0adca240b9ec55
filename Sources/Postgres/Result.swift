import CPostgres
import SQLite

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

    public func value(row: Int, column: Int) -> SQLValue {
        guard row < count, column < columnCount else { return .null }
        let (r, c) = (Int32(row), Int32(column))
        if PQgetisnull(handle, r, c) == 1 { return .null }
        let text = String(cString: PQgetvalue(handle, r, c))
        switch PQftype(handle, c) {
        case 20, 21, 23, 26:  // int8, int2, int4, oid
            return Int64(text).map(SQLValue.integer) ?? .text(text)
        case 700, 701, 1700:  // float4, float8, numeric
            return Double(text).map(SQLValue.real) ?? .text(text)
        case 16:  // bool: t or f
            return .integer(text == "t" ? 1 : 0)
        case 17:  // bytea, in hex: \x0a0b…
            return .blob(Self.bytes(hex: text))
        default:
            return .text(text)
        }
    }

    static func bytes(hex text: String) -> [UInt8] {
        let digits = Array(text.utf8.dropFirst(2))
        func value(_ byte: UInt8) -> UInt8 { byte >= 97 ? byte - 87 : byte >= 65 ? byte - 55 : byte - 48 }
        return stride(from: 0, to: digits.count - 1, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
    }
}

/// One row of a result, read by column name.
public struct PGRow {
    let result: PGResult
    let index: Int

    public func value(_ column: String) -> SQLValue {
        result.index(of: column).map { result.value(row: index, column: $0) } ?? .null
    }

    public func get<T: SQLColumnDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T {
        guard result.index(of: column) != nil else { throw PostgresError(kind: .other, message: "no column \(column)") }
        guard let decoded = T(sqlValue: value(column)) else {
            throw PostgresError(kind: .other, message: "column \(column) is not \(T.sqlTypeName)")
        }
        return decoded
    }

    public func optional<T: SQLColumnDecodable>(_ column: String, as type: T.Type = T.self) throws(PostgresError) -> T? {
        value(column) == .null ? nil : try get(column, as: type)
    }
}
