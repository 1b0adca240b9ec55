import Foundation
import Storage

/// A petition as lists show it.
public struct PetitionSummary: Sendable, RowDecodable {
    public let id: Int64
    public let slug: String
    public let title: Bilingual
    public let summary: Bilingual
    public let goal: Int
    public let signatureCount: Int
    public let state: ActionState
    public let opensAt: String?
    public let closesAt: String?
    public let campaignID: Int64?

    static let columns = SelectList(of: PetitionSummary.self)

    /// Whether it takes signatures at `now`: open, past its opening, before its deadline.
    public func isOpen(at now: String = Timestamp.now()) -> Bool {
        state == .open && (opensAt.map { $0 <= now } ?? true) && (closesAt.map { $0 > now } ?? true)
    }
}

/// A whole petition, for its page.
public struct Petition: Sendable, RowDecodable {
    public let summary: PetitionSummary
    public let body: Bilingual
    public let target: Bilingual
    /// The message offered to signers to share; empty: the site's own.
    public let shareText: Bilingual
    public var id: Int64 { summary.id }
    public var slug: String { summary.slug }
    public var title: Bilingual { summary.title }

    static let columns = SelectList(of: Petition.self)

    /// What a signer is offered to say when sharing, in `t`'s language.
    public func shareMessage(_ t: Localizer) -> String {
        let own = shareText.text(t)
        return own.isEmpty ? t("share.petition.message", ["title": title.text(t)]) : own
    }
}

/// A signature as the visitor gave it, already cleaned and checked.
public struct SignatureInput: Sendable {
    public var firstName: String
    public var lastName: String
    public var email: String
    public var postalCode: String
    public var comment: String
    public var consentUpdates: Bool
    /// "Tell me the outcome": a mail when organizers post a response or delivery note.
    public var notifyOutcome = false
    public var clientHash: String
    /// "Show my first name, my riding and my comment on this page" (opt-in).
    public var showPublicly = false
    /// Where the signer came from, as their link said (`Referral`).
    public var referral = ""
    /// The key of the embedding partner the signer asked to hear from ("" for none).
    public var partnerConsent = ""
}

/// A signer who asked to be shown on the petition's page, as it shows them.
public struct PublicSigner: Sendable, RowDecodable {
    public let id: Int64
    public let firstName: String
    /// The riding when the postal code lies in one, else empty (the province is shown).
    public let riding: String
    public let province: String
    /// The first 280 characters of their comment.
    public let comment: String
    public let confirmedAt: String
    /// Hidden by staff (never shown publicly while set).
    public let hiddenAt: String?

    static let maxComment = 280
    static let columns = SelectList(of: PublicSigner.self, expressions: ["comment": "substr(comment, 1, 280)"])
}

/// Reading and writing petitions and their signatures.
public enum PetitionStore {
    /// A campaign's open petitions, featured first.
    public static func open(_ db: Connection, campaignID: Int64, now: String = Timestamp.now()) throws -> [PetitionSummary] {
        try db.query(
            """
            SELECT \(PetitionSummary.columns) FROM petitions WHERE campaign_id = ? AND state = ?
              AND (closes_at IS NULL OR closes_at > ?) AND (opens_at IS NULL OR opens_at <= ?) ORDER BY featured DESC, id
            """, campaignID, ActionState.open, now, now, row: PetitionSummary.init)
    }

    /// A petition's signatures in the SPEC's export columns, in the order the index gives
    /// (signing time, then id: no sort of a million rows). Bound: the petition's id.
    static let signaturesExportSQL = """
        SELECT created_at, first_name, last_name, email, postal_code, riding, comment, consent_updates
        FROM signatures WHERE petition_id = ? AND confirmed_at IS NOT NULL ORDER BY created_at, id
        """

    /// Confirmed signatures across every petition (the kept counters' sum).
    public static func confirmedTotal(_ db: Connection) throws -> Int {
        try db.scalar("SELECT coalesce(sum(signature_count), 0) FROM petitions", as: Int.self) ?? 0
    }

    /// A petition's slug by id (any state; for staff screens).
    public static func slug(_ db: Connection, id: Int64) throws -> String? {
        try db.scalar("SELECT slug FROM petitions WHERE id = ?", id, as: String.self)
    }

