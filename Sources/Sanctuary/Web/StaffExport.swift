import Foundation
import HTTP
import Storage

/// A CSV file staff download (signatures, registrations, subscribers): allowed to those
/// who may export, written in the audit log, streamed, never cached.
enum StaffExport {
    /// A CSV download for organizers and admins, named after the row's slug, written to the audit log.
    static func route(
        _ app: Application, _ path: String, subject: String, file: String,
        slug: @escaping @Sendable (Connection, Int64) throws -> String?, stream: @escaping @Sendable (Int64) throws -> BodyStream
    ) {
        app.router.get(
            path,
            async: { request in
                let session = try AdminAuth.require(app, request, .exports)
                let id = try Int64(request.parameter("id")).orNotFound()
                let name = try app.database.read { try slug($0, id) }.orNotFound()
                try await app.database.write { db in
                    try StaffStore.record(db, user: session.user, action: "export", subject: "\(subject) \(id)", detail: file)
                }
                return csvResponse(try stream(id), filename: "\(name)-\(file)")
            })
    }

    static func csvResponse(_ body: BodyStream, filename: String) -> Response {
        let safe = filename.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }
        return Response(
            status: .ok,
            headers: Headers([
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", "attachment; filename=\"\(safe)\""),
                ("Cache-Control", CachePolicy.noStore.headerValue),
            ]), body: .stream(body))
    }
}
