import HTTP

/// The outbox screens.
enum OutboxViews {
    static func list(
        _ messages: [OutboxMessage], counts: [OutboxState: Int], state: OutboxState?, configured: Bool, timeZone: String, t: Localizer
    ) -> HTML {
        let filters: [HTML] =
            [
                "<li><a href=\"\(t.path("/admin/outbox"))\"\(state == nil ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("admin.outbox.all"))</a></li>"
            ]
            + OutboxState.allCases.map { s in
                "<li><a href=\"\(t.path("/admin/outbox?state=\(s.rawValue)"))\"\(state == s ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(t("admin.outbox.state.\(s.rawValue)")) (\(t.formatNumber(counts[s] ?? 0)))</a></li>"
            }
        let rows: [HTML] = messages.map { m in
            """
            <tr><td><a href="\(t.path("/admin/outbox/\(m.id)"))">#\(m.id)</a></td><td>\(AdminViews.time(m.createdAt, timeZone: timeZone, t: t))</td>
            <td>\(m.recipient)</td><td>\(m.subject)</td><td><span class="badge state-\(m.state.rawValue)">\(m.isHeld ? t("admin.outbox.held") : t("admin.outbox.state.\(m.state.rawValue)"))</span></td>
            <td>\(t.formatNumber(m.attempts))</td><td>\(m.lastError)</td></tr>
            """
        }
        return """
            <h1>\(t("admin.outbox.title"))</h1>
            <p class="lede">\(configured ? t("admin.outbox.intro.smtp") : t("admin.outbox.intro.none"))</p>
            <p><a href="\(t.path("/admin/suppressions"))">\(t("admin.suppressions.link"))</a></p>
            <nav aria-label="\(t("admin.outbox.filter"))"><ul class="filters">\(filters)</ul></nav>
            \(messages.isEmpty ? Layout.emptyState(t("admin.outbox.empty")) : """
            <div class="table-wrap"><table>
            <thead><tr><th scope="col">#</th><th scope="col">\(t("admin.outbox.created"))</th><th scope="col">\(t("admin.outbox.recipient"))</th><th scope="col">\(t("admin.outbox.subject"))</th><th scope="col">\(t("admin.outbox.state"))</th><th scope="col">\(t("admin.outbox.attempts"))</th><th scope="col">\(t("admin.outbox.last_error"))</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """)
            """
    }

    static func message(
        _ m: OutboxMessage, text: String, attempts: [OutboxAttempt], skipped: (unsubscribedAt: String?, undeliverable: (String, String)?)?,
        csrf: String, base: String, timeZone: String, t: Localizer
    ) -> HTML {
        let tried: [HTML] = attempts.map { a in
            "<li>\(AdminViews.time(a.attemptedAt, timeZone: timeZone, t: t)) — \(t("admin.outbox.outcome.\(a.outcome)"))\(a.detail.isEmpty ? HTML.empty : ": \(a.detail)")</li>"
        }
        let canRetry = m.state == .failed || m.state == .retrying
        return """
            <p><a href="\(t.path("/admin/outbox"))">\(t("admin.outbox.back"))</a></p>
            <h1>\(m.subject)</h1>
            <dl class="facts">
            <dt>\(t("admin.outbox.recipient"))</dt><dd>\(m.recipient)</dd>
            <dt>\(t("admin.outbox.state"))</dt><dd>\(t("admin.outbox.state.\(m.state.rawValue)"))</dd>
            <dt>\(t("admin.outbox.created"))</dt><dd>\(AdminViews.time(m.createdAt, timeZone: timeZone, t: t))</dd>
            \(m.sentAt.map { "<dt>\(t("admin.outbox.sent"))</dt><dd>\(AdminViews.time($0, timeZone: timeZone, t: t))</dd>" as HTML })
            \(m.state == .retrying && !m.isHeld ? "<dt>\(t("admin.outbox.next"))</dt><dd>\(AdminViews.time(m.nextAttemptAt, timeZone: timeZone, t: t))</dd>" as HTML : .empty)
            \(m.lastError.isEmpty ? HTML.empty : "<dt>\(t("admin.outbox.last_error"))</dt><dd>\(m.lastError)</dd>")
            \(m.isHeld ? "<dt>\(t("admin.outbox.next"))</dt><dd>\(t("admin.outbox.held"))</dd>" as HTML : .empty)
            \(skipped?.undeliverable.map { at, why in "<dt>\(t("admin.outbox.undeliverable"))</dt><dd>\(t("admin.outbox.undeliverable.detail", ["when": DateText.dateTime(at, t: t, timeZone: timeZone), "why": why]))</dd>" as HTML })
            \(skipped?.unsubscribedAt.map { "<dt>\(t("admin.outbox.unsubscribed"))</dt><dd>\(AdminViews.time($0, timeZone: timeZone, t: t))</dd>" as HTML })
            </dl>
            \(canRetry ? """
            <form method="post" action="\(t.path("/admin/outbox/\(m.id)/retry"))"><input type="hidden" name="_csrf" value="\(csrf)">
            <button type="submit" class="button">\(t("admin.outbox.retry"))</button></form>
            """ as HTML : .empty)
            \(tried.isEmpty ? HTML.empty : "<h2>\(t("admin.outbox.attempts"))</h2><ol>\(tried)</ol>")
            <h2>\(t("admin.outbox.text"))</h2>
            \(text.isEmpty ? "<p>\(t("admin.outbox.text.dropped"))</p>" as HTML : "<pre class=\"mail-text\">\(linked(readable(text), base: base))</pre>")
            """
    }

    /// The text, escaped, with the site's own links made clickable (the newcomer without an
    /// SMTP server confirms a signature from here). Other addresses stay plain text.
    static func linked(_ text: String, base: String) -> HTML {
        let lines: [HTML] = text.components(separatedBy: "\n").map { line in
            let words: [HTML] = line.components(separatedBy: " ").map { word in
                word.hasPrefix(base + "/") ? "<a href=\"\(word)\">\(word)</a>" : "\(word)"
            }
            return HTML.join(words, separator: " ")
        }
        return HTML.join(lines, separator: "\n")
    }

    /// The message as a person reads it: headers, then the text with quoted-printable undone
    /// (so the links in it can be clicked from here when no SMTP server is configured).
    static func readable(_ raw: String) -> String {
        guard let split = raw.range(of: "\r\n\r\n") else { return raw }
        let head = raw[..<split.lowerBound].replacingOccurrences(of: "\r\n ", with: " ")
        let keep = head.split(separator: "\r\n").filter {
            let name = $0.prefix { $0 != ":" }.lowercased()
            return ["date", "from", "to", "reply-to"].contains(name)
        }
        var body = String(raw[split.upperBound...])
        if let end = body.range(of: "\r\n--=_sanctuary_") { body = String(body[..<end.lowerBound]) }
        if head.contains("multipart/mixed"), let start = body.range(of: "\r\n\r\n") { body = String(body[start.upperBound...]) }
        return keep.joined(separator: "\n") + "\n\n" + QuotedPrintableText.decode(body)
    }
}

/// Undoes quoted-printable for display.
enum QuotedPrintableText {
    static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var i = 0
        while i < input.count {
            if input[i] == 61, i + 2 < input.count, let hi = hex(input[i + 1]), let lo = hex(input[i + 2]) {
                bytes.append(hi << 4 | lo)
                i += 3
            } else {
                bytes.append(input[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}
