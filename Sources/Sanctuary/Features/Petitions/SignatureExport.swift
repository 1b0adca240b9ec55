import Foundation
import HTTP
import SQLite

/// A petition's signatures as the SPEC's CSV, produced row by row so memory stays flat
/// however many there are. The command line and the admin download share it.
public enum SignatureExport {
    public static let columns = ["signed_at", "first_name", "last_name", "email", "postal_code", "riding", "comment", "consent_updates"]
    static let pieceSize = 64 * 1024

    /// The CSV as a body stream. It holds a reader connection until it ends.
    public static func stream(_ database: Database, petitionID: Int64) throws -> BodyStream {
        try stream(database, petitionID: petitionID, state: ExportState())
    }

    fileprivate static func stream(_ database: Database, petitionID: Int64, state: ExportState) throws -> BodyStream {
        let connection = try database.borrowReader()
        let cursor: Cursor
        do {
            cursor = try connection.cursor("""
                SELECT created_at, first_name, last_name, email, postal_code, riding, comment, consent_updates
                FROM signatures WHERE petition_id = ? ORDER BY id
                """, petitionID)
        } catch {
            database.returnReader(connection)
            throw error
        }
        return BodyStream(next: {
            if state.finished { return nil }
            var piece: [UInt8] = []
            piece.reserveCapacity(pieceSize + 1024)
            if !state.startedHeader {
                state.startedHeader = true
                piece += CSV.byteOrderMark
                CSV.appendRow(columns, to: &piece)
            }
            while piece.count < pieceSize {
                guard let row = try cursor.next() else {
                    state.finished = true
                    break
                }
                var cells: [String] = []
                cells.reserveCapacity(8)
                for index in 0..<7 { cells.append(row.withText(at: Int32(index)) { String(decoding: $0, as: UTF8.self) }) }
                cells.append(row.int64(at: 7) == 1 ? "yes" : "no")
                CSV.appendRow(cells, to: &piece)
                state.rows += 1
            }
            return piece.isEmpty ? nil : piece
        }, finish: {
            cursor.close()
            database.returnReader(connection)
        })
    }

    /// Writes the CSV to a file handle; returns the number of signatures written.
    @discardableResult
    public static func write(_ database: Database, petitionID: Int64, to handle: FileHandle) throws -> Int {
        let state = ExportState()
        let body = try stream(database, petitionID: petitionID, state: state)
        defer { body.finish() }
        while let piece = try body.next() { try handle.write(contentsOf: piece) }
        return state.rows
    }
}

private final class ExportState: @unchecked Sendable {
    var startedHeader = false
    var finished = false
    var rows = 0
}
