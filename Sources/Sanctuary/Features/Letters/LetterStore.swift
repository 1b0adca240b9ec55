import Foundation
import Storage

public struct LetterCampaign: Sendable, RowDecodable {
    static let columns = SelectList(of: LetterCampaign.self)
    public let id: Int64
    public let slug: String
    public let title: Bilingual
    public let intro: Bilingual
    public let recipientKind: RecipientKind
    public let recipientName: Bilingual
    public let recipientAddress: Bilingual
    public let recipientEmail: String
    public let subject: Bilingual
    public let bodyTemplate: Bilingual
    public let state: ActionState
    public let letterCount: Int
    public let delivery: LetterDelivery
    public let sentCount: Int
    public let campaignID: Int64?

    public var isOpen: Bool { state == .open }
    /// The site sends this campaign's letters, when it has an address to send them to (a
    /// named recipient's, or each MP's); otherwise the visitor's own mail program does.
    public var sentBySite: Bool { delivery == .site }
    public var toMP: Bool { recipientKind == .mp }
}

/// A finished letter.
public struct Letter: Sendable {
    public let campaignSlug: String
    public let recipientName: String
    public let recipientEmail: String
    public let recipientAddress: String
    public let subject: String
    public let body: String
    /// The language it was written in (`en`, `fr`).
    public let language: String
    public let createdAt: String

    /// The whole letter as plain text (what the .txt, the mailto body and the textarea hold).
    public var text: String { body }
}

/// The placeholders a letter template may use; anything else is an error when saving.
public enum LetterTemplate {
    /// What a letter's body may name (`{{mp_name}}`), filled for each sender.
    public static let placeholders = ["mp_name", "riding", "sender_name", "sender_address", "date"]

    public static func unknown(in template: String) -> [String] { Template.unknown(in: template, known: placeholders) }
}

public enum LetterStore {
    /// A campaign's open letter campaigns.
    public static func open(_ db: Connection, campaignID: Int64) throws -> [LetterCampaign] {
        try db.query(
            "SELECT \(LetterCampaign.columns) FROM letter_campaigns WHERE campaign_id = ? AND state = ? ORDER BY id",
            campaignID, ActionState.open, row: LetterCampaign.init)
    }

    /// Every campaign's title, letters made and sent by the site, and its five busiest ridings
    /// with the same two numbers (`Ottawa Centre (12, ✉ 5)`; the dashboard).
    public static func countsWithTopRidings(_ db: Connection) throws -> [(title: String, total: Int, sent: Int, ridings: String)] {
        try db.query(
            """
            SELECT letter_campaigns.title AS title, letter_campaigns.letter_count AS total, letter_campaigns.sent_count AS sent,
                   coalesce((SELECT \(db.dialect.joined("name_en || ' (' || count || CASE WHEN sent > 0 THEN ', ✉ ' || sent ELSE '' END || ')'", separator: "', '")) FROM
                       (SELECT ridings.name_en, letter_counts.count, letter_counts.sent FROM letter_counts JOIN ridings ON ridings.code = letter_counts.riding_code
                        WHERE letter_counts.campaign_id = letter_campaigns.id ORDER BY letter_counts.count DESC LIMIT 5) AS top), '') AS ridings
            FROM letter_campaigns ORDER BY letter_campaigns.id
            """
        ) {
            (
                try $0.get("title", as: String.self), try $0.get("total", as: Int.self), try $0.get("sent", as: Int.self),
                try $0.get("ridings", as: String.self)
            )
        }
    }

    public static func open(_ db: Connection) throws -> [LetterCampaign] {
        try db.query(
            "SELECT \(LetterCampaign.columns) FROM letter_campaigns WHERE state = ? ORDER BY featured DESC, id",
            ActionState.open, row: LetterCampaign.init)
    }