    /// Open petitions for the home page, featured first, then the most signed.
    public static func featured(_ connection: Connection, limit: Int, now: String = Timestamp.now()) throws -> [PetitionSummary] {
        try connection.query(
            """
            SELECT \(PetitionSummary.columns) FROM petitions
            WHERE state = ? AND (closes_at IS NULL OR closes_at > ?) AND (opens_at IS NULL OR opens_at <= ?)
            ORDER BY featured DESC, signature_count DESC, id LIMIT ?
            """, ActionState.open, now, now, limit, row: PetitionSummary.init)
    }

    /// Every public petition: the ones taking signatures first, then closed ones, newest first.
    public static func all(_ connection: Connection, now: String = Timestamp.now()) throws -> [PetitionSummary] {
        try connection.query(
            """
            SELECT \(PetitionSummary.columns) FROM petitions WHERE state != ?
            ORDER BY (state = ? AND (closes_at IS NULL OR closes_at > ?)) DESC, featured DESC, created_at DESC, id DESC
            """, ActionState.draft, ActionState.open, now, row: PetitionSummary.init)
    }

    /// A public petition by slug (drafts are not public).
    public static func find(_ connection: Connection, slug: String) throws -> Petition? {
        try connection.first(
            """
            SELECT \(Petition.columns) FROM petitions WHERE slug = ? AND state != ?
            """, slug, ActionState.draft, row: Petition.init)
    }

    /// Signatures per day (UTC) across all petitions since `fromDay` (`YYYY-MM-DD`).
    public static func dailyTotals(_ connection: Connection, fromDay: String) throws -> [String: Int] {
        var totals: [String: Int] = [:]
        for (day, count) in try connection.query(
            "SELECT day, sum(count) AS total FROM petition_daily_counts WHERE day >= ? GROUP BY day", fromDay,
            row: {
                (try $0.get("day", as: String.self), try $0.get("total", as: Int.self))
            })
        { totals[day] = count }
        return totals
    }

    /// Any petition by id, drafts included (for staff screens).
    public static func summary(_ connection: Connection, id: Int64) throws -> PetitionSummary? {
        try connection.first("SELECT \(PetitionSummary.columns) FROM petitions WHERE id = ?", id, row: PetitionSummary.init)
    }

    /// Every petition, drafts included, for staff.
    public static func allForStaff(_ connection: Connection) throws -> [PetitionSummary] {
        try connection.query(
            "SELECT \(PetitionSummary.columns) FROM petitions ORDER BY created_at DESC, id DESC", row: PetitionSummary.init)
    }

    /// The id of any petition, drafts included (for staff tools).
    public static func id(forSlug slug: String, _ connection: Connection) throws -> Int64? {
        try connection.scalar("SELECT id FROM petitions WHERE slug = ?", slug, as: Int64.self)
    }

    /// Signatures per province or territory (open data: counts only).
    public static func countsByProvince(_ connection: Connection, petitionID: Int64) throws -> [(String, Int)] {
        try connection.query(
            """
            SELECT province, count FROM petition_province_counts WHERE petition_id = ? AND count > 0 ORDER BY count DESC, province
            """, petitionID
        ) { (try $0.get("province", as: String.self), try $0.get("count", as: Int.self)) }
    }

    public enum SignOutcome: Sendable, Equatable {
        /// A new signature, counted at once (confirmation is off).
        /// Counted at once; `crossed`: the goal or a milestone this signature made the count reach.
        case counted(signatureID: Int64, crossed: Crossed)
        /// A new signature waiting for its owner to confirm it by the mailed link.
        case pending(signatureID: Int64)
        /// The address had signed: whether that signature is confirmed, the name it was
        /// made with, and how many mails it has had.
        case again(signatureID: Int64, confirmed: Bool, firstName: String, mailsSent: Int)
    }

