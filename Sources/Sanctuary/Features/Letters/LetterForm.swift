import HTTP

/// A letter's sender as typed, checked (the riding comes after, from the postal code).
struct LetterInput: Sendable {
    let name: String
    let email: String
    let street: String
    let city: String
    let postalCode: String
    /// The sender's own words, added to the letter (at most `LetterForm.maxPersonal` characters).
    let personal: String
    /// Ticked "send me updates about this campaign".
    let wantsUpdates: Bool
    /// Where the visitor came from, as their link said (`Referral`).
    var referral = ""
}

/// The letter form's fields, their checks and messages.
enum LetterForm {
    static let order = ["name", "email", "street_address", "city", "postal_code", "riding", "personal", "consent_updates"]
    static let maxPersonal = 1000

    /// The form's action, which its token is bound to (without the language prefix).
    static func action(slug: String) -> String { "/letters/\(slug)" }

    /// The checks of the fields alone; `checks` keeps the state for the riding step that follows.
    static func validate(_ checks: inout FieldChecks) -> LetterInput? {
        let name = checks.text("name", required: true, max: 100, missing: "rsvp.error.name")
        let street = checks.text("street_address", required: true, max: 200, missing: "letters.error.street")
        let city = checks.text("city", required: true, max: 100, missing: "letters.error.city")
        let email = checks.email()
        let postal = checks.postalCode()
        let personal = checks.text("personal", required: false, max: maxPersonal, multiline: true)
        let wantsUpdates = checks.ticked("consent_updates")
        guard let email, let postal else { return nil }
        return LetterInput(
            name: name, email: email, street: street, city: city, postalCode: postal, personal: personal, wantsUpdates: wantsUpdates,
            referral: Referral.clean(checks.form[Referral.field]))
    }
}
