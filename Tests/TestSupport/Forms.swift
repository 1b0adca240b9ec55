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

    /// What a browser would send for the first `<form>` in `html` whose opening tag contains
    /// `marker`: its action, and its inputs' and text boxes' names and values in order
    /// (entities decoded; a text box's first newline dropped, as HTML does).
    public static func form(in html: String, marker: String) -> (action: String, fields: [(String, String)])? {
        guard let open = html.range(of: "<form[^>]*\(NSRegularExpression.escapedPattern(for: marker))[^>]*>", options: .regularExpression),
            let close = html.range(of: "</form>", range: open.upperBound..<html.endIndex)
        else { return nil }
        func attribute(_ name: String, _ tag: Substring) -> String? {
            guard let found = tag.range(of: " \(name)=\"[^\"]*\"", options: .regularExpression) else { return nil }
            return decode(String(tag[found].dropFirst(name.count + 3).dropLast()))
        }
        let action = attribute("action", html[open]) ?? ""
        var fields: [(String, String)] = []
        let body = html[open.upperBound..<close.lowerBound]
        var at = body.startIndex
        while let tag = body.range(of: "<(input|textarea)[^>]*>", options: .regularExpression, range: at..<body.endIndex) {
            at = tag.upperBound
            guard let name = attribute("name", body[tag]) else { continue }
            if body[tag].hasPrefix("<textarea") {
                guard let end = body.range(of: "</textarea>", range: tag.upperBound..<body.endIndex) else { break }
                var text = decode(String(body[tag.upperBound..<end.lowerBound]))
                if text.hasPrefix("\n") { text.removeFirst() }
                fields.append((name, text))
                at = end.upperBound
            } else {
                fields.append((name, attribute("value", body[tag]) ?? ""))
            }
        }
        return (action, fields)
    }

    /// The five entities our pages escape with, decoded.
    static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
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

    /// Posts a `multipart/form-data` body (`FormHelper.multipart`) as a browser sends an upload.
    public func upload(_ target: String, _ body: [UInt8], boundary: String) throws -> ClientResponse {
        let client = try client()
        client.send(
            "POST \(target) HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\n\r\n"
        )
        client.send(body)
        return try client.readResponse()
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

    /// Staff accounts made straight in the database (role: admin, organizer or editor), each
    /// signing in with `password`.
    public func addStaff(_ accounts: [String: String], password: String = "a long enough passphrase") throws {
        let hash = try app.passwordHasher.hash(password)
        try app.database.writeAndWait { db in
            for (email, role) in accounts {
                try db.run("INSERT INTO users (email, role, password_hash) VALUES (?, ?, ?)", email, role, hash)
            }
        }
    }

    /// A petition's public JSON as a dictionary.
    public func petitionJSON(_ slug: String) throws -> [String: Any] {
        let response = try get("/petitions/\(slug).json")
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }
}

