import HTTP

/// The sign form's fields, their checks and messages.
enum SignatureForm {
    /// The form's action, which its token is bound to (without the language prefix).
    static func action(slug: String) -> String { "/petitions/\(slug)/sign" }
    static let order = ["first_name", "last_name", "email", "postal_code", "comment"]
    static let maxNameLength = 100
    static let maxCommentLength = 1000

    /// Cleans and checks a posted form: the signature, or the form state with errors (the
    /// checks and messages every public form shares, `FieldChecks`).
    static func validate(_ form: FormFields, t: Localizer) -> Result<SignatureInput, FormStateError> {
        var check = FieldChecks(form, t: t, fields: order)
        let first = check.text("first_name", required: true, max: maxNameLength, missing: "sign.error.first_name.missing")
        let last = check.text("last_name", required: true, max: maxNameLength, missing: "sign.error.last_name.missing")
        let comment = check.text("comment", required: false, max: maxCommentLength, multiline: true)
        let email = check.email()
        let postal = check.postalCode()
        let consent = check.ticked("consent_updates")
        let notify = check.ticked("notify_outcome")
        let show = check.ticked("show_publicly")
        guard check.isValid, let email, let postal else { return .failure(check.failure) }
        return .success(
            SignatureInput(
                firstName: first, lastName: last, email: email, postalCode: postal, comment: comment, consentUpdates: consent,
                notifyOutcome: notify, clientHash: "", showPublicly: show, referral: Referral.clean(form[Referral.field]),
                partnerConsent: check.ticked("partner_consent") ? Referral.clean(form["partner"]) : ""))
    }

    /// `confirms`: signatures are confirmed by a mailed link (the e-mail hint says so).
    static func fields(t: Localizer, confirms: Bool) -> [Form.Field] {
        [
            Form.Field(
                name: "first_name", label: t("sign.first_name"), required: true, autocomplete: "given-name", maxLength: maxNameLength),
            Form.Field(
                name: "last_name", label: t("sign.last_name"), required: true, autocomplete: "family-name", maxLength: maxNameLength),
            Form.Field(
                name: "email", label: t("sign.email"), type: "email", required: true, autocomplete: "email",
                hint: t(confirms ? "sign.email.hint" : "sign.email.hint_unconfirmed")),
            Form.Field(
                name: "postal_code", label: t("sign.postal_code"), required: true, autocomplete: "postal-code",
                hint: t("sign.postal_code.hint"), maxLength: 7),
            Form.Field(
                name: "comment", label: t("sign.comment"), type: "textarea", hint: t("sign.comment.hint"),
                maxLength: maxCommentLength),
        ]
    }
}
