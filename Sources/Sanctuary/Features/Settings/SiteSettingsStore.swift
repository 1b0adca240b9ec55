import Foundation
import Storage
import Synchronization

/// The site's name, tagline, accent colour, logo and default share card, as admins set them.
public struct SiteSettings: Sendable, RowDecodable {
    public let title: String
    public let tagline: Bilingual
    public let accent: String
    /// The organisation's postal address (lines), at the foot of every mailing.
    public let postalAddress: String
    /// Where replies to the site's mail go (empty: `mail.reply_to`, or none).
    public var replyTo: String = ""
    /// An address for supporters, at the foot of every page.
    public var contactEmail: String = ""
    /// The organisation's donation page.
    public var donateURL: String = ""
    /// Its pages elsewhere (Mastodon, Bluesky, Facebook…), one `https://` address a line.
    public var socialLinks: String = ""

    static let columns = SelectList(of: SiteSettings.self)
    static let empty = SiteSettings(title: "", tagline: Bilingual(""), accent: "", postalAddress: "")

    /// Each social link with the name of where it leads (`Mastodon` for any server's `/@name`).
    public var socialPages: [(url: String, name: String)] {
        socialLinks.split(separator: "\n").map(String.init).map { url in
            let host = URL(string: url)?.host?.lowercased() ?? ""
            let known = [
                ("bsky.app", "Bluesky"), ("facebook.com", "Facebook"), ("instagram.com", "Instagram"), ("youtube.com", "YouTube"),
                ("linkedin.com", "LinkedIn"), ("x.com", "X"), ("twitter.com", "X"), ("threads.net", "Threads"), ("tiktok.com", "TikTok"),
            ]
            if let name = known.first(where: { host == $0.0 || host.hasSuffix("." + $0.0) })?.1 { return (url, name) }
            if url.contains("/@") { return (url, "Mastodon") }
            return (url, host.hasPrefix("www.") ? String(host.dropFirst(4)) : host)
        }
    }
}

public enum SiteSettingsStore {
    public static func read(_ db: Connection) throws -> SiteSettings {
        try db.first("SELECT \(SiteSettings.columns) FROM site_settings WHERE id = 1", row: SiteSettings.init) ?? .empty
    }

    public static func save(_ db: Connection, _ settings: SiteSettings, now: String = Timestamp.now()) throws {
        try db.run(
            """
            UPDATE site_settings SET title = ?, tagline = ?, tagline_fr = ?, accent = ?, postal_address = ?, reply_to = ?, contact_email = ?,
                donate_url = ?, social_links = ?, updated_at = ? WHERE id = 1
            """,
            settings.title, settings.tagline.english, settings.tagline.french, settings.accent, settings.postalAddress, settings.replyTo,
            settings.contactEmail, settings.donateURL, settings.socialLinks, now)
    }
}

/// The settings every page needs, in memory: read at start and again after an admin saves.
final class SiteSettingsCache: Sendable {
    struct Value: Sendable {
        var settings = SiteSettings.empty
        var logo: Media?
        var shareImage: Media?
        /// The social links with their names, worked out once per load, not per page.
        var socialPages: [(url: String, name: String)] = []
    }
    private let value = Mutex(Value())
    /// Other nodes' commits when the settings were last read (`followOthers`).
    private let othersSeen = Atomic<UInt64>(0)

    var current: Value { value.withLock { $0 } }

    /// Reads the settings again if another node has committed anything since they were read
    /// (its staff may have changed them); nothing on SQLite, where every change is this node's.
    func followOthers(_ database: Database) {
        let others = database.changesByOthers
        guard othersSeen.exchange(others, ordering: .acquiringAndReleasing) != others else { return }
        reload(database)
    }

    func reload(_ database: Database) {
        let loaded = try? database.read { db in
            let settings = try SiteSettingsStore.read(db)
            return Value(
                settings: settings, logo: try MediaStore.of(db, .logo, id: 1), shareImage: try MediaStore.of(db, .settings, id: 1),
                socialPages: settings.socialPages)
        }
        if let loaded { value.withLock { $0 = loaded } }
    }
}

extension MediaOwner {
    /// The site's default share card and its logo (`site_settings`, one row).
    public static let settings = MediaOwner(
        "settings", area: .settings, table: "site_settings", editPath: "/admin/settings",
        afterChange: { $0.siteSettings.reload($0.database) })
    public static let logo = MediaOwner(
        "logo", area: .settings, table: "site_settings", column: "logo_id", editPath: "/admin/settings",
        afterChange: { $0.siteSettings.reload($0.database) })
}
