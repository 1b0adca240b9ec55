/// What a handler throws to answer with an error instead of going on:
///
///     guard let petition = … else { throw HTTPError.notFound }
///     let session = try AdminAuth.require(app, request, .petitions)   // throws the login redirect or a 403
///
/// The router turns it into the response: the one it carries, or the application's error
/// page for its status (`Router.errorPage`), in the visitor's language, with the usual
/// headers. Anything else a handler throws is a `500`.
public struct HTTPError: Error, Sendable {
    public let status: Status
    /// The whole answer, when the handler made it (a redirect, a page with a message).
    public let response: Response?

    public init(_ status: Status) {
        self.status = status
        response = nil
    }

    public init(response: Response) {
        status = response.status
        self.response = response
    }

    public static let notFound = HTTPError(.notFound)
}

extension Optional {
    /// The value, or a `404`: `let post = try app.database.read { … }.orNotFound()`.
    public func orNotFound() throws(HTTPError) -> Wrapped {
        guard let self else { throw HTTPError.notFound }
        return self
    }
}
