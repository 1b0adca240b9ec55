import Storage

/// A text staff wrote in English and, optionally, in French (`title` and `title_fr`).
/// French pages show the French when there is one; otherwise the English, marked
/// `lang="en"` so screen readers pronounce it right.
public struct Bilingual: Sendable, Equatable {
    public let english: String
    public let french: String

    public init(_ english: String, french: String = "") {
        self.english = english
        self.french = french
    }

    /// The text in `t`'s language, or the English.
    public func text(_ t: Localizer) -> String { usesEnglish(t) ? english : french }

    /// Whether `t`'s page shows the English for want of a translation.
    public func usesEnglish(_ t: Localizer) -> Bool { t.language != "fr" || french.isEmpty }

    /// Inline, escaped: `<span lang="en">…</span> (en anglais)` on a French page without a
    /// translation, so readers and screen readers know.
    public func html(_ t: Localizer) -> HTML {
        let text = text(t)
        return needsMarking(t) ? "<span lang=\"en\">\(text)</span> <span class=\"fallback\">\(t("language.in_english"))</span>" : "\(text)"
    }

    /// A block made from the text (paragraphs, Markdown), wrapped in `<div lang="en">` after
    /// a line that says so, on a French page without a translation.
    public func block(_ t: Localizer, _ render: (String) -> HTML) -> HTML {
        let html = render(text(t))
        guard needsMarking(t), !html.isEmpty else { return html }
        return "<p class=\"fallback\">\(t("language.block_in_english"))</p>\n<div lang=\"en\">\(html)</div>"
    }

    /// The `lang` attribute text for an element holding this text, when it differs from the page's.
    public func langAttribute(_ t: Localizer) -> HTML { needsMarking(t) ? " lang=\"en\"" : .empty }

    private func needsMarking(_ t: Localizer) -> Bool { t.language != "en" && french.isEmpty && !english.isEmpty }
}

extension ColumnSource {
    /// `column` and `column_fr` as one bilingual text.
    public func bilingual(_ column: String) throws -> Bilingual {
        Bilingual(try get(column), french: try get(column + "_fr"))
    }
}

/// Read from `column` and `column_fr` when a model is decoded from a row.
extension Bilingual: Decodable, RowColumnDecodable {
    public init<Source: ColumnSource>(row: Source, column: String) throws {
        self = try row.bilingual(column)
    }

    public static func columns(named column: String) -> [String] { [column, column + "_fr"] }
    public static var columnPlaceholder: Bilingual { Bilingual("", french: "") }
}
