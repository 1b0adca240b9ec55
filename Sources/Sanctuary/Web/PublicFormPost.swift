import HTTP

/// What a public form's check found: the input to act on, or the answer to give instead
/// (the form again with a message by each field, or a question such as "which riding?").
enum PublicFormCheck<Input: Sendable>: Sendable {
    case valid(Input)
    case answer(Response)
}

extension PublicFormCheck {
    /// A form's validation: the input, or `invalid` (the form again, with the messages) as the answer.
    init(_ validation: Result<Input, FormStateError>, invalid: (FormState) -> Response) {
        switch validation {
        case .success(let input): self = .valid(input)
        case .failure(let failure): self = .answer(invalid(failure.state))
        }
    }
}

extension Application {
    /// The one way every public form post is handled (signing, RSVPs, letters, sign-ups, and
    /// the confirmations and stories to come), in this order:
    ///
    /// 1. `closed` (a petition past its deadline…) → that answer, usually `410`;
    /// 2. a missing, forged, expired or other form's token, or a cross-site `Origin` → `403`;
    /// 3. the honeypot field filled → `honeypot`, a thank-you that stores nothing;
    /// 4. `check` → the form again (`422`) or another question, never cached;
    /// 5. too many posts from this client address → `429` with `Retry-After` (only posts
    ///    that would be stored count, so a visitor fixing a typo is never told to wait);
    /// 6. `accept`: the write, then its answer (a `303`), with the client's keyed hash.
    func publicFormPost<Input: Sendable>(
        _ request: Request, action: String, closed: Response? = nil, honeypot: @autoclosure () -> Response, funnel: FunnelItem? = nil,
        again: ((FormState, Status) -> Response)? = nil,
        check: (FormFields) throws -> PublicFormCheck<Input>, accept: (Input, _ clientHash: String) async throws -> Response
    ) async throws -> Response {
        if let closed { return closed }
        let form = request.form
        if let forged = ErrorPages.rejectForgedForm(self, request, form, action: action) { return forged }
        if !(form[PublicFormFields.honeypot] ?? "").isEmpty { return honeypot() }
        if let funnel { self.funnel.noteStart(funnel, request) }
        // Nothing can be kept while the disk is full: the form again with everything typed
        // and a plain message (or, for a form without one, the message alone), 503 with
        // Retry-After. Refused before trying once the outage is known, so the little room the
        // reserve gave back stays for the rows that mark it and for staff.
        func full() -> Response {
            guard let again else { return ErrorPages.storageFull(self, request) }
            var values: [String: String] = [:]
            for (name, value) in form where name != "_csrf" && name != PublicFormFields.honeypot { values[name] = value }
            var state = FormState(values: values)
            state.notice = t(request)("error.full.form")
            var response = again(state, .serviceUnavailable)
            response.headers["Retry-After"] = "60"
            response.cache(.noStore)
            return response
        }
        guard storageHealth.isWritable else { return full() }
        do {
            return try await finishPublicForm(request, try check(form), accept: accept)
        } catch let error where StorageHealth.isFull(error) {
            storageHealth.noteFull(database)
            return full()
        }
    }

    /// The last steps every public form shares: the checks' answer (never cached), or the
    /// client's rate (only posts that would be stored count), then the write.
    func finishPublicForm<Input: Sendable>(
        _ request: Request, _ checked: PublicFormCheck<Input>, accept: (Input, _ clientHash: String) async throws -> Response
    ) async throws -> Response {
        switch checked {
        case .answer(var response):
            response.cache(.noStore)
            return response
        case .valid(let input):
            if case .limited(let retryAfter) = actionLimiter.take(request.clientKey) {
                return ErrorPages.rateLimited(self, request, retryAfter: retryAfter)
            }
            return try await accept(input, clientHashes.hash(request.clientKey))
        }
    }
}

enum PublicFormFields {
    /// The field people never see and bots fill in.
    static let honeypot = "website"
}

/// One vocabulary for checking what visitors type, shared by every form: each check cleans
/// the value (trimmed, NFC, no control characters), counts characters and bytes, and
/// records its message beside the field.
struct FieldChecks {
    let form: FormFields
    let t: Localizer
    var state = FormState()

    /// `fields`: the names whose values the form shows again after an error.
    init(_ form: FormFields, t: Localizer, fields: [String]) {
        self.form = form
        self.t = t
        for name in fields { state.values[name] = form[name] ?? "" }
    }

    var isValid: Bool { state.isValid }

    /// Cleaned text, or "" with the message recorded (`missing`: the catalogue key when it is empty).
    mutating func text(_ name: String, required: Bool, max: Int, multiline: Bool = false, missing: String = "form.error.missing") -> String
    {
        switch Input.text(form[name], required: required, maxLength: max, multiline: multiline) {
        case .success(let value): return value
        case .failure(.missing): state.errors[name] = t(missing)
        case .failure(.tooLong(let count)):
            state.errors[name] = t("sign.error.too_long", ["max": t.formatNumber(max), "count": t.formatNumber(count)])
        case .failure(.invalidCharacters): state.errors[name] = t("sign.error.invalid_characters")
        }
        return ""
    }

    /// A case-folded e-mail address, or nil with the message recorded.
    mutating func email(_ name: String = "email") -> String? {
        guard let email = Input.email(form[name]) else {
            state.errors[name] =
                (form[name] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
                ? t("sign.error.email.missing") : t("sign.error.email.invalid")
            return nil
        }
        return email
    }

    /// A normalised postal code (`A1A 1A1`); when not `required`, "" for an empty field.
    mutating func postalCode(_ name: String = "postal_code", required: Bool = true) -> String? {
        let raw = form[name] ?? ""
        // A valid code first: `normalise` drops spaces itself, so only a refusal needs trimming.
        if let code = PostalCode.normalise(raw) { return code }
        let empty = raw.trimmingCharacters(in: .whitespaces).isEmpty
        if empty && !required { return "" }
        state.errors[name] = empty ? t("sign.error.postal_code.missing") : t("sign.error.postal_code.invalid")
        return nil
    }

    /// Whether a box was ticked (`value` "yes"); when `required`, the message if it was not.
    mutating func ticked(_ name: String, requiredMessage: String? = nil) -> Bool {
        let yes = form[name] == "yes"
        state.values[name] = yes ? "yes" : ""
        if !yes, let requiredMessage { state.errors[name] = t(requiredMessage) }
        return yes
    }

    /// Cleaned multi-line text of at most `maxWords` words (and `maxCharacters`).
    mutating func words(_ name: String, maxWords: Int, maxCharacters: Int, message: String) -> String {
        let value = text(name, required: false, max: maxCharacters, multiline: true)
        let count = value.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).count
        if count > maxWords { state.errors[name] = t(message, ["max": String(maxWords), "count": String(count)]) }
        return value
    }

    var failure: FormStateError { FormStateError(state: state) }
}
