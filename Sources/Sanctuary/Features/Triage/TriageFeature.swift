import Foundation
import HTTP
import Storage

extension StaffUser.Area {
    /// Watching signatures for abuse: block lists, setting signatures aside, pausing signing.
    public static let triage = StaffUser.Area("triage", roles: [.organizer])
}

/// `/admin/petitions/{id}/triage` (organizers, admins): who is signing in the last hours,
/// grouped by client hash, e-mail domain, postal code and source, with what is unusual
/// highlighted; block lists that answer like any signature; setting a selection aside
/// (previewed, audited, undone within 30 days); the site-wide pause and canonical addresses.
struct TriageFeature: Feature {
    let app: Application
    static let windows = [6, 24, 72, 168]

    func register() {
        app.router.get("/admin/petitions/{id}/triage", page)
        app.router.post("/admin/petitions/{id}/triage/settings", writes: settings)
        app.router.post("/admin/petitions/{id}/triage/blocks", writes: addBlock)
        app.router.post("/admin/petitions/{id}/triage/blocks/{block}/delete", writes: removeBlock)
        app.router.get("/admin/petitions/{id}/triage/invalidate", preview)
        app.router.post("/admin/petitions/{id}/triage/invalidate", writes: invalidate)
        app.router.post("/admin/petitions/{id}/triage/invalidations/{invalidation}/undo", writes: undo)
    }

    func prepare() throws { app.signingGate.reload(app.database) }

    /// Signatures set aside whose 30 days to undo have passed are deleted.
    func jobs() -> [ScheduledJob] {
        [
            .purge(
                "signatures set aside", app, isDue: { !(try TriageStore.expiredInvalidated($0).isEmpty) },
                purge: { db in
                    let ids = try TriageStore.expiredInvalidated(db)
                    guard !ids.isEmpty else { return 0 }
                    return try db.run(
                        "DELETE FROM signatures WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))", parameters: ids)
                })
        ]
    }

    private func petition(_ request: Request) throws -> PetitionSummary {
        guard let id = Int64(request.parameter("id")),
            let petition = try app.database.read({ try PetitionStore.summary($0, id: id) })
        else { throw HTTPError.notFound }
        return petition
    }

    /// A staff form's mistake, said on a page of its own with the way back.
    private func invalid(_ request: Request, _ key: String) -> HTTPError {
        let t = app.t(request)
        return HTTPError(
            response: ErrorPages.message(app, request, status: .unprocessableContent, title: t("triage.error.title"), body: t(key)))
    }

    private func back(_ petition: PetitionSummary, _ request: Request, flash: String) -> Response {
        .redirect(to: app.t(request).path("/admin/petitions/\(petition.id)/triage?done=\(flash)"))
    }

