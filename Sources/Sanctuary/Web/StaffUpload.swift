import Foundation
import HTTP

/// A staff upload, read: its parts (files spooled to disk as they arrived), its text fields,
/// and the session checked again (the check on the head may be minutes old by now).
struct StaffUpload {
    let parts: [Multipart.Part]
    let fields: [String: String]
    let session: AdminAuth.Session

    /// Reads the spooled `multipart/form-data` body, runs `body`, then removes every spooled
    /// file whatever happened (a file `body` kept was moved away first).
    static func handle(
        _ app: Application, _ request: Request, area: StaffUser.Area, _ body: (StaffUpload) async throws -> Response
    ) async throws -> Response {
        guard let boundary = Multipart.boundary(contentType: request.headers["content-type"]), let file = request.bodyFile else {
            return .text("Expected multipart/form-data\n", status: .badRequest)
        }
        let parts: [Multipart.Part]
        do {
            parts = try Multipart.parse(file: file, boundary: boundary, directory: app.config.spoolDirectory)
        } catch let error where StorageHealth.isFull(error) {
            throw error  // the storage-full page (503), not the sender's mistake
        } catch {
            return .text("Malformed multipart body\n", status: .badRequest)
        }
        defer { for spooled in parts.compactMap(\.file) { unlink(spooled) } }
        var fields: [String: String] = [:]
        for part in parts { if let value = part.value { fields[part.name] = value } }
        let session = try AdminAuth.requirePost(app, request, area, csrf: request.query["_csrf"] ?? fields["_csrf"] ?? "")
        return try await body(StaffUpload(parts: parts, fields: fields, session: session))
    }
}
