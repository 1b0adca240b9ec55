import CLinux
import Foundation

/// An address with an optional display name: `Sanctuary <news@example.org>`.
public struct MailAddress: Sendable, Equatable {
    public var name: String
    public var address: String

    public init(name: String = "", address: String) {
        self.name = name
        self.address = address
    }

    /// Parses `Name <address>` or a bare `address`; nil when there is no plausible address.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            name = trimmed[..<open].trimmingCharacters(in: CharacterSet(charactersIn: " \""))
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        } else {
            name = ""
            address = trimmed
        }
        guard MailAddress.isPlausible(address) else { return nil }
    }

    /// One `@`, something either side, no spaces, angle brackets or line breaks: enough to
    /// refuse what would break a header, without pretending to validate RFC 5321 in full.
    public static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && address.utf8.count <= 254
            && !address.unicodeScalars.contains { $0.value <= 32 || "<>()[],;:\\\"".unicodeScalars.contains($0) }
    }

    /// The header form: the name as an RFC 2047 encoded word when it is not plain ASCII.
    func header(used: Int) -> String {
        guard !name.isEmpty else { return address }
        return "\(HeaderEncoding.phrase(name, used: used)) <\(address)>"
    }
}

/// A file carried with a message (an `.ics` invitation).
public struct MailAttachment: Sendable {
    public var filename: String
    public var contentType: String
    public var data: [UInt8]

    public init(filename: String, contentType: String, data: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// One e-mail as RFC 5322 text: UTF-8 plain text in quoted-printable, RFC 2047 headers,
/// optional attachments in `multipart/mixed`. Rendered once, when it goes into the outbox.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var replyTo: MailAddress?
    public var subject: String
    public var text: String
    /// An HTML alternative to the text (mailings), sent as `multipart/alternative`.
    public var html: String?
    public var attachments: [MailAttachment] = []
    /// More headers (`List-Unsubscribe`, `Auto-Submitted`…), ASCII values.
    public var headers: [(String, String)] = []
    public var language: String = "en"
    public var messageID: String
    public var date: Date
    /// The message's content (everything after its own headers) encoded already, to send as
    /// it is instead of encoding `text`, `html` and `attachments` again: what
    /// `renderedContent()` gave for another message of the same content (see `MailBodies`).
    public var encodedContent: String?

    public init(
        from: MailAddress, to: MailAddress, replyTo: MailAddress? = nil, subject: String, text: String, language: String = "en",
        messageID: String, date: Date = Date()
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.language = language
        self.messageID = messageID
        self.date = date
    }

    /// A fresh `Message-ID` on the sender's domain: `<random@domain>`.
    public static func makeID(domain: String) -> String {
        var random: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &random) { sanctuary_random_bytes($0.baseAddress, $0.count) }
        func hex(_ n: UInt64) -> String {
            let digits = String(n, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return "<\(hex(random.0))\(hex(random.1))@\(domain)>"
    }

    /// The message as sent: CRLF line ends, every line under 998 bytes.
    public func rendered() -> String {
        // One string grown in place, each line ended as it is added.
        var out = ""
        let content = encodedContent ?? renderedContent()
        out.reserveCapacity(content.utf8.count + 1024)
        func header(_ name: String, _ value: String) {
            out += HeaderEncoding.fold("\(name): \(value)")
            out += "\r\n"
        }
        header("Date", MailMessage.rfc5322Date(date))
        header("From", from.header(used: 6))
        header("To", to.header(used: 4))
        if let replyTo { header("Reply-To", replyTo.header(used: 10)) }
        header("Message-ID", messageID)
        header("Subject", HeaderEncoding.unstructured(subject))
        header("Content-Language", language)
        header("MIME-Version", "1.0")
        for (name, value) in headers { header(name, value) }
        out += content
        return out
    }

    /// The message's content: its `Content-Type` and the parts after it, encoded. It depends
    /// on the text, the HTML, the attachments and (for the parts' boundary) the message id only.
    public func renderedContent() -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count * 11 / 10 + (html?.utf8.count ?? 0) * 11 / 10 + 256)
        func line(_ text: String) {
            out += text
            out += "\r\n"
        }
        let boundary =
            html == nil && attachments.isEmpty ? "" : "=_sanctuary_" + messageID.filter { $0.isLetter || $0.isNumber }.prefix(24)
        // The readable part: the text, or the text and its HTML alternative.
        var content = [
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            QuotedPrintable.encode(text),
        ]
        if let html {
            let alternative = boundary + "_alt"
            content =
                [
                    "Content-Type: multipart/alternative; boundary=\"\(alternative)\"", "", "--\(alternative)",
                ] + content + [
                    "--\(alternative)",
                    "Content-Type: text/html; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable",
                    "",
                    QuotedPrintable.encode(html),
                    "--\(alternative)--",
                ]
        }
        if attachments.isEmpty {
            content.forEach(line)
        } else {
            line("Content-Type: multipart/mixed; boundary=\"\(boundary)\"")
            line("")
            line("--\(boundary)")
            content.forEach(line)
            for attachment in attachments {
                line("--\(boundary)")
                line("Content-Type: \(attachment.contentType); name=\"\(attachment.filename)\"")
                line("Content-Disposition: attachment; filename=\"\(attachment.filename)\"")
                line("Content-Transfer-Encoding: base64")
                line("")
                line(
                    Data(attachment.data).base64EncodedString(options: [
                        .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
                    ]))
            }
            line("--\(boundary)--")
        }
        return out
    }

