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

    static let columns = SelectList(of: SiteSettings.self)
    static let empty = SiteSettings(title: "", tagline: Bilingual(""), accent: "", postalAddress: "")
}

public enum SiteSettingsStore {
    public static func read(_ db: Connection) throws -> SiteSettings {
        try db.first("SELECT \(SiteSettings.columns) FROM site_settings WHERE id = 1", row: SiteSettings.init) ?? .empty
    }

    public static func save(_ db: Connection, _ settings: SiteSettings, now: String = Timestamp.now()) throws {
        try db.run(
            "UPDATE site_settings SET title = ?, tagline = ?, tagline_fr = ?, accent = ?, postal_address = ?, updated_at = ? WHERE id = 1",
            settings.title, settings.tagline.english, settings.tagline.french, settings.accent, settings.postalAddress, now)
    }
}

/// The settings every page needs, in memory: read at start and again after an admin saves.
final class SiteSettingsCache: Sendable {
    struct Value: Sendable {
        var settings = SiteSettings.empty
        var logo: Media?
        var shareImage: Media?
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
            Value(
                settings: try SiteSettingsStore.read(db), logo: try MediaStore.of(db, .logo, id: 1),
                shareImage: try MediaStore.of(db, .settings, id: 1))
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