    /// Adds a signature (run on the writer): counted at once, or when `confirm`, stored as
    /// pending (its confirmation mail counted as sent) and counted by `confirm(_:signatureID:)`. The same e-mail on the same petition
    /// is one signature; the database's unique constraint decides, so two simultaneous
    /// submissions cannot both count.
    public static func sign(
        _ connection: Connection, petitionID: Int64, _ input: SignatureInput, language: String, confirm: Bool,
        now: String = Timestamp.now()
    ) throws -> SignOutcome {
        let inserted = try connection.insert(
            """
            INSERT INTO signatures (petition_id, first_name, last_name, email, postal_code, province, riding, comment,
                                    consent_updates, client_hash, created_at, confirmed_at, language, mails_sent, notify_outcome,
                                    show_publicly, referral, partner_consent)
            VALUES (?, ?, ?, ?, ?, ?,
                    -- the riding, when the postal code's FSA lies in exactly one
                    coalesce((SELECT ridings.name_en FROM fsa_ridings JOIN ridings ON ridings.code = fsa_ridings.riding_code
                              WHERE fsa_ridings.fsa = ? AND (SELECT count(*) FROM fsa_ridings WHERE fsa = ?) = 1), ''),
                    ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (petition_id, email) DO NOTHING
            """, petitionID, input.firstName, input.lastName, input.email, input.postalCode,
            PostalCode.province(input.postalCode), String(input.postalCode.prefix(3)), String(input.postalCode.prefix(3)),
            input.comment, input.consentUpdates, input.clientHash, now, confirm ? nil : now, language, confirm ? 1 : 0, input.notifyOutcome,
            input.showPublicly, input.referral, input.partnerConsent)
        guard let id = inserted else {
            return try again(connection, petitionID: petitionID, email: input.email)
                ?? .again(signatureID: 0, confirmed: true, firstName: "", mailsSent: Int.max)
        }
        try Funnel.count(connection, FunnelItem("petition", petitionID), .stored, source: input.referral, now: now)
        guard !confirm else { return .pending(signatureID: id) }
        let riding = try connection.scalar("SELECT riding FROM signatures WHERE id = ?", id, as: String.self) ?? ""
        let reached = try count(
            connection,
            Counted(petitionID: petitionID, province: PostalCode.province(input.postalCode), riding: riding, source: input.referral),
            now: now)
        return .counted(signatureID: id, crossed: reached)
    }

    /// The latest confirmed signers who asked to be shown, newest first (`hidden`: those staff
    /// hid too, for the moderation screen).
    public static func publicSigners(_ db: Connection, petitionID: Int64, limit: Int, hidden: Bool = false) throws -> [PublicSigner] {
        try db.query(
            """
            SELECT \(PublicSigner.columns) FROM signatures
            WHERE petition_id = ? AND show_publicly = 1 AND confirmed_at IS NOT NULL \(hidden ? "" : "AND hidden_at IS NULL")
            ORDER BY confirmed_at DESC, id DESC LIMIT ?
            """, petitionID, limit, row: PublicSigner.init)
    }

    /// Staff hide a signer from the page (or show them again); false when no such public signer.
    public static func setHidden(_ db: Connection, petitionID: Int64, signatureID: Int64, hidden: Bool, now: String = Timestamp.now())
        throws -> Bool
    {
        try db.run(
            "UPDATE signatures SET hidden_at = ? WHERE id = ? AND petition_id = ? AND show_publicly = 1", hidden ? now : nil, signatureID,
            petitionID) == 1
    }

    /// An address's signature on a petition, as signing again finds it (nil: none).
    public static func again(_ connection: Connection, petitionID: Int64, email: String) throws -> SignOutcome? {
        try connection.first(
            // A signature staff set aside is answered as a confirmed one: no new mail, no new link.
            """
            SELECT id, confirmed_at IS NOT NULL OR invalidation_id IS NOT NULL AS confirmed, first_name, mails_sent
            FROM signatures WHERE petition_id = ? AND email = ?
            """,
            petitionID, email
        ) {
            .again(
                signatureID: try $0.get("id", as: Int64.self), confirmed: try $0.get("confirmed", as: Bool.self),
                firstName: try $0.get("first_name", as: String.self), mailsSent: try $0.get("mails_sent", as: Int.self))
        }
    }

    /// What a confirmation did.
    public enum Confirmation: Sendable, Equatable {
        /// Confirmed already, or gone.
        case nothing
        /// Counted now; `crossed`: the goal or a milestone it made the count reach; `optIn` when the
        /// signer asked for updates (they join the list now their address is confirmed).
        case counted(petitionID: Int64, crossed: Crossed, optIn: ListOptIn?)
    }

