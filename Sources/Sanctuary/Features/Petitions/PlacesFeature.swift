import Foundation
import HTTP
import Storage

/// Where a petition's signers are, as open data (counts only, from the kept counters):
/// `/petitions/{slug}/ridings` (every riding with its MP), and the same as CSV, by riding and
/// by province. The petition page shows the map and the leading ridings (`PlacesViews.section`).
struct PlacesFeature: Feature {
    let app: Application

    func prepare() throws {
        let file = app.config.publicDirectory.appendingPathComponent("images/canada-provinces.svg")
        if let svg = try? String(contentsOf: file, encoding: .utf8), let map = CanadaMap.parse(svg) {
            CanadaMap.shared.withLock { $0 = map }
        } else {
            app.logger.warning("\(file.path) is missing or not a tile map; petition maps show the provinces in a row")
        }
    }

    func register() {
        app.router.get("/petitions/{slug}/ridings", ridings)
        app.router.get("/petitions/{slug}/ridings.csv", ridingsCSV)
        app.router.get("/petitions/{slug}/provinces.csv", provincesCSV)
    }

    private func read<T>(_ request: Request, _ body: (Connection, Petition) throws -> T) throws -> (Petition, T) {
        try app.database.read { db -> (Petition, T)? in
            guard let petition = try PetitionStore.find(db, slug: request.parameter("slug")) else { return nil }
            return (petition, try body(db, petition))
        }.orNotFound()
    }

    func ridings(_ request: Request) throws -> Response {
        let (petition, (ridings, unplaced)) = try read(request) { db, petition in
            (try InsightStore.ridings(db, petitionID: petition.id), try InsightStore.unplaced(db, petitionID: petition.id))
        }
        let t = app.t(request)
        var response = app.page(request, title: t("places.ridings_title", ["title": petition.title.text(t)])) { c in
            """
            <article class="places-page">
            <p><a href="\(c.t.path("/petitions/\(petition.slug)"))">\(petition.title.text(c.t))</a></p>
            <h1>\(c.t("places.ridings_title", ["title": petition.title.text(c.t)]))</h1>
            \(ridings.isEmpty ? Layout.emptyState(c.t("places.no_ridings")) : PlacesViews.ridingTable(ridings, caption: c.t("places.every_riding"), t: c.t))
            \(unplaced > 0 ? "<p class=\"hint\">\(c.t.plural("places.unplaced", unplaced))</p>" as HTML : .empty)
            <p><a href="\(c.t.path("/petitions/\(petition.slug)/ridings.csv"))">\(c.t("places.ridings_csv"))</a></p>
            </article>
            """
        }
        response.cache(PetitionsFeature.publicCaching)
        return response
    }

    func ridingsCSV(_ request: Request) throws -> Response {
        let (petition, ridings) = try read(request) { db, petition in try InsightStore.ridings(db, petitionID: petition.id) }
        return Self.ridingsCSV(ridings, counted: "signatures", name: "\(petition.slug)-ridings.csv")
    }

    /// Counts per riding with each riding's member, as open data (`counted`: the last column's name).
    static func ridingsCSV(_ ridings: [RidingCount], counted: String, name: String) -> Response {
        var body = CSV.byteOrderMark
        CSV.appendRow(["riding_code", "riding", "riding_fr", "province", "mp", "party", counted], to: &body)
        for r in ridings { CSV.appendRow([r.code, r.riding, r.nameFR, r.province, r.member, r.party, String(r.count)], to: &body) }
        return openData(body, name: name)
    }

    func provincesCSV(_ request: Request) throws -> Response {
        let (petition, provinces) = try read(request) { db, petition in try PetitionStore.countsByProvince(db, petitionID: petition.id) }
        var body = CSV.byteOrderMark
        CSV.appendRow(["province", "signatures"], to: &body)
        for (province, count) in provinces { CSV.appendRow([province, String(count)], to: &body) }
        return Self.openData(body, name: "\(petition.slug)-provinces.csv")
    }

    /// Counts as open data: a CSV any site may fetch, cached a minute.
    static func openData(_ body: [UInt8], name: String) -> Response {
        var response = Response(contentType: "text/csv; charset=utf-8", body: body)
        response.headers["Content-Disposition"] = "attachment; filename=\"\(name)\""
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.cache(.publicData(seconds: 60))
        return response
    }
}
