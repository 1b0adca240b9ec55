/// CSV as the SPEC fixes it: RFC 4180, UTF-8 with a byte-order mark, CRLF line ends, a
/// header row; cells that a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`, tab or CR) get a leading `'`.
public enum CSV {
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public static func appendRow(_ cells: [String], to output: inout [UInt8]) {
        for (index, cell) in cells.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendCell(cell, to: &output)
        }
        output.append(13)
        output.append(10)
    }

    static func appendCell(_ cell: String, to output: inout [UInt8]) {
        var cell = cell
        cell.withUTF8 { appendCell($0, to: &output) }
    }

    /// One cell from UTF-8 bytes: a leading `'` before a formula character, quotes when
    /// the cell holds a comma, quote or line break (quotes doubled).
    static func appendCell(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        guard let first = utf8.first else { return }
        let formula =
            first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 9 || first == 13
        var needsQuotes = false
        for byte in utf8 where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 13 || byte == 10 {
            needsQuotes = true
            break
        }
        if needsQuotes { output.append(UInt8(ascii: "\"")) }
        if formula { output.append(UInt8(ascii: "'")) }
        if needsQuotes {
            for byte in utf8 {
                if byte == UInt8(ascii: "\"") { output.append(byte) }
                output.append(byte)
            }
            output.append(UInt8(ascii: "\""))
        } else {
            output.append(contentsOf: utf8)
        }
    }
}

extension CSV {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Parses RFC 4180 text (a BOM, CRLF or LF line ends, quoted fields with `""`) into
    /// records, each with the line number it starts on. Blank lines are skipped.
    public static func parse(_ text: String) throws -> [(line: Int, fields: [String])] {
        var records: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuote = false
        var line = 1
        var recordLine = 1
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            fields = []
            field = ""
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else if c == "," {
                fields.append(field)
                field = ""
                afterQuote = false
            } else if c == "\r" || c == "\n" {
                if c == "\r" && i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }
                endRecord()
                afterQuote = false
                line += 1
                recordLine = line
            } else if c == "\"" {
                guard field.isEmpty && !afterQuote else { throw ParseError(line: line, reason: "a quote inside an unquoted field") }
                inQuotes = true
            } else {
                if afterQuote { throw ParseError(line: line, reason: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if inQuotes { throw ParseError(line: recordLine, reason: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
