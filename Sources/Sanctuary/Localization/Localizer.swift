import Foundation

/// Every interface string, by key, from one catalogue per language
/// (`Config/locales/en.json`, flat `"key": "text"` with `{name}` placeholders).
public struct Localizer: Sendable {
    public let language: String
    private let strings: [String: String]
    /// Where this language's pages live: `""` for English (the default), `/fr` for French.
    public let pathPrefix: String
    /// The site's time zone (`site.time_zone`): times and days are shown in it.
    public let timeZone: String

    public init(language: String, strings: [String: String], pathPrefix: String = "", timeZone: String = "America/Toronto") {
        self.language = language
        self.strings = strings
        self.pathPrefix = pathPrefix
        self.timeZone = timeZone
    }

    /// A site path in this language: `/petitions` → `/fr/petitions`, `/` → `/fr/`.
    public func path(_ path: String) -> String {
        guard !pathPrefix.isEmpty, path.hasPrefix("/") else { return path }
        return pathPrefix + path
    }

    /// Loads `Config/locales/<language>.json`.
    public static func load(
        language: String, directory: URL, pathPrefix: String = "", timeZone: String = "America/Toronto"
    ) throws -> Localizer {
        let url = directory.appendingPathComponent("\(language).json")
        let data = try Data(contentsOf: url)
        guard let table = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw ConfigError(key: "locales/\(language).json", reason: "must be an object of strings")
        }
        return Localizer(language: language, strings: table, pathPrefix: pathPrefix, timeZone: timeZone)
    }

    public var keys: Set<String> { Set(strings.keys) }

    /// The text for `key` with `{name}` placeholders filled; the key itself when missing,
    /// so a gap is visible rather than blank.
    public func callAsFunction(_ key: String, _ arguments: [String: String] = [:]) -> String {
        guard var text = strings[key] else { return key }
        guard !arguments.isEmpty else { return text }
        // Fill `{name}` placeholders in one pass over the UTF-8 bytes (a mail's body is rendered
        // for every signature); unknown ones stay visible. Braces are ASCII, so every cut falls
        // between characters.
        return text.withUTF8 { bytes -> String in
            guard var open = bytes.firstIndex(of: UInt8(ascii: "{")) else { return String(decoding: bytes, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 128)
            var rest = 0
            while let close = bytes[open...].firstIndex(of: UInt8(ascii: "}")) {
                out.append(contentsOf: bytes[rest..<open])
                // The few arguments are compared with the name's bytes: no key string is made.
                let name = UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close])
                if let value = arguments.first(where: { $0.key.utf8.elementsEqual(name) })?.value {
                    out.append(contentsOf: value.utf8)
                } else {
                    out.append(contentsOf: bytes[open...close])
                }
                rest = close + 1
                guard let next = bytes[rest...].firstIndex(of: UInt8(ascii: "{")) else { break }
                open = next
            }
            out.append(contentsOf: bytes[rest...])
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// A count with the catalogue's singular (`key.one`) or plural (`key.other`) form,
    /// by the language's rule (CLDR): English `1 signature`, `0 signatures`; French
    /// `0 signature`, `1 signature`, `2 signatures`.
    public func plural(_ key: String, _ count: Int, _ arguments: [String: String] = [:]) -> String {
        var arguments = arguments
        arguments["count"] = formatNumber(count)
        let one = language == "fr" ? (count == 0 || count == 1) : count == 1
        return self(one ? "\(key).one" : "\(key).other", arguments)
    }

    /// The `{name}` placeholders a text uses, for the catalogue parity check.
    public static func placeholders(in text: String) -> Set<String> {
        var names: Set<String> = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// The raw catalogue text for a key (nil when missing).
    public func text(_ key: String) -> String? { strings[key] }

    /// `12,345` in English; `12 345` (narrow no-break space) in French.
    public func formatNumber(_ value: Int) -> String {
        let separator = self("format.thousands_separator")
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += separator }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// `1.5` in English, `1,5` in French: whole numbers as `formatNumber`, others to one decimal.
    public func formatNumber(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        guard tenths % 10 != 0 else { return formatNumber(tenths / 10) }
        let point = language == "fr" ? "," : "."
        return (tenths < 0 ? "-" : "") + formatNumber(abs(tenths) / 10) + point + String(abs(tenths) % 10)
    }
}
