import Foundation
import HTTP
import Storage

/// A petition's sign form on a partner group's own site: `/embed/petitions/{slug}` (and its
/// sign and thanks steps) may be framed by any site, the only routes that may; a partner's
/// embed (`?partner={key}`) is credited to it as the source `embed.{key}` and offers its own
/// "keep me informed" box. Staff copy the snippet, manage a campaign's partners and export
/// each partner's opt-ins at `/admin/petitions/{id}/embed`.
struct EmbedsFeature: Feature {
    let app: Application
    let petitions: PetitionsFeature

    init(app: Application) {
        self.app = app
        petitions = PetitionsFeature(app: app)
    }

    /// The policy of the embed routes: the site's own, but any page may frame them.
    static let framedPolicy = SecurityHeadersMiddleware.defaultPolicy.replacingOccurrences(
        of: "frame-ancestors 'none'", with: "frame-ancestors *")

    func register() {
        app.router.get("/embed/petitions/{slug}", page)
        app.router.post("/embed/petitions/{slug}/sign", writes: sign)
        app.router.get("/embed/petitions/{slug}/thanks", thanks)
        app.router.get("/admin/petitions/{id}/embed", admin)
        app.router.post("/admin/petitions/{id}/partners", writes: addPartner)
        app.router.post("/admin/petitions/{id}/partners/{partner}/delete", writes: removePartner)
        StaffExport.route(
            app, "/admin/partners/{id}/opt-ins.csv", subject: "partner", file: "opt-ins.csv",
            slug: { db, id in try PartnerStore.find(db, id: id)?.key },
            stream: { id in try PartnerStore.optInsExport.stream(app.database, id) })
    }

    /// The petition and the partner its link names (nil: none, or not one of its campaign's).
    private func find(_ request: Request) throws -> (Petition, Partner?) {
        let key = Referral.clean(request.query["partner"] ?? request.form["partner"])
        return try app.database.read { db -> (Petition, Partner?)? in
            guard let petition = try PetitionStore.find(db, slug: request.parameter("slug")) else { return nil }
            let partner = try petition.summary.campaignID.flatMap { id in
                key.isEmpty ? nil : try PartnerStore.find(db, campaignID: id, key: key)
            }
            return (petition, partner)
        }.orNotFound()
    }

    private func framed(_ request: Request, title: String, status: Status = .ok, source: String, _ body: (Localizer) -> HTML) -> Response {
        let context = app.context(for: request)
        let html = Referral.$current.withValue(source) {
            FunnelFields.$retrying.withValue(status == .unprocessableContent) { Layout.bare(context, title: title, body: body(context.t)) }
        }
        var response = Response.html(html.rendered, status: status)
        response.headers["Content-Security-Policy"] = Self.framedPolicy
        return response
    }

    /// The source an embed records: its partner's, or `embed` (a partner the campaign does not list is still named).
    private func source(_ request: Request, _ partner: Partner?) -> String {
        if let partner { return partner.source }
        let named = Referral.clean(request.query["partner"] ?? request.form["partner"])
        return named.isEmpty ? "embed" : "embed.\(named)"
    }

    func formPage(_ request: Request, _ petition: Petition, partner: Partner?, state: FormState, status: Status) -> Response {
        let t = app.t(request)
        let url = app.absoluteURL(t.path("/petitions/\(petition.slug)"), request)
        let csrf = app.formTokens.make(for: SignatureForm.action(slug: petition.slug))
        let confirms = app.config.confirmSignatures
        let siteName = app.siteName
        let paused = app.signingGate.pause
        return framed(request, title: petition.title.text(t), status: status, source: source(request, partner)) { t in
            if !petition.summary.isOpen() {
                return EmbedViews.closed(
                    petition, heading: t("petition.closed_heading"), body: t("petition.closed_body"), petitionURL: url, t: t)
            }
            if let paused {
                return EmbedViews.closed(
                    petition, heading: t("signing.paused_heading"), body: paused.isEmpty ? t("signing.paused_body") : paused,
                    petitionURL: url, t: t)
            }
            return EmbedViews.form(
                petition, partner: partner, form: state, csrf: csrf, confirms: confirms, siteName: siteName, petitionURL: url, t: t)
        }
    }

