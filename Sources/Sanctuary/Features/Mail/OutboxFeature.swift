import Foundation
import HTTP

/// `/admin/outbox` (admins): every message with its state and attempts, the text of each,
/// and "retry now". With no SMTP server configured this is where mail is read.
struct OutboxFeature: Feature {
    let app: Application

    func sampleMetrics(_ gauges: MetricGauges) throws {
        let (outbox, oldest, relay) = try app.database.read { db in
            (try OutboxStore.counts(db), try OutboxStore.oldestUnsent(db), try RelayStatusStore.current(db))
        }
        for state in OutboxState.allCases {
            gauges.set(
                "outbox", unit: "messages", help: "Messages in the outbox by state.", labels: [("state", state.rawValue)],
                Double(outbox[state] ?? 0))
        }
        gauges.set(
            "mail_oldest_unsent", unit: "seconds", help: "How long the oldest message not yet sent has waited (0: none waits).",
            oldest.flatMap(Timestamp.parse).map { max(0, Date().timeIntervalSince($0)) } ?? 0)
        gauges.set(
            "mail_relay_failing", help: "1 while the mail relay refuses the site (sending is paused; see /admin/outbox), else 0.",
            relay?.isFailing == true ? 1 : 0)
    }

    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin/outbox", label: "admin.nav.outbox", area: .outbox, order: 120)]
    }

    /// Mail that failed for good this week, for those who can read the outbox: a confirmation
    /// link that never arrived is a supporter lost unless someone sees it.
    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] {
        guard user.may(.outbox) else { return [] }
        let since = Timestamp.format(Date().addingTimeInterval(-7 * 86_400))
        let failures = try app.database.read { try OutboxStore.failures($0, since: since) }
        guard !failures.isEmpty else { return [] }
        var groups: [(key: String, count: Int)] = [("confirmations", 0), ("mailings", 0), ("other", 0)]
        for (kind, count) in failures {
            let group = kind.hasPrefix("mailing") ? 1 : (kind.hasSuffix(".confirm") || kind.hasSuffix(".request")) ? 0 : 2
            groups[group].count += count
        }
        let rows: [HTML] = groups.filter { $0.count > 0 }.map {
            "<tr><td>\(t("admin.mail_failed.\($0.key)"))</td><td class=\"number\">\(t.formatNumber($0.count))</td></tr>"
        }
        return [
            """
            <section class="warning-box" aria-labelledby="mail-failed-heading">
            <h2 id="mail-failed-heading">\(t("admin.mail_failed.title"))</h2>
            <p>\(t("admin.mail_failed.body"))</p>
            <div class="table-wrap"><table><tbody>\(rows)</tbody></table></div>
            <p><a href="\(t.path("/admin/outbox?state=failed"))">\(t("admin.mail_failed.link"))</a></p>
            </section>
            """
        ]
    }

    func jobs() -> [ScheduledJob] {
        [.purge("expired links", app, isDue: { try OutboxStore.purgeIsDue($0) }, purge: { try OutboxStore.purge($0) })]
    }

    /// Sent (or given-up) mail leaves the outbox `privacy.mail_days` after it was written.
    func retention() -> [RetentionRule] {
        let days = app.config.mailRetentionDays
        let cutoff: @Sendable (Date) -> String = { Timestamp.format($0.addingTimeInterval(-Double(days) * 86_400)) }
        return [
            RetentionRule(
                "mail sent or given up on \(days) days ago, deleted", due: { try OutboxStore.done($0, before: cutoff($1)) },
                apply: { try OutboxStore.delete($0, done: $1) })
        ]
    }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "mail waiting or sent", table: "outbox", email: "recipient",
                columns: ["kind", "recipient", "recipient_name", "subject", "state", "created_at", "sent_at"]),
            PersonalData(
                "letters sent for them (their Reply-To)", table: "outbox", email: "message", mentions: true,
                only: "kind = 'letter.send'",
                columns: ["kind", "recipient", "subject", "state", "created_at", "sent_at"]),
            PersonalData(
                "links mailed to them that carry what they asked for (a sign-up)", table: "mail_tokens", email: "payload",
                mentions: true, columns: ["purpose", "expires_at", "used_at"], order: "expires_at", key: "token_hash"),
            PersonalData(
                "addresses mail may not reach", table: "mail_addresses", email: "address",
                columns: ["address", "unsubscribed_at", "undeliverable_at", "undeliverable_reason"]),
        ]
    }

    func register() {
        app.router.get("/admin/outbox", list)
        app.router.get("/admin/outbox/{id}", message)
        app.router.post("/admin/outbox/{id}/retry", async: retry)
    }

    func list(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .outbox)
        let state = request.query["state"].flatMap(OutboxState.init(rawValue:))
        let (messages, counts, relay) = try app.database.read { db in
            (try OutboxStore.list(db, state: state), try OutboxStore.counts(db), try RelayStatusStore.current(db))
        }
        let t = app.t(request)
        return AdminViews.page(
            app, request, session, title: t("admin.outbox.title"), flash: request.query["relay"] == "1" ? t("admin.relay.retried") : nil
        ) { c, csrf in
            """
            \(MailStatusViews.relayWarning(relay, csrf: csrf, timeZone: app.config.siteTimeZone, t: c.t))
            \(OutboxViews.list(
                messages, counts: counts, state: state, configured: app.config.smtpURL != nil, timeZone: app.config.siteTimeZone, t: c.t))
            """
        }
    }

    func message(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .outbox)
        let id = try Int64(request.parameter("id")).orNotFound()
        let (message, stored, attempts) = try app.database.read { try OutboxStore.find($0, id: id) }.orNotFound()
        // A mailing's message is made when it is sent: show it as it will be (or was).
        let due = DueMessage(
            id: id, recipient: message.recipient, message: "", mailingID: message.mailingID, language: message.language,
            recipientName: message.recipientName)
        let text = stored.isEmpty ? try app.storedMailText(due, sending: false) ?? "" : app.mailLinks.reveal(stored)
        let skipped = try app.database.read { try BulkMailStore.skipReason($0, address: message.recipient) }
        return AdminViews.page(
            app, request, session, title: message.subject,
            flash: request.query["retried"].flatMap {
                ["1": "admin.outbox.retried", "held": "admin.outbox.retried.held", "cancelled": "admin.outbox.retried.cancelled"][$0]
            }.map { app.t(request)($0) }
        ) { c, csrf in
            OutboxViews.message(
                message, text: text, attempts: attempts, skipped: skipped, csrf: csrf, base: app.config.publicBaseURL,
                timeZone: app.config.siteTimeZone, t: c.t)
        }
    }

    func retry(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .outbox)
        let id = try Int64(request.parameter("id")).orNotFound()
        let user = session.user
        let retried = try await app.database.write { db -> OutboxStore.Retry in
            let retry = try OutboxStore.retryNow(db, id: id)
            if retry == .due || retry == .held { try StaffStore.record(db, user: user, action: "retry", subject: "mail \(id)") }
            return retry
        }
        switch retried {
        case .notFound: throw HTTPError.notFound
        case .due: app.mailer.wake()
        case .held, .mailingCancelled: break
        }
        return .redirect(to: "/admin/outbox/\(id)?retried=\(retried == .due ? "1" : retried == .held ? "held" : "cancelled")")
    }
}
