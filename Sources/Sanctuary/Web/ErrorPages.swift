import HTTP
import Storage

/// Error pages in the site layout.
enum ErrorPages {
    static func notFound(_ app: Application, _ request: Request) -> Response {
        app.page(request, title: app.t(request)("error.not_found.title"), status: .notFound) { c in
            """
            <section class="error-page">
            <h1>\(c.t("error.not_found.title"))</h1>
            <p>\(c.t("error.not_found.body"))</p>
            <p><a class="button" href="\(c.t.path("/"))">\(c.t("error.home_link"))</a></p>
            </section>
            """
        }
    }

    /// What a failed request answers: `503` with `Retry-After` while the database cannot be
    /// reached for a moment (a failover, a restart, a lock held too long), else `500`.
    static func failed(_ app: Application, _ request: Request, _ error: any Error) -> Response {
        if StorageHealth.isFull(error) {
            app.storageHealth.noteFull(app.database)
            return storageFull(app, request)
        }
        switch error.storageFailure {
        case .connectionLost, .busy, .serializationFailure: return unavailable(app, request)
        default: return serverError(app, request)
        }
    }

    /// `503` with `Retry-After`: the disk is full, nothing was kept; reading goes on. A form
    /// that has no page of its own to show again (a news post, settings, a staff account…)
    /// gets everything that was typed back in a form that sends it again (`keptForm`), so
    /// that a long text written by staff is not lost with the write that failed.
    static func storageFull(_ app: Application, _ request: Request) -> Response {
        let t = app.t(request)
        var response: Response
        if let kept = keptForm(request, t) {
            let title = t("error.full.title")
            response = app.page(request, title: title, status: .serviceUnavailable) { _ in
                "<section class=\"error-page\"><h1>\(title)</h1><p>\(t("error.full.kept"))</p>\(kept)</section>"
            }
        } else {
            response = message(app, request, status: .serviceUnavailable, title: t("error.full.title"), body: t("error.full.body"))
        }
        response.headers["Retry-After"] = "60"
        response.cache(.noStore)
        return response
    }

    /// A form post's fields, shown again to be sent again to the same address: what was typed
    /// in fields to edit (a line, or a box for longer text), what the page carried (its token,
    /// the honeypot, the source, the button pressed) hidden as it came. Passwords are not sent
    /// back. An upload's text is read from what arrived of its body (`Multipart.readable`: all
    /// of it, or what came before the disk filled); its files cannot be given back, so each is
    /// asked for again. Nil when the request is not a form post or nothing was typed.
    static func keptForm(_ request: Request, _ t: Localizer) -> HTML? {
        guard request.method == "POST" else { return nil }
        let contentType = request.headers["content-type"]
        // Each field's name and value; nil: a file.
        let sent: [(name: String, value: String?)]
        let boundary = Multipart.boundary(contentType: contentType)
        if let boundary, let file = request.bodyFile {
            sent = Multipart.readable(file: file, boundary: boundary).map { ($0.name, $0.filename == nil ? $0.value ?? "" : nil) }
        } else if request.bodyFile == nil, (contentType ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded") {
            sent = request.form.map { ($0.name, $0.value) }
        } else {
            return nil
        }
        var fields: [HTML] = []
        var shown = 0
        for (name, value) in sent {
            let lowered = name.lowercased()
            if lowered.contains("password") || lowered.contains("passphrase") { continue }
            // What the page carried rather than what was typed: the token, the honeypot, the
            // source, and `action`, the name every submit button of ours gives its choice.
            let carried =
                name.hasPrefix("_") || name == "action" || name == PublicFormFields.honeypot || name == Referral.field
                || name == FunnelFields.retry
            if let value, carried || value.isEmpty {
                fields.append("<input type=\"hidden\" name=\"\(name)\" value=\"\(value)\">")
                continue
            }
            shown += 1
            let id = "kept-\(shown)"
            if let value, value == "yes" || value == "on" {
                // A ticked box (consent, "keep me informed"): ticked again, still to be unticked.
                fields.append(
                    "<div class=\"field checkbox\"><input id=\"\(id)\" name=\"\(name)\" type=\"checkbox\" value=\"\(value)\" checked><label for=\"\(id)\">\(keptLabel(name, path: request.path, t))</label></div>"
                )
                continue
            }
            let control: HTML
            if let value {
                let lines = value.split(separator: "\n", omittingEmptySubsequences: false).count
                // The newline after a text box's tag is the one HTML drops, so a text that starts with one keeps it.
                control =
                    lines > 1 || value.count > 120
                    ? "<textarea id=\"\(id)\" name=\"\(name)\" rows=\"\(min(20, max(4, lines + value.count / 60 + 1)))\">\n\(value)</textarea>"
                    : "<input id=\"\(id)\" name=\"\(name)\" type=\"text\" value=\"\(value)\">"
            } else {
                control =
                    "<p class=\"hint\" id=\"\(id)-hint\">\(t("error.full.file_again"))</p><input id=\"\(id)\" name=\"\(name)\" type=\"file\" aria-describedby=\"\(id)-hint\">"
            }
            fields.append("<div class=\"field\"><label for=\"\(id)\">\(keptLabel(name, path: request.path, t))</label>\(control)</div>")
        }
        guard shown > 0 else { return nil }
        let action = t.path(request.path) + (request.queryString.isEmpty ? "" : "?" + request.queryString)
        let encoding: HTML = boundary != nil ? " enctype=\"multipart/form-data\"" : .empty
        return """
            <form method="post" action="\(action)"\(encoding) class="kept-form" novalidate>\(fields)\
            <div class="actions"><button type="submit" class="button">\(t("error.full.send_again"))</button></div></form>
            """
    }

