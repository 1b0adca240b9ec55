import Foundation

/// An ordered list of header fields. Lookup is case-insensitive; request header names
/// are stored lower-cased by the parser, so lookups there are a plain comparison.
public struct Headers: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }

    public subscript(name: String) -> String? {
        get {
            for field in fields where Self.sameName(field.name, name) { return field.value }
            return nil
        }
        set {
            remove(name)
            if let newValue { fields.append((name, newValue)) }
        }
    }

    /// Every value of a field that may repeat.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// How many fields of this name there are.
    public func count(of name: String) -> Int { fields.reduce(0) { $0 + (Self.sameName($1.name, name) ? 1 : 0) } }

    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.sameName($0.name, name) }
    }

    /// ASCII case-insensitive comparison without allocating (field names are ASCII tokens).
    @inline(__always)
    static func sameName(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a
        var b = b
        return a.withUTF8 { p in
            b.withUTF8 { q in
                for i in 0..<p.count where p[i] != q[i] {
                    if lowered(p[i]) != lowered(q[i]) { return false }
                }
                return true
            }
        }
    }

    @inline(__always)
    private static func lowered(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public var count: Int { fields.count }
}

extension Headers {
    /// A weighted list (`Accept-Encoding`, `Accept-Language`; RFC 9110 §12.4.2): each
    /// value, lower-cased, with its `q` (1 when absent). `q=0` means "not acceptable".
    public static func qualityList(_ value: String) -> [(value: String, quality: Double)] {
        value.split(separator: ",").compactMap { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let first = pieces.first, !first.isEmpty else { return nil }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (first, quality)
        }
    }
}

extension String {
    /// Whether a comma-separated header value (`Connection`, `Vary`) lists `token`, compared
    /// case-insensitively in ASCII. Plain byte work: Foundation's string search showed up in
    /// profiles of the static-file path.
    func listsToken(_ token: String) -> Bool {
        var found = false
        var token = token
        token.withUTF8 { wanted in
            var this = self
            this.withUTF8 { bytes in
                var start = 0
                while start <= bytes.count && !found {
                    var end = start
                    while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
                    var a = start
                    var b = end
                    while a < b && (bytes[a] == 32 || bytes[a] == 9) { a += 1 }
                    while b > a && (bytes[b - 1] == 32 || bytes[b - 1] == 9) { b -= 1 }
                    if b - a == wanted.count {
                        found = (0..<wanted.count).allSatisfy { bytes[a + $0] | 0x20 == wanted[$0] | 0x20 }
                    }
                    start = end + 1
                }
            }
        }
        return found
    }

    /// Whether the text contains `needle` byte for byte (no Foundation, no locale).
    func containsBytes(_ needle: String) -> Bool {
        var found = false
        var needle = needle
        needle.withUTF8 { n in
            var this = self
            this.withUTF8 { h in
                guard n.count <= h.count else { return }
                if n.isEmpty {
                    found = true
                    return
                }
                for i in 0...(h.count - n.count) where h[i] == n[0] {
                    var j = 1
                    while j < n.count && h[i + j] == n[j] { j += 1 }
                    if j == n.count {
                        found = true
                        return
                    }
                }
            }
        }
        return found
    }
}
