import Foundation
import HTTP
import Storage

extension StaffUser.Area {
    /// Finding, exporting and erasing a person's data: admins only.
    public static let privacy = StaffUser.Area("privacy", roles: [])
}

extension Application {
    /// Every feature's retention rules.
    public var retentionRules: [RetentionRule] { features.flatMap { $0.retention() } }

    /// What each rule would deal with now (`sanctuary privacy retain --dry-run`).
    public func retentionDue(now: Date = Date()) throws -> [(what: String, count: Int)] {
        try database.read { db in try retentionRules.map { ($0.what, try $0.due(db, now).count) } }
    }

    /// Every rule applied: what is due read once on a reader, then dealt with by id, `batch`
    /// rows per write, so that other writes go between them. Answers how many each dealt with.
    @discardableResult
    public func enforceRetention(now: Date = Date(), batch: Int = 500) throws -> [(what: String, count: Int)] {
        var done: [(String, Int)] = []
        let size = max(1, batch)
        for rule in retentionRules {
            // Looked for on a reader: a write, even one that changes nothing, ends every cached page.
            let due = try database.read { try rule.due($0, now) }
            var total = 0
            var longest = 0.0
            for start in stride(from: 0, to: due.count, by: size) {
                let ids = Array(due[start..<min(start + size, due.count)])
                let (count, took) = try database.writeAndWait { db in
                    let began = Date()
                    return (try rule.apply(db, ids), Date().timeIntervalSince(began))
                }
                total += count
                longest = max(longest, took)
            }
            if total > 0 { logger.info("retention: \(total) \(rule.what); the longest write took \(Int(longest * 1000)) ms") }
            done.append((rule.what, total))
        }
        return done
    }
}

