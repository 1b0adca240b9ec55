import HTTP

/// A few lines of an item's text around the first word the visitor asked for, with each such
/// word marked; made here, the same on both engines, from the text the index holds (Markdown
/// marks left out).
enum SearchSnippet {
    static let words = 28
    static let before = 8

    /// The words of a text without its Markdown: links' addresses and emphasis marks go.
    static func plainWords(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0.isWhitespace || $0 == "*" || $0 == "#" || $0 == "`" || $0 == ">" || $0 == "|" })
            .compactMap { word -> Substring? in
                if word.hasPrefix("](") || word.hasPrefix("(http") || word.hasPrefix("http://") || word.hasPrefix("https://") { return nil }
                var word = word
                if let cut = word.range(of: "](") { word = word[..<cut.lowerBound] }
                let trimmed = word.drop { $0 == "[" || $0 == "_" }.reversed().drop { $0 == "]" || $0 == "_" }.reversed()
                return trimmed.isEmpty ? nil : Substring(String(trimmed))
            }
    }

    /// Whether a word (as written) is one the query asks for.
    static func matches(_ word: Substring, _ query: SearchQuery) -> Bool {
        SearchQuery.words(String(word)).contains { query.matches(Substring($0)) }
    }

    /// The text's lines around the first match, or its beginning when none matches; nil when
    /// `required` and nothing matches.
    static func excerpt(_ text: String, _ query: SearchQuery, required: Bool = false) -> HTML? {
        let all = plainWords(text)
        let first = all.firstIndex { matches($0, query) }
        if first == nil && required { return nil }
        let start = max(0, (first ?? 0) - before)
        let end = min(all.count, start + words)
        guard start < end else { return nil }
        var parts: [HTML] = start > 0 ? ["… "] : []
        for (offset, word) in all[start..<end].enumerated() {
            if offset > 0 { parts.append(" ") }
            parts.append(matches(word, query) ? "<mark>\(word)</mark>" : "\(word)")
        }
        if end < all.count { parts.append(" …") }
        return HTML.join(parts)
    }

    /// A title with the asked-for words marked.
    static func title(_ text: String, _ query: SearchQuery) -> HTML {
        let parts: [HTML] = text.split(separator: " ", omittingEmptySubsequences: false).map { word in
            matches(word, query) ? "<mark>\(word)</mark>" : "\(word)"
        }
        return HTML.join(parts, separator: " ")
    }
}
