import HTTP
import Storage

/// Where a page gathers what several features offer (`Feature.offers`).
public enum OfferScope: Sendable, Equatable {
    /// The home page: what is featured.
    case home
    /// A campaign's page: everything open in it.
    case campaign(Int64)
    /// "What next" after acting in a campaign: its open actions only (nothing to read).
    case campaignActions(Int64)
    /// "What next" when the item acted on has no campaign (or a campaign with nothing else
    /// open): the site's featured actions.
    case featuredActions
    /// An event's page: what other features hang on it (its recording, once it is past).
    case event(Int64)
}

/// What one feature offers to a page that gathers several (the home page, a campaign's page,
/// "what next" after an action), rendered by that feature: so the pages that gather name no
/// feature, and a new feature shows on them by declaring its offers.
public struct OfferGroup: Sendable {
    public enum Role: Sendable, Equatable {
        /// Something to do: cards, each with a button.
        case action
        /// Something to read: a list of links.
        case reading
        /// A form or note placed at the foot of the page, as it is.
        case aside
    }

    public struct Item: Sendable {
        public let id: Int64
        public let html: HTML

        public init(id: Int64, html: HTML) {
            self.id = id
            self.html = html
        }
    }

    /// The kind of item (the feature's table): "what next" leaves out the item just acted on
    /// by kind and id.
    public let kind: String
    public let role: Role
    /// The section's heading, a locale key.
    public let heading: String
    /// Its place among the groups (lower first).
    public let order: Int
    public var items: [Item]
    /// On the home page: said when there is nothing (a locale key; nil leaves the section out
    /// when empty), and a link to the whole list (path, locale key).
    public var empty: String? = nil
    public var more: (path: String, label: String)? = nil
    /// On the home page: the one clear call to action, and the picture beside it (the first
    /// group that has one gives it).
    public var lead: HTML? = nil
    public var picture: Media? = nil
    /// How many of these "what next" shows at most.
    public var mostNext = 3

    public init(kind: String, role: Role, heading: String, order: Int, items: [Item]) {
        self.kind = kind
        self.role = role
        self.heading = heading
        self.order = order
        self.items = items
    }
}

extension Application {
    /// Every feature's offers for `scope`, in order.
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        try features.flatMap { try $0.offers(db, scope, t) }.sorted { $0.order < $1.order }
    }

    /// "What next?" after acting on an item (`kind` and `id`) of a campaign: the campaign's
    /// other open actions or, when it has no other (or the item has no campaign), the site's
    /// featured ones. Three at most, no more of a kind than its group allows, the item itself
    /// left out.
    func nextSteps(_ db: Connection, after kind: String, id: Int64, campaignID: Int64?, _ t: Localizer) throws -> HTML {
        var groups = try campaignID.map { try offers(db, .campaignActions($0), t) } ?? []
        groups.removeAll { $0.role != .action }
        if groups.reduce(0, { $0 + $1.items.count }) <= 1 {
            groups = try offers(db, .featuredActions, t).filter { $0.role == .action }
        }
        var cards: [HTML] = []
        for group in groups {
            let left = group.items.filter { !(group.kind == kind && $0.id == id) }
            cards += left.prefix(max(0, min(group.mostNext, 3 - cards.count))).map(\.html)
        }
        return OfferViews.nextSteps(cards, t: t)
    }
}
