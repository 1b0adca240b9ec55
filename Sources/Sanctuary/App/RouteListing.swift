import Foundation
import HTTP
import Storage

/// `sanctuary routes`: every route with its method, who may use it and how it is cached,
/// found by asking each route once on a scratch copy of the site (the sample content), not
/// from a list kept by hand. A staff route is stopped at its area check, which records the
/// area (`AdminAuth.probe`); a public `GET` is answered in full on a path taken from the
/// sitemap where one fits, and its `Cache-Control` read; a `POST` without its form token
/// is refused before it does anything.
public enum RouteListing {
    public struct Row: Sendable {
        public let method: String
        public let path: String
        /// "anyone", "anyone with the link", or the roles: "admin, organizer".
        public let access: String
        /// The `Cache-Control` a visitor gets ("no-store" for every staff route).
        public let cache: String
    }

    public static func rows(_ app: Application) async -> [Row] {
        let sitemap = (try? app.database.read { db in try app.features.flatMap { try $0.sitemap(db) } }) ?? []
        var rows: [Row] = []
        for route in app.router.listing {
            let request = Request(
                method: route.method, target: concrete(route.path, from: sitemap), headers: Headers([("Host", "localhost")]),
                remoteAddress: "203.0.113.1")
            let probe = AdminAuth.AreaProbe()
            let response = await AdminAuth.$probe.withValue(probe) { () async -> Response? in
                if route.upload != nil { return app.router.precheck(method: route.method, path: route.path, request) }
                switch app.router.respond(to: request) {
                case .now(let response): return response
                case .later(let work, _): return await work()
                }
            }
            let area = probe.area.withLock { $0 }
            let access: String
            let cache: String
            if let area {
                access = (["admin"] + StaffUser.Role.allCases.filter { area.roles.contains($0) }.map(\.rawValue)).joined(separator: ", ")
                cache = "no-store"
            } else {
                access = route.sensitive ? "anyone with the link" : "anyone"
                cache = route.method == "GET" ? response?.headers["Cache-Control"] ?? "-" : "-"
            }
            rows.append(Row(method: route.method, path: route.path, access: access, cache: cache))
        }
        return rows
    }

    /// The route's pattern with each `{parameter}` filled from a sitemap path that shares the
    /// literal segments before it (`/petitions/{slug}.json` → `/petitions/waive-travel-loans.json`),
    /// else with `1` for an `{id}` (so a staff route finds a row to check its area on) and `x`.
    static func concrete(_ pattern: String, from sitemap: [String]) -> String {
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var filled = parts
        for (index, part) in parts.enumerated() {
            guard let open = part.firstIndex(of: "{"), let close = part.firstIndex(of: "}") else { continue }
            let prefix = String(part[..<open])
            let suffix = String(part[part.index(after: close)...])
            let value =
                sitemap.lazy.compactMap { path -> String? in
                    let segments = path.split(separator: "?").first.map { $0.split(separator: "/", omittingEmptySubsequences: false) } ?? []
                    guard segments.count > index, Array(segments[..<index]).map(String.init) == Array(filled[..<index]) else { return nil }
                    let segment = String(segments[index])
                    guard segment.hasPrefix(prefix), !segment.isEmpty, !segment.contains(".") || suffix.isEmpty else { return nil }
                    return String(segment.dropFirst(prefix.count))
                }.first ?? (part.contains("{id}") ? "1" : "x")
            filled[index] = prefix + value + suffix
        }
        return filled.joined(separator: "/")
    }
}
