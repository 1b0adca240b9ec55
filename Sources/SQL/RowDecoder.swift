/// A model read from a result row by its property names, so each model names its columns
/// once (in its properties) instead of in a hand-written `init(_ row:)`:
///
///     struct NewsSummary: RowDecodable { let slug: String; let publishedAt: String }
///     try connection.query("SELECT slug, published_at FROM news", row: NewsSummary.init)
///
/// `publishedAt` reads the column `published_at`. An optional property is nil for NULL. A
/// property whose type is a `RowDecodable` itself reads from the same row (a post holds its
/// summary), and a `RowColumnDecodable` reads as it likes (a bilingual text: `title` and
/// `title_fr`).
public protocol RowDecodable: Decodable {}

extension RowDecodable {
    public init<Source: ColumnSource>(_ row: Source) throws {
        try self.init(from: RowDecoder(row: row))
    }
}

/// A result row as each engine gives it: its values by index, and which index a model's
/// property reads (found once per statement by the engine that can cache it).
public protocol ColumnSource {
    /// The index of the column a model property reads (`publishedAt` → `published_at`), by
    /// `columnName`; nil when the row has none.
    func index(forProperty property: String) -> Int32?
    /// The index of a column by its name in the result; nil when the row has none.
    func index(ofColumn name: String) -> Int32?
    func value(at index: Int32) -> SQLValue
}

extension ColumnSource {
    public func value(_ column: String) throws -> SQLValue {
        guard let index = index(ofColumn: column) else { throw DatabaseError.noSuchColumn(column) }
        return value(at: index)
    }

    /// The column's value, decoded; throws if the column is missing or NULL or of another type.
    public func get<T: SQLColumnDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let decoded = T(sqlValue: try value(column)) else {
            throw DatabaseError.typeMismatch(column: column, expected: T.sqlTypeName)
        }
        return decoded
    }

    /// The column's value, or nil when it is NULL.
    public func optional<T: SQLColumnDecodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        let value = try value(column)
        if value == .null { return nil }
        guard let decoded = T(sqlValue: value) else {
            throw DatabaseError.typeMismatch(column: column, expected: T.sqlTypeName)
        }
        return decoded
    }
}

/// A value read from a row by the column a property names, in its own way.
public protocol RowColumnDecodable: ColumnPlaceholder {
    init<Source: ColumnSource>(row: Source, column: String) throws
    /// The columns it reads for a property named `column` (for `SelectList`).
    static func columns(named column: String) -> [String]
}

/// `publishedAt` → `published_at`; an initialism is one word: `eventID` → `event_id`,
/// `onlineURLText` → `online_url_text`. Property names are ASCII, so this works on bytes:
/// it runs for every column of every row read (with `Character` and its Unicode properties
/// it was 3% of a signature's CPU).
public func columnName(_ property: String) -> String {
    let bytes = Array(property.utf8)
    var name: [UInt8] = []
    name.reserveCapacity(bytes.count + 4)
    func isUpper(_ byte: UInt8) -> Bool { byte >= 65 && byte <= 90 }
    func isLower(_ byte: UInt8) -> Bool { byte >= 97 && byte <= 122 }
    for index in bytes.indices {
        let byte = bytes[index]
        if isUpper(byte) && index > 0 {
            let nextIsLower = index + 1 < bytes.count && isLower(bytes[index + 1])
            if !isUpper(bytes[index - 1]) || nextIsLower { name.append(95) }  // _
        }
        name.append(isUpper(byte) ? byte + 32 : byte)
    }
    return String(decoding: name, as: UTF8.self)
}

struct RowDecoder<Source: ColumnSource>: Decoder {
    let row: Source
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Columns<Key, Source>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [], debugDescription: "a row is read by column names"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [], debugDescription: "a row is read by column names"))
    }
}

private struct Columns<Key: CodingKey, Source: ColumnSource>: KeyedDecodingContainerProtocol {
    let row: Source
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    private func column(_ key: Key) -> String { columnName(key.stringValue) }

    /// The value of the column `key` names (its index found once per statement).
    private func value(_ key: Key) throws -> SQLValue {
        guard let index = row.index(forProperty: key.stringValue) else { throw DatabaseError.noSuchColumn(column(key)) }
        return row.value(at: index)
    }

    func contains(_ key: Key) -> Bool { row.index(forProperty: key.stringValue) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        if let columnType = T.self as? any SQLColumnDecodable.Type {
            guard let decoded = columnType.init(sqlValue: try value(key)) as? T else {
                throw DatabaseError.typeMismatch(column: column(key), expected: columnType.sqlTypeName)
            }
            return decoded
        }
        if let readsItself = T.self as? any RowColumnDecodable.Type {
            let name = column(key)
            guard let decoded = try readsItself.init(row: row, column: name) as? T else {
                throw DatabaseError.typeMismatch(column: name, expected: "\(T.self)")
            }
            return decoded
        }
        return try T(from: RowDecoder(row: row))  // a nested model, from the same row
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(Columns<NestedKey, Source>(row: row))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [key], debugDescription: "a row is read by column names"))
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row) }
}
