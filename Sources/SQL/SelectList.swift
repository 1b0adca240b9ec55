import Synchronization

/// The columns a model reads, for a `SELECT`, made from the model itself: its properties in
/// order (`publishedAt` → `published_at`), a nested model's columns, and what a
/// `RowColumnDecodable` reads (a bilingual text: `title, title_fr`). A model names its columns
/// once, in its properties:
///
///     struct NewsSummary: RowDecodable { let slug: String; let publishedAt: String
///         static let columns = SelectList(of: NewsSummary.self) }
///     try db.query("SELECT \(NewsSummary.columns) FROM news", row: NewsSummary.init)
///
/// The list is the same text on every engine; only what a model's `expressions` compute
/// (`coalesce(…)`) is SQL of its own.
public struct SelectList: Sendable, CustomStringConvertible {
    /// The columns, as the model reads them.
    public let columns: [String]
    /// `id, slug, title, title_fr`, or with a table `media.id AS id, media.name AS name`.
    public let description: String
    private let expressions: [String: String]

    /// `table` qualifies each column (for a join that has another `id`); `expressions` gives a
    /// column that is computed or stored under another name, by the name the model reads
    /// (`["consent": "consent_updates"]` → `consent_updates AS consent`).
    public init<Model: RowDecodable>(of model: Model.Type, table: String? = nil, expressions: [String: String] = [:]) {
        let recorder = ColumnRecorder()
        // Our own models only: a model that cannot be walked lists no column, and its first
        // query says which one is missing.
        _ = try? Model(from: recorder)
        columns = recorder.columns.withLock { $0 }
        self.expressions = expressions
        description = Self.render(columns, table: table, expressions: expressions)
    }

    /// The same columns, each qualified by `table` (for a join).
    public func qualified(by table: String) -> String { Self.render(columns, table: table, expressions: expressions) }

    private static func render(_ columns: [String], table: String?, expressions: [String: String]) -> String {
        columns.map { column in
            if let expression = expressions[column] { return "\(expression) AS \(column)" }
            return table.map { "\($0).\(column) AS \(column)" } ?? column
        }.joined(separator: ", ")
    }
}

/// A value that stands in while a model's columns are listed (its first case, an empty
/// text): a state enum is `CaseIterable`, and what reads itself gives its own.
public protocol ColumnPlaceholder {
    static var columnPlaceholder: Self { get }
}

/// Walks a model's decoding without a row, writing down each column it asks for.
private final class ColumnRecorder: Decoder, Sendable {
    let columns = Mutex<[String]>([])
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func note(_ names: [String]) { columns.withLock { $0 += names } }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RecordedColumns<Key>(recorder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [], debugDescription: "a row is read by column names"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [], debugDescription: "a row is read by column names"))
    }
}

private struct RecordedColumns<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: ColumnRecorder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }

    /// An optional column (a text, a number): noted, and read as NULL.
    func decodeNil(forKey key: Key) throws -> Bool {
        recorder.note([columnName(key.stringValue)])
        return true
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        if !noteColumns(of: T.self, key) { _ = try? T(from: recorder) }  // a nested model, from the same row
        return nil
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard noteColumns(of: T.self, key) else { return try T(from: recorder) }
        guard let placeholder = placeholder(T.self) else {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: [key], debugDescription: "no stand-in value"))
        }
        return placeholder
    }

    /// Notes the columns a value of `T` reads for `key`; false when `T` is a nested model.
    private func noteColumns<T>(of type: T.Type, _ key: Key) -> Bool {
        let name = columnName(key.stringValue)
        if let readsItself = T.self as? any RowColumnDecodable.Type {
            recorder.note(readsItself.columns(named: name))
        } else if T.self is any SQLColumnDecodable.Type {
            recorder.note([name])
        } else {
            return false
        }
        return true
    }

    private func placeholder<T>(_ type: T.Type) -> T? {
        if let standIn = T.self as? any ColumnPlaceholder.Type { return standIn.columnPlaceholder as? T }
        if let cases = T.self as? any CaseIterable.Type { return first(of: cases) as? T }
        if let column = T.self as? any SQLColumnDecodable.Type {
            for value: SQLValue in [.integer(0), .text(""), .real(0)] {
                if let made = column.init(sqlValue: value) as? T { return made }
            }
        }
        return nil
    }

    private func first<C: CaseIterable>(of type: C.Type) -> Any? { C.allCases.first }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(RecordedColumns<NestedKey>(recorder: recorder))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [key], debugDescription: "a row is read by column names"))
    }

    func superDecoder() throws -> any Decoder { recorder }
    func superDecoder(forKey key: Key) throws -> any Decoder { recorder }
}
