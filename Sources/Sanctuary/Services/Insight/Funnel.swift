import Foundation
import HTTP
import Storage
import Synchronization

/// The steps of an action a visitor takes, counted per hour and source without cookies or
/// third-party scripts (`funnel_counts`).
public enum FunnelStage: String, Sendable, CaseIterable {
    /// Its page was seen.
    case view
    /// Its form was sent for the first time (a form sent back with mistakes is not counted again).
    case start
    /// A row was stored (a signature, an RSVP, a letter).
    case stored
    /// The row's owner confirmed it by the mailed link (or it counted at once).
    case confirmed
}

/// A public page whose visits are the first step of an action's funnel: `/petitions/{slug}`
/// for petitions. `lookup` finds the item's id from the slug (bound as its one parameter).
public struct FunnelPage: Sendable {
    public let action: String
    public let prefix: String
    public let lookup: String

    public init(action: String, prefix: String, lookup: String) {
        self.action = action
        self.prefix = prefix
        self.lookup = lookup
    }
}

/// One action's item in the funnel (a petition, an event).
public struct FunnelItem: Sendable, Hashable {
    public let action: String
    public let id: Int64

    public init(_ action: String, _ id: Int64) {
        self.action = action
        self.id = id
    }
}

/// Counts the steps: views of the funnel pages (a middleware, before the page cache, so a page
/// served from memory counts too) and first submits in memory, written every few seconds by
/// `flush`; stored and confirmed rows in the transaction that makes them (`count`).
///
/// Nothing about a visitor is kept: a view is a number in an hour, under the source its link
/// named; another site's link is counted by its host name only (`referrer_counts`).
public final class Funnel: Middleware, Sendable {
    struct ViewKey: Hashable {
        let page: Int
        let slug: String
        let hour: String
        let source: String
    }
    struct StartKey: Hashable {
        let item: FunnelItem
        let hour: String
        let source: String
    }
    struct HostKey: Hashable {
        let page: Int
        let slug: String
        let day: String
        let host: String
    }
    struct Pending {
        var views: [ViewKey: Int] = [:]
        var starts: [StartKey: Int] = [:]
        var hosts: [HostKey: Int] = [:]
        var isEmpty: Bool { views.isEmpty && starts.isEmpty && hosts.isEmpty }
        var size: Int { views.count + starts.count + hosts.count }
    }

    let pages: [FunnelPage]
    private let pending = Mutex(Pending())
    /// What one flush may hold: past it, the rarest labels are counted as `other` (a flood of
    /// made-up sources or slugs cannot grow memory or the table without end).
    static let maxPending = 5_000
    static let other = "other"

    public init(pages: [FunnelPage]) { self.pages = pages }

    public func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome {
        guard request.method == "GET", let (page, slug) = match(request.path) else { return next(request) }
        let outcome = next(request)
        let source = request.queryString.isEmpty ? "" : Referral.of(request)
        let host = Self.foreignHost(request)
        return outcome.map { [self] response in
            if response.status == .ok { noteView(page: page, slug: slug, source: source, host: host) }
            return response
        }
    }

    /// Which funnel page a path is, and its slug (nil: none).
    func match(_ path: String) -> (Int, String)? {
        for (index, page) in pages.enumerated() where path.hasPrefix(page.prefix) {
            let slug = path.dropFirst(page.prefix.count)
            guard !slug.isEmpty, slug.utf8.count <= 100, !slug.contains("/"), !slug.contains(".") else { return nil }
            return (index, String(slug))
        }
        return nil
    }

    /// The host of a `Referer` from another site ("" for none, ours, or one that is not a URL).
    static func foreignHost(_ request: Request) -> String {
        guard let referer = request.headers["referer"], referer.utf8.count <= 2_048,
            let host = URLComponents(string: referer)?.host?.lowercased(), !host.isEmpty, host.utf8.count <= 100
        else { return "" }
        let own = (request.headers["host"] ?? "").split(separator: ":").first.map { $0.lowercased() } ?? ""
        guard host != own, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { return "" }
        return host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
    }

