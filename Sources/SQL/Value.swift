/// A value as SQLite stores it.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue {
    /// A text by which counters are put in one order (any order, the same on every connection).
    var sortText: String {
        switch self {
        case .null: return ""
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let v): return v.map { String($0) }.joined(separator: ",")
        }
    }
}

/// Something that can be bound to a `?` parameter.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

/// Something that can be read back from a result column.
public protocol SQLColumnDecodable {
    init?(sqlValue: SQLValue)
    static var sqlTypeName: String { get }
}

extension SQLValue: SQLBindable {
    public var sqlValue: SQLValue { self }
}

extension Int64: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        guard case .integer(let v) = sqlValue else { return nil }
        self = v
    }
    public static var sqlTypeName: String { "an integer" }
}

extension Int: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard case .integer(let v) = sqlValue else { return nil }
        self = Int(v)
    }
    public static var sqlTypeName: String { "an integer" }
}

extension Bool: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sqlValue: SQLValue) {
        guard case .integer(let v) = sqlValue else { return nil }
        self = v != 0
    }
    public static var sqlTypeName: String { "a boolean (integer)" }
}

extension Double: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .real(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let v): self = v
        case .integer(let v): self = Double(v)
        default: return nil
        }
    }
    public static var sqlTypeName: String { "a real number" }
}

extension String: SQLBindable, SQLColumnDecodable {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        guard case .text(let v) = sqlValue else { return nil }
        self = v
    }
    public static var sqlTypeName: String { "text" }
}

extension Array: SQLBindable where Element == UInt8 {
    public var sqlValue: SQLValue { .blob(self) }
}

extension Array: SQLColumnDecodable where Element == UInt8 {
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .blob(let v): self = v
        case .text(let v): self = Array(v.utf8)
        default: return nil
        }
    }
    public static var sqlTypeName: String { "a blob" }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue {
        switch self {
        case .none: return .null
        case .some(let v): return v.sqlValue
        }
    }
}

/// A state or kind stored as text (`'open'`, `'waitlist'`): declare the enum with
/// `String` raw values and this conformance, and it binds to and reads from SQL as itself,
/// so no state is compared as a string in the application.
public protocol SQLTextEnum: RawRepresentable, SQLBindable, SQLColumnDecodable, Decodable where RawValue == String {}

extension SQLTextEnum {
    public var sqlValue: SQLValue { .text(rawValue) }
    public init?(sqlValue: SQLValue) {
        guard case .text(let text) = sqlValue else { return nil }
        self.init(rawValue: text)
    }
    public static var sqlTypeName: String { "one of the known values (text)" }
}

extension SQLTextEnum {
    /// The value as a SQL string literal, only for a statement that must name it in its text:
    /// a partial index (`… WHERE state IN ('waiting', 'retrying')`) serves only queries whose
    /// condition the planner can see implies the index's, which a bound parameter does not
    /// show; and a condition kept as a fragment several statements share (`visible`). Every
    /// other state is bound like any value. Made from the case, so renaming a case changes
    /// every statement that names it.
    public var sqlLiteral: String { "'" + rawValue.replacingOccurrences(of: "'", with: "''") + "'" }
}

extension Sequence where Element: SQLTextEnum {
    /// `('a', 'b')`, for `IN`.
    public var sqlList: String { "(" + map(\.sqlLiteral).joined(separator: ", ") + ")" }
}
