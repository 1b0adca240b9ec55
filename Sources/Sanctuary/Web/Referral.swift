import Foundation
import HTTP

/// Where a visitor came from, as the link they followed says: `?source=` (the share buttons'
/// own, a newsletter's, a partner's), or `utm_source` with `utm_campaign`. Kept through the
/// visit in the form itself (a hidden field, no cookie), and stored with what they did.
enum Referral {
    /// The form field (and the query parameter) that carries it.
    static let field = "source"
    static let maxLength = 64

    /// The source of a page being rendered, for the forms on it (`Form.honeypot` writes it).
    @TaskLocal static var current = ""

    /// A short, safe label: lower case letters, digits, `.`, `_` and `-` (anything else a `-`),
    /// at most 64 characters; "" for none.
    static func clean(_ raw: String?) -> String {
        guard let raw, !raw.isEmpty else { return "" }
        var out = ""
        for scalar in raw.lowercased().unicodeScalars.prefix(maxLength) {
            switch scalar {
            case "a"..."z", "0"..."9", ".", "_", "-": out.unicodeScalars.append(scalar)
            default: out += "-"
            }
        }
        return out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// The source a request carries: its link's (`source`, else `utm_source` and
    /// `utm_campaign`), else a form's field (a form sent back with mistakes keeps it).
    static func of(_ request: Request) -> String {
        if let source = request.query[field], !source.isEmpty { return clean(source) }
        if let utm = request.query["utm_source"], !utm.isEmpty {
            let campaign = clean(request.query["utm_campaign"])
            return clean(campaign.isEmpty ? utm : utm + "." + campaign)
        }
        return clean(request.form[field])
    }
}
