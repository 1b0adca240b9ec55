import Foundation
import HTTP

/// A visitor's form that carries a file (a story with its photo), read: its text fields and
/// its file parts, spooled to disk as they arrived.
struct PublicUpload: Sendable {
    let fields: [String: String]
    let parts: [Multipart.Part]

    /// The file sent in the field `name`, if one was (an empty file input sends none).
    func file(_ name: String) -> Multipart.Part? { parts.first { $0.name == name && $0.file != nil && $0.size > 0 } }
}

extension Application {
    /// What a public upload route checks on the head alone, before one byte of the body is
    /// stored: the form token (it travels in the form's action, `?_csrf=`, since the body is
    /// not read yet) and a cross-site `Origin`. A forged post is refused with `403` at once.
    func publicUploadPrecheck(action: @escaping @Sendable (Request) -> String) -> @Sendable (Request) -> Response? {
        { [self] request in
            guard FormToken.isCrossSite(request) || !formTokens.isValid(request.query["_csrf"], for: action(request)) else { return nil }
            return ErrorPages.invalidForm(self, request)
        }
    }

    /// A public form with a file, in the steps of `publicFormPost`, on a body spooled to disk:
    /// closed → `closed`; the token checked again; the honeypot filled → a thank-you that
    /// stores nothing; the disk known to be full → `503` with the text given back; `check`
    /// (which turns a photo into pictures with `PictureIntake.make`) → the form again, never
    /// cached; too many from one address →
    /// `429`; then `accept`. Every spooled file is removed whatever happened: what `accept`
    /// keeps, it has made its own copy of (re-encoded pictures, never the file as sent).
    func publicUploadPost<Input: Sendable>(
        _ request: Request, action: String, closed: Response? = nil, honeypot: @autoclosure () -> Response,
        check: (PublicUpload) async throws -> PublicFormCheck<Input>, accept: (Input, _ clientHash: String) async throws -> Response
    ) async throws -> Response {
        guard let boundary = Multipart.boundary(contentType: request.headers["content-type"]), let file = request.bodyFile else {
            return .text("Expected multipart/form-data\n", status: .badRequest)
        }
        let parts: [Multipart.Part]
        do {
            parts = try Multipart.parse(file: file, boundary: boundary, directory: config.spoolDirectory)
        } catch let error where StorageHealth.isFull(error) {
            throw error  // the storage-full page (503), not the sender's mistake
        } catch {
            return .text("Malformed multipart body\n", status: .badRequest)
        }
        defer { for spooled in parts.compactMap(\.file) { unlink(spooled) } }
        if let closed { return closed }
        var fields: [String: String] = [:]
        for part in parts { if let value = part.value { fields[part.name] = value } }
        if FormToken.isCrossSite(request) || !formTokens.isValid(request.query["_csrf"] ?? fields["_csrf"], for: action) {
            return ErrorPages.invalidForm(self, request)
        }
        if !(fields[PublicFormFields.honeypot] ?? "").isEmpty { return honeypot() }
        // As for every public form: refused before trying while the disk is known to be full
        // (the reserve is for the rows that mark it, and for staff), with its text given back.
        guard storageHealth.isWritable else { return ErrorPages.storageFull(self, request) }
        return try await finishPublicForm(request, try await check(PublicUpload(fields: fields, parts: parts)), accept: accept)
    }
}