    /// A kept field's label: the catalogue's, found by the names forms use (the feature's
    /// `field.` labels, the staff editor's, the sign and registration forms'; `_fr` "in
    /// French"), else the field's name as it was sent.
    static func keptLabel(_ name: String, path: String, _ t: Localizer) -> HTML {
        let french = name.hasSuffix("_fr")
        let base = french ? String(name.dropLast(3)) : name
        let feature = path.split(separator: "/").first { $0 != "admin" }.map(String.init) ?? ""
        let keys = ["\(feature).field.\(base)", "admin.field.\(base)", "sign.\(base)", "rsvp.\(base)"]
        guard let label = keys.lazy.compactMap({ t.text($0) }).first else { return "<code>\(name)</code>" }
        return "\(french ? t("admin.field.in_french", ["label": label]) : label)"
    }

    /// `503` with `Retry-After`: the database could not be reached for a moment.
    static func unavailable(_ app: Application, _ request: Request) -> Response {
        var response = message(
            app, request, status: .serviceUnavailable, title: app.t(request)("error.unavailable.title"),
            body: app.t(request)("error.unavailable.body"))
        response.headers["Retry-After"] = "5"
        response.cache(.noStore)
        return response
    }

    static func serverError(_ app: Application, _ request: Request) -> Response {
        app.page(request, title: app.t(request)("error.server.title"), status: .internalServerError) { c in
            """
            <section class="error-page">
            <h1>\(c.t("error.server.title"))</h1>
            <p>\(c.t("error.server.body"))</p>
            </section>
            """
        }
    }

    /// `403` for a state-changing form whose token is missing, forged, expired or for another form.
    static func invalidForm(_ app: Application, _ request: Request) -> Response {
        message(app, request, status: .forbidden, title: app.t(request)("error.csrf.title"), body: app.t(request)("error.csrf.body"))
    }

    /// The check every anonymous public form makes: a cross-site `Origin`, or a `_csrf`
    /// that is not valid for `action`, gets the `403` page; nil when the form may proceed.
    static func rejectForgedForm(_ app: Application, _ request: Request, _ form: FormFields, action: String) -> Response? {
        guard FormToken.isCrossSite(request) || !app.formTokens.isValid(form["_csrf"], for: action) else { return nil }
        return invalidForm(app, request)
    }

    /// A read that a page needs failed: logged, and the visitor told (`500`), never a page
    /// that silently shows less.
    static func readFailed(_ app: Application, _ request: Request, _ error: any Error) -> Response {
        app.logger.error("\(request.method) \(request.path): a read failed: \(error)")
        return failed(app, request, error)
    }

    /// `429` with `Retry-After`.
    static func rateLimited(_ app: Application, _ request: Request, retryAfter: Int) -> Response {
        var response = message(
            app, request, status: .tooManyRequests, title: app.t(request)("error.rate_limited.title"),
            body: app.t(request)("error.rate_limited.body"))
        response.headers["Retry-After"] = String(retryAfter)
        response.cache(.noStore)
        return response
    }

    /// The page for a thrown `HTTPError` of any other status than 404.
    static func status(_ app: Application, _ request: Request, _ status: Status) -> Response {
        let t = app.t(request)
        return message(app, request, status: status, title: t("error.request.title"), body: t("error.request.body"))
    }

    /// A route answering with a short page from the catalogue ("check your e-mail", "sent"),
    /// never cached.
    static func handler(_ app: Application, title: String, body: String) -> Router.SyncHandler {
        { request in
            let t = app.t(request)
            var response = message(app, request, status: .ok, title: t(title), body: t(body))
            response.cache(.noStore)
            return response
        }
    }

    /// A page for a request the visitor can fix or repeat later (403, 410, 429…).
    static func message(_ app: Application, _ request: Request, status: Status, title: String, body: String) -> Response {
        app.page(request, title: title, status: status) { _ in
            "<section class=\"error-page\"><h1>\(title)</h1><p>\(body)</p></section>"
        }
    }
}
