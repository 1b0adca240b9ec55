import Foundation
import Storage

/// A kind of item the search finds: the `kind` its migration's triggers write into
/// `search_entries`, the locale key of its name, and its place among the filters.
public struct SearchKind: Sendable {
    public let kind: String
    public let label: String
    public let order: Int

    public init(kind: String, label: String, order: Int) {
        self.kind = kind
        self.label = label
        self.order = order
    }
}

/// What a visitor typed, made into words the index can match: folded for case and accents as
/// the index folds its text, split where the index splits (anything not a letter or a digit),
/// at most `maxTerms` words of at most `maxTermLength` letters. Words of three letters or more
/// also match as the beginning of a longer word ("refug" finds "refugees" and "réfugiés").
public struct SearchQuery: Sendable, Equatable {
    public static let maxLength = 200
    static let maxTerms = 8
    static let maxTermLength = 40
    static let prefixFrom = 3

    public let terms: [String]

    public init(_ text: String) {
        var terms: [String] = []
        for word in Self.words(String(text.prefix(Self.maxLength))) where !terms.contains(word) {
            terms.append(String(word.prefix(Self.maxTermLength)))
            if terms.count == Self.maxTerms { break }
        }
        self.terms = terms
    }

    public var isEmpty: Bool { terms.isEmpty }

    /// The folded words of a text, in order.
    static func words(_ text: String) -> [String] {
        fold(text).split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// Lower case without accents: ASCII as it is (the common case, without Foundation),
    /// the rest through Foundation's diacritic folding, with the letters it keeps (œ, ø, ł, ß)
    /// folded as the PostgreSQL migration's `sanctuary_fold` does.
    static func fold(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
        var folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        for (from, to) in [("œ", "o"), ("ø", "o"), ("ł", "l"), ("ß", "s")] where folded.contains(from) {
            folded = folded.replacingOccurrences(of: from, with: to)
        }
        return folded
    }

    /// Whether a folded word is one the query asks for.
    func matches(_ word: Substring) -> Bool {
        terms.contains { term in term.count >= Self.prefixFrom ? word.hasPrefix(term) : word == term }
    }

    /// SQLite FTS5's query: every word, quoted (so nothing in it is syntax), longer ones as prefixes.
    var fts5: String {
        terms.map { "\"\($0)\"" + ($0.count >= Self.prefixFrom ? "*" : "") }.joined(separator: " ")
    }

    /// PostgreSQL's `to_tsquery('simple', …)`: the words hold only letters and digits.
    var tsquery: String {
        terms.map { $0 + ($0.count >= Self.prefixFrom ? ":*" : "") }.joined(separator: " & ")
    }
}

/// One item found.
public struct SearchHit: Sendable, RowDecodable {
    public let kind: String
    public let itemID: Int64
    public let path: String
    public let title: String
    public let titleFr: String
    public let body: String
    public let bodyFr: String

    static let columns = SelectList(of: SearchHit.self, table: "e")
}

/// The search index (`search_entries`, kept by each content table's triggers; migration 0032).
public enum SearchStore {
    public struct Filter: Sendable {
        public var kind: String?
        public var campaignID: Int64?
    }

    /// The best matches first, `limit` from `offset`, among what is visible at `now`.
    public static func search(
        _ db: Connection, _ query: SearchQuery, filter: Filter, now: String, limit: Int, offset: Int
    ) throws -> [SearchHit] {
        guard !query.isEmpty else { return [] }
        let (match, parameters) = condition(db.dialect, query, filter: filter, now: now)
        let order =
            db.dialect == .postgres
            ? "ts_rank(e.document, to_tsquery('simple', ?)) DESC, e.id DESC" : "bm25(search_index, 10.0, 10.0, 1.0, 1.0), e.id DESC"
        let orderParameters: [any SQLBindable] = db.dialect == .postgres ? [query.tsquery] : []
        return try db.query(
            "SELECT \(SearchHit.columns) \(match) ORDER BY \(order) LIMIT ? OFFSET ?",
            parameters: parameters + orderParameters + [limit, offset], row: SearchHit.init)
    }

    /// How many match, by kind (the filters' counts), with the campaign filter but not the kind's.
    public static func counts(_ db: Connection, _ query: SearchQuery, campaignID: Int64?, now: String) throws -> [String: Int] {
        guard !query.isEmpty else { return [:] }
        let (match, parameters) = condition(db.dialect, query, filter: Filter(kind: nil, campaignID: campaignID), now: now)
        var counts: [String: Int] = [:]
        for (kind, count) in try db.query(
            "SELECT e.kind AS kind, count(*) AS n \(match) GROUP BY e.kind", parameters: parameters,
            row: { (try $0.get("kind", as: String.self), try $0.get("n", as: Int.self)) })
        {
            counts[kind] = count
        }
        return counts
    }

    /// `FROM … WHERE …` for a query on either engine.
    static func condition(_ dialect: Dialect, _ query: SearchQuery, filter: Filter, now: String) -> (String, [any SQLBindable]) {
        var sql: String
        var parameters: [any SQLBindable]
        if dialect == .postgres {
            sql = "FROM search_entries e WHERE e.document @@ to_tsquery('simple', ?) AND e.visible_from <= ?"
            parameters = [query.tsquery, now]
        } else {
            sql = "FROM search_index JOIN search_entries e ON e.id = search_index.rowid WHERE search_index MATCH ? AND e.visible_from <= ?"
            parameters = [query.fts5, now]
        }
        if let kind = filter.kind {
            sql += " AND e.kind = ?"
            parameters.append(kind)
        }
        if let campaign = filter.campaignID {
            sql += " AND e.campaign_id = ?"
            parameters.append(campaign)
        }
        return (sql, parameters)
    }
}
