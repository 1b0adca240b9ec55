import Foundation
import HTTP
import Storage

/// Petition outcomes (organizers): a response or a delivery note, in English and French,
/// shown on the petition and in its JSON, and mailed, as a mailing of its own, to the
/// confirmed signers who ticked "tell me the outcome".
struct OutcomesFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/admin/petitions/{id}/outcome", editor)
        app.router.post("/admin/petitions/{id}/outcome", async: post)
    }

    static let order = ["kind", "happened_on", "body_en", "body_fr"]

    struct OutcomeInput {
        let kind: OutcomeKind, happenedOn: String, bodyEn: String, bodyFr: String, notify: Bool
    }

    static func validate(_ form: FormFields, t: Localizer) -> Result<OutcomeInput, FormStateError> {
        var state = FormState()
        for name in order { state.values[name] = form[name] ?? "" }
        state.values["notify"] = form["notify"] == "yes" ? "yes" : ""
        let kind = OutcomeKind(rawValue: form["kind"] ?? "")
        if kind == nil { state.errors["kind"] = t("admin.outcome.error.kind") }
        let day = (form["happened_on"] ?? "").trimmingCharacters(in: .whitespaces)
        let date = day.utf8.count == 10 ? Timestamp.parse(day) : nil
        if date == nil { state.errors["happened_on"] = t("admin.outcome.error.date") }
        func body(_ name: String, required: Bool) -> String {
            switch Input.text(form[name], required: required, maxLength: 20_000, multiline: true) {
            case .success(let value): return value
            case .failure(.missing): state.errors[name] = t("admin.outcome.error.body")
            case .failure(.tooLong): state.errors[name] = t("admin.outcome.error.too_long", ["max": t.formatNumber(20_000)])
            case .failure(.invalidCharacters): state.errors[name] = t("sign.error.invalid_characters")
            }
            return ""
        }
        let bodyEn = body("body_en", required: true)
        let bodyFr = body("body_fr", required: false)
        guard state.isValid, let kind, let date else { return .failure(FormStateError(state: state)) }
        return .success(
            OutcomeInput(
                kind: kind, happenedOn: String(Timestamp.format(date).prefix(10)), bodyEn: bodyEn, bodyFr: bodyFr,
                notify: form["notify"] == "yes"))
    }

    func petition(_ request: Request) throws -> (Petition, [PetitionOutcome], Int) {
        let id = try Int64(request.parameter("id")).orNotFound()
        return try app.database.read { db -> (Petition, [PetitionOutcome], Int)? in
            guard let slug = try PetitionStore.slug(db, id: id), let petition = try PetitionStore.find(db, slug: slug) else { return nil }
            return (petition, try OutcomeStore.all(db, petitionID: id), try OutcomeStore.notifyCount(db, petitionID: id))
        }.orNotFound()
    }

    func editor(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .petitions)
        let (petition, outcomes, notify) = try petition(request)
        let today = DateText.today(t: app.t(request))
        return page(
            request, session, petition, outcomes, notify: notify,
            state: FormState(values: ["kind": "response", "happened_on": today, "notify": "yes"]),
            flash: request.query["posted"] == "1" ? app.t(request)("admin.outcome.posted") : nil)
    }

    func page(
        _ request: Request, _ session: AdminAuth.Session, _ petition: Petition, _ outcomes: [PetitionOutcome],
        notify: Int, state: FormState, flash: String? = nil, status: Status = .ok
    ) -> Response {
        AdminViews.page(app, request, session, title: app.t(request)("admin.outcome.title"), status: status, flash: flash) { c, csrf in
            PetitionViews.outcomeEditor(petition, outcomes, notify: notify, state: state, csrf: csrf, t: c.t)
        }
    }

    func post(_ request: Request) async throws -> Response {
        try AdminAuth.requirePost(app, request, .petitions)
        let (petition, outcomes, notify) = try petition(request)
        return try await app.staffFormPost(
            request, .petitions, validate: { Self.validate($0, t: app.t(request)) },
            again: { session, state in
                page(request, session, petition, outcomes, notify: notify, state: state, status: .unprocessableContent)
            },
            accept: { session, input in
                let user = session.user
                let draft = input.notify ? mailing(petition, input) : nil
                try await app.database.write { db in
                    var mailingID: Int64?
                    if let draft {
                        let id = try BulkMailStore.create(db, draft, by: user.email)
                        try BulkMailStore.queue(db, id: id, audiences: [.outcome])
                        mailingID = id
                    }
                    let id = try OutcomeStore.add(
                        db, petitionID: petition.id, kind: input.kind, bodyEn: input.bodyEn, bodyFr: input.bodyFr,
                        happenedOn: input.happenedOn, by: user.email, mailingID: mailingID)
                    try StaffStore.record(
                        db, user: user, action: "outcome", subject: "petition \(petition.id)",
                        detail: "outcome \(id)\(mailingID.map { ", mailing \($0)" } ?? "")")
                }
                app.mailer.wake()
                return .redirect(to: "/admin/petitions/\(petition.id)/outcome?posted=1")
            })
    }

    /// The mail to signers who asked: what happened, the text, a link to the petition;
    /// in French too when the outcome has a French text.
    func mailing(_ petition: Petition, _ input: OutcomeInput) -> MailingDraft {
        func text(_ language: String, body: String) -> (subject: String, body: String) {
            let t = app.localizer(language)
            let vars = [
                "title": petition.title.text(t), "date": DateText.day(input.happenedOn, t: t),
                "link": app.absoluteURL(t.path("/petitions/\(petition.slug)")),
            ]
            return (
                String(t("mail.outcome.subject.\(input.kind.rawValue)", vars).prefix(200)),
                t("mail.outcome.intro.\(input.kind.rawValue)", vars) + "\n\n" + body + "\n\n" + t("mail.outcome.more", vars)
            )
        }
        let en = text("en", body: input.bodyEn)
        let fr = input.bodyFr.isEmpty ? ("", "") : text("fr", body: input.bodyFr)
        return MailingDraft(
            subjectEn: en.subject, bodyEn: en.body, subjectFr: fr.0, bodyFr: fr.1, audience: .outcome, audienceID: petition.id)
    }
}