    func noteView(page: Int, slug: String, source: String, host: String, now: String = Timestamp.now()) {
        pending.withLock { pending in
            let full = pending.size >= Self.maxPending
            let key = ViewKey(page: page, slug: slug, hour: String(now.prefix(13)), source: source)
            if pending.views[key] != nil || !full {
                pending.views[key, default: 0] += 1
            } else {
                // Only known slugs are written, so a full flush keeps counting the page as `other`'s.
                pending.views[ViewKey(page: page, slug: slug, hour: key.hour, source: Self.other), default: 0] += 1
            }
            guard !host.isEmpty else { return }
            let hostKey = HostKey(page: page, slug: slug, day: String(now.prefix(10)), host: full ? Self.other : host)
            pending.hosts[hostKey, default: 0] += 1
        }
    }

    /// A form sent: counted as a start unless it came back from a page that showed its
    /// mistakes (`Form.retryField`).
    public func noteStart(_ item: FunnelItem, _ request: Request, now: String = Timestamp.now()) {
        let form = request.form
        guard (form[FunnelFields.retry] ?? "").isEmpty else { return }
        let source = Referral.of(request)
        pending.withLock { pending in
            let key = StartKey(item: item, hour: String(now.prefix(13)), source: source)
            let counted =
                pending.starts[key] != nil || pending.size < Self.maxPending
                ? key : StartKey(item: item, hour: key.hour, source: Self.other)
            pending.starts[counted, default: 0] += 1
        }
    }

    /// Writes what was counted in memory (on the writer, every few seconds and at the end).
    public func flush(_ database: Database) throws {
        let taken = pending.withLock { pending -> Pending in
            let taken = pending
            pending = Pending()
            return taken
        }
        guard !taken.isEmpty else { return }
        let pages = pages
        try database.writeAndWait { db in
            var ids: [String: Int64?] = [:]
            func id(_ page: Int, _ slug: String) throws -> Int64? {
                let key = "\(page) \(slug)"
                if let known = ids[key] { return known }
                let found = try db.scalar(pages[page].lookup, slug, as: Int64.self)
                ids[key] = found
                return found
            }
            for (key, n) in taken.views {
                guard let item = try id(key.page, key.slug) else { continue }
                try Self.add(db, FunnelItem(pages[key.page].action, item), stage: .view, source: key.source, hour: key.hour, by: n)
            }
            for (key, n) in taken.starts {
                try Self.add(db, key.item, stage: .start, source: key.source, hour: key.hour, by: n)
            }
            for (key, n) in taken.hosts {
                guard let item = try id(key.page, key.slug) else { continue }
                try db.run(
                    """
                    INSERT INTO referrer_counts (action, item_id, day, host, count) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (action, item_id, day, host) DO UPDATE SET count = referrer_counts.count + excluded.count
                    """, pages[key.page].action, item, key.day, key.host, n)
            }
        }
    }

    private static func add(_ db: Connection, _ item: FunnelItem, stage: FunnelStage, source: String, hour: String, by n: Int) throws {
        try db.run(
            """
            INSERT INTO funnel_counts (action, item_id, hour, stage, source, count) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (action, item_id, hour, stage, source) DO UPDATE SET count = funnel_counts.count + excluded.count
            """, item.action, item.id, hour, stage.rawValue, source, n)
    }

    /// A stored or confirmed row counted in its own transaction (added up over the writer's
    /// batch, written once before it commits).
    public static func count(_ db: Connection, _ item: FunnelItem, _ stage: FunnelStage, source: String, now: String = Timestamp.now())
        throws
    {
        try db.addToCounter(
            """
            INSERT INTO funnel_counts (action, item_id, hour, stage, source, count) VALUES (?2, ?3, ?4, ?5, ?6, ?1)
            ON CONFLICT (action, item_id, hour, stage, source) DO UPDATE SET count = funnel_counts.count + excluded.count
            """, key: [.text(item.action), .integer(item.id), .text(String(now.prefix(13))), .text(stage.rawValue), .text(source)])
    }
}

enum FunnelFields {
    /// Set on a form shown again with its mistakes: sending it once more is not a new start.
    static let retry = "again"
    /// True while a page shows a form's mistakes (`Form.honeypot` writes `retry`).
    @TaskLocal static var retrying = false
}
