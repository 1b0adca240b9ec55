import Foundation
import HTTP
import Storage

/// The mailing editor's fields, their checks and messages.
enum MailingForm {
    static let order = ["subject_en", "body_en", "subject_fr", "body_fr", "audience", "send_at"]
    static let maxSubjectLength = 200
    static let maxBodyLength = 50_000

    /// An audience as one choice of the select: `subscribers`, `subscribers:3`,
    /// `signers:7`, `attendees:2`.
    static func choice(_ audience: String, _ id: Int64?) -> String {
        id.map { "\(audience):\($0)" } ?? audience
    }

    /// The audiences staff may choose, with labels, as the features offer them (everyone
    /// subscribed, each campaign's subscribers, each petition's signers, each event's
    /// attendees), each with the audience and item it stands for.
    static func choices(_ db: Connection, _ audiences: [MailingAudience], t: Localizer) throws -> [Choice] {
        try audiences.flatMap { audience in
            try (audience.choices?(db, t) ?? []).map {
                Choice(value: choice(audience.key, $0.id), label: $0.label, audience: audience, id: $0.id)
            }
        }
    }

    struct Choice: Sendable {
        let value: String
        let label: String
        let audience: MailingAudience
        let id: Int64?
    }

    /// Cleans and checks the editor's form: the draft, or the form state with errors.
    /// What a mailing may say per recipient: `{{first_name}}`, `{{first_name|friend}}`.
    static let mergeFields = ["first_name"]

    static func validate(_ form: FormFields, choices: [Choice], t: Localizer) -> Result<
        MailingDraft, FormStateError
    > {
        var state = FormState()
        for name in order { state.values[name] = form[name] ?? "" }
        func text(_ name: String, label: String, required: Bool, max: Int, multiline: Bool) -> String {
            switch Input.text(form[name], required: required, maxLength: max, multiline: multiline) {
            case .success(let value): return value
            case .failure(.missing): state.errors[name] = t("admin.mailing.error.missing", ["field": label])
            case .failure(.tooLong(let count)):
                state.errors[name] = t(
                    "admin.mailing.error.too_long", ["field": label, "max": t.formatNumber(max), "count": t.formatNumber(count)])
            case .failure(.invalidCharacters): state.errors[name] = t("admin.mailing.error.characters", ["field": label])
            }
            return ""
        }
        let subjectEn = text("subject_en", label: t("admin.mailing.subject_en"), required: true, max: maxSubjectLength, multiline: false)
        let bodyEn = text("body_en", label: t("admin.mailing.body_en"), required: true, max: maxBodyLength, multiline: true)
        let subjectFr = text("subject_fr", label: t("admin.mailing.subject_fr"), required: false, max: maxSubjectLength, multiline: false)
        let bodyFr = text("body_fr", label: t("admin.mailing.body_fr"), required: false, max: maxBodyLength, multiline: true)
        // A French version is whole or absent: half of one would reach nobody.
        if subjectFr.isEmpty != bodyFr.isEmpty, state.errors["subject_fr"] == nil, state.errors["body_fr"] == nil {
            state.errors[subjectFr.isEmpty ? "subject_fr" : "body_fr"] = t("admin.mailing.error.french_half")
        }
        // Merge fields: only those a recipient has.
        for (name, value) in [("subject_en", subjectEn), ("body_en", bodyEn), ("subject_fr", subjectFr), ("body_fr", bodyFr)]
        where state.errors[name] == nil {
            let unknown = Template.unknown(in: value, known: mergeFields)
            if !unknown.isEmpty {
                state.errors[name] = t(
                    "admin.field.placeholders",
                    [
                        "unknown": unknown.map { "{{\($0)}}" }.joined(separator: ", "),
                        "known": mergeFields.map { "{{\($0)}}" }.joined(separator: " "),
                    ])
            }
        }
        let audience = form["audience"] ?? ""
        let chosen = choices.first { $0.value == audience }
        if chosen == nil { state.errors["audience"] = t("admin.mailing.error.audience") }
        guard state.isValid, let chosen else { return .failure(FormStateError(state: state)) }
        return .success(
            MailingDraft(
                subjectEn: subjectEn, bodyEn: bodyEn, subjectFr: subjectFr, bodyFr: bodyFr, audience: chosen.audience, audienceID: chosen.id
            ))
    }

    static func values(_ mailing: Mailing) -> FormState {
        FormState(values: [
            "subject_en": mailing.subjectEn, "body_en": mailing.bodyEn, "subject_fr": mailing.subjectFr, "body_fr": mailing.bodyFr,
            "audience": choice(mailing.audience, mailing.audienceID),
        ])
    }

    static let timeZones = [
        "America/St_Johns", "America/Halifax", "America/Moncton", "America/Toronto", "America/Winnipeg", "America/Regina",
        "America/Edmonton", "America/Vancouver", "America/Whitehorse",
    ]

    /// When to send a scheduled mailing: a `datetime-local` in a chosen zone, in the future.
    static func sendAt(_ form: FormFields, t: Localizer, now: Date = Date()) -> Result<Date, FormStateError> {
        let zone = timeZones.contains(form["time_zone"] ?? "") ? form["time_zone"] ?? "" : "America/Toronto"
        guard let date = LocalTime.parse(form["send_at"] ?? "", timeZone: zone) else {
            return .failure(FormStateError(state: FormState(errors: ["send_at": t("admin.mailing.error.send_at")])))
        }
        guard date > now else {
            return .failure(FormStateError(state: FormState(errors: ["send_at": t("admin.mailing.error.send_at_past")])))
        }
        return .success(date)
    }
}
