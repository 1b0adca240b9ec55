import Foundation
import HTTP

/// What staff must know about mail, on the dashboard and the outbox: the relay refusing the
/// site, and the caps on confirmation mail biting.
enum MailStatusViews {
    /// Shown while the relay fails: since when, its own words, when it is tried again, and
    /// (for admins) a button to try it now.
    static func relayWarning(_ status: RelayStatus?, csrf: String?, timeZone: String, t: Localizer) -> HTML {
        guard let status, let since = status.failingSince else { return .empty }
        let button: HTML =
            csrf.map { csrf in
                """
                <form method="post" action="\(t.path("/admin/outbox/relay/retry"))"><input type="hidden" name="_csrf" value="\(csrf)">
                <button type="submit" class="button">\(t("admin.relay.retry"))</button></form>
                """
            } ?? .empty
        return """
            <div class="warning-box" role="status">
            <h2>\(t("admin.relay.title"))</h2>
            <p>\(t("admin.relay.body", ["since": DateText.dateTime(since, t: t, timeZone: timeZone), "count": t.formatNumber(status.failures)]))</p>
            <p class="reply"><code>\(status.lastReply)</code></p>
            \(status.nextTryAt.map { "<p>\(t("admin.relay.next", ["when": DateText.dateTime($0, t: t, timeZone: timeZone)]))</p>" as HTML })
            \(button)
            </div>
            """
    }

    /// Shown when a cap on mail to unconfirmed addresses held mail back in the last hour.
    static func capsWarning(_ bites: UnconfirmedMailCaps.Bites, t: Localizer) -> HTML {
        guard !bites.isEmpty else { return .empty }
        var lines: [HTML] = []
        if bites.perAddress > 0 { lines.append("<li>\(t.plural("admin.caps.address", bites.perAddress))</li>") }
        if bites.perDomain > 0 { lines.append("<li>\(t.plural("admin.caps.domain", bites.perDomain, ["domain": bites.domain]))</li>") }
        if bites.perSite > 0 { lines.append("<li>\(t.plural("admin.caps.site", bites.perSite))</li>") }
        return """
            <div class="warning-box" role="status">
            <h2>\(t("admin.caps.title"))</h2>
            <ul>\(lines)</ul>
            <p>\(t("admin.caps.body"))</p>
            </div>
            """
    }
}
