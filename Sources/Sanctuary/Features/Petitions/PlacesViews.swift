import Foundation
import Synchronization

/// The map of Canada that petition pages colour by their signatures: one tile per province and
/// territory, placed as `Public/images/canada-provinces.svg` places them (read at start).
struct CanadaMap: Sendable {
    struct Tile: Sendable {
        let province: String
        let x: Int
        let y: Int
    }

    let tiles: [Tile]
    static let provinces = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
    /// The tile map `prepare` read; the codes in a row when the file is missing or unreadable.
    static let shared = Mutex(
        CanadaMap(tiles: provinces.enumerated().map { Tile(province: $1, x: 5 + ($0 % 7) * 70, y: 5 + ($0 / 7) * 70) }))

    /// The tiles of an SVG written as the shipped one is (`data-p` then `translate(x,y)` on each group).
    static func parse(_ svg: String) -> CanadaMap? {
        var tiles: [Tile] = []
        for part in svg.components(separatedBy: "<g data-p=\"").dropFirst() {
            let code = String(part.prefix(2))
            guard provinces.contains(code), let open = part.range(of: "translate("),
                let close = part[open.upperBound...].firstIndex(of: ")")
            else { continue }
            let numbers = part[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard numbers.count == 2, (0...2_000).contains(numbers[0]), (0...2_000).contains(numbers[1]) else { continue }
            tiles.append(Tile(province: code, x: numbers[0], y: numbers[1]))
        }
        return tiles.count == provinces.count ? CanadaMap(tiles: tiles) : nil
    }
}

/// Where a petition's signers are: the map and table of provinces, the ridings with their MP.
enum PlacesViews {
    /// Fill and text colours, lightest to darkest, by share of the largest province.
    static let levels: [(fill: String, ink: String)] = [
        ("#eef2f7", "#1b1f24"), ("#c6d4e6", "#1b1f24"), ("#8fabd0", "#1b1f24"), ("#3f6aa3", "#ffffff"), ("#1d4e89", "#ffffff"),
    ]

    static func level(_ count: Int, peak: Int) -> Int {
        guard count > 0, peak > 0 else { return 0 }
        return min(4, 1 + Int(Double(count) / Double(peak) * 3.999))
    }

    /// The map: each tile coloured by its count, named in the visitor's language; the table
    /// beside it says the same in words.
    static func map(_ provinces: [(String, Int)], t: Localizer) -> HTML {
        let counts = Dictionary(provinces, uniquingKeysWith: +)
        let peak = counts.values.max() ?? 0
        let map = CanadaMap.shared.withLock { $0 }
        var tiles = ""
        for tile in map.tiles {
            // Postal codes starting with X do not say which of the two territories: both tiles show them.
            let shared = tile.province == "NT" || tile.province == "NU" ? counts["NT/NU"] : nil
            let count = (counts[tile.province] ?? 0) + (shared ?? 0)
            let (fill, ink) = levels[level(count, peak: peak)]
            let name = HTML.escape(t(shared != nil ? "province.NT/NU" : "province.\(tile.province)"))
            tiles += """
                <g transform="translate(\(tile.x),\(tile.y))"><title>\(name): \(HTML.escape(t.formatNumber(count)))</title>\
                <rect width="64" height="64" rx="6" fill="\(fill)" stroke="#d5dbe1"/>\
                <text x="32" y="28" text-anchor="middle" font-size="15" font-weight="700" fill="\(ink)">\(tile.province)</text>\
                <text x="32" y="48" text-anchor="middle" font-size="12" fill="\(ink)">\(HTML.escape(compact(count, t: t)))</text></g>
                """
        }
        let width = (map.tiles.map(\.x).max() ?? 430) + 70
        let height = (map.tiles.map(\.y).max() ?? 220) + 70
        let title = HTML.escape(t("places.map_title"))
        return HTML(
            trusted: """
                <svg class="places-map" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="places-map-title" xmlns="http://www.w3.org/2000/svg">\
                <title id="places-map-title">\(title)</title>\(tiles)</svg>
                """)
    }

    /// 1,234 → "1.2k" on a tile (the table has the exact number).
    static func compact(_ count: Int, t: Localizer) -> String {
        switch count {
        case ..<10_000: t.formatNumber(count)
        case ..<1_000_000: t("places.thousands", ["n": t.formatNumber(count / 1_000)])
        default: t("places.millions", ["n": t.formatNumber(count / 1_000_000)])
        }
    }

    /// `caption` and `counted` name what is counted (signatures unless said).
    static func provinceTable(
        _ provinces: [(String, Int)], total: Int, caption: String? = nil, counted: String? = nil, t: Localizer
    ) -> HTML {
        let rows: [HTML] = provinces.filter { $0.0 != "" }.map { code, count in
            "<tr><th scope=\"row\">\(t("province.\(code)"))</th><td class=\"number\">\(t.formatNumber(count))</td><td class=\"number\">\(Charts.rate(count, total))</td></tr>"
        }
        return """
            <div class="table-wrap"><table class="places-provinces"><caption>\(caption ?? t("places.by_province"))</caption>
            <thead><tr><th scope="col">\(t("places.province"))</th><th scope="col">\(counted ?? t("places.signatures"))</th><th scope="col">\(t("places.share"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }

    static func ridingTable(_ ridings: [RidingCount], caption: String? = nil, counted: String? = nil, t: Localizer) -> HTML {
        guard !ridings.isEmpty else { return .empty }
        let rows: [HTML] = ridings.map { r in
            "<tr><th scope=\"row\">\(r.name(t))</th><td>\(r.province.isEmpty ? "" : t("province.\(r.province)"))</td><td>\(r.member)\(r.party.isEmpty ? "" : " (\(r.party))")</td><td class=\"number\">\(t.formatNumber(r.count))</td></tr>"
        }
        return """
            <div class="table-wrap"><table class="places-ridings"><caption>\(caption ?? t("places.top_ridings"))</caption>
            <thead><tr><th scope="col">\(t("places.riding"))</th><th scope="col">\(t("places.province"))</th><th scope="col">\(t("places.member"))</th><th scope="col">\(counted ?? t("places.signatures"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
    }

    /// The public section of a petition page: the map beside its table, the leading ridings,
    /// and where to read every riding (a page and CSV).
    static func section(slug: String, total: Int, provinces: [(String, Int)], ridings: [RidingCount], t: Localizer) -> HTML {
        guard total > 0 else { return .empty }
        return """
            <section class="places" aria-labelledby="places-heading">
            <h2 id="places-heading">\(t("places.title"))</h2>
            <div class="places-grid">\(map(provinces, t: t))\(provinceTable(provinces, total: total, t: t))</div>
            \(ridingTable(ridings, t: t))
            <p><a href="\(t.path("/petitions/\(slug)/ridings"))">\(t("places.all_ridings"))</a> · <a href="\(t.path("/petitions/\(slug)/ridings.csv"))">\(t("places.ridings_csv"))</a> · <a href="\(t.path("/petitions/\(slug)/provinces.csv"))">\(t("places.provinces_csv"))</a></p>
            </section>
            """
    }
}
