/// Form helpers shared by every form: a label tied to each field, the visitor's value
/// kept, and the error text next to the field and tied to it with `aria-describedby`.
public struct FormState: Sendable {
    public var values: [String: String]
    public var errors: [String: String]
    /// A message about the whole form (nothing could be kept just now), shown at its top.
    public var notice: String?

    public init(values: [String: String] = [:], errors: [String: String] = [:]) {
        self.values = values
        self.errors = errors
    }

    public var isValid: Bool { errors.isEmpty && notice == nil }
    public subscript(name: String) -> String { values[name] ?? "" }
}

public enum Form {
    public struct Field: Sendable {
        public var name: String
        public var label: String
        public var type = "text"
        public var required = false
        public var autocomplete: String? = nil
        public var hint: String? = nil
        public var maxLength: Int? = nil
        public var inputMode: String? = nil
        /// The language typed into it, when not the page's (a French field on an English screen).
        public var language: String? = nil
        /// A textarea's height in lines.
        public var rows = 4
        /// A file input's kinds of file (`image/jpeg,image/png`), so the picker offers those.
        public var accept: String? = nil

        public init(
            name: String, label: String, type: String = "text", required: Bool = false,
            autocomplete: String? = nil, hint: String? = nil, maxLength: Int? = nil, inputMode: String? = nil, language: String? = nil,
            rows: Int = 4, accept: String? = nil
        ) {
            self.rows = rows
            self.accept = accept
            self.name = name
            self.label = label
            self.type = type
            self.required = required
            self.autocomplete = autocomplete
            self.hint = hint
            self.maxLength = maxLength
            self.inputMode = inputMode
            self.language = language
        }
    }

    /// A `<form>` that posts to `action` with its CSRF token. A visitor's form (`visitor`: the
    /// page's language) carries the honeypot too, and says where to read how its data is used.
    public static func form(action: String, csrf: String?, visitor t: Localizer? = nil, _ content: HTML) -> HTML {
        let token: HTML = csrf.map { "<input type=\"hidden\" name=\"_csrf\" value=\"\($0)\">" } ?? .empty
        guard let t else { return "<form method=\"post\" action=\"\(action)\" novalidate>\(token)\(content)</form>" }
        return "<form method=\"post\" action=\"\(action)\" novalidate>\(token)\(honeypot(t))\(content)\(privacyNote(t))</form>"
    }

    /// The field people never see and bots fill in; and where the visitor came from, when
    /// their link said (`Referral`), carried to what the form stores.
    public static func honeypot(_ t: Localizer) -> HTML {
        let source = Referral.current
        return """
            <div class="hp" aria-hidden="true"><label for="website">\(t("form.honeypot"))</label><input id="website" name="website" type="text" tabindex="-1" autocomplete="off"></div>\
            \(source.isEmpty ? HTML.empty : "<input type=\"hidden\" name=\"\(Referral.field)\" value=\"\(source)\">" as HTML)\
            \(FunnelFields.retrying ? "<input type=\"hidden\" name=\"\(FunnelFields.retry)\" value=\"1\">" as HTML : .empty)
            """
    }

    /// Under every form that collects personal data: where to read what is done with it.
    public static func privacyNote(_ t: Localizer) -> HTML {
        "<p class=\"hint privacy-note\"><a href=\"\(t.path("/privacy"))\">\(t("privacy.note"))</a></p>"
    }

