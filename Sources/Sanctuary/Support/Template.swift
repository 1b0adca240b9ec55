import Foundation

/// Text with `{{name}}` placeholders: a letter's body, filled for each sender; a mailing,
/// for each recipient. `{{name|fallback}}` stands for the fallback where the value is empty.
public enum Template {
    /// Every `{{name}}` in the template (without its fallback).
    public static func names(in template: String) -> [String] {
        var names: [String] = []
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(split(rest[open.upperBound..<close.lowerBound]).name)
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// `first_name|friend` → (`first_name`, `friend`).
    private static func split(_ placeholder: Substring) -> (name: String, fallback: String) {
        let parts = placeholder.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        return (
            parts[0].trimmingCharacters(in: .whitespaces),
            parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        )
    }

    /// The names in `template` that are not among `known`.
    public static func unknown(in template: String, known: [String]) -> [String] {
        names(in: template).filter { !known.contains($0) }
    }

    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let (name, fallback) = split(rest[open.upperBound..<close.lowerBound])
            let value = values[name] ?? ""
            out += value.isEmpty ? fallback : value
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
