import Foundation
import Synchronization

/// A small, safe Markdown renderer for staff-written text. Everything is escaped first;
/// only our own tags are produced: paragraphs, `#`–`###` headings, `-`/`*` and `1.` lists,
/// `>` quotes, `**strong**`, `*em*`, `` `code` `` and `[links](https://…)`. Raw HTML is
/// shown as text, and a link whose target is not http(s), mailto or a site path
/// (`javascript:`, `data:` …) is rendered as plain text.
///
/// Linear time: an editor's post of 50,000 `[` once took 46 s, because every opener searched
/// the rest of the text for its closer. Closers are now found in tables built in one pass,
/// spans nest at most a few levels (a span ends at the first closer of its kind), and list
/// items are appended, not copied. `Benchmarks/markdown` renders 1 MiB pathological inputs.
public enum Markdown {
    /// Rendered bodies by source: a page or feed rebuilt every second (or for every new query
    /// string) does not render the same post again.
    private static let cache = Mutex<[String: HTML]>([:])
    private static let cacheLimit = 512

    /// `render`, remembered.
    public static func cached(_ source: String) -> HTML {
        if let hit = cache.withLock({ $0[source] }) { return hit }
        let html = render(source)
        cache.withLock { table in
            if table.count >= cacheLimit { table.removeAll(keepingCapacity: true) }
            table[source] = html
        }
        return html
    }

