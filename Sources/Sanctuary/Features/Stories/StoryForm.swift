import HTTP

/// The story form's fields, their checks and messages.
enum StoryForm {
    static let order = [
        "story", "photo", "caption", "photographer", "first_name", "last_name", "naming", "place", "email", "consent_people",
        "consent_publish",
    ]
    static let maxCharacters = 20_000
    static let action = "/stories"

    /// The sentence the teller agrees to, naming where the story will appear.
    static func consentText(site: String, campaign: String?, t: Localizer) -> String {
        t(campaign == nil ? "stories.consent" : "stories.consent_campaign", ["site": site, "campaign": campaign ?? ""])
    }

    /// The fields checked; nil with the messages in `checks` when something is wrong. `photoSent`:
    /// a photo came with the form (its people's agreement is then required); `photoRequired`:
    /// the site runs a photo project.
    static func validate(
        _ checks: inout FieldChecks, maxWords: Int, photoSent: Bool, photoRequired: Bool, campaignID: Int64?, consentText: String
    ) -> StoryInput? {
        let t = checks.t
        let body = checks.words("story", maxWords: maxWords, maxCharacters: maxCharacters, message: "stories.error.too_many_words")
        if body.isEmpty && checks.state.errors["story"] == nil { checks.state.errors["story"] = t("stories.error.story") }
        let caption = checks.text("caption", required: false, max: 300)
        let photographer = checks.text("photographer", required: false, max: 100)
        let naming = StoryNaming(rawValue: checks.form["naming"] ?? "")
        checks.state.values["naming"] = naming?.rawValue ?? ""
        if naming == nil { checks.state.errors["naming"] = t("stories.error.naming") }
        let first = checks.text(
            "first_name", required: naming != nil && naming != .anonymous, max: 100, missing: "stories.error.first_name")
        let last = checks.text("last_name", required: naming == .full || naming == .initial, max: 100, missing: "stories.error.last_name")
        let place = checks.text("place", required: false, max: 100)
        let email = checks.email()
        if photoRequired && !photoSent && checks.state.errors["photo"] == nil { checks.state.errors["photo"] = t("stories.error.photo") }
        let people = checks.ticked("consent_people", requiredMessage: photoSent ? "stories.error.consent_people" : nil)
        _ = checks.ticked("consent_publish", requiredMessage: "stories.error.consent_publish")
        guard checks.isValid, let email, let naming else { return nil }
        return StoryInput(
            body: body, caption: caption, photographer: photographer, firstName: first, lastName: last, naming: naming, place: place,
            email: email, campaignID: campaignID, consentText: consentText, peopleConsent: photoSent && people, language: t.language,
            referral: Referral.clean(checks.form[Referral.field]))
    }
}
