import HTTP
import Storage

/// The staff screens for pledges (`AdminResource`), and the pledgers waiting for approval.
extension AdminResource {
    static let pledges = AdminResource(
        key: "pledges", area: .pledges,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("pledge_text", .textarea, required: true, maxLength: 2_000, bilingual: true),
            AdminField("body", .markdown, maxLength: 20_000, bilingual: true),
            AdminField("allow_people", .flag),
            AdminField("allow_organisations", .flag),
            AdminField("allow_municipalities", .flag),
            AdminField("goal", .integer(0...100_000_000), whenEmpty: 0),
            AdminField("closes_at", .dateTime),
            AdminField("campaign_id", .reference(table: "campaigns", none: "admin.field.no_campaign")),
            AdminField("state", .choice(["draft", "open", "closed"]), required: true),
            AdminField("featured", .flag),
        ],
        rowLinks: { id, slug, t in
            [
                ("/pledges/\(slug)", t("admin.view")), ("/admin/pledges/\(id)/pledgers", t("admin.pledges.approve_link")),
                ("/admin/pledges/\(id)/pledgers.csv", t("admin.pledges.export")),
            ]
        },
        dependents: [
            AdminDependent(
                key: "pledgers", count: { try PledgeStore.pledgerRows($0, pledgeID: $1) }, export: { "/admin/pledges/\($0)/pledgers.csv" })
        ], archivedState: "closed", order: 22,
        defaults: ["allow_people": "yes", "allow_organisations": "yes", "allow_municipalities": "yes"],
        picture: .pledges)
}

enum PledgeAdminViews {
    static func pledgers(_ pledge: Pledge, waiting: [Pledger], csrf: String, t: Localizer) -> HTML {
        let rows: [HTML] = waiting.map { p in
            let action = { (decision: String) -> HTML in
                """
                <form method="post" action="\(t.path("/admin/pledges/\(pledge.id)/pledgers/\(p.id)/\(decision)"))"><input type="hidden" name="_csrf" value="\(csrf)">\
                <button class="button\(decision == "decline" ? HTML(trusted: " secondary") : .empty)" type="submit">\(t("admin.pledges.\(decision)"))<span class="visually-hidden">: \(p.name)</span></button></form>
                """
            }
            return """
                <tr><td>\(t("pledges.kind.\(p.kind.rawValue)"))</td><th scope="row">\(p.name)</th><td>\(p.contactName)<br><span class="meta">\(p.email)</span></td>
                <td>\(p.place)\(p.province.isEmpty ? "" : " (\(p.province))")</td><td>\(p.confirmedAt.map { DateText.day($0, t: t) } ?? "")</td>
                <td class="actions">\(action("approve"))\(action("decline"))</td></tr>
                """
        }
        return """
            <h1>\(t("admin.pledges.pledgers", ["title": pledge.title.text(t)]))</h1>
            <p>\(t.plural("pledges.total", pledge.pledgerCount)) · <a href="\(t.path("/pledges/\(pledge.slug)"))">\(t("admin.view"))</a> · \
            <a href="\(t.path("/admin/pledges/\(pledge.id)/pledgers.csv"))">\(t("admin.pledges.export"))</a></p>
            <h2>\(t("admin.pledges.waiting_title"))</h2>
            \(waiting.isEmpty ? Layout.emptyState(t("admin.pledges.none_waiting")) : """
                <div class="table-wrap"><table><thead><tr><th scope="col">\(t("admin.pledges.kind"))</th><th scope="col">\(t("pledges.field.name"))</th>\
                <th scope="col">\(t("pledges.field.contact_name"))</th><th scope="col">\(t("pledges.field.place"))</th><th scope="col">\(t("admin.pledges.confirmed"))</th>\
                <th scope="col"><span class="visually-hidden">\(t("admin.account.actions"))</span></th></tr></thead><tbody>\(rows)</tbody></table></div>
                """)
            """
    }
}
