import HTTP

/// The admin area's pages: the site layout with the staff navigation and sign-out button.
enum AdminViews {
    static func page(
        _ app: Application, _ request: Request, _ session: AdminAuth.Session, title: String,
        status: Status = .ok, flash: String? = nil, _ body: (PageContext, String) -> HTML
    ) -> Response {
        let csrf = AdminAuth.csrfToken(app, session)
        var response = app.page(request, title: title, status: status) { c in
            let t = c.t
            var links: [(String, String)] = [("/admin", t("admin.nav.dashboard"))]
            for resource in AdminResources.all where session.user.may(resource.area) {
                links.append((resource.path, t("admin.nav.\(resource.key)")))
            }
            if session.user.may(.resources) { links.append(("/admin/resources", t("admin.nav.resources"))) }
            if session.user.may(.accounts) { links.append(("/admin/accounts", t("admin.nav.accounts"))) }
            if session.user.may(.audit) { links.append(("/admin/audit", t("admin.nav.audit"))) }
            if session.user.may(.outbox) { links.append(("/admin/outbox", t("admin.nav.outbox"))) }
            let items: [HTML] = links.map { href, label in
                "<li><a href=\"\(t.path(href))\"\(request.path == href || (href != "/admin" && request.path.hasPrefix(href + "/")) ? HTML(trusted: " aria-current=\"page\"") : .empty)>\(label)</a></li>"
            }
            return """
                <nav class="admin-nav" aria-label="\(t("admin.nav.label"))">
                <ul>\(items)</ul>
                <form method="post" action="\(t.path("/admin/logout"))" class="logout"><input type="hidden" name="_csrf" value="\(csrf)">
                <span class="meta">\(session.user.email) · \(t("admin.role.\(session.user.role.rawValue)"))</span>
                <button type="submit" class="button secondary">\(t("admin.logout"))</button></form>
                </nav>
                \(flash.map { "<p class=\"flash\" role=\"status\">\($0)</p>" as HTML })
                \(body(c, csrf))
                """
        }
        response.cache(.noStore)
        return response
    }

    /// Signatures per day for the last `days` days, as an accessible inline SVG bar chart.
    static func chart(_ totals: [String: Int], days: [String], t: Localizer) -> HTML {
        let maximum = max(1, totals.values.max() ?? 1)
        let width = 600
        let height = 160
        let gap = 2
        let barWidth = (width - gap * days.count) / max(1, days.count)
        var bars: [HTML] = []
        for (index, day) in days.enumerated() {
            let value = totals[day] ?? 0
            let barHeight = value == 0 ? 1 : max(2, value * (height - 20) / maximum)
            let x = index * (barWidth + gap)
            bars.append(
                "<rect x=\"\(x)\" y=\"\(height - barHeight)\" width=\"\(barWidth)\" height=\"\(barHeight)\" fill=\"#1d4e89\"><title>\(day): \(t.formatNumber(value))</title></rect>"
            )
        }
        let total = days.reduce(0) { $0 + (totals[$1] ?? 0) }
        let label = t.plural("admin.chart.label", total, ["days": String(days.count)])
        return """
            <figure class="chart">
            <svg viewBox="0 0 \(width) \(height)" role="img" aria-label="\(label)" xmlns="http://www.w3.org/2000/svg">\(bars)</svg>
            <figcaption>\(label)</figcaption>
            </figure>
            """
    }
}
