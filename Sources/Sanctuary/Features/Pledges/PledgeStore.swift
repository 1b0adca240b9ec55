import Foundation
import Storage

/// Who may pledge: a person, an organisation (a congregation, a school), a municipality.
public enum PledgerKind: String, SQLTextEnum, CaseIterable, Sendable {
    case person, organisation, municipality

    /// Organisations and municipalities are listed once staff approve them.
    var needsApproval: Bool { self != .person }
}

/// Where a pledger stands (`pledgers.state`).
public enum PledgerState: String, SQLTextEnum, CaseIterable, Sendable {
    case unconfirmed, confirmed, approved, declined
}

public struct Pledge: Sendable, RowDecodable {
    public let id: Int64
    public let slug: String
    public let title: Bilingual
    public let summary: Bilingual
    public let pledgeText: Bilingual
    public let body: Bilingual
    public let allowPeople: Bool
    public let allowOrganisations: Bool
    public let allowMunicipalities: Bool
    public let goal: Int
    public let closesAt: String?
    public let state: String
    public let campaignId: Int64?
    public let pledgerCount: Int
    public let updatedAt: String

    static let columns = SelectList(of: Pledge.self)

    /// The kinds of pledger this pledge takes, in the form's order.
    var kinds: [PledgerKind] {
        [(PledgerKind.person, allowPeople), (.organisation, allowOrganisations), (.municipality, allowMunicipalities)].filter(\.1).map(\.0)
    }

    func isOpen(now: String = Timestamp.now()) -> Bool { state == "open" && (closesAt.map { $0 > now } ?? true) && !kinds.isEmpty }
}

public struct Pledger: Sendable, RowDecodable {
    public let id: Int64
    public let pledgeId: Int64
    public let kind: PledgerKind
    public let name: String
    public let contactName: String
    public let email: String
    public let postalCode: String
    public let province: String
    public let place: String
    public let state: PledgerState
    public let listedAt: String?
    public let language: String
    public let referral: String
    public let createdAt: String
    public let confirmedAt: String?

    static let columns = SelectList(of: Pledger.self)
}

/// What a pledger typed, checked.
struct PledgerInput: Sendable {
    let kind: PledgerKind
    /// The name the list shows ('' for a person who chose none).
    let name: String
    let contactName: String
    let email: String
    let postalCode: String
    let province: String
    let place: String
    let language: String
    let referral: String
}

/// Pledges and their pledgers (migration 0034): every change to who is listed moves the kept
/// counts (`pledges.pledger_count`, `pledge_counts`) in the same transaction.
enum PledgeStore {
    static func find(_ db: Connection, slug: String) throws -> Pledge? {
        try db.first("SELECT \(Pledge.columns) FROM pledges WHERE slug = ? AND state <> 'draft'", slug, row: Pledge.init)
    }

    static func find(_ db: Connection, id: Int64) throws -> Pledge? {
        try db.first("SELECT \(Pledge.columns) FROM pledges WHERE id = ?", id, row: Pledge.init)
    }

    /// Open and closed pledges, open first, then newest.
    static func published(_ db: Connection) throws -> [Pledge] {
        try db.query(
            "SELECT \(Pledge.columns) FROM pledges WHERE state <> 'draft' ORDER BY state = 'open' DESC, featured DESC, id DESC LIMIT 100",
            row: Pledge.init)
    }

    static func open(_ db: Connection, campaignID: Int64? = nil, featuredOnly: Bool = false, now: String) throws -> [Pledge] {
        var sql = "SELECT \(Pledge.columns) FROM pledges WHERE state = 'open' AND (closes_at IS NULL OR closes_at > ?)"
        var parameters: [any SQLBindable] = [now]
        if let campaignID {
            sql += " AND campaign_id = ?"
            parameters.append(campaignID)
        }
        if featuredOnly { sql += " AND featured = 1" }
        return try db.query(sql + " ORDER BY featured DESC, id DESC LIMIT 20", parameters: parameters, row: Pledge.init)
    }

    static func pledger(_ db: Connection, id: Int64) throws -> Pledger? {
        try db.first("SELECT \(Pledger.columns) FROM pledgers WHERE id = ?", id, row: Pledger.init)
    }

