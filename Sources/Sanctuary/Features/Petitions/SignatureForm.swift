import HTTP

/// The sign form's fields, their checks and messages.
enum SignatureForm {
    /// The form's action, which its token is bound to (without the language prefix).
    static func action(slug: String) -> String { "/petitions/\(slug)/sign" }
    static let order = ["first_name", "last_name", "email", "postal_code", "comment"]
    static let maxNameLength = 100
    static let maxCommentLength = 1000

    /// Cleans and checks a posted form: the signature, or the form state with errors.
    static func validate(_ form: FormFields, t: Localizer) -> Result<SignatureInput, FormStateError> {
        var state = FormState(values: [:], errors: [:])
        for name in order { state.values[name] = form[name] ?? "" }
        state.values["consent_updates"] = form["consent_updates"] == "yes" ? "yes" : ""
        state.values["notify_outcome"] = form["notify_outcome"] == "yes" ? "yes" : ""

        func text(_ name: String, required: Bool, max: Int, multiline: Bool = false) -> String {
            switch Input.text(form[name], required: required, maxLength: max, multiline: multiline) {
            case .success(let value): return value
            case .failure(.missing): state.errors[name] = t("sign.error.\(name).missing")
            case .failure(.tooLong(let count)):
                state.errors[name] = t("sign.error.too_long", ["max": t.formatNumber(max), "count": t.formatNumber(count)])
            case .failure(.invalidCharacters): state.errors[name] = t("sign.error.invalid_characters")
            }
            return ""
        }
        let first = text("first_name", required: true, max: maxNameLength)
        let last = text("last_name", required: true, max: maxNameLength)
        let comment = text("comment", required: false, max: maxCommentLength, multiline: true)
        let email = Input.email(form["email"])
        if email == nil {
            state.errors["email"] =
                (form["email"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
                ? t("sign.error.email.missing") : t("sign.error.email.invalid")
        }
        let postal = PostalCode.normalise(form["postal_code"])
        if postal == nil {
            state.errors["postal_code"] =
                (form["postal_code"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty
                ? t("sign.error.postal_code.missing") : t("sign.error.postal_code.invalid")
        }
        guard state.isValid, let email, let postal else { return .failure(FormStateError(state: state)) }
        return .success(
            SignatureInput(
                firstName: first, lastName: last, email: email, postalCode: postal, comment: comment,
                consentUpdates: form["consent_updates"] == "yes", notifyOutcome: form["notify_outcome"] == "yes", clientHash: ""))
    }

    static func fields(t: Localizer) -> [Form.Field] {
        [
            Form.Field(
                name: "first_name", label: t("sign.first_name"), required: true, autocomplete: "given-name", maxLength: maxNameLength),
            Form.Field(
                name: "last_name", label: t("sign.last_name"), required: true, autocomplete: "family-name", maxLength: maxNameLength),
            Form.Field(
                name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email",
                hint: t("sign.email.hint")),
            Form.Field(
                name: "postal_code", label: t("sign.postal_code"), required: true, autocomplete: "postal-code",
                hint: t("sign.postal_code.hint"), maxLength: 7),
            Form.Field(
                name: "comment", label: t("sign.comment"), type: "textarea", hint: t("sign.comment.hint"),
                maxLength: maxCommentLength),
        ]
    }
}

/// A form that did not pass its checks, with the visitor's values and the messages.
struct FormStateError: Error {
    let state: FormState
}
