import Foundation
import Storage

/// Someone who ticked "send me updates" on an action's form (a petition, an event), joining
/// the list once their address is confirmed (`SubscriberStore.join`).
public struct ListOptIn: Sendable, Equatable, Codable {
    public var email: String
    public var name: String
    public var postalCode: String = ""
    public var campaignID: Int64?
    /// `petition:{slug}`, `event:{slug}`, `letter:{slug}`.
    public var source: String
    public var language: String
    /// When the box was ticked.
    public var consentedAt: String
    public var clientHash: String = ""
    /// Where the person came from, as their link said (`Referral`).
    public var referral: String = ""

    public init(
        email: String, name: String, postalCode: String = "", campaignID: Int64?, source: String, language: String, consentedAt: String,
        clientHash: String = "", referral: String = ""
    ) {
        self.referral = referral
        self.email = email
        self.name = name
        self.postalCode = postalCode
        self.campaignID = campaignID
        self.source = source
        self.language = language
        self.consentedAt = consentedAt
        self.clientHash = clientHash
    }
}

/// "Stay informed" sign-ups: consent kept verbatim with its time, one row per address and
/// campaign, unsubscribed once.
public enum SubscriberStore {
    /// Subscribes once the address's owner has confirmed (double opt-in); confirming again
    /// renews consent and undoes an earlier unsubscribe. `consentedAt`: when the box was ticked.
    /// `source`: where the consent was given (`updates`, the sign-up form; `petition:{slug}`,
    /// `event:{slug}`: the box on that action's form).
    public static func subscribe(
        _ db: Connection, email: String, name: String, postalCode: String, campaignID: Int64?, consentText: String,
        consentedAt: String, clientHash: String, language: String, source: String = "updates", referral: String = ""
    ) throws {
        try db.run(
            """
            INSERT INTO subscribers (email, name, postal_code, campaign_id, consent_text, consented_at, client_hash, language, confirmed_at, source,
                                     referral)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (email, coalesce(campaign_id, 0)) DO UPDATE SET name = excluded.name, postal_code = excluded.postal_code,
                consent_text = excluded.consent_text, consented_at = excluded.consented_at, unsubscribed_at = NULL, language = excluded.language,
                confirmed_at = excluded.confirmed_at, source = excluded.source
            """, email, name, postalCode, campaignID, consentText, consentedAt, clientHash, language, Timestamp.now(), source, referral)
        try BulkMailStore.resubscribe(db, address: email)
    }

    /// A "send me updates" ticked on an action's form, once its address is confirmed: the
    /// person joins the action's campaign's list (the site's when it has none), with the
    /// words they agreed to in their language.
    public static func join(_ db: Connection, _ optIn: ListOptIn, consentText: String) throws {
        try subscribe(
            db, email: optIn.email, name: optIn.name, postalCode: optIn.postalCode, campaignID: optIn.campaignID, consentText: consentText,
            consentedAt: optIn.consentedAt, clientHash: optIn.clientHash, language: optIn.language == "fr" ? "fr" : "en",
            source: optIn.source, referral: optIn.referral)
    }

    /// Whether the address has a current subscription (to this campaign, or the general list).
    public static func isSubscribed(_ db: Connection, email: String, campaignID: Int64?) throws -> Bool {
        try db.scalar(
            "SELECT 1 FROM subscribers WHERE email = ? AND coalesce(campaign_id, 0) = ? AND unsubscribed_at IS NULL AND confirmed_at IS NOT NULL",
            email, campaignID ?? 0, as: Int.self) == 1
    }

    public static func isSubscribed(_ db: Connection, id: Int64) throws -> Bool {
        try db.scalar("SELECT unsubscribed_at IS NULL FROM subscribers WHERE id = ?", id, as: Int.self) == 1
    }

    /// Ends a subscription; false when it had ended already (or never was).
    public static func unsubscribe(_ db: Connection, id: Int64) throws -> Bool {
        try db.run("UPDATE subscribers SET unsubscribed_at = ? WHERE id = ? AND unsubscribed_at IS NULL", Timestamp.now(), id) == 1
    }

    /// Current subscribers (sign-ups, imports, and the signers and registrants who ticked
    /// "send me updates"), with where each consent came from. An address that unsubscribed
    /// from mailings is left out: its old consents no longer stand.
    static let exportColumns = ["consented_at", "name", "email", "postal_code", "campaign", "source", "consent_text", "unsubscribe_url"]
    static let exportSQL = """
        SELECT subscribers.consented_at, subscribers.name, subscribers.email, subscribers.postal_code, coalesce(campaigns.slug, ''),
               subscribers.source, subscribers.consent_text, subscribers.id, subscribers.language
        FROM subscribers LEFT JOIN campaigns ON campaigns.id = subscribers.campaign_id
        WHERE subscribers.unsubscribed_at IS NULL AND subscribers.confirmed_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM mail_addresses m WHERE m.address = subscribers.email AND m.unsubscribed_at IS NOT NULL)
        ORDER BY 1
        """

    /// Whether an address must not come back by an import: it unsubscribed (from the list or
    /// any mailing), bounced for good, or complained.
    static func mayNotBeImported(_ db: Connection, email: String) throws -> Bool {
        try db.scalar(
            """
            SELECT EXISTS (SELECT 1 FROM mail_addresses WHERE address = ?
                AND (unsubscribed_at IS NOT NULL OR undeliverable_at IS NOT NULL OR suppression = ?))
              OR EXISTS (SELECT 1 FROM subscribers WHERE email = ? AND unsubscribed_at IS NOT NULL)
            """, email, Suppression.complaint, email, as: Int.self) == 1
    }

    /// One imported supporter, subscribed with the consent note and day (source `import`).
    static func imported(_ db: Connection, _ row: SubscriberImport.Row, campaignID: Int64?, consentNote: String, consentedOn: String) throws
    {
        try db.run(
            """
            INSERT INTO subscribers (email, name, postal_code, campaign_id, consent_text, consented_at, language, confirmed_at, source)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'import')
            ON CONFLICT (email, coalesce(campaign_id, 0)) DO UPDATE SET consent_text = excluded.consent_text,
                consented_at = excluded.consented_at, confirmed_at = excluded.confirmed_at, source = 'import'
            """, row.email, row.name, row.postalCode, campaignID, consentNote, consentedOn, row.language, consentedOn)
    }

    /// A campaign's subscribers still subscribed.
    public static func count(_ db: Connection, campaignID: Int64) throws -> Int {
        try db.scalar("SELECT count(*) FROM subscribers WHERE campaign_id = ? AND unsubscribed_at IS NULL", campaignID, as: Int.self) ?? 0
    }
}

extension MailingAudience {
    /// Confirmed subscribers, of one campaign or all: one row per address (the newest
    /// subscription's language).
    public static let subscribers = MailingAudience(
        "subscribers",
        sql: """
            SELECT email, language, name FROM subscribers WHERE id IN (
                SELECT max(id) FROM subscribers
                WHERE unsubscribed_at IS NULL AND confirmed_at IS NOT NULL AND (CAST(? AS BIGINT) IS NULL OR campaign_id = ?)
                GROUP BY email)
            """, allowsAll: true,
        choices: { db, t in
            [(nil, t("admin.mailing.audience.all"))]
                + (try CampaignStore.choices(db)).map { (Optional($0.0), t("admin.mailing.audience.campaign", ["title": $0.1])) }
        })
}
