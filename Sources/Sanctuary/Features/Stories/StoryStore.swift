import Foundation
import Storage

/// Where a story stands: told (its address not confirmed yet), confirmed (waiting for staff),
/// published, declined by staff, or withdrawn by the person who told it.
public enum StoryState: String, SQLTextEnum, CaseIterable, Sendable {
    case submitted, confirmed, published, declined, withdrawn
}

/// How the teller asked to be named on the site.
public enum StoryNaming: String, SQLTextEnum, CaseIterable, Sendable {
    case full, initial, first, anonymous
}

/// A story as the site keeps it (see `Migrations/0028_stories.sql`).
public struct Story: Sendable, RowDecodable {
    public let id: Int64
    public let state: StoryState
    public let campaignID: Int64?
    public let title: String
    public let body: String
    public let bodyOriginal: String
    public let caption: String
    public let captionOriginal: String
    public let photographer: String
    public let firstName: String
    public let lastName: String
    public let naming: StoryNaming
    public let place: String
    public let email: String
    public let language: String
    public let consentText: String
    public let peopleConsent: Bool
    public let mediaID: Int64?
    public let featured: Bool
    public let declineReason: String
    public let createdAt: String
    public let confirmedAt: String?
    public let publishedAt: String?
    public let endedAt: String?
    public let erasedAt: String?

    static let columns = SelectList(of: Story.self)

    /// The name as the person chose to be named, or nil for "anonymous".
    public var shownName: String? {
        let first = firstName.trimmingCharacters(in: .whitespaces)
        let last = lastName.trimmingCharacters(in: .whitespaces)
        switch naming {
        case .anonymous: return nil
        case .first: return first.isEmpty ? nil : first
        case .initial:
            guard !first.isEmpty else { return nil }
            return last.first.map { "\(first) \($0)." } ?? first
        case .full: return ([first, last].filter { !$0.isEmpty }.joined(separator: " ")).nilIfEmpty
        }
    }

    /// The headline: staff's title, else the story's first words.
    public var headline: String {
        if !title.isEmpty { return title }
        let words = body.split(whereSeparator: { $0.isWhitespace })
        let first = words.prefix(10).joined(separator: " ")
        return words.count > 10 ? first + "…" : first
    }

