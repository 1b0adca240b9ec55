import Foundation
import HTTP

/// Helpers to fill in the site's forms as a browser would.
public enum FormHelper {
    /// The `_csrf` value in a page's form.
    public static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="_csrf" value="[^"]*""#, options: .regularExpression) else { return nil }
        let match = html[range]
        return String(match.dropFirst(#"name="_csrf" value=""#.count).dropLast())
    }

    /// `application/x-www-form-urlencoded` for the pairs, in order.
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }
}

extension TestApp {
    /// Posts a form with the right content type.
    public func post(_ path: String, _ fields: [(String, String)], headers: [(String, String)] = []) throws -> ClientResponse {
        try request(
            "POST", path, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers,
            body: FormHelper.encode(fields))
    }

    /// A valid form token for a petition's sign form, read from its page.
    public func signToken(_ slug: String) throws -> String {
        let page = try get("/petitions/\(slug)")
        guard let token = FormHelper.csrfToken(in: page.text) else {
            throw RawClient.ClientError.malformed("no _csrf on /petitions/\(slug)")
        }
        return token
    }

    /// Signs a petition with valid defaults, overridden by `fields`.
    public func sign(
        _ slug: String, _ fields: [String: String] = [:], token: String? = nil,
        headers: [(String, String)] = []
    ) throws -> ClientResponse {
        var values: [String: String] = [
            "first_name": "Amal", "last_name": "Haddad", "email": "amal@example.org",
            "postal_code": "K1A 0B1", "comment": "", "website": "",
        ]
        for (k, v) in fields { values[k] = v }
        values["_csrf"] = try token ?? signToken(slug)
        let ordered = values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return try post("/petitions/\(slug)/sign", ordered, headers: headers)
    }

    /// Signs a staff member in through the login form; returns the `Cookie` header to send.
    public func signIn(_ email: String, password: String = "a long enough passphrase") throws -> [(String, String)] {
        let page = try get("/admin/login")
        guard let token = FormHelper.csrfToken(in: page.text) else { throw RawClient.ClientError.malformed("no _csrf on /admin/login") }
        let login = try post("/admin/login", [("_csrf", token), ("email", email), ("password", password)])
        guard let cookie = login.header("Set-Cookie")?.split(separator: ";").first.map(String.init) else {
            throw RawClient.ClientError.malformed("no session cookie after signing in as \(email) (\(login.status))")
        }
        return [("Cookie", cookie)]
    }

    /// A petition's public JSON as a dictionary.
    public func petitionJSON(_ slug: String) throws -> [String: Any] {
        let response = try get("/petitions/\(slug).json")
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }
}
