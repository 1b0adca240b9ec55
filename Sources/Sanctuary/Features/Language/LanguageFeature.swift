import HTTP

/// `GET /language/{code}?next=/path`: the language switch. Records the choice in a cookie
/// (so `/` stops guessing from `Accept-Language`) and goes to the same content in that
/// language. `next` must be a local path, so the switch cannot send anyone elsewhere.
struct LanguageFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/language/{code}", choose)
    }

    func choose(_ request: Request) throws -> Response {
        guard let language = app.languages.localizer(request.parameter("code")) else { throw HTTPError.notFound }
        let next = request.query["next"].flatMap(Self.localPath) ?? "/"
        var response = Response.redirect(to: language.path(next))
        var cookie = "\(Languages.cookie)=\(language.language); Path=/; Max-Age=31536000; SameSite=Lax"
        if app.secureCookies(request) { cookie += "; Secure" }
        response.headers.add("Set-Cookie", cookie)
        response.cache(.noStore)
        return response
    }

    /// `next` when every browser reads it as a path on this site: it starts with one `/`,
    /// and holds no whitespace or control character (browsers strip tabs and newlines, so
    /// `/<TAB>/evil.example` would become `//evil.example`), no backslash (read as `/`).
    static func localPath(_ next: String) -> String? {
        guard next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return nil }
        for scalar in next.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F || scalar.properties.isWhitespace
                || scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
            {
                return nil
            }
        }
        return next
    }
}
