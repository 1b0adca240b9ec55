import Foundation
import HTTP
import Prometheus
import Storage

/// A feature plugs into the application through these hooks, which the application loops
/// over (`Application.features`); no shared file names a feature. A feature is a value made
/// once per application (`init(app:)`), holding what it needs, its state among it; its
/// handlers are named methods (`app.router.get("/events", list)`). Its declarations (what it
/// adds to the navigation, the staff screens, the pictures, the mailings, the personal data)
/// are static, read before the application is whole. Every hook has a default that adds
/// nothing, so a feature declares only what it has.
public protocol Feature: Sendable {
    init(app: Application)

    /// Routes, and anything else set up once.
    func register()

    /// At each start, before sample content and before serving: reference data the feature
    /// needs (the ridings), loaded when missing.
    func prepare() throws

    /// Links in the site's main navigation (the header of every public page).
    static var navigation: [NavigationEntry] { get }

    /// Links in every public page's footer (path, label), in the page's language.
    func footerLinks(_ t: Localizer) -> [(path: String, label: String)]

    /// Links in the staff navigation, each shown to those who may use its area.
    static var adminNavigation: [AdminNavigationEntry] { get }

    /// Public pages for `/sitemap.xml` (paths without a language prefix).
    func sitemap(_ db: Connection) throws -> [String]

    /// Work the clock causes: reminders, scheduled sends, housekeeping and retention.
    func jobs() -> [ScheduledJob]

    /// What the feature keeps no longer than the privacy settings say (signatures anonymised
    /// after their petition closes): run in batches by the housekeeping, counted by
    /// `sanctuary privacy retain --dry-run`.
    func retention() -> [RetentionRule]

    /// Kinds of content staff create and edit through the generic screens (`AdminResource`).
    static var adminResources: [AdminResource] { get }

    /// What people did through another feature's item (its signatures on a campaign): counted
    /// before that item may be deleted, by the key of the resource it hangs on.
    static var adminDependents: [String: [AdminDependent]] { get }

    /// The kinds of item of this feature that carry a picture (`/admin/{key}/{id}/image`).
    static var pictureOwners: [MediaOwner] { get }

    /// The people a mailing can go to that this feature holds.
    static var mailingAudiences: [MailingAudience] { get }

    /// What the feature offers to pages that gather several features' (the home page, a
    /// campaign's page, "what next" after an action), read on `db` and rendered in `t`.
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup]

    /// Where the feature keeps what a supporter gave: for the privacy work (find, export
    /// and erase by e-mail address).
    static var personalData: [PersonalData] { get }
    /// The public pages whose visits begin an action's funnel (`Funnel`).
    static var funnelPages: [FunnelPage] { get }

    /// The kinds of item `/search` finds among this feature's (its migration's triggers keep
    /// their rows in `search_entries`).
    static var searchKinds: [SearchKind] { get }

    /// Cards on the staff dashboard, below the site's own figures.
    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML]

    /// How many of the feature's actions (confirmed signatures, registrations…) since `since`
    /// came from each source their links named (`Referral`), for `/admin/sources`.
    func referrals(_ db: Connection, since: String, _ t: Localizer) throws -> [ReferralCount]

    /// A message the outbox holds without its text (a mailing's: one row per recipient),
    /// made when the sender takes it (`sending`) or staff look at it; nil when it is not this
    /// feature's, or when it may not go now.
    func renderStoredMail(_ message: DueMessage, sending: Bool) throws -> String?

    /// At each scrape of `/metrics`: the gauges read from the database (counts by state).
    func sampleMetrics(_ gauges: MetricGauges) throws

    /// On a first start with `sample_content`, after the sample rows went in: what the
    /// feature keeps beside them (files, pictures), from `Config/sample-content.json`.
    func loadSampleContent(from file: URL) throws

    /// When the application closes: what the feature keeps in memory, written.
    func stop()
}

