import Foundation
import HTTP

/// Leaving every list from a bulk mail: `/unsubscribe/{address}/{mailing}/{token}`.
/// `GET` shows one button; `POST` unsubscribes, with no form token and no session,
/// because RFC 8058 mail clients post `List-Unsubscribe=One-Click` to the same address.
/// The link's own MAC is the authority, and it names an address by id, never by itself.
struct UnsubscribeFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/unsubscribe/{address}/{mailing}/{token}", sensitive: true, page)
        app.router.post("/unsubscribe/{address}/{mailing}/{token}", sensitive: true, writes: unsubscribe)
    }

    func token(addressID: Int64, mailingID: Int64) -> String {
        app.serverKey.mac("\(addressID).\(mailingID)", purpose: "mail-unsubscribe").prefix(18).base64URL
    }

    func url(addressID: Int64, mailingID: Int64, t: Localizer) -> String {
        app.absoluteURL(t.path("/unsubscribe/\(addressID)/\(mailingID)/\(token(addressID: addressID, mailingID: mailingID))"))
    }

    /// The address and mailing a link names, when its MAC is right; else `404`.
    func link(_ request: Request) throws -> (address: Int64, mailing: Int64) {
        guard let address = Int64(request.parameter("address")), let mailing = Int64(request.parameter("mailing")), address > 0,
            mailing >= 0,
            constantTimeEqual(
                Data(token(addressID: address, mailingID: mailing).utf8), Data(request.parameter("token").utf8))
        else { throw HTTPError.notFound }
        return (address, mailing)
    }

    func page(_ request: Request) throws -> Response {
        let (address, _) = try link(request)
        let t = app.t(request)
        guard try app.database.read({ try BulkMailStore.isSubscribed($0, addressID: address) }).orNotFound() else {
            return done(request)
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

    func unsubscribe(_ request: Request) async throws -> Response {
        let (address, mailing) = try link(request)
        _ = try await app.database.write { db in
            try BulkMailStore.unsubscribe(db, addressID: address, mailingID: mailing == 0 ? nil : mailing)
        }
        return done(request)
    }

    /// The same answer for a first and a repeated unsubscribe.
    func done(_ request: Request) -> Response {
        let t = app.t(request)
        var response = ErrorPages.message(app, request, status: .ok, title: t("unsubscribe.done.title"), body: t("unsubscribe.done.body"))
        response.cache(.privateNoStore)
        return response
    }
}
