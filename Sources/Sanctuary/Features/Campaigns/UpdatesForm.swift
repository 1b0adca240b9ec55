import HTTP

/// A "stay informed" sign-up as typed, checked.
struct UpdatesInput: Sendable {
    let name: String
    let email: String
    /// Normalised, or "" when not given (it is optional).
    let postalCode: String
}

/// The sign-up form's fields, their checks and messages.
enum UpdatesForm {
    /// The form's action, which its token is bound to (without the language prefix).
    static let action = "/updates"
    static let maxNameLength = 100

    static func validate(_ form: FormFields, t: Localizer) -> Result<UpdatesInput, FormStateError> {
        var checks = FieldChecks(form, t: t, fields: ["name", "email", "postal_code"])
        let name = checks.text("name", required: true, max: maxNameLength, missing: "rsvp.error.name")
        let email = checks.email()
        let postal = checks.postalCode(required: false)
        _ = checks.ticked("consent_updates", requiredMessage: "updates.error.consent")
        guard checks.isValid, let email, let postal else { return .failure(checks.failure) }
        return .success(UpdatesInput(name: name, email: email, postalCode: postal))
    }
}
