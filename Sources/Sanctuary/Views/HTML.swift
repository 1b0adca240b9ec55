/// A fragment of HTML that is safe to send.
///
/// The one rule: text becomes HTML only by being escaped. String literals written in
/// our Swift source are trusted markup; every interpolated `String` is escaped; an
/// interpolated `HTML` (already safe) is inserted as is. So
///
///     let name = "<script>"
///     let page: HTML = "<p>Hello \(name)</p>"   // <p>Hello &lt;script&gt;</p>
///
/// makes it impossible to forget escaping, and templates stay plain Swift that the
/// compiler checks (no template files parsed at run time).
public struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var rendered: String

    /// Markup we wrote ourselves (or produced by a trusted renderer such as Markdown).
    public init(trusted: String) { rendered = trusted }
    public init(stringLiteral value: String) { rendered = value }
    public init(stringInterpolation: StringInterpolation) { rendered = stringInterpolation.output }
    public static let empty = HTML(trusted: "")

    public var description: String { rendered }
    public var isEmpty: Bool { rendered.isEmpty }

    public struct StringInterpolation: StringInterpolationProtocol {
        var output = ""
        public init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + interpolationCount * 16)
        }
        public mutating func appendLiteral(_ literal: String) { output += literal }
        public mutating func appendInterpolation(_ text: String) { HTML.escape(text, into: &output) }
        public mutating func appendInterpolation(_ text: Substring) { HTML.escape(String(text), into: &output) }
        public mutating func appendInterpolation(_ html: HTML) { output += html.rendered }
        public mutating func appendInterpolation(_ html: HTML?) { if let html { output += html.rendered } }
        public mutating func appendInterpolation(_ list: [HTML]) { for item in list { output += item.rendered } }
        public mutating func appendInterpolation<N: BinaryInteger>(_ number: N) { output += String(number) }
    }

    public static func + (a: HTML, b: HTML) -> HTML { HTML(trusted: a.rendered + b.rendered) }

    public static func join(_ parts: [HTML], separator: HTML = .empty) -> HTML {
        HTML(trusted: parts.map(\.rendered).joined(separator: separator.rendered))
    }

    /// Escapes `&`, `<`, `>`, `"` and `'`: safe in element content and quoted attributes.
    /// Works on UTF-8 bytes, copying the runs between special characters whole.
    public static func escape(_ text: String, into output: inout String) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (i, byte) in bytes.enumerated() {
                let replacement: StaticString
                switch byte {
                case 38: replacement = "&amp;"
                case 60: replacement = "&lt;"
                case 62: replacement = "&gt;"
                case 34: replacement = "&quot;"
                case 39: replacement = "&#39;"
                default: continue
                }
                if runStart < i { output += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<i]), as: UTF8.self) }
                output += replacement.description
                runStart = i + 1
            }
            if runStart == 0 {
                output += String(decoding: bytes, as: UTF8.self)
            } else if runStart < bytes.count {
                output += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart...]), as: UTF8.self)
            }
        }
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        escape(text, into: &out)
        return out
    }
}
