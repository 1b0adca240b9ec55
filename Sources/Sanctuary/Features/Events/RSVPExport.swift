import HTTP
import Storage

/// An event's RSVPs as CSV, with the same writer and rules as signatures.
enum RSVPExport {
    static let export = CSVExport(
        header: ["signed_up_at", "name", "email", "status", "note", "consent_updates"], sql: EventStore.rsvpsExportSQL,
        cell: { row, index in index == 5 ? CSVExport.yesNo(row, index) : nil })

    static func stream(_ database: Database, eventID: Int64) throws -> BodyStream {
        try export.stream(database, eventID)
    }
}
