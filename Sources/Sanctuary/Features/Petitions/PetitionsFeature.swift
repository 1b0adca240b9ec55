import Foundation
import HTTP

/// Petitions for the public: the list, each petition's page and open data, signing, thanks.
enum PetitionsFeature: Feature {
    static let publicCaching = CachePolicy.publicPage(shared: 5)

    static func register(in app: Application) {
        app.router.get("/petitions") { request in
            let petitions = try app.database.read { try PetitionStore.all($0) }
            var response = app.page(request, title: app.t(request)("petitions.title")) { c in
                """
                <h1>\(c.t("petitions.title"))</h1>
                <p class="lede">\(c.t("petitions.intro"))</p>
                \(petitions.isEmpty ? Layout.emptyState(c.t("home.no_petitions")) : "<ul class=\"cards\">\(petitions.map { PetitionViews.card($0, t: c.t) })</ul>")
                """
            }
            response.cache(publicCaching)
            return response
        }

        app.router.get("/petitions/{slug}") { request in
            let petition = try app.database.read({ try PetitionStore.find($0, slug: request.parameter("slug")) }).orNotFound()
            var response = petitionPage(app, request, petition, form: FormState())
            response.cache(publicCaching)
            return response
        }

        app.router.get("/petitions/{slug}.json") { request in
            let found = try app.database.read { db -> (Petition, [(String, Int)])? in
                guard let petition = try PetitionStore.find(db, slug: request.parameter("slug")) else { return nil }
                return (petition, try PetitionStore.countsByProvince(db, petitionID: petition.id))
            }
            guard let (petition, provinces) = found else {
                return .json("{\"error\":\"not found\"}", status: .notFound)
            }
            var response = Response.json(PetitionJSON(petition: petition, provinces: provinces, t: app.t(request)).encoded())
            response.cache(.publicData(seconds: 5))
            response.headers["Access-Control-Allow-Origin"] = "*"
            return response
        }

        app.router.get("/petitions/{slug}/thanks") { request in
            let petition = try app.database.read({ try PetitionStore.find($0, slug: request.parameter("slug")) }).orNotFound()
            var response = app.page(request, title: app.t(request)("thanks.title")) { c in
                """
                <section class="thanks">
                <h1>\(c.t("thanks.title"))</h1>
                <p class="lede">\(c.t("thanks.body", ["title": petition.title.text(c.t)]))</p>
                \(PetitionViews.progress(count: petition.summary.signatureCount, goal: petition.summary.goal, t: c.t))
                <p>\(c.t("thanks.share_ask"))</p>
                </section>
                \(PetitionViews.shareLinks(title: petition.title.text(c.t), url: app.absoluteURL(c.t.path("/petitions/\(petition.slug)"), request), t: c.t))
                <p><a href="\(c.t.path("/petitions/\(petition.slug)"))">\(c.t("thanks.back"))</a></p>
                """
            }
            response.cache(.noStore)
            return response
        }

        app.router.post("/petitions/{slug}/sign", async: { request in try await sign(app, request) })
    }

    static func petitionPage(
        _ app: Application, _ request: Request, _ petition: Petition, form: FormState,
        status: Status = .ok
    ) -> Response {
        let csrf = app.formTokens.make(for: SignatureForm.action(slug: petition.slug))
        let t = app.t(request)
        return app.page(
            request, title: petition.title.text(t), status: status, description: petition.summary.summary.text(t),
            alternate: "/petitions/\(petition.slug)"
        ) { c in
            PetitionViews.page(
                petition, form: form, csrf: csrf, shareURL: app.absoluteURL(c.t.path("/petitions/\(petition.slug)"), request), c: c)
        }
    }

    /// `POST /petitions/{slug}/sign`, through the public-form pipeline (closed → 410, token,
    /// honeypot, 422, 429), then a group-committed write: the visitor hears "thank you" only
    /// once the signature is on disk.
    static func sign(_ app: Application, _ request: Request) async throws -> Response {
        let slug = request.parameter("slug")
        let petition = try app.database.read({ try PetitionStore.find($0, slug: slug) }).orNotFound()
        let t = app.t(request)
        let closed =
            petition.summary.isOpen()
            ? nil : ErrorPages.message(app, request, status: .gone, title: t("petition.closed_heading"), body: t("petition.closed_body"))
        return try await app.publicFormPost(
            request, action: SignatureForm.action(slug: slug), closed: closed, honeypot: .redirect(to: "/petitions/\(slug)/thanks"),
            check: { form in
                PublicFormCheck(SignatureForm.validate(form, t: t)) {
                    petitionPage(app, request, petition, form: $0, status: .unprocessableContent)
                }
            },
            accept: { input, clientHash in
                var signature = input
                signature.clientHash = clientHash
                let (petitionID, stored) = (petition.id, signature)
                switch try await app.database.write({ db in try PetitionStore.sign(db, petitionID: petitionID, stored) }) {
                case .signed:
                    return .redirect(to: "/petitions/\(slug)/thanks")
                case .alreadySigned:
                    var response = app.page(request, title: t("already_signed.title")) { c in
                        """
                        <section class="thanks">
                        <h1>\(c.t("already_signed.title"))</h1>
                        <p class="lede">\(c.t("already_signed.body", ["title": petition.title.text(c.t)]))</p>
                        </section>
                        \(PetitionViews.shareLinks(title: petition.title.text(c.t), url: app.absoluteURL(c.t.path("/petitions/\(slug)"), request), t: c.t))
                        """
                    }
                    response.cache(.noStore)
                    return response
                }
            })
    }
}

/// The open-data view of a petition: counts only, never a signer's details.
struct PetitionJSON: Encodable {
    let petition: Petition
    let provinces: [(String, Int)]
    let t: Localizer

    /// The JSON's field names, as the SPEC writes them.
    enum Keys: String, CodingKey {
        case slug, title, goal, state
        case signatureCount = "signature_count"
        case closesAt = "closes_at"
        case signaturesByProvince = "signatures_by_province"
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        let s = petition.summary
        try container.encode(s.slug, forKey: .slug)
        try container.encode(s.title.text(t), forKey: .title)
        try container.encode(s.signatureCount, forKey: .signatureCount)
        try container.encode(s.goal, forKey: .goal)
        if let closes = s.closesAt { try container.encode(closes, forKey: .closesAt) } else { try container.encodeNil(forKey: .closesAt) }
        try container.encode(s.isOpen() ? ActionState.open.rawValue : ActionState.closed.rawValue, forKey: .state)
        try container.encode(Dictionary(provinces, uniquingKeysWith: +), forKey: .signaturesByProvince)
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
