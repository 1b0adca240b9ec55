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
    public static func escape(_ text: String, into output: inout String) {
        var needs = false
        for byte in text.utf8 where byte == 38 || byte == 60 || byte == 62 || byte == 34 || byte == 39 {
            needs = true
            break
        }
        guard needs else { output += text; return }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        escape(text, into: &out)
        return out
    }
}