    public static func find(_ db: Connection, slug: String) throws -> LetterCampaign? {
        try db.first(
            "SELECT \(LetterCampaign.columns) FROM letter_campaigns WHERE slug = ? AND state != ?", slug, ActionState.draft,
            row: LetterCampaign.init)
    }

    /// Stores a letter and counts it per campaign and riding (on the writer); returns its
    /// token and id, or nil for a second letter the site would send for the same sender,
    /// campaign and day (one a day).
    public static func save(
        _ db: Connection, campaign: LetterCampaign, ridingCode: String, senderName: String, senderEmail: String,
        senderAddress: String, postalCode: String, letter: Letter, delivery: LetterDelivery = .visitor, personal: String = "",
        referral: String = "", retentionDays: Int
    ) throws -> (token: String, id: Int64)? {
        let token = SecretToken.make()
        let now = Timestamp.now()
        let inserted = try db.run(
            """
            INSERT INTO letters (campaign_id, token_hash, riding_code, sender_name, sender_email, sender_address, postal_code,
                                 recipient_name, recipient_email, recipient_address, subject, body, language, created_at, delivery, personal,
                                 referral)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """, campaign.id, SecretToken.digest(token), ridingCode, senderName, senderEmail, senderAddress, postalCode,
            letter.recipientName, letter.recipientEmail, letter.recipientAddress, letter.subject, letter.body, letter.language, now,
            delivery, personal, referral)
        guard inserted == 1 else { return nil }
        let id = try db.lastInsertRowID
        try Funnel.count(db, FunnelItem("letter", campaign.id), .stored, source: referral, now: now)
        try db.run("UPDATE letter_campaigns SET letter_count = letter_count + 1 WHERE id = ?", campaign.id)
        try db.run(
            """
            INSERT INTO letter_counts (campaign_id, riding_code, count) VALUES (?, ?, 1)
            ON CONFLICT (campaign_id, riding_code) DO UPDATE SET count = letter_counts.count + 1
            """, campaign.id, ridingCode)
        try purge(db, retentionDays: retentionDays)
        return (token, id)
    }

    /// A letter the site will send, as its sender confirms it.
    public struct SiteLetter: Sendable {
        public let id: Int64
        public let campaignID: Int64
        public let ridingCode: String
        public let senderName: String
        public let senderEmail: String
        public let letter: Letter
        public let sentAt: String?
    }

    public static func siteLetter(_ db: Connection, id: Int64) throws -> SiteLetter? {
        try db.first(
            """
            SELECT letters.id AS id, letters.campaign_id AS campaign_id, letters.riding_code AS riding_code, letters.sender_name AS sender_name,
                   letters.sender_email AS sender_email, letter_campaigns.slug AS slug, letters.recipient_name AS recipient_name,
                   letters.recipient_email AS recipient_email, letters.recipient_address AS recipient_address, letters.subject AS subject,
                   letters.body AS body, letters.language AS language, letters.created_at AS created_at, letters.sent_at AS sent_at
            FROM letters JOIN letter_campaigns ON letter_campaigns.id = letters.campaign_id
            WHERE letters.id = ? AND letters.delivery = 'site'
            """, id
        ) { row in
            SiteLetter(
                id: try row.get("id"), campaignID: try row.get("campaign_id"), ridingCode: try row.get("riding_code"),
                senderName: try row.get("sender_name"), senderEmail: try row.get("sender_email"),
                letter: Letter(
                    campaignSlug: try row.get("slug"), recipientName: try row.get("recipient_name"),
                    recipientEmail: try row.get("recipient_email"), recipientAddress: try row.get("recipient_address"),
                    subject: try row.get("subject"), body: try row.get("body"), language: try row.get("language"),
                    createdAt: try row.get("created_at")),
                sentAt: try row.optional("sent_at", as: String.self))
        }
    }

