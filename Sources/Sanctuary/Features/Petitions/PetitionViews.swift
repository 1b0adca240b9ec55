/// Pieces of petition pages.
enum PetitionViews {
    /// A petition card with its live count and progress towards the goal.
    static func card(_ petition: PetitionSummary, t: Localizer) -> HTML {
        """
        <li class="card">
        <h3><a href="/petitions/\(petition.slug)">\(petition.title)</a></h3>
        <p>\(petition.summary)</p>
        \(progress(count: petition.signatureCount, goal: petition.goal, t: t))
        </li>
        """
    }

    static func progress(count: Int, goal: Int, t: Localizer) -> HTML {
        let counted = t.plural("petition.signatures", count)
        guard goal > 0 else { return "<p class=\"count\">\(counted)</p>" }
        return """
        <p class="count">\(counted) <span class="meta">\(t("petition.goal", ["goal": t.formatNumber(goal)]))</span></p>
        <progress max="\(goal)" value="\(min(count, goal))" aria-label="\(t("petition.progress_label"))">\(counted)</progress>
        """
    }
}