    /// `Thu, 01 Jan 1970 00:00:00 +0000` (RFC 5322 §3.3), in UTC, without a formatter
    /// shared between threads.
    static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written on bytes: this runs for every mail, on the request's thread.
        return String(unsafeUninitializedCapacity: 31) { out in
            var written = 0
            func put(_ text: StaticString) {
                for index in 0..<text.utf8CodeUnitCount {
                    out[written] = text.utf8Start[index]
                    written += 1
                }
            }
            func two(_ n: Int32) {
                let n = Int(max(0, min(99, n)))
                out[written] = UInt8(48 + n / 10)
                out[written + 1] = UInt8(48 + n % 10)
                written += 2
            }
            let days: [StaticString] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            put(days[Int(parts.tm_wday) % 7])
            put(", ")
            two(parts.tm_mday)
            put(" ")
            put(months[Int(parts.tm_mon) % 12])
            put(" ")
            let year = max(0, min(9999, 1900 + Int(parts.tm_year)))
            two(Int32(year / 100))
            two(Int32(year % 100))
            put(" ")
            two(parts.tm_hour)
            put(":")
            two(parts.tm_min)
            put(":")
            two(parts.tm_sec)
            put(" +0000")
            return written
        }
    }
}

/// RFC 2047 encoded words and RFC 5322 folding for header values.
public enum HeaderEncoding {
    /// An unstructured value (a subject): plain when it is printable ASCII without `=?`,
    /// else a run of `=?UTF-8?B?…?=` words of at most 75 characters, split between
    /// characters (RFC 2047 §5: never inside a multi-byte character).
    /// `used`: characters already on the first line (`Subject: `), so that each line holding
    /// an encoded word stays within RFC 2047's 76 characters.
    public static func unstructured(_ text: String, used: Int = 9) -> String {
        let clean = oneLine(text)
        if isPlainASCII(clean) { return clean }
        return encodedWords(clean, used: used).joined(separator: " ")
    }

    /// A display name: a quoted string when ASCII, else encoded words.
    public static func phrase(_ text: String, used: Int = 6) -> String {
        let clean = oneLine(text)
        if isPlainASCII(clean) {
            guard clean.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) else { return "\"" + clean + "\"" }
            return "\"" + clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return encodedWords(clean, used: used).joined(separator: " ")
    }