    /// The sender confirmed: the letter is marked sent (once) and counted as sent per
    /// campaign and riding. False when it was sent already.
    public static func markSent(_ db: Connection, _ letter: SiteLetter, now: String = Timestamp.now()) throws -> Bool {
        guard try db.run("UPDATE letters SET sent_at = ? WHERE id = ? AND sent_at IS NULL", now, letter.id) == 1 else { return false }
        try db.run("UPDATE letter_campaigns SET sent_count = sent_count + 1 WHERE id = ?", letter.campaignID)
        try db.run(
            """
            INSERT INTO letter_counts (campaign_id, riding_code, count, sent) VALUES (?, ?, 0, 1)
            ON CONFLICT (campaign_id, riding_code) DO UPDATE SET sent = letter_counts.sent + 1
            """, letter.campaignID, letter.ridingCode)
        return true
    }

    /// The oldest creation time still kept.
    static func keptSince(retentionDays: Int, now: Date = Date()) -> String {
        Timestamp.format(now.addingTimeInterval(-Double(retentionDays) * 86_400))
    }

    /// Whether any letter is past its retention.
    public static func hasExpired(_ db: Connection, retentionDays: Int, now: Date = Date()) throws -> Bool {
        let since = keptSince(retentionDays: retentionDays, now: now)
        return try db.scalar(
            """
            SELECT EXISTS (SELECT 1 FROM letters WHERE created_at < ?)
                OR EXISTS (SELECT 1 FROM outbox WHERE kind >= 'letter.' AND kind < 'letter/' AND created_at < ?)
            """, since, since, as: Int.self) == 1
    }

    /// Letters hold personal data: keep them only as long as configured. Run when a letter
    /// is made and on a timer (a quiet campaign would otherwise keep its letters for ever).
    @discardableResult
    /// Mail about letters (the letter itself, its copy, its confirmation) keeps the sender's
    /// words and address: it goes from the outbox at the same age, sent or not.
    public static func purge(_ db: Connection, retentionDays: Int, now: Date = Date()) throws -> Int {
        let since = keptSince(retentionDays: retentionDays, now: now)
        return try db.run("DELETE FROM letters WHERE created_at < ?", since)
            + db.run("DELETE FROM outbox WHERE kind >= 'letter.' AND kind < 'letter/' AND created_at < ?", since)
    }

    /// A letter by its link, if it is still within the retention period (gone on read even
    /// before the timer purges it).
    public static func letter(_ db: Connection, slug: String, token: String, retentionDays: Int) throws -> Letter? {
        try db.first(
            """
            SELECT letter_campaigns.slug AS slug, letters.recipient_name AS recipient_name, letters.recipient_email AS recipient_email,
                   letters.recipient_address AS recipient_address, letters.subject AS subject, letters.body AS body,
                   letters.language AS language, letters.created_at AS created_at
            FROM letters JOIN letter_campaigns ON letter_campaigns.id = letters.campaign_id
            WHERE letters.token_hash = ? AND letter_campaigns.slug = ? AND letters.created_at >= ?
            """, SecretToken.digest(token), slug, keptSince(retentionDays: retentionDays)
        ) { row in
            Letter(
                campaignSlug: try row.get("slug"), recipientName: try row.get("recipient_name"),
                recipientEmail: try row.get("recipient_email"),
                recipientAddress: try row.get("recipient_address"), subject: try row.get("subject"), body: try row.get("body"),
                language: try row.get("language"), createdAt: try row.get("created_at"))
        }
    }

    /// Letters a campaign has sent (the kept count: letters themselves go after their retention).
    public static func letterCount(_ db: Connection, letterCampaignID: Int64) throws -> Int {
        try db.scalar("SELECT letter_count FROM letter_campaigns WHERE id = ?", letterCampaignID, as: Int.self) ?? 0
    }

    /// The letters sent through a campaign's letter campaigns.
    public static func letterCount(_ db: Connection, inCampaign campaignID: Int64) throws -> Int {
        try db.scalar("SELECT coalesce(sum(letter_count), 0) FROM letter_campaigns WHERE campaign_id = ?", campaignID, as: Int.self) ?? 0
    }
}
