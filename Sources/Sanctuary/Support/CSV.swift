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
        var utf8 = Array(cell.utf8)
        if let first = utf8.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13].contains(first) {
            utf8.insert(UInt8(ascii: "'"), at: 0)
        }
        let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 13 || $0 == 10 }
        guard needsQuotes else { output.append(contentsOf: utf8); return }
        output.append(UInt8(ascii: "\""))
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") { output.append(byte) }
            output.append(byte)
        }
        output.append(UInt8(ascii: "\""))
    }
}