    public static func input(_ field: Field, _ state: FormState, t: Localizer) -> HTML {
        let id = "f-\(field.name)"
        let error = state.errors[field.name]
        var described: [String] = []
        if field.hint != nil { described.append("\(id)-hint") }
        if error != nil { described.append("\(id)-error") }
        var attributes = ""
        if field.required { attributes += " required" }
        if let autocomplete = field.autocomplete { attributes += " autocomplete=\"\(HTML.escape(autocomplete))\"" }
        let textLike = ["text", "email", "password", "url", "search", "tel", "textarea"].contains(field.type)
        if let maxLength = field.maxLength, textLike { attributes += " maxlength=\"\(maxLength)\"" }
        if let inputMode = field.inputMode { attributes += " inputmode=\"\(HTML.escape(inputMode))\"" }
        if let accept = field.accept, field.type == "file" { attributes += " accept=\"\(HTML.escape(accept))\"" }
        if let language = field.language, language != t.language { attributes += " lang=\"\(HTML.escape(language))\"" }
        if error != nil { attributes += " aria-invalid=\"true\"" }
        if !described.isEmpty { attributes += " aria-describedby=\"\(described.joined(separator: " "))\"" }
        let control: HTML
        if field.type == "textarea" {
            control =
                "<textarea id=\"\(id)\" name=\"\(field.name)\" rows=\"\(field.rows)\"\(HTML(trusted: attributes))>\(state[field.name])</textarea>"
        } else if field.type == "file" {
            control = "<input id=\"\(id)\" name=\"\(field.name)\" type=\"file\"\(HTML(trusted: attributes))>"
        } else {
            control =
                "<input id=\"\(id)\" name=\"\(field.name)\" type=\"\(field.type)\" value=\"\(state[field.name])\"\(HTML(trusted: attributes))>"
        }
        return """
            <div class="field\(error != nil ? HTML(trusted: " has-error") : .empty)">
            <label for="\(id)">\(field.label)\(field.required ? HTML.empty : " <span class=\"optional\">(\(t("form.optional")))</span>")</label>
            \(field.hint.map { "<p class=\"hint\" id=\"\(id)-hint\">\($0)</p>" as HTML })
            \(error.map { "<p class=\"error\" id=\"\(id)-error\">\($0)</p>" as HTML })
            \(control)
            </div>
            """
    }

    public static func checkbox(name: String, label: String, checked: Bool, value: String = "yes") -> HTML {
        """
        <div class="field checkbox">
        <input id="f-\(name)" name="\(name)" type="checkbox" value="\(value)"\(checked ? HTML(trusted: " checked") : .empty)>
        <label for="f-\(name)">\(label)</label>
        </div>
        """
    }

    /// A `<select>` with its label and error.
    public static func select(
        name: String, label: String, options: [(value: String, label: String)], selected: String,
        error: String? = nil
    ) -> HTML {
        let id = "f-\(name)"
        let items: [HTML] = options.map { option in
            "<option value=\"\(option.value)\"\(option.value == selected ? HTML(trusted: " selected") : .empty)>\(option.label)</option>"
        }
        return """
            <div class="field\(error != nil ? HTML(trusted: " has-error") : .empty)">
            <label for="\(id)">\(label)</label>
            \(error.map { "<p class=\"error\" id=\"\(id)-error\">\($0)</p>" as HTML })
            <select id="\(id)" name="\(name)"\(error != nil ? HTML(trusted: " aria-invalid=\"true\" aria-describedby=\"\(id)-error\"") : .empty)>\(items)</select>
            </div>
            """
    }

    public static func submit(_ label: String) -> HTML {
        "<div class=\"actions\"><button type=\"submit\" class=\"button\">\(label)</button></div>"
    }

    /// A summary of errors at the top of a form, linking to each field.
    /// The GOV.UK error summary: first on the page, each problem a link to its field, named
    /// by the field's label (`labels`) so that "This is required" twice still says which.
    public static func errorSummary(_ state: FormState, title: String, order: [String], labels: [String: String] = [:]) -> HTML {
        if let notice = state.notice, state.errors.isEmpty {
            return "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>\(title)</h2><p>\(notice)</p></div>"
        }
        guard !state.errors.isEmpty else { return .empty }
        let items: [HTML] = order.compactMap { name in
            state.errors[name].map { message in
                let text = labels[name].map { "\($0): \(message)" } ?? message
                return "<li><a href=\"#f-\(name)\">\(text)</a></li>"
            }
        }
        return "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>\(title)</h2><ul>\(items)</ul></div>"
    }

    /// Each field's label by name, for the error summary.
    public static func labels(_ fields: [Field]) -> [String: String] {
        Dictionary(fields.map { ($0.name, $0.label) }, uniquingKeysWith: { first, _ in first })
    }
}