    /// Confirms a pending signature and counts it, in the same transaction.
    public static func confirm(_ connection: Connection, signatureID: Int64, now: String = Timestamp.now()) throws -> Confirmation {
        guard
            let (counted, optIn) = try connection.first(
                """
                SELECT s.petition_id, s.province, s.riding, s.email, s.consent_updates, s.first_name, s.last_name, s.postal_code, s.language,
                       s.created_at, s.client_hash, s.referral, p.campaign_id, p.slug
                FROM signatures s JOIN petitions p ON p.id = s.petition_id
                WHERE s.id = ? AND s.confirmed_at IS NULL AND s.invalidation_id IS NULL
                """, signatureID,
                row: { row in
                    (
                        Counted(
                            petitionID: try row.get("petition_id", as: Int64.self), province: try row.get("province", as: String.self),
                            riding: try row.get("riding", as: String.self), source: try row.get("referral", as: String.self)),
                        try row.get("consent_updates", as: Bool.self)
                            ? ListOptIn(
                                email: try row.get("email", as: String.self),
                                name: try row.get("first_name", as: String.self) + " " + (try row.get("last_name", as: String.self)),
                                postalCode: try row.get("postal_code", as: String.self),
                                campaignID: try row.optional("campaign_id", as: Int64.self),
                                source: "petition:" + (try row.get("slug", as: String.self)),
                                language: try row.get("language", as: String.self),
                                consentedAt: try row.get("created_at", as: String.self),
                                clientHash: try row.get("client_hash", as: String.self),
                                referral: try row.get("referral", as: String.self))
                            : nil
                    )
                })
        else { return .nothing }
        try connection.run("UPDATE signatures SET confirmed_at = ? WHERE id = ?", now, signatureID)
        let reached = try count(connection, counted, now: now)
        return .counted(petitionID: counted.petitionID, crossed: reached, optIn: optIn)
    }

    /// Signatures waiting for their signer's confirmation, across all petitions (the dashboard).
    public static func pendingCount(_ connection: Connection) throws -> Int {
        try connection.scalar("SELECT count(*) FROM signatures WHERE confirmed_at IS NULL", as: Int.self) ?? 0
    }

    /// The petition a signature belongs to.
    public static func petitionID(_ connection: Connection, signatureID: Int64) throws -> Int64? {
        try connection.scalar("SELECT petition_id FROM signatures WHERE id = ?", signatureID, as: Int64.self)
    }

    /// One more mail went to a signature's address about it (at most three are sent).
    public static func noteMail(_ connection: Connection, signatureID: Int64) throws {
        try connection.run("UPDATE signatures SET mails_sent = mails_sent + 1 WHERE id = ?", signatureID)
    }

    /// What anonymising leaves of a signature: its petition, province, riding, language and
    /// dates (so every count stays right); no name, address, postal code or comment. The
    /// address becomes one no mail can reach, unique as the schema wants.
    public static let anonymised: [String: String] = [
        "first_name": "''", "last_name": "''", "email": "'erased-' || id || '@invalid'", "postal_code": "''", "comment": "''",
        "client_hash": "''", "show_publicly": "0", "consent_updates": "0", "notify_outcome": "0", "partner_consent": "''",
    ]

