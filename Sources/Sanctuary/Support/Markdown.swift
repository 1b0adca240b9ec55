/// A small, safe Markdown renderer for staff-written text. Everything is escaped first;
/// only our own tags are produced: paragraphs, `#`–`###` headings, `-`/`*` and `1.` lists,
/// `>` quotes, `**strong**`, `*em*`, `` `code` `` and `[links](https://…)`. Raw HTML is
/// shown as text, and a link whose target is not http(s), mailto or a site path
/// (`javascript:`, `data:` …) is rendered as plain text.
public enum Markdown {
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
                if list?.ordered == true { flushList() }
                list = (false, (list?.items ?? []) + [String(line.dropFirst(2))])
            } else if let item = orderedItem(line) {
                flushParagraph(); flushQuote()
                if list?.ordered == false { flushList() }
                list = (true, (list?.items ?? []) + [item])
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

    /// Inline spans over already-escaped text.
    static func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(HTML.escape(text))
        while let c = rest.first {
            if c == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                out += "<code>\(rest[rest.index(after: rest.startIndex)..<end])</code>"
                rest = rest[rest.index(after: end)...]
            } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
                out += "<strong>\(inline(unescape(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound]))))</strong>"
                rest = rest[end.upperBound...]
            } else if c == "*", let end = rest.dropFirst().firstIndex(of: "*"), end > rest.index(after: rest.startIndex) {
                out += "<em>\(inline(unescape(String(rest[rest.index(after: rest.startIndex)..<end]))))</em>"
                rest = rest[rest.index(after: end)...]
            } else if c == "[", let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix("("),
                      let end = rest[close...].firstIndex(of: ")") {
                let label = String(rest[rest.index(after: rest.startIndex)..<close])
                let target = String(rest[rest.index(close, offsetBy: 2)..<end])
                if isSafeLink(unescape(target)) {
                    out += "<a href=\"\(target)\">\(inline(unescape(label)))</a>"
                } else {
                    out += inline(unescape(label))
                }
                rest = rest[rest.index(after: end)...]
            } else {
                out.append(c)
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// Links may go to the web, to an e-mail address, or to a path on this site.
    static func isSafeLink(_ target: String) -> Bool {
        let lower = target.lowercased().filter { !$0.isWhitespace && !$0.isNewline && $0 != "\0" }
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") { return true }
        return lower.hasPrefix("/") && !lower.hasPrefix("//")
    }

    /// Reverses our own escaping (so nested spans are escaped exactly once).
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

import Foundation