    func page(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .triage)
        let petition = try petition(request)
        let hours = request.query["hours"].flatMap(Int.init).flatMap { Self.windows.contains($0) ? $0 : nil } ?? 24
        let now = Date()
        let since = now.addingTimeInterval(-Double(hours) * 3600)
        let (report, blocks, invalidations) = try app.database.read { db in
            (
                try TriageStore.report(db, petitionID: petition.id, since: since, until: now.addingTimeInterval(1)),
                try TriageStore.blocks(db), try TriageStore.invalidations(db, petitionID: petition.id)
            )
        }
        let t = app.t(request)
        let gate = app.signingGate
        let flash = request.query["done"].flatMap {
            ["blocked", "unblocked", "settings", "invalidated", "undone", "exists"].contains($0) ? $0 : nil
        }
        var response = AdminViews.page(
            app, request, session, title: t("triage.title", ["title": petition.title.text(t)]), flash: flash.map { t("triage.done.\($0)") }
        ) { c, csrf in
            TriageViews.page(
                petition, report: report, hours: hours, blocks: blocks, invalidations: invalidations, paused: gate.pause,
                canonical: gate.canonicalEmails, csrf: csrf, t: c.t)
        }
        response.cache(.noStore)
        return response
    }

    /// The pause (with its message) and canonical addresses: site-wide, audited.
    func settings(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .triage)
        let petition = try petition(request)
        let form = request.form
        let paused = form["paused"] == "yes"
        let canonical = form["canonical_emails"] == "yes"
        let message = String((try? Input.text(form["message"], required: false, maxLength: 500, multiline: true).get()) ?? "")
        let user = session.user
        try await app.database.write { db in
            try SettingsStore.set(db, key: SigningGate.pausedKey, value: paused ? "1" : "0")
            try SettingsStore.set(db, key: SigningGate.messageKey, value: message)
            try SettingsStore.set(db, key: SigningGate.canonicalKey, value: canonical ? "1" : "0")
            try StaffStore.record(
                db, user: user, action: paused ? "pause signing" : "open signing", subject: "signing",
                detail: "canonical addresses \(canonical ? "on" : "off")")
        }
        app.signingGate.reload(app.database)
        return back(petition, request, flash: "settings")
    }

    func addBlock(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .triage)
        let petition = try petition(request)
        let form = request.form
        guard let kind = SigningBlock.Kind(rawValue: form["kind"] ?? "") else { throw invalid(request, "triage.error.kind") }
        let raw = (form["value"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let value: String
        switch kind {
        case .domain:
            let domain = raw.hasPrefix("@") ? String(raw.dropFirst()) : raw
            guard !domain.isEmpty, domain.utf8.count <= 253, domain.contains("."),
                domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
            else { throw invalid(request, "triage.error.domain") }
            value = domain
        case .client:
            guard (8...128).contains(raw.utf8.count), raw.allSatisfy(\.isHexDigit) else {
                throw invalid(request, "triage.error.client")
            }
            value = raw
        case .email:
            guard let email = Input.email(raw) else { throw invalid(request, "triage.error.email") }
            // Only its keyed hash is kept: the list names nobody.
            value = app.signingGate.emailHash(email)
        }
        let note = String((try? Input.text(form["note"], required: false, maxLength: 200).get()) ?? "")
        let user = session.user
        let added = try await app.database.write { db -> Bool in
            let added = try TriageStore.addBlock(db, kind: kind, value: value, note: note, by: user.email)
            if added {
                try StaffStore.record(
                    db, user: user, action: "block signing", subject: "petition \(petition.slug)",
                    detail: "\(kind.rawValue) \(kind == .email ? String(value.prefix(12)) : value)")
            }
            return added
        }
        app.signingGate.reload(app.database)
        return back(petition, request, flash: added ? "blocked" : "exists")
    }

    func removeBlock(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .triage)
        let petition = try petition(request)
        guard let id = Int64(request.parameter("block")) else { throw HTTPError.notFound }
        let user = session.user
        try await app.database.write { db in
            if let removed = try TriageStore.removeBlock(db, id: id) {
                try StaffStore.record(
                    db, user: user, action: "unblock signing", subject: "petition \(petition.slug)",
                    detail: "\(removed.kind.rawValue) \(removed.kind == .email ? String(removed.value.prefix(12)) : removed.value)")
            }
        }
        app.signingGate.reload(app.database)
        return back(petition, request, flash: "unblocked")
    }

    /// The selection a preview or an invalidation names (from the query or the form).
    private func selection(_ fields: FormFields, petition: PetitionSummary) throws -> TriageSelection {
        guard let dimension = TriageDimension(rawValue: fields["dimension"] ?? ""),
            let value = fields["value"], value.utf8.count <= 254,
            let since = fields["since"].flatMap(Timestamp.parse), let until = fields["until"].flatMap(Timestamp.parse), since < until
        else { throw HTTPError(.badRequest) }
        let upTo = fields["up_to"].flatMap { Int64($0) }.flatMap { $0 >= 0 ? $0 : nil } ?? 0
        return TriageSelection(
            petitionID: petition.id, dimension: dimension, value: value, since: Timestamp.format(since), until: Timestamp.format(until),
            upTo: upTo)
    }

    /// `GET …/triage/invalidate?dimension=&value=&since=&until=`: how many signatures, which
    /// counts change, and a few of them, before anything is done.
    func preview(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .triage)
        let petition = try petition(request)
        let selection = try selection(request.query, petition: petition)
        let preview = try app.database.read { try TriageStore.preview($0, selection) }
        let t = app.t(request)
        var response = AdminViews.page(app, request, session, title: t("triage.preview.title")) { c, csrf in
            TriageViews.preview(petition, preview, csrf: csrf, t: c.t)
        }
        response.cache(.noStore)
        return response
    }

    func invalidate(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .triage)
        let petition = try petition(request)
        let form = request.form
        let selection = try selection(form, petition: petition)
        guard selection.upTo > 0, form["confirm"] == "yes" else { return try preview(request) }
        let reason = String((try? Input.text(form["reason"], required: false, maxLength: 300).get()) ?? "")
        let user = session.user
        try await app.database.write { db in
            let (id, count) = try TriageStore.invalidate(db, selection, reason: reason, by: user.email)
            try StaffStore.record(
                db, user: user, action: "invalidate signatures", subject: "petition \(petition.slug)",
                detail: "#\(id): \(count) signatures, \(selection.rule); why: \(reason)")
        }
        return back(petition, request, flash: "invalidated")
    }

    func undo(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .triage)
        let petition = try petition(request)
        guard let id = Int64(request.parameter("invalidation")) else { throw HTTPError.notFound }
        let user = session.user
        let restored = try await app.database.write { db -> Int? in
            guard let count = try TriageStore.undo(db, petitionID: petition.id, invalidationID: id) else { return nil }
            try StaffStore.record(
                db, user: user, action: "restore signatures", subject: "petition \(petition.slug)", detail: "#\(id): \(count) signatures")
            return count
        }
        guard restored != nil else { throw HTTPError.notFound }
        return back(petition, request, flash: "undone")
    }
}
