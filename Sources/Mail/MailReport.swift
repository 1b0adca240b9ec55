import Foundation

/// A report about mail we sent, as a mail server returns it after accepting the message:
/// a delivery status notification (RFC 3464, `multipart/report; report-type=delivery-status`)
/// or a complaint from a feedback loop (RFC 5965, `report-type=feedback-report`).
///
/// Only what Sanctuary acts on is read: who the report is about, what happened, and how
/// to find the message it answers. Parsing is bounded and never throws: what is not a
/// report comes back nil.
public struct MailReport: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case deliveryStatus
        case feedback
    }

    /// One recipient of a delivery status notification.
    public struct Recipient: Sendable, Equatable {
        /// `Final-Recipient` (else `Original-Recipient`), without its `rfc822;` type.
        public var address: String
        /// `failed`, `delayed`, `delivered`, `relayed` or `expanded`.
        public var action: String
        /// The enhanced status code, `5.1.1`.
        public var status: String
        /// `Diagnostic-Code`, without its `smtp;` type: the remote server's own words.
        public var diagnostic: String
    }

    public var kind: Kind
    public var recipients: [Recipient] = []
    /// A complaint's `Feedback-Type` (`abuse`, `fraud`, `not-spam`…).
    public var feedbackType = ""
    /// A complaint's `Original-Rcpt-To`, else the `To` of the message it quotes.
    public var complainants: [String] = []
    /// The `Message-ID` of the message the report answers, when it quotes its headers.
    public var originalMessageID: String?
    /// Addresses the report itself was delivered to (`Delivered-To`, `X-Original-To`, `To`):
    /// with VERP, our return path is among them.
    public var deliveredTo: [String] = []

    /// The addresses a message was delivered to (`Delivered-To`, `X-Original-To`, `To`),
    /// report or not.
    public static func deliveredTo(_ bytes: [UInt8]) -> [String] {
        deliveredTo(MIMEPart.split(String(decoding: bytes.prefix(1 << 20), as: UTF8.self)).0)
    }

    static func deliveredTo(_ headers: [MIMEPart.Field]) -> [String] {
        headers.filter { ["delivered-to", "x-original-to", "to", "envelope-to"].contains($0.name) }.flatMap { MIMEPart.addresses($0.value) }
    }

    /// Reads one report (RFC 5322 text, as a pipe transport hands it over); nil when it is
    /// not a delivery status notification nor a feedback report.
    public static func parse(_ bytes: [UInt8]) -> MailReport? {
        guard bytes.count <= 16 << 20 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let (headers, body) = MIMEPart.split(text)
        guard let type = headers.first(where: { $0.name == "content-type" })?.value else { return nil }
        let contentType = MIMEPart.ContentType(type)
        guard contentType.type == "multipart/report", let boundary = contentType.parameters["boundary"] else { return nil }
        let reportType = contentType.parameters["report-type"]?.lowercased() ?? ""
        var report: MailReport
        switch reportType {
        case "delivery-status": report = MailReport(kind: .deliveryStatus)
        case "feedback-report": report = MailReport(kind: .feedback)
        default: return nil
        }
        report.deliveredTo = deliveredTo(headers)
        for part in MIMEPart.parts(body, boundary: boundary) {
            let (partHeaders, partBody) = MIMEPart.split(part)
            let partType = MIMEPart.ContentType(partHeaders.first { $0.name == "content-type" }?.value ?? "text/plain").type
            switch partType {
            case "message/delivery-status", "message/global-delivery-status":
                report.recipients += deliveryStatus(partBody)
            case "message/feedback-report":
                let fields = MIMEPart.fields(partBody)
                report.feedbackType = fields.first { $0.name == "feedback-type" }?.value.lowercased() ?? ""
                report.complainants += fields.filter { $0.name == "original-rcpt-to" }.flatMap { MIMEPart.addresses($0.value) }
            case "message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/global", "message/global-headers":
                let (original, _) = MIMEPart.split(partBody)
                report.originalMessageID = original.first { $0.name == "message-id" }?.value.trimmingCharacters(in: .whitespaces)
                if report.kind == .feedback && report.complainants.isEmpty {
                    report.complainants = original.filter { $0.name == "to" }.flatMap { MIMEPart.addresses($0.value) }
                }
            default: continue
            }
        }
        if report.kind == .deliveryStatus && report.recipients.isEmpty { return nil }
        return report
    }

    /// The per-recipient groups of a `message/delivery-status` body (the first group is
    /// about the message, and has no `Action`).
    static func deliveryStatus(_ body: String) -> [Recipient] {
        let groups = body.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
        return groups.compactMap { group in
            let fields = MIMEPart.fields(group)
            func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }
            guard let action = value("action")?.lowercased(),
                let recipient = value("final-recipient") ?? value("original-recipient")
            else { return nil }
            return Recipient(
                address: MIMEPart.typed(recipient), action: action, status: value("status") ?? "",
                diagnostic: value("diagnostic-code").map(MIMEPart.typed) ?? "")
        }
    }
}