    public static func render(_ source: String) -> HTML {
        var blocks: [String] = []
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?
        var quote: [String] = []

        func flushParagraph() {
            if !paragraph.isEmpty { blocks.append("<p>\(inline(paragraph.joined(separator: "\n")))</p>"); paragraph = [] }
        }
        func flushList() {
            if let current = list {
                let tag = current.ordered ? "ol" : "ul"
                blocks.append("<\(tag)>" + current.items.map { "<li>\(inline($0))</li>" }.joined() + "</\(tag)>")
                list = nil
            }
        }
        func flushQuote() {
            if !quote.isEmpty { blocks.append("<blockquote><p>\(inline(quote.joined(separator: "\n")))</p></blockquote>"); quote = [] }
        }
        func flushAll() { flushParagraph(); flushList(); flushQuote() }
        func addItem(_ item: String, ordered: Bool) {
            if list?.ordered == !ordered { flushList() }
            if list == nil { list = (ordered, []) }
            list?.items.append(item)
        }

        for rawLine in source.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { flushAll(); continue }
            if let level = headingLevel(line) {
                flushAll()
                blocks.append("<h\(level + 1)>\(inline(String(line.dropFirst(level + 1))))</h\(level + 1)>")
            } else if line.hasPrefix("> ") || line == ">" {
                flushParagraph(); flushList()
                quote.append(String(line.dropFirst(1)).trimmingCharacters(in: .whitespaces))
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                flushParagraph(); flushQuote()
                addItem(String(line.dropFirst(2)), ordered: false)
            } else if let item = orderedItem(line) {
                flushParagraph(); flushQuote()
                addItem(item, ordered: true)
            } else {
                flushList(); flushQuote()
                paragraph.append(line)
            }
        }
        flushAll()
        return HTML(trusted: blocks.joined(separator: "\n"))
    }

    /// 1–3 for `#`, `##`, `###` followed by a space (rendered one level down: h2–h4).
    static func headingLevel(_ line: String) -> Int? {
        for level in (1...3).reversed() where line.hasPrefix(String(repeating: "#", count: level) + " ") { return level }
        return nil
    }

    static func orderedItem(_ line: String) -> String? {
        guard let dot = line.firstIndex(of: "."), line[..<dot].allSatisfy(\.isNumber), !line[..<dot].isEmpty,
              line[line.index(after: dot)...].hasPrefix(" ") else { return nil }
        return String(line[line.index(dot, offsetBy: 2)...])
    }

    /// Inline spans, over the escaped text.
    static func inline(_ text: String) -> String {
        let spans = Spans(Array(HTML.escape(text).utf8))
        var out: [UInt8] = []
        out.reserveCapacity(spans.bytes.count + 64)
        spans.render(from: 0, to: spans.bytes.count, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The escaped text with, for every position, where the next of each closer is: found in
    /// one backward pass, so looking for a closer that never comes costs nothing.
    struct Spans {
        let bytes: [UInt8]
        let nextBacktick: [Int32], nextStar: [Int32], nextDoubleStar: [Int32], nextBracket: [Int32], nextParen: [Int32]

        static let backtick = UInt8(ascii: "`"), star = UInt8(ascii: "*"), open = UInt8(ascii: "["), close = UInt8(ascii: "]")
        static let paren = UInt8(ascii: "("), closeParen = UInt8(ascii: ")")

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            let n = bytes.count
            var backtick = [Int32](repeating: Int32(n), count: n + 2), star = backtick, double = backtick, bracket = backtick, paren = backtick
            var i = n - 1
            while i >= 0 {
                let c = bytes[i]
                backtick[i] = c == Self.backtick ? Int32(i) : backtick[i + 1]
                star[i] = c == Self.star ? Int32(i) : star[i + 1]
                double[i] = c == Self.star && i + 1 < n && bytes[i + 1] == Self.star ? Int32(i) : double[i + 1]
                bracket[i] = c == Self.close ? Int32(i) : bracket[i + 1]
                paren[i] = c == Self.closeParen ? Int32(i) : paren[i + 1]
                i -= 1
            }
            (nextBacktick, nextStar, nextDoubleStar, nextBracket, nextParen) = (backtick, star, double, bracket, paren)
        }

        /// The first closer at or after `from`, if it lies before `limit`.
        private func find(_ table: [Int32], _ from: Int, before limit: Int) -> Int? {
            guard from < limit else { return nil }
            let at = Int(table[from])
            return at < limit ? at : nil
        }

        func render(from start: Int, to end: Int, into out: inout [UInt8]) {
            var i = start
            while i < end {
                let c = bytes[i]
                if c == Self.backtick, let close = find(nextBacktick, i + 1, before: end) {
                    out += Array("<code>".utf8); out += bytes[(i + 1)..<close]; out += Array("</code>".utf8)
                    i = close + 1
                } else if c == Self.star, i + 1 < end, bytes[i + 1] == Self.star, let close = find(nextDoubleStar, i + 2, before: end - 1) {
                    out += Array("<strong>".utf8); render(from: i + 2, to: close, into: &out); out += Array("</strong>".utf8)
                    i = close + 2
                } else if c == Self.star, let close = find(nextStar, i + 1, before: end), close > i + 1 {
                    out += Array("<em>".utf8); render(from: i + 1, to: close, into: &out); out += Array("</em>".utf8)
                    i = close + 1
                } else if c == Self.open, let close = find(nextBracket, i + 1, before: end), close + 1 < end, bytes[close + 1] == Self.paren,
                          let closeParen = find(nextParen, close + 2, before: end) {
                    let target = bytes[(close + 2)..<closeParen]
                    if isSafeLink(unescape(String(decoding: target, as: UTF8.self))) {
                        out += Array("<a href=\"".utf8); out += target; out += Array("\">".utf8)
                        render(from: i + 1, to: close, into: &out)
                        out += Array("</a>".utf8)
                    } else {
                        render(from: i + 1, to: close, into: &out)
                    }
                    i = closeParen + 1
                } else {
                    out.append(c)
                    i += 1
                }
            }
        }
    }

    /// Links may go to the web, to an e-mail address, or to a path on this site.
    static func isSafeLink(_ target: String) -> Bool {
        let lower = target.lowercased().filter { !$0.isWhitespace && !$0.isNewline && $0 != "\0" }
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") { return true }
        return lower.hasPrefix("/") && !lower.hasPrefix("//")
    }

    /// Reverses our own escaping.
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
