import HTTP

/// The picture form: the file, and the words that go with it.
enum MediaForm {
    static let order = ["file", "alt", "alt_fr", "caption", "caption_fr", "credit"]
    /// SPEC: JPEG and PNG up to 10 MiB.
    static let maxBytes = 10 * 1024 * 1024
    static let maxAlt = 250

    struct Words: Sendable {
        let alt: Bilingual
        let caption: Bilingual
        let credit: String
    }

    static func fields(t: Localizer) -> [Form.Field] {
        [
            Form.Field(
                name: "file", label: t("admin.media.file"), type: "file", required: true,
                hint: t("admin.media.file.hint", ["max": "10"]), accept: "image/jpeg,image/png"),
            Form.Field(name: "alt", label: t("admin.media.alt"), required: true, hint: t("admin.media.alt.hint"), maxLength: maxAlt),
            Form.Field(name: "alt_fr", label: t("admin.media.alt_fr"), maxLength: maxAlt, language: "fr"),
            Form.Field(name: "caption", label: t("admin.media.caption"), maxLength: 300),
            Form.Field(name: "caption_fr", label: t("admin.media.caption_fr"), maxLength: 300, language: "fr"),
            Form.Field(name: "credit", label: t("admin.media.credit"), hint: t("admin.media.credit.hint"), maxLength: 200),
        ]
    }

    /// The words, checked; the file is checked by decoding it.
    static func validate(_ fields: [String: String], t: Localizer) -> Result<Words, FormStateError> {
        var state = FormState(values: fields)
        func text(_ name: String, required: Bool = false, max: Int) -> String {
            switch Input.text(fields[name], required: required, maxLength: max) {
            case .success(let value): return value
            case .failure(.missing): state.errors[name] = t("admin.media.error.alt")
            case .failure(.tooLong): state.errors[name] = t("admin.field.too_long", ["max": t.formatNumber(max)])
            case .failure(.invalidCharacters): state.errors[name] = t("sign.error.invalid_characters")
            }
            return ""
        }
        let input = Words(
            alt: Bilingual(text("alt", required: true, max: maxAlt), french: text("alt_fr", max: maxAlt)),
            caption: Bilingual(text("caption", max: 300), french: text("caption_fr", max: 300)), credit: text("credit", max: 200))
        return state.isValid ? .success(input) : .failure(FormStateError(state: state))
    }
}
