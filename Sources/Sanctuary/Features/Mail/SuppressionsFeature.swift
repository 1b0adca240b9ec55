import Foundation
import HTTP
import Storage

/// `/admin/suppressions` (organizers, admins): the addresses bulk mail skips because they
/// bounced or complained, with when and the server's own words; a bounce suppression can be
/// lifted one by one, or all of a kind from a date range (asked first, audited). Complaints
/// are unsubscriptions: only their owner undoes them, by confirming again.
/// `/admin/outbox/relay/retry` (admins): the relay was fixed, try it now.
struct SuppressionsFeature: Feature {
    let app: Application

    func sampleMetrics(_ gauges: MetricGauges) throws {
        let suppressed = try app.database.read { try SuppressionStore.counts($0) }
        for kind in [Suppression.hard, .soft, .complaint, .staff] {
            gauges.set(
                "mail_suppressed", unit: "addresses", help: "Addresses bulk mail skips, by why: hard and soft bounces, complaints, staff.",
                labels: [("kind", kind.rawValue)], Double(suppressed[kind] ?? 0))
        }
    }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "mail servers' reports about their address", table: "mail_bounces", email: "address",
                columns: ["kind", "source", "detail", "created_at"])
        ]
    }

    func jobs() -> [ScheduledJob] {
        let policy = app.mailer.settings.bouncePolicy
        return [
            .purge(
                "old bounce records", app, isDue: { try SuppressionStore.purgeIsDue($0, policy: policy) },
                purge: { try SuppressionStore.purge($0, policy: policy) })
        ]
    }

    func register() {
        app.router.get("/admin/suppressions", list)
        app.router.post("/admin/suppressions/{id}/lift", async: liftOne)
        app.router.post("/admin/suppressions/lift", async: liftRange)
        app.router.post("/admin/outbox/relay/retry", async: retryRelay)
    }

    func list(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .mailings)
        let kind = request.query["kind"].flatMap(Suppression.init(rawValue:)).flatMap { $0 == .unsuppressed ? nil : $0 }
        let search = String((request.query["q"] ?? "").prefix(254))
        let (rows, counts) = try app.database.read { db in
            (try SuppressionStore.list(db, kind: kind, search: search), try SuppressionStore.counts(db))
        }
        let t = app.t(request)
        let flash = request.query["lifted"].flatMap { Int($0) }.map { t.plural("admin.suppressions.lifted", $0) }
        return AdminViews.page(app, request, session, title: t("admin.suppressions.title"), flash: flash) { c, csrf in
            SuppressionViews.list(
                rows, counts: counts, kind: kind, search: search, csrf: csrf, timeZone: app.config.siteTimeZone, t: c.t)
        }
    }

    func liftOne(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .mailings)
        let id = try Int64(request.parameter("id")).orNotFound()
        let user = session.user
        let lifted = try await app.database.write { db -> Bool in
            guard let address = try SuppressionStore.lift(db, id: id) else { return false }
            try StaffStore.record(db, user: user, action: "lift suppression", subject: address)
            return true
        }
        guard lifted else { throw HTTPError.notFound }
        return .redirect(to: "/admin/suppressions?lifted=1")
    }

    /// Lifts every bounce suppression of a kind made between two days (in the site's time
    /// zone): the first post shows how many and asks; `confirm=yes` lifts them.
    func liftRange(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .mailings)
        let t = app.t(request)
        let form = request.form
        let kind = form["kind"].flatMap(Suppression.init(rawValue:)).flatMap { $0 == .unsuppressed || $0 == .complaint ? nil : $0 }
        let zone = TimeZone(identifier: app.config.siteTimeZone) ?? .gmt
        guard let from = Self.day(form["from"] ?? "", zone: zone), let through = Self.day(form["to"] ?? "", zone: zone), from <= through
        else {
            return AdminViews.page(app, request, session, title: t("admin.suppressions.title"), status: .unprocessableContent) {
                c, csrf in
                SuppressionViews.rangeError(t: c.t)
            }
        }
        let (start, end) = (Timestamp.format(from), Timestamp.format(through.addingTimeInterval(86_400 - 0.001)))
        guard form["confirm"] == "yes" else {
            let count = try app.database.read { try SuppressionStore.liftable($0, kind: kind, from: start, to: end) }
            return AdminViews.page(app, request, session, title: t("admin.suppressions.lift.title")) { c, csrf in
                SuppressionViews.confirmRange(
                    count: count, kind: kind, from: form["from"] ?? "", to: form["to"] ?? "", csrf: csrf, t: c.t)
            }
        }
        let user = session.user
        let lifted = try await app.database.write { db -> Int in
            let lifted = try SuppressionStore.lift(db, kind: kind, from: start, to: end)
            try StaffStore.record(
                db, user: user, action: "lift suppressions", subject: "\(lifted) addresses",
                detail: "\(kind?.rawValue ?? "all bounces") from \(form["from"] ?? "") to \(form["to"] ?? "")")
            return lifted
        }
        return .redirect(to: "/admin/suppressions?lifted=\(lifted)")
    }

    /// `YYYY-MM-DD` as the start of that day in `zone`.
    static func day(_ text: String, zone: TimeZone) -> Date? {
        let parts = text.split(separator: "-")
        guard text.utf8.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: year, month: month, day: day))
    }

    func retryRelay(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .outbox)
        let user = session.user
        try await app.database.write { db in
            if try RelayStatusStore.tryNow(db) { try StaffStore.record(db, user: user, action: "retry relay") }
        }
        app.mailer.tryRelayNow()
        return .redirect(to: "/admin/outbox?relay=1")
    }
}