extension TestApp {
    /// The newest message to `address` in the outbox, as a person reads it (quoted-printable undone).
    public func outboxText(to address: String) throws -> String {
        guard
            let raw = try app.database.read({
                try $0.scalar("SELECT message FROM outbox WHERE recipient = ? ORDER BY id DESC LIMIT 1", address, as: String.self)
            })
        else { throw RawClient.ClientError.malformed("no mail to \(address) in the outbox") }
        var bytes: [UInt8] = []
        // As the sender (or an admin on /admin/outbox) reads it: with its links' tokens.
        let input = Array(app.mailLinks.reveal(raw).replacingOccurrences(of: "=\r\n", with: "").utf8)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "="), i + 2 < input.count,
                let byte = UInt8(String(decoding: input[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                i += 3
            } else {
                bytes.append(input[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The path of the link containing `fragment` in the newest mail to `address`.
    public func mailedLink(to address: String, containing fragment: String) throws -> String {
        let text = try outboxText(to: address)
        guard let link = text.split(whereSeparator: { $0.isWhitespace }).first(where: { $0.hasPrefix("http") && $0.contains(fragment) })
        else { throw RawClient.ClientError.malformed("no link with \(fragment) in the mail to \(address)") }
        return String(link.dropFirst(app.config.publicBaseURL.count))
    }

    /// Opens a mailed link and presses the button on its page, as its owner would.
    public func press(_ path: String) throws -> ClientResponse {
        let page = try get(path)
        guard let token = FormHelper.csrfToken(in: page.text) else {
            throw RawClient.ClientError.malformed("no button on \(path) (\(page.status))")
        }
        return try post(path, [("_csrf", token)])
    }
}

extension RawClient {
    /// The sign form's token, read from the petition's page on this connection.
    public func signToken(_ slug: String) throws -> String {
        send("GET /petitions/\(slug) HTTP/1.1\r\nHost: x\r\n\r\n")
        guard let token = FormHelper.csrfToken(in: try readResponse().text) else {
            throw ClientError.malformed("no _csrf on /petitions/\(slug)")
        }
        return token
    }

    /// Signs `slug` as `email` on this connection (kept open, as a burst of visitors' browsers
    /// would), with a valid form; throws when the connection fails.
    public func sign(_ slug: String, email: String, token: String) throws -> ClientResponse {
        let body = FormHelper.encode([
            ("_csrf", token), ("first_name", "A"), ("last_name", "B"), ("email", email), ("postal_code", "K1A 0B1"),
        ])
        guard
            send(
                "POST /petitions/\(slug)/sign HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
        else { throw ClientError.closed }
        return try readResponse()
    }
}

extension FormHelper {
    /// A `multipart/form-data` body: the text fields, then an optional file as `file`.
    public static func multipart(
        _ fields: [(String, String)], file: (name: String, bytes: [UInt8])?, boundary: String,
        fileType: String = "application/octet-stream",
        fileField: String = "file"
    ) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(file.name)\"\r\nContent-Type: \(fileType)\r\n\r\n"
                    .utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        return body + Array("--\(boundary)--\r\n".utf8)
    }
}

extension TestApp {
    /// Uploads through a staff form as a browser does: the form token read from the page at
    /// `path`, then the multipart body posted back to it with that token in the address.
    public func upload(
        _ path: String, _ fields: [(String, String)], file: (name: String, bytes: [UInt8])?, cookie: [(String, String)],
        fileType: String = "image/jpeg"
    ) throws -> ClientResponse {
        let page = try get(path, headers: cookie)
        guard let csrf = FormHelper.csrfToken(in: page.text) else {
            throw RawClient.ClientError.malformed("no form on \(path): \(page.status)")
        }
        let boundary = "----uploadBoundary"
        let body = FormHelper.multipart([("_csrf", csrf)] + fields, file: file, boundary: boundary, fileType: fileType)
        let client = try client()
        let session = cookie.first?.1.split(separator: " ").last ?? ""
        client.send(
            "POST \(path)?_csrf=\(csrf) HTTP/1.1\r\nHost: x\r\nCookie: \(session)\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        )
        client.send(body)
        return try client.readResponse()
    }
}

extension TestApp {
    /// An admin sets the organisation's postal address through `/admin/settings`, as every
    /// mailing needs one before it can be sent.
    public func setPostalAddress(_ text: String = "Sanctuary Network\n123 Bank Street\nOttawa ON  K1P 5N2") throws {
        let hash = try app.passwordHasher.hash("a long enough passphrase")
        try app.database.writeAndWait { db in
            try db.run(
                "INSERT INTO users (email, role, password_hash) VALUES ('settings-admin@example.org', 'admin', ?) ON CONFLICT DO NOTHING",
                hash)
        }
        let admin = try signIn("settings-admin@example.org")
        let page = try get("/admin/settings", headers: admin)
        guard let token = FormHelper.csrfToken(in: page.text) else { throw RawClient.ClientError.malformed("no settings form") }
        let saved = try post(
            "/admin/settings",
            [("_csrf", token), ("title", ""), ("tagline", ""), ("tagline_fr", ""), ("accent", ""), ("postal_address", text)],
            headers: admin)
        guard saved.status == 303 else { throw RawClient.ClientError.malformed("the settings were not saved: \(saved.status)") }
    }
}
