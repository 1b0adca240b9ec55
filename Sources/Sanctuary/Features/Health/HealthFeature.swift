import Foundation
import HTTP

/// `GET /healthz`: `ok` when the database answers and can be written; `503` while it does not
/// answer or a full disk refuses writes (`StorageHealth`), so a load balancer or an uptime
/// check sees the outage. While writes are refused, a probe looks for space every few seconds
/// and staff see a banner on the dashboard.
struct HealthFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/healthz") { request in
            // The detail is for the site's own monitoring (loopback) or a scraper holding `metrics_token`.
            if request.query["detail"] != nil, MetricsFeature.allowed(request, token: app.config.metricsToken) {
                let report = try HealthReport.make(app)
                var response = Response.json(report.json + "\n", status: report.database.writable ? .ok : .serviceUnavailable)
                response.cache(.noStore)
                return response
            }
            var response: Response
            do {
                if try !app.database.answers() {
                    response = .text("database did not answer\n", status: .serviceUnavailable)
                } else if !app.storageHealth.isWritable {
                    response = .text("database cannot be written: the disk is full\n", status: .serviceUnavailable)
                    response.headers["Retry-After"] = "60"
                } else {
                    response = .text("ok\n")
                }
            } catch {
                response = .text("database unavailable\n", status: .serviceUnavailable)
            }
            response.cache(.noStore)
            return response
        }
    }

    func jobs() -> [ScheduledJob] {
        [
            ScheduledJob("storage probe", .every(app.config.storageProbeSeconds), onEveryNode: true) { [app] in
                app.storageHealth.probe(app.database)
            },
            ScheduledJob("disk sample", .every(300), onEveryNode: true) { [app] in app.storageHealth.sample() },
            ScheduledJob("health warnings by mail", .every(app.config.healthMailSeconds)) { try mailWarnings() },
        ]
    }

    /// The warnings mail can help with (a full disk cannot take the mail; a failing relay
    /// would not send it), to every admin, at most once a day per kind.
    static let mailed = ["disk_low", "backup_failed", "backup_stale", "backup_missing", "mail_stuck", "access_log_failing", "wal_large"]

    func mailWarnings(now: Date = Date()) throws {
        let report = try HealthReport.make(app, now: now)
        // A failed backup's mail says why; that no recent backup exists is then the same news.
        let failed = report.warnings.contains("backup_failed")
        let due = report.warnings.filter { Self.mailed.contains($0) && !(failed && $0.hasPrefix("backup_") && $0 != "backup_failed") }
        guard !due.isEmpty, app.storageHealth.isWritable else { return }
        let t = app.localizer("en")
        let words = Self.words(report, t: t)
        let sent = try app.database.writeAndWait { db -> Int in
            var sent = 0
            let admins = try db.query("SELECT email FROM users WHERE disabled = 0 AND role = 'admin' ORDER BY id") {
                try $0.get("email", as: String.self)
            }
            // With no admin yet (a site just made), nothing is marked as said: the first admin hears of it.
            guard !admins.isEmpty else { return 0 }
            for kind in due {
                let key = "health.mailed.\(kind)"
                if let last = try SettingsStore.value(db, key: key).flatMap(Timestamp.parse), now.timeIntervalSince(last) < 23.5 * 3600 {
                    continue
                }
                for address in admins {
                    try OutboxStore.enqueue(
                        db, kind: "health.warning",
                        message: app.mail(
                            to: address, language: t.language, subject: t("mail.health.subject", ["site": app.siteName]),
                            text: t("mail.health.body", ["warning": t("health.warning.\(kind)", words), "link": app.absoluteURL("/admin")]))
                    )
                    sent += 1
                }
                try SettingsStore.set(db, key: key, value: Timestamp.format(now))
            }
            return sent
        }
        if sent > 0 { app.mailer.wake() }
    }

    /// While writes are refused, a banner first on the dashboard; any other warning (low disk,
    /// stale backups, stuck mail, a failing relay) in words with what to do.
    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] {
        var cards: [HTML] = []
        if let since = app.storageHealth.unwritableSince {
            cards.append(
                """
                <section class="notice notice-error" role="alert" aria-labelledby="storage-heading">
                <h2 id="storage-heading">\(t("health.full.title"))</h2>
                <p>\(t("health.full.body", ["since": DateText.dateTime(Timestamp.format(since), t: t, timeZone: t.timeZone)]))</p>
                </section>
                """)
        }
        let report = try HealthReport.make(app)
        // The full disk has its banner; a failing relay its own card (the outbox's).
        let items: [HTML] = report.warnings.filter { $0 != "disk_full" && $0 != "relay_failing" }.map { warning in
            "<li>\(t("health.warning.\(warning)", Self.words(report, t: t)))</li>"
        }
        if !items.isEmpty {
            cards.append(
                """
                <section class="notice notice-error" aria-labelledby="health-heading">
                <h2 id="health-heading">\(t("health.warnings"))</h2>
                <ul>\(items)</ul>
                </section>
                """)
        }
        return cards
    }

    /// The numbers the warnings quote, as people read them.
    static func words(_ report: HealthReport, t: Localizer) -> [String: String] {
        func megabytes(_ bytes: Int64?) -> String { bytes.map { t.formatNumber(Int($0 >> 20)) } ?? "?" }
        func hours(_ seconds: Int?) -> String { seconds.map { t.formatNumber(max(1, $0 / 3600)) } ?? "?" }
        return [
            "free": megabytes(report.disk.freeBytes), "threshold": megabytes(report.disk.warnBelowBytes),
            "backup_hours": hours(report.backup.newestAgeSeconds), "every": t.formatNumber(report.backup.everyHours),
            "mail_minutes": t.formatNumber((report.mail.oldestUnsentSeconds ?? 0) / 60), "reply": report.mail.relayLastReply ?? "",
            "backup_at": report.backup.lastAttemptAt.map { DateText.dateTime($0, t: t, timeZone: t.timeZone) } ?? "",
            "backup_error": String((report.backup.lastError ?? "").prefix(300)),
            "log_failure": report.accessLog.failure ?? "",
            "wal": megabytes(report.database.walBytes), "wal_threshold": megabytes(report.database.walWarnAboveBytes),
        ]
    }

    /// The same in `/metrics` (the disk's space and the newest backup's time have their own
    /// gauges already: `sanctuary_disk_available_bytes`, `sanctuary_last_backup_timestamp_seconds`).
    func sampleMetrics(_ gauges: MetricGauges) throws {
        let report = try HealthReport.make(app)
        gauges.set(
            "database_writable", help: "1 while the database takes writes; 0 while a full disk refuses them.",
            report.database.writable ? 1 : 0)
        for kind in HealthReport.warningKinds {
            gauges.set(
                "health_warning", help: "1 while the warning holds (see /healthz?detail and the dashboard).", labels: [("kind", kind)],
                report.warnings.contains(kind) ? 1 : 0)
        }
    }
}
