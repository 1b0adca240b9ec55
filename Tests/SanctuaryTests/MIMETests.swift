import Foundation
import Mail
import XCTest

/// Our MIME pieces against the RFCs' rules (RFC 2045 quoted-printable, RFC 2047 encoded
/// words, RFC 5322 folding). The SMTP tests check them again through Python's decoder.
final class MIMETests: XCTestCase {
    func decodeWords(_ header: String) -> String {
        header.split(separator: " ").map { word -> String in
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return String(word) }
            let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }.joined()
    }

    func testQuotedPrintableFollowsRFC2045() {
        XCTAssertEqual(QuotedPrintable.encode("a=b"), "a=3Db")
        XCTAssertEqual(QuotedPrintable.encode("café"), "caf=C3=A9")
        // A space or tab ending a line is encoded, so no relay strips it (rule 3).
        XCTAssertEqual(QuotedPrintable.encode("end \nnext\t"), "end=20\r\nnext=09")
        XCTAssertEqual(QuotedPrintable.encode("a\r\nb\rc"), "a\r\nb\r\nc")
        // Lines of at most 76 characters, soft breaks never inside an =XX (rule 5).
        let long = String(repeating: "é", count: 60) + String(repeating: "x", count: 200)
        let encoded = QuotedPrintable.encode(long)
        for line in encoded.components(separatedBy: "\r\n") { XCTAssertLessThanOrEqual(line.utf8.count, 76, line) }
        let joined = encoded.replacingOccurrences(of: "=\r\n", with: "")
        XCTAssertEqual(joined.components(separatedBy: "=C3=A9").count - 1, 60)
    }

    func testEncodedWordsStayShortAndWhole() {
        XCTAssertEqual(HeaderEncoding.unstructured("Plain subject"), "Plain subject")
        // "=?" in plain text would be read as the start of an encoded word: encode it.
        XCTAssertTrue(HeaderEncoding.unstructured("a =?x?= b").hasPrefix("=?UTF-8?B?"))
        let subject = "Confirmez votre signature : Annulez le remboursement des prêts des personnes réfugiées — 🇨🇦 réinstallées"
        let encoded = HeaderEncoding.unstructured(subject)
        XCTAssertEqual(decodeWords(encoded), subject)
        for word in encoded.split(separator: " ") {
            XCTAssertLessThanOrEqual(word.count, 75, "RFC 2047 §2: an encoded word is at most 75 characters")
            let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
            XCTAssertNotNil(data.flatMap { String(data: $0, encoding: .utf8) }, "never split inside a character (§5)")
        }
        let line = HeaderEncoding.fold("Subject: " + encoded)
        for part in line.components(separatedBy: "\r\n") { XCTAssertLessThanOrEqual(part.count, 76, part) }
        XCTAssertFalse(line.hasPrefix("Subject:\r\n"), "the value starts on the header's own line")
    }

    /// Folding only ever turns a space into CRLF and a space (unfolding gives the line back),
    /// keeps lines within 78 characters where the words allow it, and never folds right
    /// after the header's name.
    func testFoldingKeepsTheLineAndItsLimit() {
        var generator = SystemRandomNumberGenerator()
        let words = ["a", "réfugiées", "=?UTF-8?B?w6k=?=", String(repeating: "x", count: 90), "", "petition", "Subject:"]
        for _ in 0..<2_000 {
            let line =
                "Subject: "
                + (0..<Int.random(in: 1...30, using: &generator)).map { _ in words.randomElement(using: &generator) ?? "" }
                .joined(separator: " ")
            let folded = HeaderEncoding.fold(line)
            XCTAssertEqual(folded.replacingOccurrences(of: "\r\n ", with: " "), line)
            XCTAssertFalse(folded.hasPrefix("Subject:\r\n"))
            for part in folded.components(separatedBy: "\r\n").dropFirst() where part.utf8.count > 78 {
                XCTAssertEqual(part.split(separator: " ").count, 1, "a long line is one word: \(part)")
            }
        }
        XCTAssertEqual(HeaderEncoding.fold("To: short"), "To: short")
    }

    func testHeadersCannotBeInjected() {
        let message = MailMessage(
            from: MailAddress(name: "Site", address: "site@example.org"),
            to: MailAddress(name: "Eve\r\nBcc: x@evil.example", address: "eve@example.org"),
            subject: "Hi\r\nBcc: victim@example.org", text: "Body", messageID: "<1@example.org>")
        let head = message.rendered().components(separatedBy: "\r\n\r\n")[0]
        XCTAssertFalse(head.components(separatedBy: "\r\n").contains { $0.hasPrefix("Bcc:") })
        XCTAssertNil(MailAddress(parsing: "a@example.org\r\nBcc: b@example.org"))
        XCTAssertNil(MailAddress(parsing: "no-at-sign"))
        XCTAssertEqual(
            MailAddress(parsing: "Sanctuary Network <news@example.org>"),
            MailAddress(name: "Sanctuary Network", address: "news@example.org"))
    }

    func testAttachmentsMakeMultipartMixed() {
        var message = MailMessage(
            from: MailAddress(address: "site@example.org"), to: MailAddress(address: "sam@example.org"), subject: "Event",
            text: "See attached.", messageID: "<2@example.org>", date: Date(timeIntervalSince1970: 0))
        message.attachments = [
            MailAttachment(filename: "e.ics", contentType: "text/calendar; charset=utf-8", data: Array("BEGIN:VCALENDAR".utf8))
        ]
        let text = message.rendered()
        XCTAssertTrue(text.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        XCTAssertTrue(text.contains("Content-Type: multipart/mixed; boundary="))
        XCTAssertTrue(text.contains("Content-Disposition: attachment; filename=\"e.ics\""))
        XCTAssertTrue(text.contains(Data("BEGIN:VCALENDAR".utf8).base64EncodedString()))
        XCTAssertTrue(text.hasSuffix("--\r\n"))
        message.date = Date(timeIntervalSince1970: 1_796_213_096)
        XCTAssertTrue(message.rendered().contains("Date: Wed, 02 Dec 2026 12:04:56 +0000\r\n"))
        XCTAssertFalse(text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF line ends only")
    }
}
