import Foundation
import HTTP

/// Leaving every list from a bulk mail: `/unsubscribe/{address}/{mailing}/{token}`.
/// `GET` shows one button; `POST` unsubscribes, with no form token and no session,
/// because RFC 8058 mail clients post `List-Unsubscribe=One-Click` to the same address.
/// The link's own MAC is the authority, and it names an address by id, never by itself.
enum UnsubscribeFeature: Feature {
    static func register(in app: Application) {
        app.router.get("/unsubscribe/{address}/{mailing}/{token}", sensitive: true, page(app))
        app.router.post("/unsubscribe/{address}/{mailing}/{token}", sensitive: true, writes: unsubscribe(app))
    }

    static func token(_ app: Application, addressID: Int64, mailingID: Int64) -> String {
        app.serverKey.mac("\(addressID).\(mailingID)", purpose: "mail-unsubscribe").prefix(18).base64URL
    }

    static func url(_ app: Application, addressID: Int64, mailingID: Int64, t: Localizer) -> String {
        app.absoluteURL(t.path("/unsubscribe/\(addressID)/\(mailingID)/\(token(app, addressID: addressID, mailingID: mailingID))"))
    }

    /// The address and mailing a link names, when its MAC is right; else `404`.
    static func link(_ app: Application, _ request: Request) throws -> (address: Int64, mailing: Int64) {
        guard let address = Int64(request.parameter("address")), let mailing = Int64(request.parameter("mailing")), address > 0,
            mailing >= 0,
            constantTimeEqual(
                Data(token(app, addressID: address, mailingID: mailing).utf8), Data(request.parameter("token").utf8))
        else { throw HTTPError.notFound }
        return (address, mailing)
    }

    static func page(_ app: Application) -> Router.SyncHandler {
        { request in
            let (address, _) = try link(app, request)
            let t = app.t(request)
            guard try app.database.read({ try BulkMailStore.isSubscribed($0, addressID: address) }).orNotFound() else {
                return done(app, request)
            }
            var response = app.page(request, title: t("unsubscribe.title")) { c in
                """
                <section class="narrow thanks">
                <h1>\(c.t("unsubscribe.title"))</h1>
                <p class="lede">\(c.t("unsubscribe.body"))</p>
                <form method="post" action="\(c.t.path(request.path))">\(Form.submit(c.t("unsubscribe.submit")))</form>
                </section>
                """
            }
            response.cache(.privateNoStore)
            return response
        }
    }

    static func unsubscribe(_ app: Application) -> Router.AsyncHandler {
        { request in
            let (address, mailing) = try link(app, request)
            _ = try await app.database.write { db in
                try BulkMailStore.unsubscribe(db, addressID: address, mailingID: mailing == 0 ? nil : mailing)
            }
            return done(app, request)
        }
    }

    /// The same answer for a first and a repeated unsubscribe.
    static func done(_ app: Application, _ request: Request) -> Response {
        let t = app.t(request)
        var response = ErrorPages.message(app, request, status: .ok, title: t("unsubscribe.done.title"), body: t("unsubscribe.done.body"))
        response.cache(.privateNoStore)
        return response
    }
}
