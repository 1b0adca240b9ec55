import Foundation
import HTTP
import Storage

/// `/admin/petitions/{id}/signers` (organizers): the signers who asked to be shown on the
/// petition's page, newest first, each with what the page shows and a button to hide it
/// (or show it again). Every change is in the audit log.
struct PublicSignersFeature: Feature {
    let app: Application
    static let shown = 100

    func register() {
        app.router.get("/admin/petitions/{id}/signers", list)
        app.router.post("/admin/petitions/{id}/signers/{signature}/hide", async: { try await change($0, hidden: true) })
        app.router.post("/admin/petitions/{id}/signers/{signature}/show", async: { try await change($0, hidden: false) })
    }

    func list(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .petitions)
        let id = try Int64(request.parameter("id")).orNotFound()
        let (title, signers) = try app.database.read { db -> (String?, [PublicSigner]) in
            (
                try PetitionStore.title(db, id: id),
                try PetitionStore.publicSigners(db, petitionID: id, limit: Self.shown, hidden: true)
            )
        }
        guard let title else { throw HTTPError.notFound }
        let flash = request.query["changed"] == "1" ? app.t(request)("admin.saved") : nil
        return AdminViews.page(app, request, session, title: app.t(request)("admin.signers.title"), flash: flash) { c, csrf in
            let t = c.t
            let rows: [HTML] = signers.map { s in
                let action = s.hiddenAt == nil ? "hide" : "show"
                return """
                    <tr\(s.hiddenAt == nil ? HTML.empty : HTML(trusted: " class=\"is-hidden\""))><td>\(s.firstName)</td><td>\(s.riding.isEmpty ? s.province : s.riding)</td><td>\(s.comment)</td>
                    <td>\(s.hiddenAt == nil ? t("admin.signers.shown") : t("admin.signers.hidden"))</td>
                    <td><form method="post" action="\(t.path("/admin/petitions/\(id)/signers/\(s.id)/\(action)"))"><input type="hidden" name="_csrf" value="\(csrf)">
                    <button type="submit" class="button secondary">\(t("admin.signers.\(action)"))</button></form></td></tr>
                    """
            }
            return """
                <h1>\(t("admin.signers.title"))</h1>
                <p class="lede">\(t("admin.signers.intro", ["title": title]))</p>
                \(signers.isEmpty ? Layout.emptyState(t("admin.signers.none")) : """
                <div class="table-wrap"><table><thead><tr><th scope="col">\(t("admin.signers.name"))</th><th scope="col">\(t("admin.signers.where"))</th>
                <th scope="col">\(t("admin.signers.comment"))</th><th scope="col">\(t("admin.signers.state"))</th><th scope="col"><span class="visually-hidden">\(t("admin.signers.action"))</span></th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """)
                """
        }
    }

    func change(_ request: Request, hidden: Bool) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .petitions)
        let id = try Int64(request.parameter("id")).orNotFound()
        let signature = try Int64(request.parameter("signature")).orNotFound()
        let user = session.user
        let changed = try await app.database.write { db -> Bool in
            guard try PetitionStore.setHidden(db, petitionID: id, signatureID: signature, hidden: hidden) else { return false }
            try StaffStore.record(db, user: user, action: hidden ? "hide" : "show", subject: "signature \(signature)")
            return true
        }
        guard changed else { throw HTTPError.notFound }
        return .redirect(to: "/admin/petitions/\(id)/signers?changed=1")
    }
}
