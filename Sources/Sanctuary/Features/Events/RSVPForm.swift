import HTTP

/// An RSVP as typed, checked.
struct RSVPInput: Sendable {
    let name: String
    let email: String
    let note: String
    let consentUpdates: Bool
    /// Where the visitor came from, as their link said (`Referral`).
    var referral = ""
}

/// The RSVP form's fields, their checks and messages.
enum RSVPForm {
    static let fields = ["name", "email", "note"]
    static let maxNameLength = 100
    /// The note is counted in words (the SPEC's 100), and in characters so a "word" cannot be a megabyte.
    static let maxNoteWords = 100
    static let maxNoteCharacters = 2000

    /// The form's action, which its token is bound to (without the language prefix).
    static func action(slug: String) -> String { "/events/\(slug)/rsvp" }

    static func validate(_ form: FormFields, t: Localizer) -> Result<RSVPInput, FormStateError> {
        var checks = FieldChecks(form, t: t, fields: fields)
        let name = checks.text("name", required: true, max: maxNameLength, missing: "rsvp.error.name")
        let email = checks.email()
        let note = checks.words("note", maxWords: maxNoteWords, maxCharacters: maxNoteCharacters, message: "rsvp.error.note_words")
        let consent = checks.ticked("consent_updates")
        guard checks.isValid, let email else { return .failure(checks.failure) }
        return .success(
            RSVPInput(name: name, email: email, note: note, consentUpdates: consent, referral: Referral.clean(form[Referral.field])))
    }
}
