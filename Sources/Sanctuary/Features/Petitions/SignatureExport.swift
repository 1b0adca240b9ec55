import Foundation
import HTTP
import Storage

/// A petition's signatures in the SPEC's columns. The command line and the admin
/// download share it.
public enum SignatureExport {
    public static let columns = ["signed_at", "first_name", "last_name", "email", "postal_code", "riding", "comment", "consent_updates"]

    static let export = CSVExport(
        header: columns, sql: PetitionStore.signaturesExportSQL,
        cell: { row, index in
            index == 7 ? CSVExport.yesNo(row, index) : nil
        })

    public static func stream(_ database: Database, petitionID: Int64) throws -> BodyStream {
        try export.stream(database, petitionID)
    }

    @discardableResult
    public static func write(_ database: Database, petitionID: Int64, to handle: FileHandle) throws -> Int {
        try export.write(database, parameters: [petitionID], to: handle)
    }
}

extension Application {
    /// `sanctuary export-signatures`: the petition's signatures written to `handle`; the rows
    /// written, or nil when no petition has this slug.
    public func exportSignatures(petition slug: String, to handle: () throws -> FileHandle) throws -> Int? {
        guard let petitionID = try database.read({ try PetitionStore.id(forSlug: slug, $0) }) else { return nil }
        return try SignatureExport.write(database, petitionID: petitionID, to: try handle())
    }
}
