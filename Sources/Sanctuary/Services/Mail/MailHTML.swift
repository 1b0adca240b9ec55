import Foundation

/// The HTML alternative of every mail the site sends: one accessible template (the site's
/// logo and name, the message, the signature), styles inline as mail programs need, the
/// language marked, a real button for the link the message is about.
enum MailHTML {
    /// The page around a message's `body`.
    static func page(_ app: Application, language: String, title: String, body: HTML, footer: HTML = .empty) -> HTML {
        let base = app.config.publicBaseURL
        // The site's logo and name head the message, as on the site (the logo's smallest copy).
        let logo: HTML =
            app.siteSettings.current.logo.map { logo in
                let width = logo.sizes.first ?? logo.width
                return """
                    <img src="\(base)\(logo.path(width: width))" width="\(width)" height="\(logo.height(forWidth: width))" alt="" style="vertical-align: middle; margin-right: 0.5em; max-height: 48px; width: auto">
                    """
            } ?? .empty
        return """
            <!doctype html><html lang="\(language)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>\(title)</title></head>
            <body style="font-family: sans-serif; line-height: 1.5; max-width: 40em; color: #1b1f24">
            <p style="font-weight: bold; font-size: 1.1em; margin: 0 0 1em"><a href="\(base)/" style="color: inherit; text-decoration: none">\(logo)\(app.siteName)</a></p>
            \(body)
            <hr><p style="font-size: 0.9em; color: #555">\(app.siteName) · <a href="\(base)/">\(base)</a></p>
            \(footer)
            </body></html>
            """
    }

    /// A plain-text message as HTML: its paragraphs, its addresses as links, and a paragraph
    /// that is an address alone (the link the message asks the reader to open) as a button
    /// named `button`, the address spelled out beneath for programs that hide buttons.
    static func body(fromText text: String, button: String) -> HTML {
        let paragraphs = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        return HTML.join(
            paragraphs.map { paragraph -> HTML in
                if isLink(paragraph) {
                    return """
                        <p style="margin: 1.5em 0"><a href="\(paragraph)" style="display: inline-block; background: #1d4e89; color: #ffffff; padding: 0.75em 1.25em; border-radius: 4px; font-weight: bold; text-decoration: none">\(button)</a></p>
                        <p style="font-size: 0.9em; color: #555; word-break: break-all">\(linked(paragraph))</p>
                        """
                }
                return
                    "<p>\(HTML.join(paragraph.split(separator: "\n", omittingEmptySubsequences: false).map { linked(String($0)) }, separator: "<br>"))</p>"
            }, separator: "\n")
    }

    /// An address alone: `http(s)://` and no space.
    static func isLink(_ text: String) -> Bool {
        (text.hasPrefix("https://") || text.hasPrefix("http://")) && !text.contains(where: \.isWhitespace) && !text.contains("\"")
    }

    /// A line with each address in it made a link (the rest escaped).
    static func linked(_ line: String) -> HTML {
        var parts: [HTML] = []
        for (index, word) in line.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            let text = String(word)
            if index > 0 { parts.append(" ") }
            // Trailing punctuation stays outside the link.
            let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:)!?»”"))
            if isLink(trimmed), let range = text.range(of: trimmed) {
                parts.append(
                    "\(String(text[..<range.lowerBound]))<a href=\"\(trimmed)\">\(trimmed)</a>\(String(text[range.upperBound...]))")
            } else {
                parts.append("\(text)")
            }
        }
        return HTML.join(parts)
    }
}