    /// The first `limit` characters, cut at a word.
    public func excerpt(_ limit: Int = 220) -> String {
        guard body.count > limit else { return body }
        let cut = body.prefix(limit)
        return String(cut[..<(cut.lastIndex(of: " ") ?? cut.endIndex)]) + "…"
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// What a visitor sends: the story and what goes with it, checked.
struct StoryInput: Sendable {
    var body: String
    var caption: String
    var photographer: String
    var firstName: String
    var lastName: String
    var naming: StoryNaming
    var place: String
    var email: String
    var campaignID: Int64?
    var consentText: String
    var peopleConsent: Bool
    var language: String
    /// Where the teller came from, as their link said (`Referral`).
    var referral = ""
}

/// The stories form's settings (one row).
public struct StorySettings: Sendable, RowDecodable {
    public let maxWords: Int
    public let photoProject: Bool
    public let lastDigestAt: String?
    static let columns = SelectList(of: StorySettings.self)
    static let defaults = StorySettings(maxWords: 300, photoProject: false, lastDigestAt: nil)
}

public enum StoryStore {
    // MARK: Telling

    /// The story as told, before its address is confirmed; its id.
    static func insert(_ db: Connection, _ input: StoryInput, mediaID: Int64?, clientHash: String, now: String = Timestamp.now()) throws
        -> Int64
    {
        try db.run(
            """
            INSERT INTO stories (state, campaign_id, body, body_original, caption, caption_original, photographer, first_name, last_name,
                                 naming, place, email, language, consent_text, people_consent, media_id, client_hash, created_at, updated_at,
                                 referral)
            VALUES ('submitted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, input.campaignID, input.body, input.body, input.caption, input.caption, input.photographer, input.firstName,
            input.lastName, input.naming, input.place, input.email, input.language, input.consentText, input.peopleConsent, mediaID,
            clientHash, now, now, input.referral)
        return try db.lastInsertRowID
    }

    public static func find(_ db: Connection, id: Int64) throws -> Story? {
        try db.first("SELECT \(Story.columns) FROM stories WHERE id = ?", id, row: Story.init)
    }

    /// The teller pressed the mailed link: staff may see it now. False when it was not waiting.
    static func confirm(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Bool {
        try db.run(
            "UPDATE stories SET state = 'confirmed', confirmed_at = ?, updated_at = ? WHERE id = ? AND state = 'submitted'", now, now, id)
            == 1
    }

    /// The teller took it back: off the site at once (what they wrote is erased within a day).
    /// False when it was withdrawn (or erased) already.
    static func withdraw(_ db: Connection, id: Int64, now: String = Timestamp.now()) throws -> Bool {
        try db.run(
            """
            UPDATE stories SET state = 'withdrawn', featured = 0, ended_at = ?, updated_at = ?
            WHERE id = ? AND state <> 'withdrawn' AND erased_at IS NULL
            """, now, now, id) == 1
    }

    // MARK: Published

    /// Published stories, featured first then newest, optionally of one campaign or with photos only.
    public static func published(
        _ db: Connection, campaignID: Int64? = nil, photosOnly: Bool = false, offset: Int = 0, limit: Int
    ) throws -> [Story] {
        try db.query(
            """
            SELECT \(Story.columns) FROM stories WHERE state = 'published'
              AND (? = 0 OR campaign_id = ?) AND (? = 0 OR media_id IS NOT NULL)
            ORDER BY featured DESC, published_at DESC, id DESC LIMIT ? OFFSET ?
            """, campaignID ?? 0, campaignID ?? 0, photosOnly ? 1 : 0, limit, offset, row: Story.init)
    }

    public static func publishedCount(_ db: Connection, campaignID: Int64? = nil, photosOnly: Bool = false) throws -> Int {
        try db.scalar(
            """
            SELECT count(*) FROM stories WHERE state = 'published' AND (? = 0 OR campaign_id = ?) AND (? = 0 OR media_id IS NOT NULL)
            """, campaignID ?? 0, campaignID ?? 0, photosOnly ? 1 : 0, as: Int.self) ?? 0
    }

    /// Newest published first, for the feed.
    static func recent(_ db: Connection, limit: Int) throws -> [Story] {
        try db.query(
            "SELECT \(Story.columns) FROM stories WHERE state = 'published' ORDER BY published_at DESC, id DESC LIMIT ?", limit,
            row: Story.init)
    }

    // MARK: Moderation

    /// The queue: stories in `state` (all that staff may see when nil), newest first.
    static func queue(_ db: Connection, state: StoryState?, limit: Int = 200) throws -> [Story] {
        try db.query(
            """
            SELECT \(Story.columns) FROM stories WHERE state <> 'submitted' AND (? = '' OR state = ?)
            ORDER BY coalesce(confirmed_at, created_at) DESC, id DESC LIMIT ?
            """, state?.rawValue ?? "", state?.rawValue ?? "", limit, row: Story.init)
    }

    /// How many stories are in each state.
    static func counts(_ db: Connection) throws -> [StoryState: Int] {
        let rows = try db.query("SELECT state, count(*) AS n FROM stories GROUP BY state") {
            (try $0.get("state", as: String.self), try $0.get("n", as: Int.self))
        }
        var counts: [StoryState: Int] = [:]
        for (state, n) in rows { if let state = StoryState(rawValue: state) { counts[state] = n } }
        return counts
    }

    /// Staff's edit: the words as published (the original stays), its campaign, featured.
    static func edit(
        _ db: Connection, id: Int64, title: String, body: String, caption: String, photographer: String, campaignID: Int64?,
        featured: Bool, now: String = Timestamp.now()
    ) throws -> Bool {
        try db.run(
            """
            UPDATE stories SET title = ?, body = ?, caption = ?, photographer = ?, campaign_id = ?, featured = ?, updated_at = ?
            WHERE id = ? AND state IN ('confirmed', 'published', 'declined') AND erased_at IS NULL
            """, title, body, caption, photographer, campaignID, featured, now, id) == 1
    }

    /// Staff publish a confirmed (or declined) story, or take a published one back to the queue.
    static func setPublished(_ db: Connection, id: Int64, _ published: Bool, now: String = Timestamp.now()) throws -> Bool {
        if published {
            return try db.run(
                """
                UPDATE stories SET state = 'published', published_at = coalesce(published_at, ?), ended_at = NULL, decline_reason = '',
                    updated_at = ? WHERE id = ? AND state IN ('confirmed', 'declined') AND erased_at IS NULL
                """, now, now, id) == 1
        }
        return try db.run(
            "UPDATE stories SET state = 'confirmed', featured = 0, updated_at = ? WHERE id = ? AND state = 'published'", now, id) == 1
    }

    static func decline(_ db: Connection, id: Int64, reason: String, now: String = Timestamp.now()) throws -> Bool {
        try db.run(
            """
            UPDATE stories SET state = 'declined', featured = 0, decline_reason = ?, ended_at = ?, updated_at = ?
            WHERE id = ? AND state IN ('confirmed', 'published') AND erased_at IS NULL
            """, reason, now, now, id) == 1
    }

    static func setMedia(_ db: Connection, id: Int64, mediaID: Int64?, now: String = Timestamp.now()) throws {
        try db.run("UPDATE stories SET media_id = ?, updated_at = ? WHERE id = ?", mediaID, now, id)
    }

    // MARK: Erasing

    /// Stories whose words are past keeping: withdrawn (at once: the hourly housekeeping is
    /// "within a day"), declined `retentionDays` ago, or never confirmed in 30 days. Their
    /// ids and pictures.
    static func dueForErasure(_ db: Connection, declinedBefore: String, unconfirmedBefore: String) throws -> [(id: Int64, mediaID: Int64?)]
    {
        try db.query(
            """
            SELECT id, media_id FROM stories WHERE erased_at IS NULL AND (state = 'withdrawn'
               OR (state = 'declined' AND ended_at < ?) OR (state = 'submitted' AND created_at < ?))
            """, declinedBefore, unconfirmedBefore
        ) { row in (row.int64(at: 0), row.isNull(at: 1) ? nil : row.int64(at: 1)) }
    }

    /// What erasing leaves of a story: its state and dates, off the site; nothing the person
    /// wrote or sent. Shared by the housekeeping below and the privacy tools (`personalData`).
    public static let erased: [String: String] = [
        "title": "''", "body": "''", "body_original": "''", "caption": "''", "caption_original": "''", "photographer": "''",
        "first_name": "''", "last_name": "''", "place": "''", "email": "''", "consent_text": "''", "decline_reason": "''",
        "client_hash": "''", "media_id": "NULL", "featured": "0", "erased_at": ":now", "updated_at": ":now",
        "state": "CASE WHEN state = 'published' OR state = 'confirmed' THEN 'withdrawn' ELSE state END",
        "ended_at": "coalesce(ended_at, :now)",
    ]

    /// What the person wrote and sent, gone; the row stays (its state, its dates) for the
    /// counts. An unconfirmed story goes altogether.
    static func erase(_ db: Connection, id: Int64) throws {
        try db.run("DELETE FROM stories WHERE id = ? AND state = 'submitted'", id)
        try db.run("UPDATE stories SET \(PersonalDataStore.assignments(erased, db.dialect)) WHERE id = ?", id)
        try MailTokenStore.retire(db, purpose: .story, subjectID: id)
    }

    // MARK: Settings and digest

    public static func settings(_ db: Connection) throws -> StorySettings {
        try db.first("SELECT \(StorySettings.columns) FROM story_settings WHERE id = 1", row: StorySettings.init) ?? .defaults
    }

    static func saveSettings(_ db: Connection, maxWords: Int, photoProject: Bool, campaignIDs: [Int64]) throws {
        try db.run("UPDATE story_settings SET max_words = ?, photo_project = ? WHERE id = 1", maxWords, photoProject)
        try db.run("DELETE FROM story_campaigns")
        for id in campaignIDs { try db.run("INSERT INTO story_campaigns (campaign_id) VALUES (?)", id) }
    }

    /// Whether a campaign's page gathers stories.
    static func gathers(_ db: Connection, campaignID: Int64) throws -> Bool {
        try db.scalar("SELECT 1 FROM story_campaigns WHERE campaign_id = ?", campaignID, as: Int.self) == 1
    }

    static func gatheringCampaigns(_ db: Connection) throws -> Set<Int64> {
        Set(try db.query("SELECT campaign_id FROM story_campaigns") { try $0.get("campaign_id", as: Int64.self) })
    }

    /// Confirmed stories no digest has told staff about yet.
    static func undigested(_ db: Connection) throws -> [Story] {
        try db.query(
            "SELECT \(Story.columns) FROM stories WHERE digested_at IS NULL AND confirmed_at IS NOT NULL AND erased_at IS NULL ORDER BY id",
            row: Story.init)
    }

    static func markDigested(_ db: Connection, ids: [Int64], now: String) throws {
        for id in ids { try db.run("UPDATE stories SET digested_at = ? WHERE id = ?", now, id) }
        try db.run("UPDATE story_settings SET last_digest_at = ? WHERE id = 1", now)
    }

    /// The addresses of staff who may moderate stories and did not turn the digest off.
    static func digestRecipients(_ db: Connection, roles: [String]) throws -> [String] {
        let placeholders = roles.map { _ in "?" }.joined(separator: ", ")
        return try db.query(
            """
            SELECT email FROM users WHERE disabled = 0 AND role IN (\(placeholders))
              AND id NOT IN (SELECT user_id FROM story_digest_optouts) ORDER BY id
            """, parameters: roles
        ) { try $0.get("email", as: String.self) }
    }

    static func wantsDigest(_ db: Connection, userID: Int64) throws -> Bool {
        try db.scalar("SELECT 1 FROM story_digest_optouts WHERE user_id = ?", userID, as: Int.self) != 1
    }

    static func setDigest(_ db: Connection, userID: Int64, wanted: Bool) throws {
        if wanted {
            try db.run("DELETE FROM story_digest_optouts WHERE user_id = ?", userID)
        } else {
            try db.run("INSERT INTO story_digest_optouts (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING", userID)
        }
    }
}
