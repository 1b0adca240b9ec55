import Foundation

/// Decoded `application/x-www-form-urlencoded` pairs, in order. Names may repeat.
public struct FormFields: Sendable, Sequence {
    public private(set) var pairs: [(name: String, value: String)]

    public init(pairs: [(name: String, value: String)] = []) { self.pairs = pairs }

    public init(urlEncoded text: String) {
        var text = text
        self = text.withUTF8 { FormFields(urlEncoded: $0) }
    }

    /// Decodes the bytes of a body or query directly, without making a `String` of it first.
    public init(urlEncoded bytes: UnsafeBufferPointer<UInt8>) {
        var pairs: [(String, String)] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                var eq = start
                while eq < end && bytes[eq] != UInt8(ascii: "=") { eq += 1 }
                let name = PercentEncoding.decodeForm(UnsafeBufferPointer(rebasing: bytes[start..<eq]))
                let value = eq < end ? PercentEncoding.decodeForm(UnsafeBufferPointer(rebasing: bytes[(eq + 1)..<end])) : ""
                pairs.append((name, value))
            }
            start = end + 1
        }
        self.pairs = pairs
    }

    /// The first value for `name`.
    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    public func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { pairs.makeIterator() }
}

public enum PercentEncoding {
    /// Decodes `%XX` escapes; with `plusIsSpace`, `+` too. Invalid escapes are kept as
    /// written; invalid UTF-8 becomes U+FFFD.
    public static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String {
        var text = String(text)
        return text.withUTF8 { decode($0, plusIsSpace: plusIsSpace) }
    }

    /// The same on bytes: text without `%` (or `+`) is made into a `String` as it is.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, plusIsSpace: Bool = false) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "%"), i + 2 < bytes.count,
                let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2])
            {
                out.append(hi << 4 | lo)
                i += 3
            } else if plusIsSpace && c == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                i += 1
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decodeForm<S: StringProtocol>(_ text: S) -> String { decode(text, plusIsSpace: true) }
    public static func decodeForm(_ bytes: UnsafeBufferPointer<UInt8>) -> String { decode(bytes, plusIsSpace: true) }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    public static func encode(_ text: String, keep extra: String = "") -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        let extraBytes = Set(extra.utf8)
        var out: [UInt8] = []
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            default:
                if extraBytes.contains(b) {
                    out.append(b)
                    continue
                }
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public enum Cookies {
    public static func parse(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in header.split(separator: ";") {
            let trimmed = part.drop { $0 == " " }
            guard let eq = trimmed.firstIndex(of: "=") else { continue }
            let name = String(trimmed[..<eq]).trimmingCharacters(in: .whitespaces)
            var value = String(trimmed[trimmed.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    /// A `Set-Cookie` value.
    public static func setCookie(
        name: String, value: String, path: String = "/", maxAge: Int? = nil,
        httpOnly: Bool = true, secure: Bool = false, sameSite: String = "Lax"
    ) -> String {
        var parts = ["\(name)=\(value)", "Path=\(path)"]
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        if httpOnly { parts.append("HttpOnly") }
        if secure { parts.append("Secure") }
        parts.append("SameSite=\(sameSite)")
        return parts.joined(separator: "; ")
    }
}
