import Foundation
import HTTP
import Storage

/// `/admin/subscribers/import` (organizers, admins): a CSV of supporters who agreed
/// elsewhere, with the note of where and when. The upload is read and previewed with counts;
/// the file waits in the spool folder (readable by the server's user only) under a random
/// name until staff confirm, which imports it all or nothing and deletes it.
struct SubscriberImportFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/admin/subscribers/import", form)
        app.router.post(
            "/admin/subscribers/import", upload: 5 << 20, precheck: AdminAuth.uploadPrecheck(app, .mailings),
            async: preview)
        app.router.post("/admin/subscribers/import/confirm", async: confirm)
    }

    func form(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .mailings)
        let campaigns = try app.database.read { try CampaignStore.choices($0) }
        let t = app.t(request)
        let flash = request.query["imported"].flatMap { Int($0) }.map { t.plural("import.done", $0) }
        return AdminViews.page(app, request, session, title: t("import.title"), flash: flash) { c, csrf in
            SubscriberImportViews.form(campaigns: campaigns, state: FormState(), csrf: csrf, t: c.t)
        }
    }

    /// What the form says besides the file: the campaign (none: the general list), the
    /// consent note and its day.
    struct Choices {
        var campaignID: Int64?
        var note: String
        var consentedAt: String
    }

    func choices(_ fields: [String: String], t: Localizer) throws -> Result<Choices, FormStateError> {
        var state = FormState(values: fields)
        let campaignID = try app.referenceField(fields["campaign_id"], table: "campaigns", field: "campaign_id", state: &state, t: t)
        let consent = SubscriberImport.consent(note: fields["consent_note"] ?? "", day: fields["consented_on"] ?? "")
        if consent == nil {
            if (fields["consent_note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).count < 10 {
                state.errors["consent_note"] = t("import.error.note")
            } else {
                state.errors["consented_on"] = t("import.error.day")
            }
        }
        guard state.isValid, let consent else { return .failure(FormStateError(state: state)) }
        return .success(Choices(campaignID: campaignID, note: consent.note, consentedAt: consent.consentedAt))
    }

    /// The upload: read, checked, counted against the database; the preview, or the form again.
    func preview(_ request: Request) async throws -> Response {
        try await StaffUpload.handle(app, request, area: .mailings) { upload in
            let t = app.t(request)
            let campaigns = try app.database.read { try CampaignStore.choices($0) }
            func again(_ state: FormState) -> Response {
                AdminViews.page(app, request, upload.session, title: t("import.title"), status: .unprocessableContent) { c, csrf in
                    SubscriberImportViews.form(campaigns: campaigns, state: state, csrf: csrf, t: c.t)
                }
            }
            var fields = upload.fields
            fields["_csrf"] = nil
            let choices: Choices
            switch try self.choices(fields, t: t) {
            case .failure(let invalid): return again(invalid.state)
            case .success(let valid): choices = valid
            }
            guard let part = upload.parts.first(where: { $0.name == "file" && $0.size > 0 }), let file = part.file,
                let text = try? String(contentsOfFile: file, encoding: .utf8)
            else { return again(FormState(values: fields, errors: ["file": t("import.error.file")])) }
            let imported: SubscriberImport
            switch SubscriberImport.read(text) {
            case .failure(let error): return again(FormState(values: fields, errors: ["file": SubscriberImportViews.message(error, t: t)]))
            case .success(let read): imported = read
            }
            let preview = try app.database.read { try imported.preview($0, campaignID: choices.campaignID) }
            // The file waits for the confirmation under a random name.
            let stash = SecretToken.make()
            guard (try? FileManager.default.copyItem(atPath: file, toPath: stashPath(stash))) != nil else {
                return again(FormState(values: fields, errors: ["file": t("import.error.file")]))
            }
            return AdminViews.page(app, request, upload.session, title: t("import.preview.title")) { c, csrf in
                SubscriberImportViews.preview(
                    imported, preview, stash: stash, fields: fields, campaign: campaigns.first { $0.0 == choices.campaignID }?.1,
                    csrf: csrf,
                    t: c.t)
            }
        }
    }

    /// Imports the previewed file: everything decided again in the importing transaction.
    func confirm(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .mailings)
        let t = app.t(request)
        let form = request.form
        let stash = form["import"] ?? ""
        guard stash.utf8.count == 43,
            stash.utf8.allSatisfy({
                $0 == 45 || $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0)
            }),
            let text = try? String(contentsOfFile: stashPath(stash), encoding: .utf8),
            case .success(let imported) = SubscriberImport.read(text)
        else {
            return ErrorPages.message(app, request, status: .gone, title: t("import.gone.title"), body: t("import.gone.body"))
        }
        var fields: [String: String] = [:]
        for name in ["campaign_id", "consent_note", "consented_on"] { fields[name] = form[name] ?? "" }
        guard case .success(let choices) = try choices(fields, t: t) else { throw HTTPError(.unprocessableContent) }
        let user = session.user
        let done = try await app.database.write { db in
            try imported.commit(
                db, campaignID: choices.campaignID, consentNote: choices.note, consentedOn: choices.consentedAt, actor: user)
        }
        unlink(stashPath(stash))
        return .redirect(to: "/admin/subscribers/import?imported=\(done.new.count)")
    }

    /// Where a previewed file waits: its own folder beside the database, the server's user's
    /// only; files left there (a preview never confirmed) go after an hour.
    func stashPath(_ stash: String) -> String { stashFolder() + "/" + stash + ".csv" }

    func stashFolder() -> String {
        let folder = app.config.dataDirectory + "/imports"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stale = Date().addingTimeInterval(-3600)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = folder + "/" + name
            if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < stale {
                unlink(path)
            }
        }
        return folder
    }
}
