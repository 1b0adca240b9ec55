import Foundation
import HTTP

/// A form that did not pass its checks, with the visitor's values and the messages.
struct FormStateError: Error {
    let state: FormState
}

extension Application {
    /// A staff form's post, in the same steps for every screen:
    /// 1. signed in, allowed into `area`, with the session's `_csrf` (`AdminAuth.requirePost`),
    ///    else the answer that says so;
    /// 2. `validate` → the form again with its messages (`again`, `422`, never cached);
    /// 3. `accept`: the write, audited, and its answer (a `303`).
    func staffFormPost<Input: Sendable>(
        _ request: Request, _ area: StaffUser.Area, validate: (FormFields) throws -> Result<Input, FormStateError>,
        again: (AdminAuth.Session, FormState) throws -> Response, accept: (AdminAuth.Session, Input) async throws -> Response
    ) async throws -> Response {
        let session = try AdminAuth.requirePost(self, request, area)
        switch try validate(request.form) {
        case .failure(let invalid):
            var response = try again(session, invalid.state)
            response.status = .unprocessableContent
            response.cache(.noStore)
            return response
        case .success(let input):
            return try await accept(session, input)
        }
    }
}
