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

    /// Lower case without accents: ASCII and the accented Latin letters of French and its
    /// neighbours by a table (a page of results folds thousands of words), anything else
    /// through Foundation's diacritic folding; œ, ø, ł and ß as the PostgreSQL migration's
    /// `sanctuary_fold` folds them.
    static func fold(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
        var folded = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII {
                folded.append(scalar)
            } else if let base = latin[scalar] {
                folded.append(base)
            } else if scalar.properties.generalCategory == .nonspacingMark {
                continue
            } else {
                folded.append(
                    contentsOf: String(scalar).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).unicodeScalars)
            }
        }
        return String(folded)
    }

    /// Accented lower-case Latin letters and the letter each folds to.
    static let latin: [Unicode.Scalar: Unicode.Scalar] = {
        let from = "àáâãäåāăąçćčďèéêëēĕėęěìíîïĩīįłñńňòóôõöøōœŕřśšşťùúûüũūůűųýÿźżžß"
        let to = "aaaaaaaaacccdeeeeeeeeeiiiiiiilnnnoooooooorrssstuuuuuuuuuyyzzzs"
        return Dictionary(uniqueKeysWithValues: zip(from.unicodeScalars, to.unicodeScalars))
    }()

    /// Whether a folded word is one the query asks for.
    func matches(_ word: Substring) -> Bool {
        terms.contains { term in term.count >= Self.prefixFrom ? word.hasPrefix(term) : word == term }
    }

    /// SQLite FTS5's query: every word, quoted (so nothing in it is syntax); with `prefixes`,
    /// longer ones also as the beginning of a word.
    func fts5(prefixes: Bool) -> String {
        terms.map { "\"\($0)\"" + (prefixes && $0.count >= Self.prefixFrom ? "*" : "") }.joined(separator: " ")
    }

    /// PostgreSQL's `to_tsquery('simple', …)`: the words hold only letters and digits.
    func tsquery(prefixes: Bool) -> String {
        terms.map { $0 + (prefixes && $0.count >= Self.prefixFrom ? ":*" : "") }.joined(separator: " & ")
    }

    /// Whether any word could also match as a beginning.
    var hasPrefixes: Bool { terms.contains { $0.count >= Self.prefixFrom } }
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
///
/// A common word matches most of a large site: ranking every match, or counting them all,
/// took a second on 100,000 posts. So the words are matched whole first (an index reads a
/// whole word's matches in order and can stop; a word's beginning makes it gather every word
/// that starts so, first), and as beginnings only when whole words find less than a page;
/// counts stop past `counted`; and the `ranked` newest matches are ranked (the index's ids
/// grow with the items'), so a narrower query reaches older items.
public enum SearchStore {
    public struct Filter: Sendable {
        public var kind: String?
        public var campaignID: Int64?
    }

    public struct Found: Sendable {
        public var hits: [SearchHit] = []
        /// Matches by kind, among the newest `counted + 1` (the campaign filter applied, not the kind's).
        public var counts: [String: Int] = [:]
        /// More matched than were counted: the counts are the newest matches', and the total "1,000+".
        public var more = false
    }

    /// Where counting stops, and how many of the newest matches are ranked (10 pages of 20).
    public static let counted = 1_000
    public static let ranked = 200

    public static func find(
        _ db: Connection, _ query: SearchQuery, filter: Filter, now: String, limit: Int, offset: Int
    ) throws -> Found {
        guard !query.isEmpty else { return Found() }
        var prefixes = false
        var found = try count(db, query, prefixes: false, campaignID: filter.campaignID, now: now)
        if found.counts.values.reduce(0, +) < limit && query.hasPrefixes {
            prefixes = true
            found = try count(db, query, prefixes: true, campaignID: filter.campaignID, now: now)
        }
        guard !found.counts.isEmpty, offset < ranked else { return found }
        // bm25 weighs each word by how rare it is, which reads every match of it: worth it for a
        // thousand matches or fewer; past them, titles that match come first, newest first.
        let (matches, parameters) = candidates(
            db.dialect, query, prefixes: prefixes, filter: filter, now: now, ranked: true, limit: ranked, titlesFirst: found.more)
        found.hits = try db.query(
            """
            SELECT \(SearchHit.columns) FROM (\(matches)) AS m JOIN search_entries e ON e.id = m.id
            WHERE e.visible_from <= ? ORDER BY m.score, m.id DESC LIMIT ? OFFSET ?
            """,
            parameters: parameters + [now, limit, offset], row: SearchHit.init)
        return found
    }

    /// The matches by kind among the newest `counted + 1`, in one pass.
    static func count(_ db: Connection, _ query: SearchQuery, prefixes: Bool, campaignID: Int64?, now: String) throws -> Found {
        let (matches, parameters) = candidates(
            db.dialect, query, prefixes: prefixes, filter: Filter(kind: nil, campaignID: campaignID), now: now, ranked: false,
            limit: counted + 1)
        var found = Found()
        var total = 0
        for (kind, n) in try db.query(
            "SELECT e.kind AS kind, count(*) AS n FROM (\(matches)) AS m JOIN search_entries e ON e.id = m.id WHERE e.visible_from <= ? GROUP BY e.kind",
            parameters: parameters + [now], row: { (try $0.get("kind", as: String.self), try $0.get("n", as: Int.self)) })
        {
            found.counts[kind] = n
            total += n
        }
        found.more = total > counted
        return found
    }

    /// The newest `limit` matches' ids (and, `ranked`, each one's score: lower is better).
    static func candidates(
        _ dialect: Dialect, _ query: SearchQuery, prefixes: Bool, filter: Filter, now: String, ranked: Bool, limit: Int,
        titlesFirst: Bool = false
    ) -> (String, [any SQLBindable]) {
        if dialect == .postgres {
            let tsquery = query.tsquery(prefixes: prefixes)
            var sql =
                "SELECT id\(ranked ? ", -ts_rank(document, to_tsquery('simple', ?)) AS score" : "") FROM search_entries WHERE document @@ to_tsquery('simple', ?) AND visible_from <= ?"
            var parameters: [any SQLBindable] = (ranked ? [tsquery] : []) + [tsquery, now]
            if let kind = filter.kind {
                sql += " AND kind = ?"
                parameters.append(kind)
            }
            if let campaign = filter.campaignID {
                sql += " AND campaign_id = ?"
                parameters.append(campaign)
            }
            return (sql + " ORDER BY id DESC LIMIT \(limit)", parameters)
        }
        // The filters are words of the index's `facets` column: part of the match itself.
        var filters = ""
        if let kind = filter.kind, kind.allSatisfy({ $0.isASCII && $0.isLetter }) { filters += " AND facets: kind\(kind)" }
        if let campaign = filter.campaignID { filters += " AND facets: campaign\(campaign)" }
        let words = query.fts5(prefixes: prefixes)
        let match = "{title title_fr body body_fr}: (\(words))" + filters
        let newest = "FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT \(limit)"
        guard ranked else { return ("SELECT rowid AS id \(newest)", [match]) }
        guard titlesFirst else { return ("SELECT rowid AS id, bm25(search_index, 10.0, 10.0, 1.0, 1.0, 0.0) AS score \(newest)", [match]) }
        return (
            "SELECT rowid AS id, CASE WHEN rowid IN (SELECT rowid \(newest)) THEN 0 ELSE 1 END AS score \(newest)",
            ["{title title_fr}: (\(words))" + filters, match]
        )
    }
}
