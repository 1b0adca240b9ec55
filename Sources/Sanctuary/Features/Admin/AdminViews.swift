import HTTP

/// The admin area's pages: the site layout with the staff navigation and sign-out button.
enum AdminViews {
    /// A stored UTC time as staff read it: in the site's zone, named, the machine-readable one kept.
    static func time(_ iso: String, timeZone: String, t: Localizer) -> HTML {
        "<time datetime=\"\(iso)\">\(DateText.dateTime(iso, t: t, timeZone: timeZone))</time>"
    }

    static func page(
        _ app: Application, _ request: Request, _ session: AdminAuth.Session, title: String,
        status: Status = .ok, flash: String? = nil, flashLink: (href: String, label: String)? = nil, _ body: (PageContext, String) -> HTML
    ) -> Response {
        let csrf = AdminAuth.csrfToken(app, session)
        var response = app.page(request, title: title, status: status) { c in
            let t = c.t
            let links = app.adminNavigation.filter { session.user.may($0.area) }.map { ($0.path, t($0.label)) }
            let items: [HTML] = links.map { href, label in
                "<li><a href=\"\(t.path(href))\"\(request.path == href || (href != "/admin" && request.path.hasPrefix(href + "/")) ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(label)</a></li>"
            }
            return """
                <nav class="admin-nav" aria-label="\(t("admin.nav.label"))">
                <ul>\(items)</ul>
                <form method="post" action="\(t.path("/admin/logout"))" class="logout"><input type="hidden" name="_csrf" value="\(csrf)">
                <span class="meta"><a href="\(t.path("/admin/sessions"))" title="\(t("admin.sessions.title"))">\(session.user.email)</a> · \(t("admin.role.\(session.user.role.rawValue)"))</span>
                <button type="submit" class="button secondary">\(t("admin.logout"))</button></form>
                </nav>
                \(app.storageHealth.isWritable || request.path == "/admin" ? HTML.empty : "<p class=\"notice notice-error\" role=\"alert\"><strong>\(t("health.full.title"))</strong> <a href=\"\(t.path("/admin"))\">\(t("health.full.more"))</a></p>" as HTML)
                \(flash.map { "<p class=\"flash\" role=\"status\">\($0)\(flashLink.map { " <a href=\"\(t.path($0.href))\">\($0.label)</a>" as HTML } ?? .empty)</p>" as HTML })
                \(body(c, csrf))
                """
        }
        response.cache(.noStore)
        return response
    }

    /// Signatures per day for the last `days` days, as an accessible inline SVG bar chart.
    /// Signatures per day, with a count axis (0, half, most) and dated first, middle and last days.
    static func chart(_ totals: [String: Int], days: [String], t: Localizer) -> HTML {
        let maximum = max(1, totals.values.max() ?? 1)
        let (left, bottom, top) = (44, 28, 8)
        let width = 640
        let height = 200
        let plotWidth = width - left
        let plotHeight = height - bottom - top
        let gap = 2
        let barWidth = max(1, (plotWidth - gap * days.count) / max(1, days.count))
        var bars: [HTML] = []
        for (index, day) in days.enumerated() {
            let value = totals[day] ?? 0
            let barHeight = value == 0 ? 1 : max(2, value * plotHeight / maximum)
            let x = left + index * (barWidth + gap)
            bars.append(
                "<rect x=\"\(x)\" y=\"\(top + plotHeight - barHeight)\" width=\"\(barWidth)\" height=\"\(barHeight)\" fill=\"#1d4e89\"><title>\(DateText.day(day, t: t)): \(t.formatNumber(value))</title></rect>"
            )
        }
        // The count axis: gridlines at 0, half and the most in a day.
        let ticks: [HTML] = Array(Set([0, maximum / 2, maximum])).sorted().map { value in
            let y = top + plotHeight - value * plotHeight / maximum
            return """
                <line x1="\(left)" x2="\(width)" y1="\(y)" y2="\(y)" stroke="#d5dbe1"/>\
                <text x="\(left - 6)" y="\(y + 4)" text-anchor="end" font-size="12" fill="#56606b">\(t.formatNumber(value))</text>
                """
        }
        // The date axis: the first, middle and last day.
        let marks = days.isEmpty ? [] : Array(Set([0, days.count / 2, days.count - 1])).sorted()
        let dates: [HTML] = marks.map { index in
            let x = left + index * (barWidth + gap) + barWidth / 2
            let anchor = index == 0 ? "start" : index == days.count - 1 ? "end" : "middle"
            return
                "<text x=\"\(index == 0 ? left : index == days.count - 1 ? width : x)\" y=\"\(height - 8)\" text-anchor=\"\(anchor)\" font-size=\"12\" fill=\"#56606b\">\(DateText.day(days[index], t: t))</text>"
        }
        let total = days.reduce(0) { $0 + (totals[$1] ?? 0) }
        let label = t.plural("admin.chart.label", total, ["days": String(days.count)])
        return """
            <figure class="chart">
            <svg viewBox="0 0 \(width) \(height)" role="img" aria-label="\(label)" xmlns="http://www.w3.org/2000/svg">\(ticks)\(bars)\(dates)</svg>
            <figcaption>\(label)</figcaption>
            </figure>
            """
    }