    /// Printable ASCII with no `=?` (which would read as the start of an encoded word).
    static func isPlainASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var previous: UInt8 = 0
            for byte in bytes {
                guard byte >= 32 && byte < 127, !(previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?")) else { return false }
                previous = byte
            }
            return true
        }
    }

    /// Line breaks become spaces: a header value is one line.
    static func oneLine(_ text: String) -> String {
        var text = text
        guard text.withUTF8({ $0.contains { $0 == 10 || $0 == 13 } }) else { return text }
        return String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
    }

    /// `=?UTF-8?B?…?=` words, each on a line of at most 76 characters: 45 bytes of UTF-8
    /// make 60 of base64, 72 with the delimiters, after a folding space; the first word
    /// shares its line with the header's name (`used` characters), so it holds less.
    static func encodedWords(_ text: String, used: Int = 0) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = max(3, (76 - used - 12) / 4 * 3)
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > limit && !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
                limit = 45
            }
            chunk += bytes.prefix(45)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words
    }

    /// Folds a header line at spaces so no line passes 78 characters where it can be
    /// helped (RFC 5322 §2.2.3); continuation lines start with a space.
    public static func fold(_ line: String) -> String {
        guard line.utf8.count > 78 else { return line }
        var line = line
        return line.withUTF8 { bytes in
            // In one pass over the bytes, straight into the result: a fold turns a space into
            // CRLF and a space, so the result is at most twice as long.
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                var written = 0
                var length = 0  // bytes of the line being filled
                var folded = false
                var word = 0
                var start = 0
                while true {
                    var end = start
                    while end < bytes.count && bytes[end] != UInt8(ascii: " ") { end += 1 }
                    let count = end - start
                    // Never right after the header's name: a value starting with a fold gains a space.
                    if word > 1 && length > 0 && length + 1 + count > 78 {
                        out[written] = 13
                        out[written + 1] = 10
                        written += 2
                        out[written] = UInt8(ascii: " ")
                        written += 1
                        folded = true
                        length = 1 + count  // the continuation's space counts too
                    } else if length == 0 && !folded {
                        length = count
                    } else {
                        out[written] = UInt8(ascii: " ")
                        written += 1
                        length += 1 + count
                    }
                    for index in start..<end {
                        out[written] = bytes[index]
                        written += 1
                    }
                    guard end < bytes.count else { break }
                    start = end + 1
                    word += 1
                }
                return written
            }
        }
    }
}

/// Quoted-printable (RFC 2045 §6.7) for UTF-8 text: lines of at most 76 characters with
/// soft breaks, `=` and bytes outside printable ASCII as `=XX`, and a space or tab at a
/// line's end encoded so no relay strips it.
public enum QuotedPrintable {
    /// Works on the UTF-8 bytes in one pass, straight into the result's storage (line ends
    /// normalised to CRLF on the way): a confirmation mail is rendered for every signature,
    /// on the request's thread.
    public static func encode(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            // At most 3 bytes out per byte in, a CRLF per line end, and a 3-byte soft break
            // per 25 encoded bytes of a line.
            let capacity = bytes.count * 3 + bytes.count / 8 + 16
            return String(unsafeUninitializedCapacity: capacity) { out in encode(bytes, into: out) }
        }
    }

    /// Encodes `bytes` into `out` (large enough: see `encode`); returns the length written.
    static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var written = 0
        var lineStart = 0
        var index = 0
        while index <= bytes.count {
            guard index == bytes.count || bytes[index] == 10 || bytes[index] == 13 else {
                index += 1
                continue
            }
            written = encodeLine(UnsafeBufferPointer(rebasing: bytes[lineStart..<index]), into: out, at: written)
            guard index < bytes.count else { break }
            out[written] = 13
            out[written + 1] = 10
            written += 2
            // CRLF is one line end, not two.
            index += bytes[index] == 13 && index + 1 < bytes.count && bytes[index + 1] == 10 ? 2 : 1
            lineStart = index
        }
        return written
    }

    /// One line without its end: at most 76 characters a line with soft breaks; `=`, bytes
    /// outside printable ASCII, and a space or tab ending the line as `=XX`.
    static func encodeLine(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var written = start
        var lineLength = 0
        let last = bytes.count - 1
        for index in bytes.indices {
            let byte = bytes[index]
            let literal = (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && index != last)
            // A soft line break when this byte would pass 75 characters.
            if lineLength > (literal ? 74 : 72) {
                out[written] = 61
                out[written + 1] = 13
                out[written + 2] = 10
                written += 3
                lineLength = 0
            }
            if literal {
                out[written] = byte
                written += 1
                lineLength += 1
            } else {
                out[written] = 61
                out[written + 1] = hexDigit(byte >> 4)
                out[written + 2] = hexDigit(byte & 15)
                written += 3
                lineLength += 3
            }
        }
        return written
    }

    /// `0`…`9`, `A`…`F` for 0…15, without a table to look up.
    @inline(__always) static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 48 + nibble : 55 + nibble }
}