    /// A signer's signatures removed, not only anonymised (staff chose so): every count they
    /// were in (the petition's total, its province's and its day's) goes down with them.
    public static func removeSignatures(_ db: Connection, ids: [Int64]) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let list = ids.map { _ in "?" }.joined(separator: ", ")
        try moveCounts(db, of: "id IN (\(list))", ids.map { .integer($0) }, by: -1)
        return try db.run("DELETE FROM signatures WHERE id IN (\(list))", parameters: ids)
    }

    /// Signatures of petitions closed before `closedBefore` that still name their signer.
    static func namedAfterClosing(_ db: Connection, closedBefore: String) throws -> [Int64] {
        try db.query(
            """
            SELECT s.id FROM signatures s JOIN petitions p ON p.id = s.petition_id
            WHERE coalesce(p.closes_at, CASE WHEN p.state = 'closed' THEN p.updated_at END) < ? AND s.email NOT LIKE 'erased-%@invalid'
            ORDER BY s.id
            """, closedBefore
        ) { $0.int64(at: 0) }
    }

    /// These signatures anonymised (`anonymised`); answers how many.
    static func anonymise(_ db: Connection, ids: [Int64]) throws -> Int {
        try PersonalDataStore.blank(db, table: "signatures", anonymised, ids: ids, unless: "email LIKE 'erased-%@invalid'")
    }

    /// A pending signature whose 30-day link has expired is deleted: never counted, never kept.
    static let unconfirmedDays = 30.0

    static func unconfirmedPurgeIsDue(_ connection: Connection, now: Date = Date()) throws -> Bool {
        let cutoff = Timestamp.format(now.addingTimeInterval(-unconfirmedDays * 86_400))
        return try connection.scalar(
            "SELECT EXISTS (SELECT 1 FROM signatures WHERE confirmed_at IS NULL AND created_at < ?)", cutoff, as: Int.self) == 1
    }

    public static func purgeUnconfirmed(_ connection: Connection, now: Date = Date()) throws -> Int {
        let cutoff = Timestamp.format(now.addingTimeInterval(-unconfirmedDays * 86_400))
        return try connection.run("DELETE FROM signatures WHERE confirmed_at IS NULL AND created_at < ?", cutoff)
    }

    /// The kept counters move with each counted signature: the petition's total, its
    /// province's and its day's, added up over the writer's batch and written once before it
    /// commits (`Connection.addToCounter`). True when this one made the total reach the goal
    /// (exactly once per petition: the count moves by one, and the batch's total is read
    /// once, then counted on).
    /// A petition's total moved by a batch's signatures, and the moment its goal was reached.
    private static func countUpdate(now: String) -> String {
        """
        UPDATE petitions SET signature_count = signature_count + ?1,
            goal_reached_at = CASE WHEN goal > 0 AND signature_count < goal AND signature_count + ?1 >= goal
                                   THEN \(now) ELSE goal_reached_at END
        WHERE id = ?2
        """
    }
    private static let countOnSQLite = countUpdate(now: Dialect.sqlite.now)
    private static let countOnPostgres = countUpdate(now: Dialect.postgres.now)

    /// The counts a petition's supporters hear about: the first thousand, ten thousand…
    public static let milestones = [1_000, 10_000, 100_000, 1_000_000]

    /// What one counted signature made the total reach.
    public struct Crossed: Sendable, Equatable {
        /// The petition's goal, exactly now.
        public var goal = false
        /// One of `milestones`, exactly now.
        public var milestone: Int?
    }

    /// What one counted signature adds to: its petition, province, riding and source.
    struct Counted {
        let petitionID: Int64
        let province: String
        let riding: String
        let source: String
    }

    private static func count(_ connection: Connection, _ counted: Counted, now: String) throws -> Crossed {
        let petitionID = counted.petitionID
        let id = SQLValue.integer(petitionID)
        let day = SQLValue.text(String(now.prefix(10)))
        var goal: Int?
        let total = try connection.addToCounter(
            connection.dialect == .postgres ? countOnPostgres : countOnSQLite, key: [id],
            current: {
                let row = try connection.first("SELECT signature_count, goal FROM petitions WHERE id = ?", petitionID) {
                    (try $0.get("signature_count", as: Int.self), try $0.get("goal", as: Int.self))
                }
                goal = row?.1 ?? 0
                return row?.0 ?? 0
            })
        // Read with the total when this batch first counts the petition; after that, alone.
        let target = try goal ?? connection.scalar("SELECT goal FROM petitions WHERE id = ?", petitionID, as: Int.self) ?? 0
        for counter in groupedCounters {
            let key: [SQLValue] =
                [id]
                + counter.columns.map { column in
                    switch column {
                    case "province": .text(counted.province)
                    case "riding": .text(counted.riding)
                    case "source": .text(counted.source)
                    default: day
                    }
                }
            try connection.addToCounter(counter.upsert, key: key)
        }
        try Funnel.count(connection, FunnelItem("petition", petitionID), .confirmed, source: counted.source, now: now)
        return Crossed(goal: target > 0 && total == target, milestone: milestones.contains(total) ? total : nil)
    }

    /// A per-petition table of confirmed signatures by some of their columns.
    struct GroupedCounter: Sendable {
        let table: String
        /// The table's key columns after `petition_id`; `day` is the confirmation's day.
        let columns: [String]
        /// The signature's expression for each column.
        var expressions: [String] {
            columns.map {
                switch $0 {
                case "day": "substr(confirmed_at, 1, 10)"
                case "source": "referral"
                default: $0
                }
            }
        }
        var upsert: String {
            let placeholders = columns.indices.map { "?\($0 + 3)" }.joined(separator: ", ")
            return """
                INSERT INTO \(table) (petition_id, \(columns.joined(separator: ", ")), count) VALUES (?2, \(placeholders), ?1)
                ON CONFLICT (petition_id, \(columns.joined(separator: ", "))) DO UPDATE SET count = \(table).count + excluded.count
                """
        }
    }

    /// The counts kept beside the signatures (`sanctuary check` compares each with its rows).
    static let groupedCounters = [
        GroupedCounter(table: "petition_province_counts", columns: ["province"]),
        GroupedCounter(table: "petition_daily_counts", columns: ["day"]),
        GroupedCounter(table: "petition_riding_counts", columns: ["riding"]),
        GroupedCounter(table: "petition_source_counts", columns: ["day", "source"]),
    ]

    /// Moves every count the confirmed signatures matching `condition` are in (the petition's
    /// total and each grouped counter) by `sign` × their number: -1 before they are removed or
    /// set aside, +1 once they are counted again. One statement per counter, whatever the number.
    static func moveCounts(_ db: Connection, of condition: String, _ parameters: [SQLValue], by sign: Int) throws {
        let confirmed = "SELECT * FROM signatures WHERE (\(condition)) AND confirmed_at IS NOT NULL"
        try db.run(
            """
            UPDATE petitions SET signature_count = signature_count + ? * (SELECT count(*) FROM (\(confirmed)) AS s WHERE s.petition_id = petitions.id)
            WHERE id IN (SELECT petition_id FROM (\(confirmed)) AS s)
            """, parameters: [.integer(Int64(sign))] + parameters + parameters)
        for counter in groupedCounters {
            let groups = zip(counter.columns, counter.expressions).map { "\($1) AS \($0)" }.joined(separator: ", ")
            let match = counter.columns.map { "g.\($0) = \(counter.table).\($0)" }.joined(separator: " AND ")
            try db.run(
                """
                UPDATE \(counter.table) SET count = count + ? * (
                    SELECT g.n FROM (SELECT petition_id, \(groups), count(*) AS n FROM (\(confirmed)) AS s
                                     GROUP BY petition_id, \(counter.expressions.joined(separator: ", "))) AS g
                    WHERE g.petition_id = \(counter.table).petition_id AND \(match))
                WHERE EXISTS (
                    SELECT 1 FROM (SELECT petition_id, \(groups) FROM (\(confirmed)) AS s) AS g
                    WHERE g.petition_id = \(counter.table).petition_id AND \(match))
                """, parameters: [.integer(Int64(sign))] + parameters + parameters)
            if sign > 0 {
                // A group the counter had no row for yet (removed to zero is kept as zero, so only new ones).
                try db.run(
                    """
                    INSERT INTO \(counter.table) (petition_id, \(counter.columns.joined(separator: ", ")), count)
                    SELECT petition_id, \(counter.expressions.joined(separator: ", ")), count(*) FROM (\(confirmed)) AS s
                    WHERE true GROUP BY petition_id, \(counter.expressions.joined(separator: ", "))
                    ON CONFLICT DO NOTHING
                    """, parameters: parameters)
            }
        }
    }

    /// A petition's English title by id (any state; for staff screens).
    public static func title(_ db: Connection, id: Int64) throws -> String? {
        try db.scalar("SELECT title FROM petitions WHERE id = ?", id, as: String.self)
    }

    /// Every signature row of a petition, confirmed or not (what deleting it would lose).
    public static func signatureRows(_ db: Connection, petitionID: Int64) throws -> Int {
        try db.scalar("SELECT count(*) FROM signatures WHERE petition_id = ?", petitionID, as: Int.self) ?? 0
    }

    /// The signatures on a campaign's petitions (while any exist, the campaign cannot be deleted).
    public static func signatureRows(_ db: Connection, campaignID: Int64) throws -> Int {
        try db.scalar(
            "SELECT count(*) FROM signatures JOIN petitions ON petitions.id = petition_id WHERE campaign_id = ?", campaignID, as: Int.self)
            ?? 0
    }
}

extension MailingAudience {
    /// A petition's confirmed signers who consented to updates.
    public static let signers = MailingAudience(
        "signers",
        sql: """
            SELECT email, language, first_name AS name FROM signatures
            WHERE petition_id = ? AND CAST(? AS BIGINT) IS NOT NULL AND confirmed_at IS NOT NULL AND consent_updates = 1
            """,
        choices: { db, t in
            try PetitionStore.allForStaff(db).map { (Optional($0.id), t("admin.mailing.audience.signers", ["title": $0.title.text(t)])) }
        })

    /// A petition's confirmed signers who asked to hear its outcome (sent from the outcome screen).
    public static let outcome = MailingAudience(
        "outcome",
        sql: """
            SELECT email, language, first_name AS name FROM signatures
            WHERE petition_id = ? AND CAST(? AS BIGINT) IS NOT NULL AND confirmed_at IS NOT NULL AND notify_outcome = 1
            """,
        label: { db, id, t in t("admin.mailing.audience.outcome", ["title": try id.flatMap { try PetitionStore.title(db, id: $0) } ?? "?"])
        })
}
