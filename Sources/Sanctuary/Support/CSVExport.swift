import Foundation
import HTTP
import Storage

/// Any query's rows as the SPEC's CSV (BOM, CRLF, header, formula-safe cells), produced in
/// ~64 KiB pieces through a cursor, so memory stays flat however many rows there are.
/// Every export (signatures, RSVPs, subscribers) is one of these.
public struct CSVExport: Sendable {
    public let header: [String]
    public let sql: String
    /// Turns column `index` of a row into a cell, or nil for the text as stored (copied as
    /// bytes straight from SQLite's buffer: no String per cell, which is what lets an export
    /// run at over a million rows a second).
    public var cell: @Sendable (_ row: Row, _ index: Int32) -> String? = { _, _ in nil }
    static let pieceSize = 64 * 1024

    public init(header: [String], sql: String, cell: (@Sendable (Row, Int32) -> String?)? = nil) {
        self.header = header
        self.sql = sql
        if let cell { self.cell = cell }
    }

    /// The CSV as a body stream. It holds a reader connection until it ends.
    public func stream(_ database: Database, _ parameters: any SQLBindable...) throws -> BodyStream {
        try stream(database, parameters: parameters, counter: RowCounter())
    }

    func stream(_ database: Database, parameters: [any SQLBindable], counter: RowCounter) throws -> BodyStream {
        let cursor = try database.cursor(sql, parameters: parameters)
        let header = self.header
        let cell = self.cell
        let columns = Int32(header.count)
        return BodyStream(
            next: {
                if counter.finished { return nil }
                var piece: [UInt8] = []
                piece.reserveCapacity(Self.pieceSize + 1024)
                if !counter.startedHeader {
                    counter.startedHeader = true
                    piece += CSV.byteOrderMark
                    CSV.appendRow(header, to: &piece)
                }
                while piece.count < Self.pieceSize {
                    guard let row = try cursor.next() else {
                        counter.finished = true
                        break
                    }
                    for index in 0..<columns {
                        if index > 0 { piece.append(UInt8(ascii: ",")) }
                        if let text = cell(row, index) {
                            CSV.appendCell(text, to: &piece)
                        } else {
                            row.withText(at: index) { CSV.appendCell($0, to: &piece) }
                        }
                    }
                    piece.append(13)
                    piece.append(10)
                    counter.rows += 1
                }
                return piece.isEmpty ? nil : piece
            },
            finish: { cursor.close() })
    }

    /// Writes the CSV to a file handle; returns the number of data rows.
    @discardableResult
    public func write(_ database: Database, parameters: [any SQLBindable], to handle: FileHandle) throws -> Int {
        let counter = RowCounter()
        let body = try stream(database, parameters: parameters, counter: counter)
        defer { body.finish() }
        while let piece = try body.next() { try handle.write(contentsOf: piece) }
        return counter.rows
    }

    /// `1` → `yes`, anything else → `no`, for consent columns.
    public static let yesNo: @Sendable (Row, Int32) -> String = { row, index in row.int64(at: index) == 1 ? "yes" : "no" }
}

/// What an export has written so far. Unchecked: the body stream that owns it runs on one
/// I/O thread at a time (`BodyStream`), and nothing else holds it.
final class RowCounter: @unchecked Sendable {
    var startedHeader = false
    var finished = false
    var rows = 0
}
