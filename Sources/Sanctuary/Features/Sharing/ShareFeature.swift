import Foundation
import HTTP

/// `GET /share/mastodon?text=…`: Mastodon lives on many servers, so its share link cannot go
/// straight to one. This page asks for the visitor's server, then sends them to its share
/// screen with the message ready (`https://{server}/share?text=…`); nothing is stored.
struct ShareFeature: Feature {
    let app: Application
    static let maxTextLength = 1_000

    func register() {
        app.router.get("/share/mastodon", mastodon)
    }

    func mastodon(_ request: Request) throws -> Response {
        let t = app.t(request)
        let text = String((request.query["text"] ?? "").prefix(Self.maxTextLength))
        var error: String?
        if let typed = request.query["instance"] {
            if let server = Self.server(typed) {
                var response = Response.redirect(to: "https://\(server)/share?text=\(PercentEncoding.encode(text))")
                response.cache(.noStore)
                return response
            }
            error = t("share.mastodon.error")
        }
        let typed = request.query["instance"] ?? ""
        var response = app.page(request, title: t("share.mastodon.title"), status: error == nil ? .ok : .unprocessableContent) { c in
            """
            <section class="narrow">
            <h1>\(c.t("share.mastodon.title"))</h1>
            <p class="lede">\(c.t("share.mastodon.intro"))</p>
            <form method="get" action="\(c.t.path("/share/mastodon"))" novalidate>
            <div class="field\(error == nil ? HTML.empty : HTML(trusted: " has-error"))">
            <label for="f-instance">\(c.t("share.mastodon.instance"))</label>
            <p class="hint" id="f-instance-hint">\(c.t("share.mastodon.instance_hint"))</p>
            \(error.map { "<p class=\"error\" id=\"f-instance-error\">\($0)</p>" as HTML } ?? .empty)
            <input id="f-instance" name="instance" type="text" inputmode="url" autocomplete="off" required value="\(typed)" aria-describedby="f-instance-hint\(error == nil ? HTML.empty : HTML(trusted: " f-instance-error"))"\(error == nil ? HTML.empty : HTML(trusted: " aria-invalid=\"true\""))>
            </div>
            <input type="hidden" name="text" value="\(text)">
            <p class="meta">\(c.t("share.mastodon.message"))</p>
            <blockquote class="share-preview">\(text)</blockquote>
            <button type="submit" class="button">\(c.t("share.mastodon.submit"))</button>
            </form>
            </section>
            """
        }
        // The form's answer sends the browser to the visitor's server: allowed for this form only.
        response.headers["Content-Security-Policy"] = SecurityHeadersMiddleware.defaultPolicy.replacingOccurrences(
            of: "form-action 'self'", with: "form-action 'self' https:")
        response.cache(.noStore)
        return response
    }

    /// A server's host name from what a visitor typed (`mastodon.social`,
    /// `https://mastodon.social/`, `@me@mastodon.social`), or nil when it is not one.
    static func server(_ typed: String) -> String? {
        var text = typed.trimmingCharacters(in: .whitespaces).lowercased()
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) { text.removeFirst(scheme.count) }
        if let at = text.lastIndex(of: "@") { text = String(text[text.index(after: at)...]) }
        while text.hasSuffix("/") { text.removeLast() }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (4...253).contains(text.utf8.count), labels.count >= 2,
            labels.allSatisfy({ label in
                (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            })
        else { return nil }
        return text
    }
}
