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

    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.sameName($0.name, name) }
    }

    /// ASCII case-insensitive comparison without allocating (field names are ASCII tokens).
    @inline(__always)
    static func sameName(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let lp = p >= 65 && p <= 90 ? p | 0x20 : p
            let lq = q >= 65 && q <= 90 ? q | 0x20 : q
            if lp != lq { return false }
        }
        return true
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public var count: Int { fields.count }
}
