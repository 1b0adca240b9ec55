import HTTP
import Storage

/// What a mailed link that acts (confirm, cancel, join, reset) says when it can act no more,
/// as catalogue keys: used (`200`: it did its work) or expired (`410`).
struct MailLinkTexts: Sendable {
    let usedTitle: String
    let usedBody: String
    let expiredBody: String
}

extension Application {
    /// The one way a mailed link answers, for its page (`GET`) and its button (`POST`):
    /// unknown → `404`; used → `200` saying so; expired → `410`; valid → `valid()`.
    /// `vars` fill the texts' placeholders (`{title}`).
    func mailLink(
        _ request: Request, _ status: MailToken.Status?, _ texts: MailLinkTexts, vars: [String: String] = [:],
        valid: () throws -> Response
    ) throws -> Response {
        try mailLinkRefusal(request, status, texts, vars: vars) ?? valid()
    }

    /// The answer for a link that cannot act (see `mailLink`); nil when it is valid.
    func mailLinkRefusal(
        _ request: Request, _ status: MailToken.Status?, _ texts: MailLinkTexts, vars: [String: String] = [:]
    ) throws -> Response? {
        let t = t(request)
        switch status {
        case nil: throw HTTPError.notFound
        case .used: return ErrorPages.message(self, request, status: .ok, title: t(texts.usedTitle), body: t(texts.usedBody, vars))
        case .expired:
            return ErrorPages.message(self, request, status: .gone, title: t("confirm.expired.title"), body: t(texts.expiredBody, vars))
        case .valid: return nil
        }
    }

    /// The button of a mailed link (`POST`): the form token is checked, then the link's token
    /// is used and `act` runs in the same transaction, only if the token was valid (`act`
    /// answers false when what it acts on is gone: then the link counts as used). Answers as
    /// `mailLink` does, with `done` for a link that acted.
    func mailLinkPost(
        _ request: Request, action: String, purpose: MailTokenPurpose, _ texts: MailLinkTexts, vars: [String: String] = [:],
        act: @escaping @Sendable (Connection, MailToken) throws -> Bool, done: () -> Response
    ) async throws -> Response {
        if let forged = ErrorPages.rejectForgedForm(self, request, request.form, action: action) { return forged }
        let token = request.parameter("token")
        let status = try await database.write(gathered: true) { db -> MailToken.Status? in
            guard let found = try MailTokenStore.use(db, token: token, purpose: purpose) else { return nil }
            guard found.status == .valid else { return found.status }
            return try act(db, found) ? .valid : .used
        }
        mailer.wake()
        return try mailLink(request, status, texts, vars: vars, valid: done)
    }

    /// `GET` of a mailed link whose page only says what its button does: the token of
    /// `purpose` in the address looked up, a used or expired one answered as `mailLink` does,
    /// else a lede (`body`, a catalogue key) and the button (`button`) posting to `action`.
    func mailLinkAsk(
        _ request: Request, purpose: MailTokenPurpose, _ texts: MailLinkTexts, title: String, body: String, button: String,
        action: String
    ) throws -> Response {
        let token = try database.read { try MailTokenStore.find($0, token: request.parameter("token"), purpose: purpose) }
        let t = t(request)
        return try mailLink(request, token?.status, texts) {
            mailLinkPage(request, title: t(title), body: "<p class=\"lede\">\(t(body))</p>", button: t(button), action: action)
        }
    }

    /// The page a mailed link opens: a sentence and one button that posts back to the same
    /// address with a form token made for `action`. Never cached.
    func mailLinkPage(_ request: Request, title: String, body: HTML, button: String, action: String) -> Response {
        let csrf = formTokens.make(for: action)
        var response = page(request, title: title) { c in
            """
            <section class="narrow thanks">
            <h1>\(title)</h1>
            \(body)
            <form method="post" action="\(c.t.path(request.path))"><input type="hidden" name="_csrf" value="\(csrf)">
            \(Form.submit(button))
            </form>
            </section>
            """
        }
        response.cache(.privateNoStore)
        return response
    }
}