    /// The sign-in form, with "Forgot your password?".
    static func login(email: String, error: String?, notice: String?, csrf: String, t: Localizer) -> HTML {
        return """
            <section class="narrow">
            <h1>\(t("admin.login.title"))</h1>
            \(error.map { "<div class=\"error-summary\" role=\"alert\"><p>\($0)</p></div>" as HTML })
            \(notice.map { "<p class=\"flash\" role=\"status\">\($0)</p>" as HTML })
            \(Form.form(action: t.path("/admin/login"), csrf: csrf, """
            \(Form.input(Form.Field(name: "email", label: t("admin.login.email"), type: "text", required: true, autocomplete: "username", inputMode: "email"), FormState(values: ["email": email]), t: t))
            \(Form.input(Form.Field(name: "password", label: t("admin.login.password"), type: "password", required: true, autocomplete: "current-password"), FormState(), t: t))
            \(Form.submit(t("admin.login.submit")))
            """))
            <p><a href="\(t.path("/admin/password-reset"))">\(t("admin.login.forgot"))</a></p>
            </section>
            """
    }

    /// The first-run page that creates the first admin account.
    static func setup(token: String, state: FormState, csrf: String, t: Localizer) -> HTML {
        let fields = AccountsFeature.fields(t: t, withRole: false).map { Form.input($0, state, t: t) }
        return """
            <section class="narrow">
            <h1>\(t("admin.setup.title"))</h1>
            <p>\(t("admin.setup.intro"))</p>
            \(Form.errorSummary(state, title: t("form.error_summary"), order: AccountsFeature.order))
            \(Form.form(action: t.path("/admin/setup/\(token)"), csrf: csrf, "\(fields)\(Form.submit(t("admin.setup.submit")))"))
            </section>
            """
    }

    /// The dashboard: signatures (with the chart), letters and RSVPs.
    /// The dashboard's head; the features' cards follow (`Feature.dashboardCards`).
    static func dashboard(user: StaffUser, t: Localizer) -> HTML {
        """
        <h1>\(t("admin.dashboard.title"))</h1>
        <p class="lede">\(t("admin.dashboard.welcome", ["name": user.name.isEmpty ? user.email : user.name]))</p>
        """
    }
}

extension AdminViews {
    /// Delete, asked on its own page. With nothing people did through it: what will be lost
    /// and one button. Otherwise: why it cannot be deleted, its export, and "archive instead".
    static func confirmDelete(
        _ resource: AdminResource, id: Int64, title: String, counts: [(dependent: AdminDependent, count: Int)], csrf: String, t: Localizer
    ) -> HTML {
        let token: HTML = "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrf)\">"
        let back: HTML = "<a href=\"\(t.path("\(resource.path)/\(id)/edit"))\">\(t("admin.delete.keep"))</a>"
        guard counts.isEmpty else {
            let held: [HTML] = counts.map { "<li>\(t.plural("admin.dependents.\($0.dependent.key)", $0.count))</li>" }
            let exports: [HTML] = counts.compactMap { item in
                item.dependent.export.map { "<li><a href=\"\(t.path($0(id)))\">\(t("admin.delete.export.\(item.dependent.key)"))</a></li>" }
            }
            let meaning: String? =
                resource.archivedColumn != nil
                ? t("admin.delete.archive_keeps")
                : resource.archivedState.map { t("admin.delete.archive_means", ["state": t("admin.state.\($0)")]) }
            let archive: HTML =
                meaning.map { meaning in
                    """
                    <form method="post" action="\(t.path("\(resource.path)/\(id)/archive"))">\(token)
                    <p class="hint">\(meaning)</p>
                    <div class="actions"><button type="submit" class="button">\(t("admin.delete.archive"))</button> \(back)</div></form>
                    """
                } ?? "<p>\(back)</p>"
            return """
                <h1>\(t("admin.delete.cannot", ["title": title]))</h1>
                <div class="warning-box" role="status"><p>\(t("admin.delete.held"))</p><ul>\(held)</ul></div>
                \(exports.isEmpty ? HTML.empty : "<h2>\(t("admin.delete.export"))</h2><ul class=\"list\">\(exports)</ul>")
                \(archive)
                """
        }
        return """
            <h1>\(t("admin.delete.title", ["title": title]))</h1>
            <div class="warning-box"><p>\(t("admin.delete.lost.\(resource.key)"))</p><p><strong>\(t("admin.delete.undo"))</strong></p></div>
            <form method="post" action="\(t.path("\(resource.path)/\(id)/delete"))">\(token)
            <div class="actions"><button type="submit" class="button danger">\(t("admin.delete.confirm"))</button> \(back)</div></form>
            """
    }
}
