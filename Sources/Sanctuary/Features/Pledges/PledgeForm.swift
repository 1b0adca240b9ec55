import HTTP

/// The pledge form: the kind of pledger (among those the pledge takes), the name the list
/// shows, who pledges, the address to confirm by, the postal code (for the map) and the place.
enum PledgeForm {
    static let order = ["kind", "name", "contact_name", "show", "email", "postal_code", "place", "agree"]

    /// How a person is shown on the list.
    enum Show: String, CaseIterable { case full, first, none }

    static func action(slug: String) -> String { "/pledges/\(slug)" }

    /// The input, or nil with the messages in `checks`.
    static func validate(_ checks: inout FieldChecks, pledge: Pledge) -> PledgerInput? {
        let t = checks.t
        let kinds = pledge.kinds
        let kind = kinds.count == 1 ? kinds[0] : PledgerKind(rawValue: checks.form["kind"] ?? "").flatMap { kinds.contains($0) ? $0 : nil }
        checks.state.values["kind"] = kind?.rawValue ?? ""
        if kind == nil { checks.state.errors["kind"] = t("pledges.error.kind") }
        let person = kind == .person
        let name = checks.text("name", required: kind != nil && !person, max: 200, missing: "pledges.error.name")
        let contact = checks.text("contact_name", required: true, max: 200, missing: "pledges.error.contact_name")
        var show = Show.full
        if person {
            if let chosen = Show(rawValue: checks.form["show"] ?? "") {
                show = chosen
            } else {
                checks.state.errors["show"] = t("pledges.error.show")
            }
        }
        let email = checks.email()
        let postal = checks.postalCode()
        let place = checks.text("place", required: false, max: 100)
        _ = checks.ticked("agree", requiredMessage: "pledges.error.agree")
        guard checks.isValid, let kind, let email, let postal else { return nil }
        let shown: String
        switch (kind, show) {
        case (.person, .full): shown = contact
        case (.person, .first): shown = String(contact.split(separator: " ").first ?? "")
        case (.person, .none): shown = ""
        default: shown = name
        }
        return PledgerInput(
            kind: kind, name: shown, contactName: contact, email: email, postalCode: postal, province: PostalCode.province(postal),
            place: place, language: t.language, referral: Referral.clean(checks.form[Referral.field]))
    }
}
