import Foundation

/// Text with `{{name}}` placeholders: a letter's body, filled for each sender.
public enum Template {
    /// Every `{{name}}` in the template.
    public static func names(in template: String) -> [String] {
        var names: [String] = []
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            names.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return names
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
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += values[name] ?? ""
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