/// `/admin/privacy` (admins): the data map, a person's records found by address (a search
/// that needs a reason, audited, by POST so the address is in no URL or log), exported as a
/// ZIP, erased after a preview; the retention rules in force. `/privacy`: what the site
/// collects, why and for how long, written from the settings, in both languages.
struct PrivacyFeature: Feature {
    let app: Application

    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin/privacy", label: "admin.nav.privacy", area: .privacy, order: 115)]
    }

    func footerLinks(_ t: Localizer) -> [(path: String, label: String)] { [("/privacy", t("privacy.notice.title"))] }

    func sitemap(_ db: Connection) throws -> [String] { ["/privacy"] }

    func jobs() -> [ScheduledJob] {
        [
            ScheduledJob("retention", .housekeeping) { try app.enforceRetention() },
            // Every node keeps the day's keys in memory; the next day's is made a day ahead.
            ScheduledJob("client hash keys", .every(600), onEveryNode: true) { try app.clientHashes.refresh(app.database) },
        ]
    }

    func register() {
        app.router.get("/privacy", notice)
        app.router.get("/admin/privacy", home)
        app.router.post("/admin/privacy/search", async: search)
        app.router.post("/admin/privacy/export", async: export)
        app.router.post("/admin/privacy/erase", async: erase)
        registerRequests()
    }

    /// The address and reason a privacy form carries, checked; or the answer to give.
    struct Request: Sendable {
        let email: String
        let why: String
    }

    /// The address and reason a privacy form carries; the form again (`422`) when either is wrong.
    func checked(_ request: HTTP.Request, _ session: AdminAuth.Session) throws -> Request {
        let t = app.t(request)
        var checks = FieldChecks(request.form, t: t, fields: ["email", "why"])
        let email = checks.email()
        let why = checks.text("why", required: true, max: 500, missing: "admin.privacy.error.why")
        guard let email, checks.isValid else {
            throw HTTPError(response: try page(request, session, state: checks.state, status: .unprocessableContent))
        }
        return Request(email: email, why: why)
    }

    func home(_ request: HTTP.Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .privacy)
        return try page(request, session, state: FormState())
    }

    func page(
        _ request: HTTP.Request, _ session: AdminAuth.Session, state: FormState, status: Status = .ok, found: HTML = .empty
    ) throws -> Response {
        let due = try app.retentionDue()
        let t = app.t(request)
        var response = AdminViews.page(app, request, session, title: t("admin.privacy.title"), status: status) { c, csrf in
            PrivacyViews.home(
                state: state, csrf: csrf, found: found, map: app.personalData, due: due, retention: retentionLines(c.t),
                backups: backupLine(c.t), t: c.t)
        }
        response.cache(.noStore)
        return response
    }

    /// `POST /admin/privacy/search`: every record of the address, with what erasing would do.
    func search(_ request: HTTP.Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .privacy)
        let asked = try checked(request, session)
        let user = session.user
        let (found, preview) = try app.database.read { db in
            (try app.privacyFind(db, email: asked.email), try app.privacyPreview(db, email: asked.email, removing: false))
        }
        // The search itself is recorded (who, why, the address's fingerprint), off the request's path.
        let fingerprint = app.addressFingerprint(asked.email)
        try await app.database.write { db in
            try StaffStore.record(
                db, user: user, action: "privacy search", subject: "personal data",
                detail: "address \(fingerprint); \(found.reduce(0) { $0 + $1.rows.count }) records; why: \(asked.why)")
        }
        let t = app.t(request)
        let csrf = AdminAuth.csrfToken(app, session)
        let results = PrivacyViews.found(
            found, preview: preview, email: asked.email, why: asked.why, language: app.likelyLanguage(found), csrf: csrf, t: t)
        return try page(request, session, state: FormState(values: ["email": asked.email, "why": asked.why]), found: results)
    }

    /// `POST /admin/privacy/export`: the ZIP, audited.
    func export(_ request: HTTP.Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .privacy)
        let asked = try checked(request, session)
        let language = request.form["language"] == "fr" ? "fr" : "en"
        let user = session.user
        let fingerprint = app.addressFingerprint(asked.email)
        let zip = try await app.database.write { db -> Data in
            try StaffStore.record(
                db, user: user, action: "privacy export", subject: "personal data", detail: "address \(fingerprint); why: \(asked.why)")
            return try app.privacyExport(db, email: asked.email, language: language)
        }
        var response = Response(status: .ok, contentType: "application/zip", body: [UInt8](zip))
        response.headers["Content-Disposition"] = "attachment; filename=\"personal-data-\(fingerprint).zip\""
        response.cache(.noStore)
        return response
    }

    /// `POST /admin/privacy/erase` (after the preview the search showed): erased in one write,
    /// audited; the pictures it leaves unused go too.
    func erase(_ request: HTTP.Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .privacy)
        let asked = try checked(request, session)
        guard request.form["confirm"] == "yes" else { return try await search(request) }
        let removing = request.form["remove"] == "yes"
        let user = session.user
        let outcomes = try await app.eraseEverywhere(
            email: asked.email, removing: removing, actor: user, actorName: user.email, why: asked.why)
        let t = app.t(request)
        return try page(
            request, session, state: FormState(), found: PrivacyViews.erased(outcomes, t: t))
    }

    /// How long each kind of record is kept, from the settings (the privacy page and notice).
    func retentionLines(_ t: Localizer) -> [String] {
        let c = app.config
        return [
            t("privacy.keep.signatures", ["months": String(c.signatureRetentionMonths)]),
            t("privacy.keep.unconfirmed"),
            t("privacy.keep.rsvps", ["days": String(c.rsvpRetentionDays)]),
            t("privacy.keep.letters", ["days": String(c.letterRetentionDays)]),
            t("privacy.keep.stories", ["days": String(c.storyRetentionDays)]),
            t("privacy.keep.mail", ["days": String(c.mailRetentionDays)]),
            t("privacy.keep.subscribers"),
            t("privacy.keep.audit", ["months": String(c.auditRetentionMonths)]),
            t(c.accessLogFullAddresses ? "privacy.keep.access_log_full" : "privacy.keep.access_log"),
        ]
    }

    /// How long an erased record can live on in the rotating backups.
    func backupLine(_ t: Localizer) -> String {
        let c = app.config
        guard c.backupEveryHours > 0 else { return t("privacy.backups.none") }
        let days = min(c.backupMaxAgeDays, max(1, Int((c.backupEveryHours * Double(c.backupKeep) / 24).rounded(.up))))
        return t("privacy.backups.days", ["days": String(days)])
    }

    /// `GET /privacy`: the notice, written from the settings.
    func notice(_ request: HTTP.Request) throws -> Response {
        let t = app.t(request)
        let contact = app.siteSettings.current.settings.contactEmail
        var response = app.page(request, title: t("privacy.notice.title"), description: t("privacy.notice.lede", ["site": app.siteName])) {
            c in
            PrivacyViews.notice(site: app.siteName, contact: contact, retention: retentionLines(c.t), backups: backupLine(c.t), t: c.t)
        }
        response.cache(.publicPage(shared: 60))
        return response
    }
}
