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
    ///
    /// Every signature's confirmation mail is made here: plain Swift over the text's lines
    /// (Foundation's `components`, `trimmingCharacters` and `range(of:)` went through
    /// NSString and cost a fifth of the server's time at 1,000 signatures a second).
    static func body(fromText text: String, button: String) -> HTML {
        // Paragraphs are runs of lines between empty ones.
        var paragraphs: [[Substring]] = []
        var current: [Substring] = []
        // ("\r\n" is one Character in Swift: both ends of a line are named.)
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
            if line.isEmpty {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current) }
        var output = ""
        for (index, lines) in paragraphs.enumerated() {
            if index > 0 { output += "\n" }
            if lines.count == 1, isLink(lines[0]) {
                let link = String(lines[0])
                output += """
                    <p style="margin: 1.5em 0"><a href="\(HTML.escape(link))" style="display: inline-block; background: #1d4e89; color: #ffffff; padding: 0.75em 1.25em; border-radius: 4px; font-weight: bold; text-decoration: none">\(HTML.escape(button))</a></p>
                    <p style="font-size: 0.9em; color: #555; word-break: break-all">\(linked(link).rendered)</p>
                    """
                continue
            }
            output += "<p>"
            for (number, line) in lines.enumerated() {
                if number > 0 { output += "<br>" }
                output += linked(line).rendered
            }
            output += "</p>"
        }
        return HTML(trusted: output)
    }

    /// An address alone: `http(s)://` and no space.
    static func isLink(_ text: some StringProtocol) -> Bool {
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else { return false }
        for byte in text.utf8 where byte < 0x80 {
            if byte == UInt8(ascii: "\"") || byte == 0x20 || (0x09...0x0D).contains(byte) { return false }
        }
        // Whitespace beyond ASCII (a no-break space…) only where there is a byte beyond ASCII.
        return text.utf8.allSatisfy { $0 < 0x80 } || !text.contains(where: \.isWhitespace)
    }

    /// Whether `://` is in the text (a byte search: `contains` on a string goes through NSString).
    private static func hasScheme(_ bytes: some Collection<UInt8>) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in bytes {
            if byte == UInt8(ascii: "/"), previous == (UInt8(ascii: ":"), UInt8(ascii: "/")) { return true }
            previous = (previous.1, byte)
        }
        return false
    }

    /// What may follow (or precede) an address in a sentence and is not part of it.
    private static let punctuation: Set<Character> = [".", ",", ";", ":", "(", ")", "[", "]", "!", "?", "«", "»", "“", "”"]

    /// A line with each address in it made a link (the rest escaped).
    static func linked(_ line: some StringProtocol) -> HTML {
        var output = ""
        // Most lines have no address: escaped whole.
        guard line.utf8.count >= 8, hasScheme(line.utf8) else {
            HTML.escape(String(line), into: &output)
            return HTML(trusted: output)
        }
        for (index, word) in line.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { output += " " }
            // Punctuation around an address stays outside the link.
            let start = word.firstIndex { !punctuation.contains($0) } ?? word.endIndex
            let end = word[start...].lastIndex { !punctuation.contains($0) }.map { word.index(after: $0) } ?? start
            let address = word[start..<end]
            if isLink(address) {
                HTML.escape(String(word[..<start]), into: &output)
                output += "<a href=\""
                HTML.escape(String(address), into: &output)
                output += "\">"
                HTML.escape(String(address), into: &output)
                output += "</a>"
                HTML.escape(String(word[end...]), into: &output)
            } else {
                HTML.escape(String(word), into: &output)
            }
        }
        return HTML(trusted: output)
    }
}