extension Feature {
    public func register() {}
    public func prepare() throws {}
    public static var navigation: [NavigationEntry] { [] }
    public static var adminNavigation: [AdminNavigationEntry] { [] }
    public func sitemap(_ db: Connection) throws -> [String] { [] }
    public func jobs() -> [ScheduledJob] { [] }
    public func retention() -> [RetentionRule] { [] }
    public static var adminResources: [AdminResource] { [] }
    public static var adminDependents: [String: [AdminDependent]] { [:] }
    public static var pictureOwners: [MediaOwner] { [] }
    public static var mailingAudiences: [MailingAudience] { [] }
    public func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] { [] }
    public static var personalData: [PersonalData] { [] }
    public static var funnelPages: [FunnelPage] { [] }
    public static var searchKinds: [SearchKind] { [] }
    public func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] { [] }
    public func referrals(_ db: Connection, since: String, _ t: Localizer) throws -> [ReferralCount] { [] }
    public func renderStoredMail(_ message: DueMessage, sending: Bool) throws -> String? { nil }
    public func sampleMetrics(_ gauges: MetricGauges) throws {}
    public func loadSampleContent(from file: URL) throws {}
    public func footerLinks(_ t: Localizer) -> [(path: String, label: String)] { [] }
    public func stop() {}
}

/// The gauges a feature sets at each scrape of `/metrics`, named `sanctuary_<name>_<unit>`,
/// each with its `HELP`.
public struct MetricGauges: Sendable {
    let registry: PrometheusCollectorRegistry

    public func set(_ name: String, unit: String = "", help: String, labels: [(String, String)] = [], _ value: Double) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "sanctuary", metricName: name, unitName: unit, helpText: help), labels: labels
        ).set(value)
    }
}

/// A link in the main navigation: where, its label's locale key, and its place (lower first).
public struct NavigationEntry: Sendable {
    public let path: String
    public let label: String
    public let order: Int

    public init(path: String, label: String, order: Int) {
        self.path = path
        self.label = label
        self.order = order
    }
}

/// A link in the staff navigation, for those who may use `area`.
public struct AdminNavigationEntry: Sendable {
    public let path: String
    public let label: String
    public let area: StaffUser.Area
    public let order: Int

    public init(path: String, label: String, area: StaffUser.Area, order: Int) {
        self.path = path
        self.label = label
        self.area = area
        self.order = order
    }
}

/// Work that runs by the clock, off the threads that answer requests.
public struct ScheduledJob: Sendable {
    public enum Cadence: Sendable, Equatable {
        /// As often as the mailer looks for due mail (`mail.schedule_seconds`); the mailer is
        /// woken after, so what the job queued goes at once.
        case mail
        /// Housekeeping (`maintenance_seconds`, hourly by default).
        case housekeeping
        case every(TimeInterval)
    }

    public let name: String
    public let cadence: Cadence
    /// Runs on a thread of its own (the mailer's for `.mail`), never one that answers requests:
    /// it may wait for the database (`writeAndWait`).
    public let run: @Sendable () throws -> Void
    /// Work for this node (its own caches), run by every node; the site's work (mail,
    /// reminders, housekeeping) runs on one node at a time when several share a PostgreSQL.
    public let onEveryNode: Bool

    public init(_ name: String, _ cadence: Cadence, onEveryNode: Bool = false, run: @escaping @Sendable () throws -> Void) {
        self.name = name
        self.cadence = cadence
        self.onEveryNode = onEveryNode
        self.run = run
    }
}

/// How many of one kind of action on one item came from one source.
public struct ReferralCount: Sendable, Equatable {
    /// The kind of action, for people ("Signatures").
    public let action: String
    /// What it was done on (a petition's title); "" when the kind has no items.
    public let item: String
    /// The source its link named; "" for none (a direct visit, or a link without one).
    public let source: String
    public let count: Int

    public init(action: String, item: String, source: String, count: Int) {
        self.action = action
        self.item = item
        self.source = source
        self.count = count
    }

