import Foundation
import HTTP
import SQLite

/// The list, new, edit, save, preview and delete screens of an `AdminResource`.
enum AdminResourceRoutes {
    static func register(_ resource: AdminResource, in app: Application) {
        let router = app.router
        let path = resource.path

        router.get(path) { request in
            let session = try AdminAuth.require(app, request, resource.area)
            return try list(resource, app, request, session)
        }
        router.get("\(path)/new") { request in
            let session = try AdminAuth.require(app, request, resource.area)
            var state = FormState()
            for field in resource.fields {
                if case .choice(let options) = field.kind { state.values[field.name] = options.first == "draft" ? "draft" : options.first }
            }
            if resource.key == "events" { state.values["time_zone"] = "America/Toronto" }
            return editor(resource, app, request, session, id: nil, state: state)
        }
        router.get("\(path)/{id}/edit") { request in
            let session = try AdminAuth.require(app, request, resource.area)
            guard let id = Int64(request.parameter("id")),
                let state = try app.database.read({ try resource.formValues($0, id: id) })
            else { throw HTTPError.notFound }
            return editor(
                resource, app, request, session, id: id, state: state,
                flash: request.query["saved"] == "1" ? app.t(request)("admin.saved") : nil)
        }
        router.post(path, async: { request in try await save(resource, app, request, id: nil) })
        router.post(
            "\(path)/{id}",
            async: { request in
                guard let id = Int64(request.parameter("id")) else { throw HTTPError.notFound }
                return try await save(resource, app, request, id: id)
            })
        router.post(
            "\(path)/{id}/delete",
            async: { request in
                let session = try AdminAuth.requirePost(app, request, resource.area)
                guard let id = Int64(request.parameter("id")) else { throw HTTPError.notFound }
                let user = session.user
                let deleted = try await app.database.write { db -> Bool in
                    guard try resource.delete(db, id: id) else { return false }
                    try StaffStore.record(db, user: user, action: "delete", subject: "\(resource.key) \(id)")
                    return true
                }
                guard deleted else { throw HTTPError.notFound }
                return .redirect(to: "\(path)?deleted=1")
            })
    }

