import Foundation
import HTTP

/// The site's languages: English at `/…`, French at `/fr/…`, one catalogue each.
public struct Languages: Sendable {
    public let english: Localizer
    public let french: Localizer
    public var all: [Localizer] { [english, french] }

    /// The cookie that records a visitor's explicit choice (set only by the language switch).
    public static let cookie = "sanctuary_lang"

    /// `timeZone`: the site's, in which both show times and days.
    public init(directory: URL, timeZone: String = "America/Toronto") throws {
        english = try Localizer.load(language: "en", directory: directory, timeZone: timeZone)
        french = try Localizer.load(language: "fr", directory: directory, pathPrefix: "/fr", timeZone: timeZone)
    }

    public func localizer(_ code: String) -> Localizer? { all.first { $0.language == code } }

    /// The catalogue for a request, as the language middleware marked it.
    public func localizer(for request: Request) -> Localizer {
        request.attributes[LanguageKey.self].flatMap(localizer) ?? english
    }

    /// The language an `Accept-Language` header prefers among ours (RFC 9110 §12.5.4:
    /// highest `q` wins, the first listed on a tie; `fr-CA` counts as `fr`); nil when it
    /// names none of them.
    public func preferred(_ acceptLanguage: String?) -> Localizer? {
        guard let header = acceptLanguage else { return nil }
        var best: (localizer: Localizer, q: Double)?
        for (range, q) in Headers.qualityList(header) where q > 0 {
            guard let localizer = localizer(String(range.split(separator: "-").first ?? "")) else { continue }
            if q > best?.q ?? 0 { best = (localizer, q) }
        }
        return best?.localizer
    }
}

/// The language a request's page is in (its catalogue's code).
public enum LanguageKey: AttributeKey {
    public typealias Value = String
}

/// Serves every route in French under `/fr/`: strips the prefix so the same routes answer,
/// marks the request French, and keeps the visitor's local redirects in French. On `/`,
/// a first visit whose browser prefers French is sent to `/fr/` (never once they chose).
struct LanguageMiddleware: Middleware {
    let languages: Languages

    func routedPath(_ path: String) -> String {
        Self.strip(path, prefix: languages.french.pathPrefix) ?? path
    }

    static func strip(_ path: String, prefix: String) -> String? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        if rest.isEmpty { return "/" }
        return rest.hasPrefix("/") ? String(rest) : nil
    }

    func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome {
        let french = languages.french
        if let stripped = Self.strip(request.path, prefix: french.pathPrefix) {
            if request.path == french.pathPrefix {
                return .now(
                    .redirect(
                        to: french.pathPrefix + "/" + (request.queryString.isEmpty ? "" : "?" + request.queryString),
                        status: .movedPermanently))
            }
            var inner = request
            inner.path = stripped
            inner.target = stripped + (request.queryString.isEmpty ? "" : "?" + request.queryString)
            inner.attributes[LanguageKey.self] = french.language
            // The language switch names its destination's language itself.
            if stripped.hasPrefix("/language/") { return next(inner) }
            return next(inner).map { response in
                guard (300..<400).contains(response.status.code), let location = response.headers["Location"],
                    location.hasPrefix("/"), !location.hasPrefix("//"), Self.strip(location, prefix: french.pathPrefix) == nil
                else { return response }
                var response = response
                response.headers["Location"] = french.path(location)
                return response
            }
        }
        guard request.path == "/", request.method == "GET" || request.method == "HEAD" else { return next(request) }
        // The home page depends on who asks: tell caches so.
        let chosen = request.cookies[Languages.cookie]
        if chosen == nil, let preferred = languages.preferred(request.headers["accept-language"]),
            preferred.language != languages.english.language
        {
            var response = Response.redirect(to: preferred.path("/"), status: .found)
            response.headers["Vary"] = "Accept-Language, Cookie"
            response.cache(.privateRevalidate)
            return .now(response)
        }
        return next(request).map { response in
            var response = response
            response.headers["Vary"] = [response.headers["Vary"], "Accept-Language, Cookie"].compactMap { $0 }.joined(separator: ", ")
            return response
        }
    }
}
