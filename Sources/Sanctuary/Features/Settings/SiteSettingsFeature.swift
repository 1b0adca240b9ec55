import Foundation
import HTTP

/// `/admin/settings` (admins): the site's name, tagline in both languages, accent colour,
/// logo and default share card. The accent reaches pages as a tiny stylesheet whose address
/// is the colour itself (`/theme/1d4e89.css`), so it is cached for good and the content
/// security policy needs no inline style.
struct SiteSettingsFeature: Feature {
    let app: Application

    static var pictureOwners: [MediaOwner] { [.settings, .logo] }

    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin/settings", label: "admin.nav.settings", area: .settings, order: 130)]
    }

    /// Settings staff saved on another node show here within a second.
    func jobs() -> [ScheduledJob] {
        [ScheduledJob("settings.follow", .every(1), onEveryNode: true) { [app] in app.siteSettings.followOthers(app.database) }]
    }

    func register() {
        app.router.get("/admin/settings", edit)
        app.router.post(
            "/admin/settings",
            async: save)
        app.router.get("/theme/{file}", theme)
    }

    func edit(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .settings)
        let s = app.siteSettings.current.settings
        let state = FormState(values: [
            "title": s.title, "tagline": s.tagline.english, "tagline_fr": s.tagline.french,
            "accent": s.accent.isEmpty ? Self.defaultAccent : s.accent, "postal_address": s.postalAddress,
            "reply_to": s.replyTo, "contact_email": s.contactEmail, "donate_url": s.donateURL, "social_links": s.socialLinks,
        ])
        return page(request, session, state: state, flash: request.query["saved"] == "1" ? app.t(request)("admin.saved") : nil)
    }

    func save(_ request: Request) async throws -> Response {
        try await app.staffFormPost(
            request, .settings, validate: { SiteSettingsForm.validate($0, t: app.t(request)) },
            again: { session, state in page(request, session, state: state, status: .unprocessableContent) },
            accept: { session, settings in
                let user = session.user
                try await app.database.write { db in
                    try SiteSettingsStore.save(db, settings)
                    try StaffStore.record(db, user: user, action: "edit", subject: "site settings")
                }
                app.siteSettings.reload(app.database)
                return .redirect(to: "/admin/settings?saved=1")
            })
    }

    func theme(_ request: Request) throws -> Response {
        let file = request.parameter("file")
        guard file.hasSuffix(".css"), let accent = SiteSettingsForm.color("#" + String(file.dropLast(4))) else {
            throw HTTPError.notFound
        }
        var response = Response(
            status: .ok, contentType: "text/css; charset=utf-8",
            body: Array(":root { --brand: \(accent.hex); --brand-dark: \(accent.darker.hex); }\n".utf8))
        response.cache(.immutable)
        return response
    }

    static let defaultAccent = "#1d4e89"

    func page(
        _ request: Request, _ session: AdminAuth.Session, state: FormState, status: Status = .ok, flash: String? = nil
    ) -> Response {
        let t = app.t(request)
        let current = app.siteSettings.current
        return AdminViews.page(app, request, session, title: t("admin.settings.title"), status: status, flash: flash) { c, csrf in
            SiteSettingsViews.form(state: state, logo: current.logo, shareImage: current.shareImage, csrf: csrf, t: c.t)
        }
    }
}

/// The settings form: a name, a tagline in each language, and an accent colour light text
/// can be read on.
enum SiteSettingsForm {
    static let order = [
        "title", "tagline", "tagline_fr", "accent", "postal_address", "reply_to", "contact_email", "donate_url", "social_links",
    ]

    struct Color {
        let red: Int, green: Int, blue: Int
        var hex: String { String(format: "#%02x%02x%02x", red, green, blue) }
        var darker: Color { Color(red: red * 3 / 4, green: green * 3 / 4, blue: blue * 3 / 4) }
        /// WCAG relative luminance.
        var luminance: Double {
            func channel(_ value: Int) -> Double {
                let c = Double(value) / 255
                return c <= 0.039_28 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
            }
            return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
        }
        /// Contrast with white (the header's text, a button's label).
        var contrastWithWhite: Double { 1.05 / (luminance + 0.05) }
    }

    /// `#rrggbb`, or nil.
    static func color(_ text: String) -> Color? {
        let digits = text.hasPrefix("#") ? text.dropFirst() : Substring(text)
        guard digits.count == 6, digits.allSatisfy(\.isHexDigit), let value = Int(digits, radix: 16) else { return nil }
        return Color(red: value >> 16 & 0xFF, green: value >> 8 & 0xFF, blue: value & 0xFF)
    }

    static func validate(_ form: FormFields, t: Localizer) -> Result<SiteSettings, FormStateError> {
        var state = FormState()
        for name in order { state.values[name] = form[name] ?? "" }
        func text(_ name: String, max: Int, multiline: Bool = false) -> String {
            switch Input.text(form[name], required: false, maxLength: max, multiline: multiline) {
            case .success(let value): return value
            case .failure(.tooLong): state.errors[name] = t("admin.field.too_long", ["max": t.formatNumber(max)])
            case .failure: state.errors[name] = t("sign.error.invalid_characters")
            }
            return ""
        }
        let title = text("title", max: 80)
        let tagline = Bilingual(text("tagline", max: 160), french: text("tagline_fr", max: 160))
        let postalAddress = text("postal_address", max: 300, multiline: true).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: "\n")
        var accent = ""
        let raw = (form["accent"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if !raw.isEmpty && raw != SiteSettingsFeature.defaultAccent {
            if let color = color(raw) {
                if color.contrastWithWhite >= 4.5 {
                    accent = color.hex
                } else {
                    state.errors["accent"] = t("admin.settings.accent.light", ["ratio": String(format: "%.1f", color.contrastWithWhite)])
                }
            } else {
                state.errors["accent"] = t("admin.settings.accent.invalid")
            }
        }
        func email(_ name: String) -> String {
            let typed = text(name, max: 254)
            guard !typed.isEmpty else { return "" }
            guard let address = Input.email(typed) else {
                state.errors[name] = t("sign.error.email.invalid")
                return ""
            }
            return address
        }
        func link(_ typed: String, field: String) -> String? {
            guard typed.hasPrefix("https://"), typed.count > 8, URL(string: typed)?.host != nil, !typed.contains(where: \.isWhitespace)
            else {
                state.errors[field] = t("admin.settings.url.invalid")
                return nil
            }
            return typed
        }
        let replyTo = email("reply_to")
        let contactEmail = email("contact_email")
        let donate = text("donate_url", max: 500)
        let donateURL = donate.isEmpty ? "" : link(donate, field: "donate_url") ?? ""
        let socials = text("social_links", max: 2_000, multiline: true).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if socials.count > 8 { state.errors["social_links"] = t("admin.settings.social.too_many", ["max": "8"]) }
        let socialLinks = socials.prefix(8).compactMap { link($0, field: "social_links") }.joined(separator: "\n")
        guard state.isValid else { return .failure(FormStateError(state: state)) }
        var settings = SiteSettings(title: title, tagline: tagline, accent: accent, postalAddress: postalAddress)
        settings.replyTo = replyTo
        settings.contactEmail = contactEmail
        settings.donateURL = donateURL
        settings.socialLinks = socialLinks
        return .success(settings)
    }
}