/// Just enough MIME to read a report: header fields, parts by boundary, `type; a=b` values.
enum MIMEPart {
    struct Field {
        let name: String
        let value: String
    }

    /// Header fields (names lower-cased, folded lines joined) and the body after them.
    static func split(_ text: String) -> ([Field], String) {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        let trimmed = normalised.drop { $0 == "\n" }
        guard let end = trimmed.range(of: "\n\n") else { return (fields(String(trimmed)), "") }
        return (fields(String(trimmed[..<end.lowerBound])), String(trimmed[end.upperBound...]))
    }

    /// `Name: value` lines, continuation lines joined to the field they continue.
    static func fields(_ text: String) -> [Field] {
        var fields: [Field] = []
        for line in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: true) {
            if line.first == " " || line.first == "\t", let last = fields.popLast() {
                fields.append(Field(name: last.name, value: last.value + " " + line.trimmingCharacters(in: .whitespaces)))
            } else if let colon = line.firstIndex(of: ":") {
                fields.append(
                    Field(
                        name: line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(),
                        value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            if fields.count > 500 { break }
        }
        return fields
    }

    /// The parts between `--boundary` lines.
    static func parts(_ body: String, boundary: String) -> [String] {
        let delimiter = "--" + boundary
        var parts: [String] = []
        var current: [Substring]?
        for line in body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(delimiter) {
                if let current { parts.append(current.joined(separator: "\n")) }
                if line.hasPrefix(delimiter + "--") || parts.count >= 20 { return parts }
                current = []
            } else {
                current?.append(line)
            }
        }
        if let current { parts.append(current.joined(separator: "\n")) }
        return parts
    }

    /// `rfc822; someone@example.org` → `someone@example.org`.
    static func typed(_ value: String) -> String {
        guard let semicolon = value.firstIndex(of: ";") else { return value.trimmingCharacters(in: .whitespaces) }
        return value[value.index(after: semicolon)...].trimmingCharacters(in: .whitespaces)
    }

    /// The addresses in a header value: `<a@b>`, bare `a@b`, comma-separated.
    static func addresses(_ value: String) -> [String] {
        value.split(separator: ",").compactMap { item in
            var text = Substring(item)
            if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
                text = text[text.index(after: open)..<close]
            }
            let address = typed(String(text)).trimmingCharacters(in: CharacterSet(charactersIn: " \t\"<>"))
            return address.contains("@") ? address : nil
        }
    }

    /// `multipart/report; report-type=delivery-status; boundary="x"`.
    struct ContentType {
        let type: String
        let parameters: [String: String]

        init(_ value: String) {
            let pieces = value.split(separator: ";")
            type = pieces.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            var parameters: [String: String] = [:]
            for piece in pieces.dropFirst() {
                guard let equals = piece.firstIndex(of: "=") else { continue }
                let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
                let raw = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                parameters[name] = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            self.parameters = parameters
        }
    }
}
