import Foundation

/// Cleaning and checking what visitors type. Every text is trimmed and put in Unicode
/// normal form C, so "é" typed two ways is one "é"; control characters are refused.
public enum Input {
    public enum Problem: Error, Equatable, Sendable {
        case missing
        case tooLong(Int)
        case invalidCharacters
    }

    /// The cleaned text, or the problem with it. `multiline` allows line breaks (kept as `\n`).
    public static func text(_ raw: String?, required: Bool, maxLength: Int, multiline: Bool = false) -> Result<String, Problem> {
        let raw = raw ?? ""
        // Printable ASCII (most names, most comments' words) is already in normal form C and
        // holds no control character: only its spaces at either end need going.
        if raw.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            let value = raw.utf8.first == 0x20 || raw.utf8.last == 0x20 ? String(raw.trimmingASCIISpaces) : raw
            if value.isEmpty && required { return .failure(.missing) }
            return value.utf8.count > maxLength ? .failure(.tooLong(value.utf8.count)) : .success(value)
        }
        var value = raw.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        if multiline && value.utf8.contains(13) {
            value = value.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        for scalar in value.unicodeScalars {
            let v = scalar.value
            let isControl =
                v < 0x20 || (v >= 0x7f && v < 0xa0) || v == 0x2028 || v == 0x2029 || (v >= 0x202a && v <= 0x202e)
                || (v >= 0x2066 && v <= 0x2069)
            if isControl && !(multiline && (scalar == "\n" || scalar == "\t")) { return .failure(.invalidCharacters) }
        }
        if value.isEmpty && required { return .failure(.missing) }
        // Characters and bytes: one "character" may carry any number of combining marks, and a
        // 100-character name once stored 327,856 bytes. Four bytes a character is plenty for any script.
        if value.count > maxLength || value.utf8.count > maxLength * 4 { return .failure(.tooLong(value.count)) }
        return .success(value)
    }

    /// What a local part may hold besides letters, digits and any non-ASCII character.
    static let localPunctuation = Array("!#$%&'*+/=?^_`{|}~.-".utf8)

    /// Whether a (lower-cased) local part may hold `scalar`.
    static func isLocalScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x61...0x7A, 0x80...: return true
        case 0..<0x80: return localPunctuation.contains(UInt8(scalar.value))
        default: return false
        }
    }

    /// A letter or digit (of any script) or `-`; ASCII is answered without Foundation's sets.
    static func isDomainScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D: return true
        case 0..<0x80: return false
        default: return CharacterSet.alphanumerics.contains(scalar)
        }
    }

    /// A case-folded e-mail address if it looks deliverable (`name@example.org`), else nil.
    public static func email(_ raw: String?) -> String? {
        let raw = raw ?? ""
        // Printable ASCII without spaces (nearly every address) is checked on its bytes.
        if raw.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) { return asciiEmail(raw) }
        return anyEmail(raw)
    }

    /// `email` for any text: trimmed, lower-cased, letters of any script.
    static func anyEmail(_ raw: String) -> String? {
        let edgesAreASCIIText =
            raw.utf8.first.map { $0 > 0x20 && $0 < 0x7f } == true && raw.utf8.last.map { $0 > 0x20 && $0 < 0x7f } == true
        let value = (edgesAreASCIIText ? raw : raw.trimmingCharacters(in: .whitespacesAndNewlines)).lowercased()
        guard value.utf8.count <= 254, let at = value.lastIndex(of: "@") else { return nil }
        let local = value[..<at]
        let domain = value[value.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            return nil
        }
        guard local.unicodeScalars.allSatisfy(isLocalScalar) else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let tld = labels.last, tld.count >= 2, !tld.allSatisfy(\.isNumber) else { return nil }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                label.unicodeScalars.allSatisfy(isDomainScalar)
            else { return nil }
        }
        return value
    }
}

extension Input {
    /// `email` for printable ASCII with no space: the same rules, on bytes, with no
    /// Foundation call (lower-casing ASCII is a byte's business).
    static func asciiEmail(_ raw: String) -> String? {
        guard raw.utf8.count <= 254 else { return nil }
        var bytes = Array(raw.utf8)
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] |= 0x20 }
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return nil }
        let dot = UInt8(ascii: ".")
        let hyphen = UInt8(ascii: "-")
        let local = bytes[..<at]
        guard !local.isEmpty, local.count <= 64, local.first != dot, local.last != dot else { return nil }
        var previous: UInt8 = 0
        for byte in local {
            guard isLocalScalar(Unicode.Scalar(byte)), !(byte == dot && previous == dot) else { return nil }
            previous = byte
        }
        let labels = bytes[(at + 1)...].split(separator: dot, omittingEmptySubsequences: false)
        guard labels.count >= 2, let tld = labels.last, tld.count >= 2, !tld.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != hyphen, label.last != hyphen,
                label.allSatisfy({ isDomainScalar(Unicode.Scalar($0)) })
            else { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Canadian postal codes: `A1A 1A1`, never D, F, I, O, Q or U, and never W or Z first.
public enum PostalCode {
    /// `k1a0b1`, ` K1A-0B1 ` → `K1A 0B1`; nil when it is not a valid code.
    public static func normalise(_ raw: String?) -> String? {
        let raw = raw ?? ""
        // Any whitespace (a no-break space too) and hyphens may separate the halves; what is
        // left must be six ASCII letters and digits, so anything else ends the check early.
        var code: [UInt8] = []
        code.reserveCapacity(6)
        if raw.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII (nearly every code typed) on its bytes: its whitespace is 9–13 and space.
            for byte in raw.utf8 where !(byte == 0x20 || (byte >= 9 && byte <= 13) || byte == UInt8(ascii: "-")) {
                guard code.count < 6 else { return nil }
                code.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            }
        } else {
            for character in raw.uppercased() where !character.isWhitespace && character != "-" {
                guard code.count < 6, let byte = character.asciiValue else { return nil }
                code.append(byte)
            }
        }
        guard code.count == 6, code[0] != UInt8(ascii: "W"), code[0] != UInt8(ascii: "Z") else { return nil }
        for (i, c) in code.enumerated() {
            if i % 2 == 0 {
                guard c >= 65, c <= 90, !forbiddenLetters.contains(c) else { return nil }
            } else {
                guard c >= 48, c <= 57 else { return nil }
            }
        }
        code.insert(UInt8(ascii: " "), at: 3)
        return String(decoding: code, as: UTF8.self)
    }

    private static let forbiddenLetters = Array("DFIOQU".utf8)

    /// The province or territory of a (normalised) postal code, from its first letter.
    public static func province(_ code: String) -> String {
        switch code.first {
        case "A": return "NL"
        case "B": return "NS"
        case "C": return "PE"
        case "E": return "NB"
        case "G", "H", "J": return "QC"
        case "K", "L", "M", "N", "P": return "ON"
        case "R": return "MB"
        case "S": return "SK"
        case "T": return "AB"
        case "V": return "BC"
        case "X": return "NT/NU"
        case "Y": return "YT"
        default: return ""
        }
    }
}

extension String {
    /// Without the ASCII spaces at either end.
    var trimmingASCIISpaces: Substring {
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 }), let last = bytes.lastIndex(where: { $0 != 0x20 }) else { return "" }
        return self[first...last]
    }
}