    /// Rows of (item, source, count) read by `sql` (bound to `since`), as counts of `action`.
    static func read(_ db: Connection, _ sql: String, since: String, action: String) throws -> [ReferralCount] {
        try db.query(sql, since) { row in
            ReferralCount(
                action: action, item: try row.get("item", as: String.self), source: try row.get("source", as: String.self),
                count: try row.get("n", as: Int.self))
        }
    }
}

/// A table that holds a supporter's data, found by their e-mail address, and what erasing
/// it means there (the data map: `sanctuary privacy map`, `/admin/privacy/map`).
public struct PersonalData: Sendable {
    /// What erasing a person's rows means in a table.
    public enum Erasure: Sendable {
        /// The rows go.
        case delete
        /// The rows stay for the counts they feed, these columns set to these values: SQL
        /// expressions of ours, never input (`''`, `'erased-' || id || '@invalid'`).
        case blank([String: String])
        /// Not erased by the privacy tools, and why (a staff account is closed on its own screen).
        case keep(String)
    }

    /// What it is, for people (a locale key is not needed: this is for staff and operators).
    public let what: String
    public let table: String
    /// The column holding the e-mail address (compared case-insensitively).
    public let email: String
    /// The column holds the address among other text (a message's `Reply-To`), not alone.
    public let mentions: Bool
    /// Which of the table's rows this declaration covers (SQL of ours, never input), when not all.
    public let only: String?
    /// The columns a supporter's export holds.
    public let columns: [String]
    public let erase: Erasure
    /// The order its rows are exported in, when the table has no row ids to keep their order by.
    public let order: String?
    /// The column that names a row (erasure finds rows on a reader, then erases them by this).
    public let key: String
    /// When staff choose to take the person out of the counts too (a signature removed, not
    /// only anonymised): deletes these rows (by `key`) and corrects every count; answers how many went.
    public let remove: (@Sendable (Connection, [Int64]) throws -> Int)?

    public init(
        _ what: String, table: String, email: String, mentions: Bool = false, only: String? = nil, columns: [String],
        erase: Erasure = .delete,
        order: String? = nil, key: String = "id", remove: (@Sendable (Connection, [Int64]) throws -> Int)? = nil
    ) {
        self.order = order
        self.key = key
        self.what = what
        self.table = table
        self.email = email
        self.mentions = mentions
        self.only = only
        self.columns = columns
        self.erase = erase
        self.remove = remove
    }
}

/// Records past their keeping: which are due at a moment (read on a reader, once), and a
/// batch of them dealt with by id (deleted or anonymised) in the writer, so that a million
/// rows never hold the writer for long.
public struct RetentionRule: Sendable {
    /// What goes, for people ("signatures of petitions closed 6 months ago, anonymised").
    public let what: String
    /// The ids of the records due at `now`.
    public let due: @Sendable (Connection, Date) throws -> [Int64]
    /// Deals with these (a batch; any no longer due are left); answers how many.
    public let apply: @Sendable (Connection, [Int64]) throws -> Int

    public init(
        _ what: String, due: @escaping @Sendable (Connection, Date) throws -> [Int64],
        apply: @escaping @Sendable (Connection, [Int64]) throws -> Int
    ) {
        self.what = what
        self.due = due
        self.apply = apply
    }
}

extension ScheduledJob {
    /// Housekeeping that deletes what is past its time: looked for on a reader first (a
    /// write, even one that deletes nothing, ends every cached page), deleted in one write,
    /// and logged as "purged N `what`".
    public static func purge(
        _ what: String, _ app: Application, isDue: @escaping @Sendable (Connection) throws -> Bool,
        purge: @escaping @Sendable (Connection) throws -> Int
    ) -> ScheduledJob {
        let (database, logger) = (app.database, app.logger)
        return ScheduledJob(what, .housekeeping) {
            guard try database.read(isDue) else { return }
            let purged = try database.writeAndWait(purge)
            logger.info("purged \(purged) \(what)")
        }
    }
}