    static func save(_ resource: AdminResource, _ app: Application, _ request: Request, id: Int64?) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, resource.area)
        let form = request.form
        let campaigns = Set(try app.database.read { try CampaignStore.choices($0) }.map(\.0))
        switch resource.validate(form, t: app.t(request), campaigns: campaigns) {
        case .failure(let invalid):
            return editor(resource, app, request, session, id: id, state: invalid.state, status: .unprocessableContent)
        case .success(let values):
            if form["action"] == "preview" {
                var state = FormState()
                for field in resource.fields { state.values[field.name] = form[field.name] ?? "" }
                return editor(resource, app, request, session, id: id, state: state, preview: true)
            }
            let user = session.user
            let outcome: Result<Int64, SQLiteError> = try await app.database.write { db in
                do {
                    if let id {
                        guard try resource.update(db, id: id, values) else { return .success(-1) }
                        try StaffStore.record(db, user: user, action: "edit", subject: "\(resource.key) \(id)")
                        return .success(id)
                    }
                    let newID = try resource.insert(db, values)
                    try StaffStore.record(db, user: user, action: "create", subject: "\(resource.key) \(newID)")
                    return .success(newID)
                } catch let error as SQLiteError where error.isUniqueViolation {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(let saved) where saved < 0:
                throw HTTPError.notFound
            case .success(let saved):
                return .redirect(to: "\(resource.path)/\(saved)/edit?saved=1")
            case .failure:
                var state = FormState()
                for field in resource.fields { state.values[field.name] = form[field.name] ?? "" }
                state.errors["slug"] = app.t(request)("admin.field.slug_taken")
                return editor(resource, app, request, session, id: id, state: state, status: .unprocessableContent)
            }
        }
    }

    static func list(_ resource: AdminResource, _ app: Application, _ request: Request, _ session: AdminAuth.Session) throws -> Response {
        let rows = try app.database.read { try resource.list($0) }
        let flash = request.query["deleted"] == "1" ? app.t(request)("admin.deleted") : nil
        return AdminViews.page(app, request, session, title: app.t(request)("admin.\(resource.key).title"), flash: flash) { c, _ in
            let t = c.t
            let body: [HTML] = rows.map { id, slug, title, state, updated in
                let links: [HTML] =
                    [("\(resource.path)/\(id)/edit", t("admin.edit"))].map { "<a href=\"\(t.path($0.0))\">\($0.1)</a>" }
                    + resource.rowLinks(id, slug, t).map { "<a href=\"\(t.path($0.0))\">\($0.1)</a>" }
                return
                    "<tr><td>\(title)</td><td>\(t("admin.state.\(state)"))</td><td>\(updated)</td><td class=\"row-links\">\(HTML.join(links, separator: " · "))</td></tr>"
            }
            return """
                <h1>\(t("admin.\(resource.key).title"))</h1>
                <p><a class="button" href="\(t.path(resource.path + "/new"))">\(t("admin.\(resource.key).new"))</a></p>
                \(rows.isEmpty ? Layout.emptyState(t("admin.list.empty")) : """
                <div class="table-wrap"><table><thead><tr><th scope="col">\(t("admin.field.title"))</th><th scope="col">\(t("admin.field.state"))</th>
                <th scope="col">\(t("admin.list.updated"))</th><th scope="col"><span class="visually-hidden">\(t("admin.account.actions"))</span></th></tr></thead>
                <tbody>\(body)</tbody></table></div>
                """)
                """
        }
    }

    static func editor(
        _ resource: AdminResource, _ app: Application, _ request: Request, _ session: AdminAuth.Session, id: Int64?,
        state: FormState, status: Status = .ok, flash: String? = nil, preview: Bool = false
    ) -> Response {
        let title = id == nil ? app.t(request)("admin.\(resource.key).new") : app.t(request)("admin.\(resource.key).edit")
        let campaignChoices = (try? app.database.read { try CampaignStore.choices($0) }) ?? []
        return AdminViews.page(app, request, session, title: title, status: status, flash: flash) { c, csrf in
            let t = c.t
            let inputs: [HTML] = resource.fields.map { field in
                let label =
                    field.translates.map { t("admin.field.in_french", ["label": t("admin.field.\($0)")]) } ?? t("admin.field.\(field.name)")
                switch field.kind {
                case .flag:
                    return Form.checkbox(name: field.name, label: label, checked: state[field.name] == "yes")
                case .campaign:
                    return Form.select(
                        name: field.name, label: label,
                        options: [("", t("admin.field.no_campaign"))] + campaignChoices.map { (String($0.0), $0.1) },
                        selected: state[field.name], error: state.errors[field.name])
                case .choice(let options):
                    return Form.select(
                        name: field.name, label: label,
                        options: options.map {
                            ($0, field.name == "state" ? t("admin.state.\($0)") : t.text("admin.choice.\(field.name).\($0)") ?? $0)
                        },
                        selected: state[field.name], error: state.errors[field.name])
                default:
                    let type: String
                    var hint: String?
                    switch field.kind {
                    case .textarea: type = "textarea"
                    case .markdown:
                        type = "textarea"
                        hint = t("admin.field.markdown_hint")
                    case .template:
                        type = "textarea"
                        hint = t(
                            "admin.field.template_hint", ["known": LetterTemplate.placeholders.map { "{{\($0)}}" }.joined(separator: " ")])
                    case .integer: type = "number"
                    case .dateTime:
                        type = "datetime-local"
                        hint = field.zoneField == nil ? t("admin.field.utc_hint") : t("admin.field.zone_hint")
                    case .slug:
                        type = "text"
                        hint = t("admin.field.slug_hint")
                    default: type = "text"
                    }
                    return Form.input(
                        Form.Field(
                            name: field.name, label: label, type: type, required: field.required, hint: hint,
                            maxLength: field.maxLength, language: field.translates == nil ? nil : "fr"), state, t: t)
                }
            }
            let previewHTML: HTML =
                preview
                ? HTML.join(
                    resource.fields.filter { $0.kind == .markdown }.map { field in
                        "<section class=\"preview\" aria-label=\"\(t("admin.preview"))\"><h2>\(t("admin.preview"))</h2>\(Markdown.render(state[field.name]))</section>"
                    }) : .empty
            let action = id.map { "\(resource.path)/\($0)" } ?? resource.path
            let hasMarkdown = resource.fields.contains { $0.kind == .markdown }
            return """
                <h1>\(title)</h1>
                \(Form.errorSummary(state, title: t("form.error_summary"), order: resource.fields.map(\.name)))
                \(previewHTML)
                <form method="post" action="\(t.path(action))" novalidate class="editor"><input type="hidden" name="_csrf" value="\(csrf)">
                \(inputs)
                <div class="actions">
                <button type="submit" class="button" name="action" value="save">\(t("admin.save"))</button>
                \(hasMarkdown ? "<button type=\"submit\" class=\"button secondary\" name=\"action\" value=\"preview\">\(t("admin.preview"))</button>" as HTML : .empty)
                </div>
                </form>
                \(id.map { "<form method=\"post\" action=\"\(t.path("\(resource.path)/\($0)/delete"))\" class=\"delete\"><input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\"><button type=\"submit\" class=\"button danger\">\(t("admin.delete"))</button></form>" as HTML })
                """
        }
    }
}
