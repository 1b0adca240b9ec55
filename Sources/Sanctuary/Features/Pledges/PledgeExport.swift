import HTTP
import Storage

/// A pledge's confirmed pledgers as CSV (organisations' and municipalities' contacts
/// included, for the campaign to thank and follow up), with the writer signatures use.
enum PledgeExport {
    static let export = CSVExport(
        header: [
            "confirmed_at", "kind", "state", "shown_name", "contact_name", "email", "postal_code", "province", "place", "language",
            "source",
        ],
        sql: """
            SELECT confirmed_at, kind, state, name, contact_name, email, postal_code, province, place, language, referral
            FROM pledgers WHERE pledge_id = ? AND confirmed_at IS NOT NULL ORDER BY confirmed_at, id
            """)

    static func stream(_ database: Database, pledgeID: Int64) throws -> BodyStream {
        try export.stream(database, pledgeID)
    }
}