    /// `GET /embed/petitions/{slug}`: the form, framed; a view of the petition's funnel.
    func page(_ request: Request) throws -> Response {
        let (petition, partner) = try find(request)
        var response = formPage(request, petition, partner: partner, state: FormState(), status: .ok)
        response.cache(PetitionsFeature.publicCaching)
        return response
    }

    /// `POST /embed/petitions/{slug}/sign`: signing as on the petition's page, answered in the frame.
    func sign(_ request: Request) async throws -> Response {
        let (petition, partner) = try find(request)
        let query = partner.map { "?partner=\($0.key)" } ?? ""
        return try await petitions.sign(request, petition, thanks: "/embed/petitions/\(petition.slug)/thanks\(query)", partner: partner) {
            state, status in
            var response = formPage(request, petition, partner: partner, state: state, status: status)
            response.cache(.noStore)
            return response
        }
    }

    func thanks(_ request: Request) throws -> Response {
        let (petition, _) = try find(request)
        let t = app.t(request)
        let url = app.absoluteURL(t.path("/petitions/\(petition.slug)"), request)
        let pending = app.config.confirmSignatures
        var response = framed(request, title: t(pending ? "thanks.check_email.title" : "thanks.title"), source: "") { t in
            EmbedViews.thanks(petition, pending: pending, petitionURL: url, t: t)
        }
        response.cache(.noStore)
        return response
    }

    // MARK: Staff

    private func staffPetition(_ request: Request) throws -> PetitionSummary {
        guard let id = Int64(request.parameter("id")), let petition = try app.database.read({ try PetitionStore.summary($0, id: id) })
        else {
            throw HTTPError.notFound
        }
        return petition
    }

    /// `GET /admin/petitions/{id}/embed`: the snippets, the campaign's partners and their opt-ins.
    func admin(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .sources)
        let petition = try staffPetition(request)
        let partners = try app.database.read { db in
            try petition.campaignID.map { id in try PartnerStore.all(db, campaignID: id).map { ($0, try PartnerStore.optInCount(db, $0)) } }
                ?? []
        }
        let t = app.t(request)
        let flash = request.query["done"].flatMap { ["added", "exists", "removed"].contains($0) ? t("embed.done.\($0)") : nil }
        var response = AdminViews.page(
            app, request, session, title: t("embed.admin.title", ["title": petition.title.text(t)]), flash: flash
        ) { c, csrf in
            EmbedAdminViews.page(petition, partners: partners, base: app.baseURL(request), siteName: app.siteName, csrf: csrf, t: c.t)
        }
        response.cache(.noStore)
        return response
    }

    func addPartner(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .sources)
        let petition = try staffPetition(request)
        let t = app.t(request)
        guard let campaignID = petition.campaignID else { throw HTTPError.notFound }
        let form = request.form
        let name = (try? Input.text(form["name"], required: true, maxLength: 120).get()) ?? ""
        let key = Referral.clean(form["key"]?.isEmpty == false ? form["key"] : name)
        let website = (form["website"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !key.isEmpty, key.utf8.count <= 40,
            website.isEmpty || ((website.hasPrefix("https://") || website.hasPrefix("http://")) && website.utf8.count <= 300)
        else {
            throw HTTPError(
                response: ErrorPages.message(
                    app, request, status: .unprocessableContent, title: t("embed.error.title"), body: t("embed.error.partner")))
        }
        let user = session.user
        let added = try await app.database.write { db -> Bool in
            let added = try PartnerStore.add(db, campaignID: campaignID, key: key, name: name, website: website)
            if added { try StaffStore.record(db, user: user, action: "add partner", subject: "campaign \(campaignID)", detail: key) }
            return added
        }
        return .redirect(to: t.path("/admin/petitions/\(petition.id)/embed?done=\(added ? "added" : "exists")"))
    }

    func removePartner(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .sources)
        let petition = try staffPetition(request)
        guard let id = Int64(request.parameter("partner")) else { throw HTTPError.notFound }
        let user = session.user
        try await app.database.write { db in
            if let removed = try PartnerStore.remove(db, id: id) {
                try StaffStore.record(
                    db, user: user, action: "remove partner", subject: "campaign \(removed.campaignID)", detail: removed.key)
            }
        }
        return .redirect(to: app.t(request).path("/admin/petitions/\(petition.id)/embed?done=removed"))
    }
}
