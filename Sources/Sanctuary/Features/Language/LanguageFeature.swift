import HTTP

/// `GET /language/{code}?next=/path`: the language switch. Records the choice in a cookie
/// (so `/` stops guessing from `Accept-Language`) and goes to the same content in that
/// language. `next` must be a local path, so the switch cannot send anyone elsewhere.
enum LanguageFeature: Feature {
    static func register(in app: Application) {
        app.router.get("/language/{code}") { request in
            guard let language = app.languages.localizer(request.parameter("code")) else { return ErrorPages.notFound(app, request) }
            var next = request.query["next"] ?? "/"
            if !next.hasPrefix("/") || next.hasPrefix("//") || next.contains("\\") || next.contains(where: { $0.isNewline }) { next = "/" }
            var response = Response.redirect(to: language.path(next))
            var cookie = "\(Languages.cookie)=\(language.language); Path=/; Max-Age=31536000; SameSite=Lax"
            if app.config.secureCookies { cookie += "; Secure" }
            response.headers.add("Set-Cookie", cookie)
            response.headers["Cache-Control"] = "no-store"
            return response
        }
    }
}
