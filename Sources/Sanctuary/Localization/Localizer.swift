import Foundation

/// Every interface string, by key, from one catalogue per language
/// (`Config/locales/en.json`, flat `"key": "text"` with `{name}` placeholders).
public struct Localizer: Sendable {
    public let language: String
    private let strings: [String: String]
    /// Where this language's pages live: `""` for English (the default), `/fr` for French.
    public let pathPrefix: String

    public init(language: String, strings: [String: String], pathPrefix: String = "") {
        self.language = language
        self.strings = strings
        self.pathPrefix = pathPrefix
    }

    /// A site path in this language: `/petitions` → `/fr/petitions`, `/` → `/fr/`.
    public func path(_ path: String) -> String {
        guard !pathPrefix.isEmpty, path.hasPrefix("/") else { return path }
        return pathPrefix + path
    }

    /// Loads `Config/locales/<language>.json`.
    public static func load(language: String, directory: URL, pathPrefix: String = "") throws -> Localizer {
        let url = directory.appendingPathComponent("\(language).json")
        let data = try Data(contentsOf: url)
        guard let table = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw ConfigError(key: "locales/\(language).json", reason: "must be an object of strings")
        }
        return Localizer(language: language, strings: table, pathPrefix: pathPrefix)
    }

    public var keys: Set<String> { Set(strings.keys) }

    /// The text for `key` with `{name}` placeholders filled; the key itself when missing,
    /// so a gap is visible rather than blank.
    public func callAsFunction(_ key: String, _ arguments: [String: String] = [:]) -> String {
        guard let text = strings[key] else { return key }
        guard !arguments.isEmpty, text.utf8.contains(UInt8(ascii: "{")) else { return text }
        // Fill `{name}` placeholders in one pass; unknown ones stay visible.
        // On the UTF-8 bytes: braces are ASCII, so every index found is a character boundary.
        var out = ""
        out.reserveCapacity(text.utf8.count + 64)
        let utf8 = text.utf8
        var rest = utf8.startIndex
        while let open = utf8[rest...].firstIndex(of: UInt8(ascii: "{")), let close = utf8[open...].firstIndex(of: UInt8(ascii: "}")) {
            out += text[rest..<open]
            // The few arguments are compared with the name's bytes: no key string is made.
            let name = utf8[utf8.index(after: open)..<close]
            if let value = arguments.first(where: { $0.key.utf8.elementsEqual(name) })?.value {
                out += value
            } else {
                out += text[open...close]
            }
            rest = utf8.index(after: close)
        }
        out += text[rest...]
        return out
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
}
