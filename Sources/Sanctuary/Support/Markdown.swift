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
        var blocks = Blocks()
        var source = source
        blocks.out.reserveCapacity(source.utf8.count * 2)
        source.withUTF8 { bytes in
            var lineStart = 0
            while lineStart <= bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != newline { lineEnd += 1 }
                blocks.add(line: trimmed(bytes, lineStart, lineEnd))
                lineStart = lineEnd + 1
            }
        }
        blocks.flushAll()
        return HTML(trusted: String(decoding: blocks.out, as: UTF8.self))
    }

    private static let newline = UInt8(ascii: "\n")

    /// Tags as bytes, made once (an array literal per tag per span was most of the time).
    enum Tag {
        static let headingOpen: [[UInt8]] = [Array("<h2>".utf8), Array("<h3>".utf8), Array("<h4>".utf8)]
        static let headingClose: [[UInt8]] = [Array("</h2>".utf8), Array("</h3>".utf8), Array("</h4>".utf8)]
        static let p = Array("<p>".utf8), pClose = Array("</p>".utf8), li = Array("<li>".utf8), liClose = Array("</li>".utf8)
        static let ul = Array("<ul>".utf8), ulClose = Array("</ul>".utf8), ol = Array("<ol>".utf8), olClose = Array("</ol>".utf8)
        static let quote = Array("<blockquote><p>".utf8), quoteClose = Array("</p></blockquote>".utf8)
        static let code = Array("<code>".utf8), codeClose = Array("</code>".utf8), strong = Array("<strong>".utf8)
        static let strongClose = Array("</strong>".utf8), em = Array("<em>".utf8), emClose = Array("</em>".utf8)
        static let link = Array("<a href=\"".utf8), linkEnd = Array("\">".utf8), linkClose = Array("</a>".utf8)
        static let amp = Array("&amp;".utf8), lt = Array("&lt;".utf8), gt = Array("&gt;".utf8), quot = Array("&quot;".utf8),
            apos = Array("&#39;".utf8)
    }

    /// A line without its CR and surrounding spaces, tabs and no-break spaces.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> ArraySlice<UInt8> {
        var a = start
        var b = end
        while true {
            if a < b && (bytes[a] == 32 || bytes[a] == 9) {
                a += 1
            } else if a + 1 < b && bytes[a] == 0xC2 && bytes[a + 1] == 0xA0 {
                a += 2
            } else {
                break
            }
        }
        while true {
            if b > a && (bytes[b - 1] == 32 || bytes[b - 1] == 9 || bytes[b - 1] == 13) {
                b -= 1
            } else if b - 1 > a && bytes[b - 2] == 0xC2 && bytes[b - 1] == 0xA0 {
                b -= 2
            } else {
                break
            }
        }
        return ArraySlice(UnsafeBufferPointer(rebasing: bytes[a..<b]))
    }

    /// The block structure, line by line: paragraphs, headings, one level of list, quotes.
    struct Blocks {
        var out: [UInt8] = []
        var paragraph: [UInt8] = []
        var quote: [UInt8] = []
        var listItems: [ArraySlice<UInt8>] = []
        var listOrdered = false
        var wroteBlock = false

        mutating func add(line: ArraySlice<UInt8>) {
            if line.isEmpty {
                flushAll()
                return
            }
            if let level = Markdown.headingLevel(line) {
                flushAll()
                block { out in
                    out += Tag.headingOpen[level - 1]
                    Markdown.inline(line.dropFirst(level + 1), into: &out)
                    out += Tag.headingClose[level - 1]
                }
            } else if line.starts(with: [62, 32]) || line.elementsEqual([62]) {  // "> " or ">"
                flushParagraph()
                flushList()
                if !quote.isEmpty { quote.append(newline) }
                quote += Markdown.trimmedSlice(line.dropFirst())
            } else if line.starts(with: [45, 32]) || line.starts(with: [42, 32]) {  // "- ", "* "
                flushParagraph()
                flushQuote()
                addItem(line.dropFirst(2), ordered: false)
            } else if let item = Markdown.orderedItem(line) {
                flushParagraph()
                flushQuote()
                addItem(item, ordered: true)
            } else {
                flushList()
                flushQuote()
                if !paragraph.isEmpty { paragraph.append(newline) }
                paragraph += line
            }
        }

        private mutating func addItem(_ item: ArraySlice<UInt8>, ordered: Bool) {
            if !listItems.isEmpty && listOrdered != ordered { flushList() }
            listOrdered = ordered
            listItems.append(item)
        }

        private mutating func block(_ write: (inout [UInt8]) -> Void) {
            if wroteBlock { out.append(newline) }
            wroteBlock = true
            write(&out)
        }

        /// A block of inline text between two tags.
        private mutating func block(_ open: [UInt8], _ text: [UInt8], _ close: [UInt8]) {
            block { out in
                out += open
                Markdown.inline(text[...], into: &out)
                out += close
            }
        }

        mutating func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            block(Tag.p, paragraph, Tag.pClose)
            paragraph = []
        }

        mutating func flushList() {
            guard !listItems.isEmpty else { return }
            let ordered = listOrdered
            let items = listItems
            block { out in
                out += ordered ? Tag.ol : Tag.ul
                for item in items {
                    out += Tag.li
                    Markdown.inline(item, into: &out)
                    out += Tag.liClose
                }
                out += ordered ? Tag.olClose : Tag.ulClose
            }
            listItems = []
        }

        mutating func flushQuote() {
            guard !quote.isEmpty else { return }
            block(Tag.quote, quote, Tag.quoteClose)
            quote = []
        }

        mutating func flushAll() {
            flushParagraph()
            flushList()
            flushQuote()
        }
    }

    static func trimmedSlice(_ slice: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var a = slice.startIndex
        var b = slice.endIndex
        while a < b && (slice[a] == 32 || slice[a] == 9) { a += 1 }
        while b > a && (slice[b - 1] == 32 || slice[b - 1] == 9) { b -= 1 }
        return slice[a..<b]
    }

    /// 1–3 for `#`, `##`, `###` followed by a space (rendered one level down: h2–h4).
    static func headingLevel(_ line: ArraySlice<UInt8>) -> Int? {
        var level = 0
        var i = line.startIndex
        while i < line.endIndex && line[i] == UInt8(ascii: "#") && level < 4 {
            level += 1
            i += 1
        }
        guard (1...3).contains(level), i < line.endIndex, line[i] == 32 else { return nil }
        return level
    }

    /// The text of `12. text`.
    static func orderedItem(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var i = line.startIndex
        while i < line.endIndex && line[i] >= 48 && line[i] <= 57 { i += 1 }
        guard i > line.startIndex, i + 1 < line.endIndex, line[i] == UInt8(ascii: "."), line[i + 1] == 32 else { return nil }
        return line[(i + 2)...]
    }

    /// Inline spans over the text, escaped.
    static func inline(_ text: ArraySlice<UInt8>, into out: inout [UInt8]) {
        // Most lines have no span at all: escape them straight into the output.
        guard text.contains(where: { $0 == Spans.backtick || $0 == Spans.star || $0 == Spans.open }) else {
            escape(text, into: &out)
            return
        }
        var escapedText: [UInt8] = []
        escape(text, into: &escapedText)
        let spans = Spans(escapedText)
        spans.render(from: 0, to: spans.bytes.count, into: &out)
    }

    /// HTML-escaped bytes (the same escaping as `HTML.escape`).
    static func escape(_ text: ArraySlice<UInt8>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + text.count + text.count / 8)
        for byte in text {
            switch byte {
            case 38: out += Tag.amp
            case 60: out += Tag.lt
            case 62: out += Tag.gt
            case 34: out += Tag.quot
            case 39: out += Tag.apos
            default: out.append(byte)
            }
        }
    }

    /// The escaped text with, for every position, where the next of each closer is: found in
    /// one backward pass, so looking for a closer that never comes costs nothing.
    struct Spans {
        let bytes: [UInt8]
        /// For position `i`, `next[i * 5 + k]` is where the next closer of kind `k` is (or the end).
        private let next: [Int32]
        private static let backtickKind = 0, starKind = 1, doubleStarKind = 2, bracketKind = 3, parenKind = 4

        static let backtick = UInt8(ascii: "`"), star = UInt8(ascii: "*"), open = UInt8(ascii: "["), close = UInt8(ascii: "]")
        static let paren = UInt8(ascii: "("), closeParen = UInt8(ascii: ")")

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            let n = bytes.count
            var next = [Int32](repeating: Int32(n), count: 5 * (n + 2))
            next.withUnsafeMutableBufferPointer { t in
                bytes.withUnsafeBufferPointer { b in
                    var i = n - 1
                    while i >= 0 {
                        let here = i * 5
                        let after = here + 5
                        let c = b[i]
                        let at = Int32(i)
                        t[here] = c == Self.backtick ? at : t[after]
                        t[here + 1] = c == Self.star ? at : t[after + 1]
                        t[here + 2] = c == Self.star && i + 1 < n && b[i + 1] == Self.star ? at : t[after + 2]
                        t[here + 3] = c == Self.close ? at : t[after + 3]
                        t[here + 4] = c == Self.closeParen ? at : t[after + 4]
                        i -= 1
                    }
                }
            }
            self.next = next
        }

        /// The first closer of `kind` at or after `from`, if it lies before `limit`.
        @inline(__always)
        private func find(_ kind: Int, _ from: Int, before limit: Int) -> Int? {
            guard from < limit else { return nil }
            let at = Int(next[from * 5 + kind])
            return at < limit ? at : nil
        }

        func render(from start: Int, to end: Int, into out: inout [UInt8]) {
            var i = start
            var run = start  // plain bytes from here are copied in one go
            while i < end {
                let c = bytes[i]
                if c == Self.backtick, let close = find(Self.backtickKind, i + 1, before: end) {
                    if run < i { out += bytes[run..<i] }
                    out += Tag.code
                    out += bytes[(i + 1)..<close]
                    out += Tag.codeClose
                    i = close + 1
                    run = i
                } else if c == Self.star, i + 1 < end, bytes[i + 1] == Self.star,
                    let close = find(Self.doubleStarKind, i + 2, before: end - 1)
                {
                    if run < i { out += bytes[run..<i] }
                    out += Tag.strong
                    render(from: i + 2, to: close, into: &out)
                    out += Tag.strongClose
                    i = close + 2
                    run = i
                } else if c == Self.star, let close = find(Self.starKind, i + 1, before: end), close > i + 1 {
                    if run < i { out += bytes[run..<i] }
                    out += Tag.em
                    render(from: i + 1, to: close, into: &out)
                    out += Tag.emClose
                    i = close + 1
                    run = i
                } else if c == Self.open, let close = find(Self.bracketKind, i + 1, before: end), close + 1 < end,
                    bytes[close + 1] == Self.paren,
                    let closeParen = find(Self.parenKind, close + 2, before: end)
                {
                    if run < i { out += bytes[run..<i] }
                    let target = bytes[(close + 2)..<closeParen]
                    if isSafeLink(escaped: target) {
                        out += Tag.link
                        out += target
                        out += Tag.linkEnd
                        render(from: i + 1, to: close, into: &out)
                        out += Tag.linkClose
                    } else {
                        render(from: i + 1, to: close, into: &out)
                    }
                    i = closeParen + 1
                    run = i
                } else {
                    i += 1
                }
            }
            if run < end { out += bytes[run..<end] }
        }
    }

    /// `isSafeLink` on an escaped target, byte by byte and reading only its start: what
    /// decides is the scheme, and a long target must cost no more than a short one.
    /// Entities are decoded, spaces and control characters skipped (browsers strip them,
    /// so `java&#9;script:` is `javascript:`), letters lower-cased; past 256 bytes without
    /// enough to decide, it is no link.
    static func isSafeLink(escaped target: ArraySlice<UInt8>) -> Bool {
        var significant: [UInt8] = []
        var i = target.startIndex
        let entities: [([UInt8], UInt8)] = [(Tag.amp, 38), (Tag.lt, 60), (Tag.gt, 62), (Tag.quot, 34), (Tag.apos, 39)]
        while i < target.endIndex, significant.count < 8, i - target.startIndex < 256 {
            var c = target[i]
            var width = 1
            if c == 38, let entity = entities.first(where: { target[i...].starts(with: $0.0) }) {
                c = entity.1
                width = entity.0.count
            }
            i += width
            if c <= 32 || c == 127 { continue }
            significant.append(c >= 65 && c <= 90 ? c | 0x20 : c)
        }
        for scheme in ["https://", "http://", "mailto:"] where significant.starts(with: scheme.utf8) { return true }
        // A path on this site: `/` then anything but a second `/` or a `\`, which browsers read
        // as `/` (`/\evil.example` is `//evil.example`, another site).
        let second = significant.dropFirst().first
        return significant.first == UInt8(ascii: "/") && second != UInt8(ascii: "/") && second != UInt8(ascii: "\\")
            && (significant.count > 1 || i >= target.endIndex)
    }

    /// Links may go to the web, to an e-mail address, or to a path on this site.
    static func isSafeLink(_ target: String) -> Bool {
        let lower = target.lowercased().filter { !$0.isWhitespace && !$0.isNewline && $0 != "\0" }
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") { return true }
        return lower.hasPrefix("/") && !lower.hasPrefix("//") && !lower.hasPrefix("/\\")
    }
}
