import Foundation
import HTTP
import Storage

/// The list, new, edit, save, preview and delete screens of an `AdminResource`: one value
/// per resource, its handlers named methods.
struct AdminResourceScreens {
    let app: Application
    let resource: AdminResource
    var path: String { resource.path }

    func register() {
        let router = app.router
        router.get(path, list)
        router.get("\(path)/new", new)
        router.get("\(path)/{id}/edit", edit)
        router.post(path, async: create)
        router.post("\(path)/{id}", async: update)
        router.get("\(path)/{id}/delete", askToDelete)
        router.post("\(path)/{id}/delete", async: delete)
        router.post("\(path)/{id}/archive", async: archive)
    }

    /// `GET /admin/{kind}`.
    func list(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, resource.area)
        return try listPage(request, session)
    }

    /// `GET /admin/{kind}/new`: a choice's first option (a state: draft), and the resource's defaults.
    func new(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, resource.area)
        var state = FormState()
        for field in resource.fields {
            if case .choice(let options) = field.kind { state.values[field.name] = options.first == "draft" ? "draft" : options.first }
        }
        state.values.merge(resource.defaults) { _, given in given }
        return editor(request, session, id: nil, state: state)
    }

    /// `GET /admin/{kind}/{id}/edit`.
    func edit(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, resource.area)
        guard let id = Int64(request.parameter("id")),
            let state = try app.database.read({ try resource.formValues($0, id: id, zone: app.config.siteTimeZone) })
        else { throw HTTPError.notFound }
        let t = app.t(request)
        let flash = ["saved": "admin.saved", "archived": "admin.archived"].first { request.query[$0.key] == "1" }.map { t($0.value) }
        // "Saved — view it": the live page, once it is on the site.
        let live = !["draft", ""].contains(state["state"]) && !state["slug"].isEmpty
        return editor(
            request, session, id: id, state: state, flash: flash,
            flashLink: flash != nil && live ? ("/\(resource.key)/\(state["slug"])", t("admin.saved.view")) : nil)
    }

    /// `POST /admin/{kind}`.
    func create(_ request: Request) async throws -> Response { try await save(request, id: nil) }

    /// `POST /admin/{kind}/{id}`.
    func update(_ request: Request) async throws -> Response {
        guard let id = Int64(request.parameter("id")) else { throw HTTPError.notFound }
        return try await save(request, id: id)
    }

    /// `GET /admin/{kind}/{id}/delete`.
    func askToDelete(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, resource.area)
        guard let id = Int64(request.parameter("id")) else { throw HTTPError.notFound }
        return try confirmDelete(request, session, id: id)
    }

    /// `POST /admin/{kind}/{id}/delete`: refused (409) while people's actions hang on it.
    func delete(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, resource.area)
        guard let id = Int64(request.parameter("id")) else { throw HTTPError.notFound }
        let (user, resource) = (session.user, resource)
        let outcome = try await app.database.write { db -> DeleteOutcome in
            guard let title = try resource.title(db, id: id) else { return .missing }
            // Checked again in the deleting transaction: a signature that came in
            // after the confirmation page was shown still stops the delete.
            guard try resource.dependentCounts(db, id: id).allSatisfy({ $0.count == 0 }) else { return .hasDependents }
            guard try resource.delete(db, id: id) else { return .missing }
            try StaffStore.record(db, user: user, action: "delete", subject: AdminResource.auditSubject(resource.key, id: id, title: title))
            return .deleted
        }
        switch outcome {
        case .missing: throw HTTPError.notFound
        case .hasDependents: return try confirmDelete(request, session, id: id, status: .conflict)
        case .deleted: return .redirect(to: "\(path)?deleted=1")
        }
    }

    /// `POST /admin/{kind}/{id}/archive`.
    func archive(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, resource.area)
        guard let id = Int64(request.parameter("id")) else { throw HTTPError.notFound }
        let (user, resource) = (session.user, resource)
        let archived = try await app.database.write { db -> Bool in
            guard let title = try resource.title(db, id: id), try resource.archive(db, id: id) else { return false }
            try StaffStore.record(
                db, user: user, action: "archive", subject: AdminResource.auditSubject(resource.key, id: id, title: title))
            return true
        }
        guard archived else { throw HTTPError.notFound }
        return .redirect(to: "\(path)/\(id)/edit?archived=1")
    }

    enum DeleteOutcome: Sendable { case missing, hasDependents, deleted }

    /// Delete, asked first on its own page: what will be lost, or, when people have acted
    /// through the item, why it can only be archived (with its export offered first).
    func confirmDelete(
        _ request: Request, _ session: AdminAuth.Session, id: Int64, status: Status = .ok
    ) throws -> Response {
        guard
            let (title, counts) = try app.database.read({ db -> (String, [(dependent: AdminDependent, count: Int)])? in
                guard let title = try resource.title(db, id: id) else { return nil }
                return (title, try resource.dependentCounts(db, id: id))
            })
        else { throw HTTPError.notFound }
        let t = app.t(request)
        return AdminViews.page(app, request, session, title: t("admin.delete.title", ["title": title]), status: status) { c, csrf in
            AdminViews.confirmDelete(
                resource, id: id, title: title, counts: counts.filter { $0.count > 0 }, csrf: csrf, t: c.t)
        }
    }

    func save(_ request: Request, id: Int64?) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, resource.area)
        let form = request.form
        let references = try app.database.read { try resource.referenceChoices($0) }.mapValues { Set($0.map(\.id)) }
        // A preview shows what was typed, whatever else is not finished yet: nothing is saved.
        if form["action"] == "preview" {
            var state = FormState()
            for field in resource.fields { state.values[field.name] = form[field.name] ?? "" }
            return editor(request, session, id: id, state: state, preview: true)
        }
        switch resource.validate(form, t: app.t(request), references: references, zone: app.config.siteTimeZone) {
        case .failure(let invalid):
            return editor(request, session, id: id, state: invalid.state, status: .unprocessableContent)
        case .success(let values):
            let user = session.user
            // nil: the slug is taken.
            // (In a savepoint: on PostgreSQL a refused statement spoils its whole transaction
            // until what it did is rolled back.)
            let outcome: Int64? = try await app.database.write { db in
                do {
                    return try db.savepoint("save") { () throws -> Int64? in
                        if let id {
                            guard try resource.update(db, id: id, values) else { return -1 }
                            try StaffStore.record(
                                db, user: user, action: "edit",
                                subject: AdminResource.auditSubject(
                                    resource.key, id: id, title: values["title"].flatMap(String.init(sqlValue:))))
                            return id
                        }
                        let newID = try resource.insert(db, values)
                        try StaffStore.record(
                            db, user: user, action: "create",
                            subject: AdminResource.auditSubject(
                                resource.key, id: newID, title: values["title"].flatMap(String.init(sqlValue:))))
                        return newID
                    }
                } catch let error where error.storageFailure == .uniqueViolation {
                    return nil
                }
            }
            switch outcome {
            case .some(let saved) where saved < 0:
                throw HTTPError.notFound
            case .some(let saved):
                // "Save and add a picture": straight on to the picture, as one step for the author.
                if form["action"] == "save_picture", resource.picture != nil {
                    return .redirect(to: "\(resource.path)/\(saved)/image")
                }
                return .redirect(to: "\(resource.path)/\(saved)/edit?saved=1")
            case .none:
                var state = FormState()
                for field in resource.fields { state.values[field.name] = form[field.name] ?? "" }
                state.errors["slug"] = app.t(request)("admin.field.slug_taken")
                return editor(request, session, id: id, state: state, status: .unprocessableContent)
            }
        }
    }

    func listPage(_ request: Request, _ session: AdminAuth.Session) throws -> Response {
        let rows = try app.database.read { try resource.list($0) }
        let flash = request.query["deleted"] == "1" ? app.t(request)("admin.deleted") : nil
        return AdminViews.page(app, request, session, title: app.t(request)("admin.\(resource.key).title"), flash: flash) { c, _ in
            let t = c.t
            let zone = app.config.siteTimeZone
            let body: [HTML] = rows.map { row in
                let links: [HTML] =
                    [("\(resource.path)/\(row.id)/edit", t("admin.edit"))].map { "<a href=\"\(t.path($0.0))\">\($0.1)</a>" }
                    + resource.rowLinks(row.id, row.slug, t).map { "<a href=\"\(t.path($0.0))\">\($0.1)</a>" }
                let date: HTML =
                    resource.listDate == nil
                    ? .empty : "<td>\(row.date.map { DateText.dateTime($0, t: t, timeZone: row.zone ?? zone) } ?? "")</td>"
                return
                    "<tr><td>\(row.title)\(row.frenchMissing ? " <span class=\"badge muted\">\(t("admin.french_missing"))</span>" as HTML : .empty)</td>\(date)<td>\(t("admin.state.\(row.state)"))</td><td>\(DateText.dateTime(row.updatedAt, t: t, timeZone: zone))</td><td class=\"row-links\">\(HTML.join(links, separator: " · "))</td></tr>"
            }
            return """
                <h1>\(t("admin.\(resource.key).title"))</h1>
                <p><a class="button" href="\(t.path(resource.path + "/new"))">\(t("admin.\(resource.key).new"))</a></p>
                \(rows.isEmpty ? Layout.emptyState(t("admin.list.empty")) : """
                <div class="table-wrap"><table><thead><tr><th scope="col">\(t("admin.field.title"))</th>\
                \(resource.listDate == nil ? HTML.empty : "<th scope=\"col\">\(t("admin.list.date.\(resource.key)"))</th>")<th scope="col">\(t("admin.field.state"))</th>
                <th scope="col">\(t("admin.list.updated"))</th><th scope="col"><span class="visually-hidden">\(t("admin.account.actions"))</span></th></tr></thead>
                <tbody>\(body)</tbody></table></div>
                """)
                """
        }
    }

    func editor(
        _ request: Request, _ session: AdminAuth.Session, id: Int64?,
        state: FormState, status: Status = .ok, flash: String? = nil, flashLink: (href: String, label: String)? = nil, preview: Bool = false
    ) -> Response {
        let title = id == nil ? app.t(request)("admin.\(resource.key).new") : app.t(request)("admin.\(resource.key).edit")
        let references: [String: [(id: Int64, title: String)]]
        let currentPicture: Media?
        do {
            (references, currentPicture) = try app.database.read { db in
                let picture = try resource.picture.flatMap { owner in try id.flatMap { try MediaStore.of(db, owner, id: $0) } }
                return (try resource.referenceChoices(db), picture)
            }
        } catch {
            return ErrorPages.readFailed(app, request, error)
        }
        return AdminViews.page(app, request, session, title: title, status: status, flash: flash, flashLink: flashLink) { c, csrf in
            let t = c.t
            // A resource may word a shared field its own way (`admin.pledges.field.goal`).
            func label(_ name: String) -> String { t.text("admin.\(resource.key).field.\(name)") ?? t("admin.field.\(name)") }
            func label(_ field: AdminField) -> String {
                field.translates.map { t("admin.field.in_french", ["label": label($0)]) } ?? label(field.name)
            }
            let inputs: [HTML] = resource.fields.map { field in
                let label = label(field)
                switch field.kind {
                case .flag:
                    return Form.checkbox(name: field.name, label: label, checked: state[field.name] == "yes")
                case .reference(let table, let none):
                    return Form.select(
                        name: field.name, label: label,
                        options: [("", t(none))] + (references[table] ?? []).map { (String($0.id), $0.title) },
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
                    var rows = 4
                    switch field.kind {
                    case .textarea:
                        type = "textarea"
                        rows = field.maxLength > 2_000 ? 10 : 4
                    case .markdown:
                        type = "textarea"
                        hint = t("admin.field.markdown_hint")
                        rows = 16
                    case .template(let placeholders):
                        type = "textarea"
                        hint = t(
                            "admin.field.template_hint", ["known": placeholders.map { "{{\($0)}}" }.joined(separator: " ")])
                        rows = 16
                    case .integer: type = "number"
                    case .link:
                        type = "text"
                        hint = t("admin.field.link_hint")
                    case .dateTime:
                        type = "datetime-local"
                        hint =
                            field.zoneField == nil
                            ? t("admin.field.site_zone_hint", ["zone": app.config.siteTimeZone]) : t("admin.field.zone_hint")
                    case .slug:
                        type = "text"
                        let example = resource.rowLinks(0, t("admin.field.slug_example"), t).first?.0 ?? "/" + t("admin.field.slug_example")
                        hint = t("admin.field.slug_hint", ["example": example])
                    default: type = "text"
                    }
                    return Form.input(
                        Form.Field(
                            name: field.name, label: label, type: type, required: field.required && field.kind != .slug, hint: hint,
                            maxLength: field.maxLength, language: field.translates == nil ? nil : "fr", rows: rows), state, t: t)
                }
            }
            // The whole item as visitors will see it, in English and in French (the English
            // where no French is written, as the site does).
            let previewHTML: HTML =
                preview
                ? HTML.join(
                    ["en", "fr"].map { language in
                        func text(_ name: String) -> String {
                            language == "fr" && !state[name + "_fr"].isEmpty ? state[name + "_fr"] : state[name]
                        }
                        let body = resource.fields.first { $0.kind == .markdown && $0.translates == nil }.map {
                            Markdown.render(text($0.name))
                        }
                        return """
                            <section class="preview" aria-labelledby="preview-\(language)">
                            <h2 id="preview-\(language)" class="meta">\(t("admin.preview.in", ["language": t("language.name.\(language)")]))</h2>
                            <article lang="\(language)"><h1>\(text("title"))</h1>\(text("summary").isEmpty ? HTML.empty : "<p class=\"lede\">\(text("summary"))</p>")\(body ?? .empty)</article>
                            </section>
                            """
                    }) : .empty
            let action = id.map { "\(resource.path)/\($0)" } ?? resource.path
            // Kinds that carry a picture: a link to its screen, with the picture's alt text.
            let picture: HTML =
                id.flatMap { id in
                    resource.picture.map { _ in
                        let current = currentPicture
                        return """
                            <p class="picture-link">\(current.map { "<span class=\"meta\">\(t("admin.media.has", ["alt": $0.alt.english]))</span> " as HTML } ?? .empty)\
                            <a class="button secondary" href="\(t.path("\(resource.path)/\(id)/image"))">\(current == nil ? t("admin.media.add") : t("admin.media.change"))</a></p>
                            """
                    }
                } ?? .empty
            let hasMarkdown = resource.fields.contains { $0.kind == .markdown }
            return """
                <h1>\(title)</h1>
                \(picture)
                \(Form.errorSummary(state, title: t("form.error_summary"), order: resource.fields.map(\.name), labels: Dictionary(resource.fields.map { ($0.name, label($0)) }, uniquingKeysWith: { a, _ in a })))
                \(previewHTML)
                <form method="post" action="\(t.path(action))" novalidate class="editor"><input type="hidden" name="_csrf" value="\(csrf)">
                \(inputs)
                <div class="actions">
                <button type="submit" class="button" name="action" value="save">\(t("admin.save"))</button>
                \(id == nil && resource.picture != nil ? "<button type=\"submit\" class=\"button secondary\" name=\"action\" value=\"save_picture\">\(t("admin.save_and_picture"))</button>" as HTML : .empty)
                \(hasMarkdown ? "<button type=\"submit\" class=\"button secondary\" name=\"action\" value=\"preview\">\(t("admin.preview"))</button>" as HTML : .empty)
                </div>
                </form>
                \(id.map { "<p class=\"delete\"><a class=\"button danger\" href=\"\(t.path("\(resource.path)/\($0)/delete"))\">\(t("admin.delete"))</a></p>" as HTML })
                """
        }
    }
}