    /// A new pledger, unconfirmed; nil when this address already pledged as this kind (the
    /// visitor is answered the same either way).
    static func insert(_ db: Connection, pledgeID: Int64, _ input: PledgerInput, clientHash: String, now: String) throws -> Int64? {
        if try db.scalar(
            "SELECT id FROM pledgers WHERE pledge_id = ? AND kind = ? AND email = ?", pledgeID, input.kind, input.email, as: Int64.self)
            != nil
        {
            return nil
        }
        try db.run(
            """
            INSERT INTO pledgers (pledge_id, kind, name, contact_name, email, postal_code, province, place, language, referral, client_hash, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, pledgeID, input.kind, input.name, input.contactName, input.email, input.postalCode, input.province, input.place,
            input.language, input.referral, clientHash, now)
        return try db.lastInsertRowID
    }

    /// The mailed link pressed: a person is listed at once; an organisation or municipality
    /// waits for staff. False when it was confirmed before.
    static func confirm(_ db: Connection, id: Int64, now: String) throws -> Bool {
        guard let pledger = try pledger(db, id: id), pledger.state == .unconfirmed else { return false }
        try db.run("UPDATE pledgers SET state = ?, confirmed_at = ? WHERE id = ?", PledgerState.confirmed, now, id)
        if !pledger.kind.needsApproval { try list(db, pledger, now: now) }
        return true
    }

    /// Staff approve a confirmed organisation or municipality: it is listed.
    static func approve(_ db: Connection, id: Int64, now: String) throws -> Bool {
        guard let pledger = try pledger(db, id: id), pledger.state == .confirmed, pledger.kind.needsApproval else { return false }
        try db.run("UPDATE pledgers SET state = ?, decided_at = ? WHERE id = ?", PledgerState.approved, now, id)
        try list(db, pledger, now: now)
        return true
    }

    /// Staff decline a pledger (waiting, or listed by mistake): off the list and the counts.
    static func decline(_ db: Connection, id: Int64, now: String) throws -> Bool {
        guard let pledger = try pledger(db, id: id), pledger.state != .declined, pledger.state != .unconfirmed else { return false }
        try db.run("UPDATE pledgers SET state = ?, decided_at = ? WHERE id = ?", PledgerState.declined, now, id)
        if pledger.listedAt != nil { try unlist(db, pledger) }
        return true
    }

    static func list(_ db: Connection, _ pledger: Pledger, now: String) throws {
        try db.run("UPDATE pledgers SET listed_at = ? WHERE id = ? AND listed_at IS NULL", now, pledger.id)
        try db.run(
            """
            INSERT INTO pledge_counts (pledge_id, kind, province, count) VALUES (?, ?, ?, 1)
            ON CONFLICT (pledge_id, kind, province) DO UPDATE SET count = pledge_counts.count + 1
            """, pledger.pledgeId, pledger.kind, pledger.province)
        try db.run("UPDATE pledges SET pledger_count = pledger_count + 1 WHERE id = ?", pledger.pledgeId)
    }

    static func unlist(_ db: Connection, _ pledger: Pledger) throws {
        try db.run("UPDATE pledgers SET listed_at = NULL WHERE id = ?", pledger.id)
        try db.run(
            "UPDATE pledge_counts SET count = count - 1 WHERE pledge_id = ? AND kind = ? AND province = ? AND count > 0", pledger.pledgeId,
            pledger.kind, pledger.province)
        try db.run("UPDATE pledges SET pledger_count = pledger_count - 1 WHERE id = ? AND pledger_count > 0", pledger.pledgeId)
    }

    /// The listed pledgers by kind and province.
    static func counts(_ db: Connection, pledgeID: Int64) throws -> [(kind: PledgerKind, province: String, count: Int)] {
        try db.query(
            "SELECT kind, province, count FROM pledge_counts WHERE pledge_id = ? AND count > 0 ORDER BY kind, province", pledgeID
        ) { (try $0.get("kind", as: PledgerKind.self), try $0.get("province", as: String.self), try $0.get("count", as: Int.self)) }
    }

    /// The listed pledgers of a kind, latest first.
    static func listed(_ db: Connection, pledgeID: Int64, kind: PledgerKind, limit: Int) throws -> [Pledger] {
        try db.query(
            """
            SELECT \(Pledger.columns) FROM pledgers WHERE pledge_id = ? AND listed_at IS NOT NULL AND kind = ?
            ORDER BY listed_at DESC, id DESC LIMIT ?
            """, pledgeID, kind, limit, row: Pledger.init)
    }

    /// Confirmed organisations and municipalities waiting for staff.
    static func waiting(_ db: Connection, pledgeID: Int64) throws -> [Pledger] {
        try db.query(
            "SELECT \(Pledger.columns) FROM pledgers WHERE pledge_id = ? AND state = ? ORDER BY confirmed_at, id", pledgeID,
            PledgerState.confirmed, row: Pledger.init
        ).filter { $0.kind.needsApproval }
    }

    /// How many wait for staff, over every pledge (the dashboard).
    static func waitingCount(_ db: Connection) throws -> Int {
        try db.scalar("SELECT count(*) FROM pledgers WHERE state = 'confirmed' AND kind <> 'person'", as: Int.self) ?? 0
    }

    /// How many rows a pledge's pledgers are (the admin's "cannot delete, archive it").
    static func pledgerRows(_ db: Connection, pledgeID: Int64) throws -> Int {
        try db.scalar("SELECT count(*) FROM pledgers WHERE pledge_id = ?", pledgeID, as: Int.self) ?? 0
    }

    /// Whether any pledger left unconfirmed since before `before` waits to be purged.
    static func unconfirmedBefore(_ db: Connection, _ before: String) throws -> Bool {
        try db.scalar("SELECT count(*) FROM pledgers WHERE state = 'unconfirmed' AND created_at < ?", before, as: Int.self) ?? 0 > 0
    }

    /// Pledgers who never confirmed, after `days`: nothing was promised to them.
    static func purgeUnconfirmed(_ db: Connection, before: String) throws -> Int {
        try db.run("DELETE FROM pledgers WHERE state = 'unconfirmed' AND created_at < ?", before)
    }

    /// What an erased pledger's row keeps: its kind, province and state for the counts.
    static let erased: [String: String] = [
        "name": "''", "contact_name": "''", "email": "'erased-' || id || '@invalid'", "postal_code": "''", "place": "''",
    ]
}
