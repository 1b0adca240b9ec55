import Foundation
import Storage

/// What triage groups a petition's signatures by.
public enum TriageDimension: String, Sendable, CaseIterable {
    /// The keyed hash of the client address (a new key each UTC day).
    case client
    /// The e-mail address's domain.
    case domain
    /// The postal code.
    case postal
    /// The source the signer's link named.
    case source

    /// Whether one value holding a share of the window is unusual in itself, with nothing
    /// earlier to compare: one connection or one postal code is a few people at most, while a
    /// large provider or a shared link can fairly bring a third of a new petition.
    var thinByNature: Bool { self == .client || self == .postal }

    func expression(_ dialect: Dialect) -> String {
        switch self {
        case .client: "client_hash"
        case .domain: dialect == .postgres ? "substr(email, strpos(email, '@') + 1)" : "substr(email, instr(email, '@') + 1)"
        case .postal: "postal_code"
        case .source: "referral"
        }
    }
}

/// One value of a dimension in the window: how many signed with it, per hour, and whether that
/// is unusual for this petition.
public struct TriageRow: Sendable {
    public let value: String
    public let count: Int
    public let share: Double
    /// Its share of the same length of time before the window (nil: nothing signed then).
    public let usualShare: Double?
    public let perHour: [Int]
    public let unusual: Bool
}

public struct TriageReport: Sendable {
    public let since: String
    public let until: String
    public let hours: [String]
    public let total: Int
    /// True when the window held more signatures than are read (the newest are).
    public let capped: Bool
    /// Whether the same length of time before held enough signatures to say what is usual.
    public let hasUsual: Bool
    public let rows: [TriageDimension: [TriageRow]]
}

/// A choice of signatures to set aside: those of a petition in a window with one value of a
/// dimension, up to the newest the preview saw (`upTo`), so that what is applied is exactly
/// what was previewed, whatever is signed meanwhile.
public struct TriageSelection: Sendable, Equatable {
    public let petitionID: Int64
    public let dimension: TriageDimension
    public let value: String
    public let since: String
    public let until: String
    public var upTo: Int64

    func condition(_ dialect: Dialect) -> (String, [SQLValue]) {
        (
            "petition_id = ? AND created_at >= ? AND created_at < ? AND id <= ? AND invalidation_id IS NULL AND \(dimension.expression(dialect)) = ?",
            [.integer(petitionID), .text(since), .text(until), .integer(upTo), .text(value)]
        )
    }

    /// In words, for the audit log and the list of invalidations.
    var rule: String { "\(dimension.rawValue) = \(value), \(since) to \(until)" }
}

/// What setting a selection aside would change.
public struct TriagePreview: Sendable {
    public let selection: TriageSelection
    public let rows: Int
    public let confirmed: Int
    public let totalBefore: Int
    public let provinces: [(String, Int)]
    public let days: [(String, Int)]
    public let sample: [(firstName: String, postalCode: String, createdAt: String)]
}

public struct Invalidation: Sendable {
    public let id: Int64
    public let rule: String
    public let reason: String
    public let count: Int
    public let createdBy: String
    public let createdAt: String
    public let undoneAt: String?
}

public struct SigningBlock: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case domain, client, email
    }
    public let id: Int64
    public let kind: Kind
    public let value: String
    public let note: String
    public let createdBy: String
    public let createdAt: String
    public let hits: Int
}

public enum TriageStore {
    /// The most signatures a window reads (the newest), so a page answers in bounded time
    /// however big the burst.
    static let windowCap = 50_000
    /// Days an invalidation can be undone; its signatures are deleted after.
    static let undoDays = 30.0

    /// Signatures of the window grouped by each dimension, with their usual share (the same
    /// length of time just before, estimated from its newest `usualCap` signatures) and what is
    /// unusual: at least `minimum` signatures and a share three times its usual, or 5% of the
    /// window where it was never seen before. With fewer than `minimum` signatures before (a new
    /// petition), there is no usual: only a connection or a postal code past 5% stands out.
    public static func report(_ db: Connection, petitionID: Int64, since: Date, until: Date, top: Int = 10, minimum: Int = 10) throws
        -> TriageReport
    {
        let (from, to) = (Timestamp.format(since), Timestamp.format(until))
        let before = Timestamp.format(since.addingTimeInterval(-until.timeIntervalSince(since)))
        let hourCount = max(1, min(24 * 14, Int((until.timeIntervalSince(since) / 3600).rounded(.up))))
        let hours = (0..<hourCount).map { String(Timestamp.format(since.addingTimeInterval(Double($0) * 3600)).prefix(13)) }
        let now = try tally(db, petitionID: petitionID, from: from, to: to, cap: windowCap, hours: hours)
        let usual = try tally(db, petitionID: petitionID, from: before, to: from, cap: usualCap, hours: [])
        var rows: [TriageDimension: [TriageRow]] = [:]
        let dimensions = TriageDimension.allCases.count
        for (d, dimension) in TriageDimension.allCases.enumerated() {
            let values = now.values[d]
            struct Candidate {
                let slot: Int
                let count: Int
                let share: Double
                let usualShare: Double?
                let unusual: Bool
            }
            var candidates: [Candidate] = []
            candidates.reserveCapacity(values.totals.count)
            for slot in values.totals.indices {
                let count = values.totals[slot]
                let share = now.total > 0 ? Double(count) / Double(now.total) : 0
                let seen = usual.values[d].slot(of: values.hashes[slot]).map { usual.values[d].totals[$0] } ?? 0
                let usualShare = usual.total > 0 ? Double(seen) / Double(usual.total) : nil
                let judged = usual.total >= minimum || dimension.thinByNature
                let unusual =
                    count >= minimum && values.length(slot) > 0 && judged
                    && ((usualShare ?? 0) > 0 ? share > 3 * (usualShare ?? 0) : share >= 0.05)
                candidates.append(Candidate(slot: slot, count: count, share: share, usualShare: usualShare, unusual: unusual))
            }
            // The unusual first, then the most signatures; equal counts in the order first seen (newest first).
            candidates.sort { ($0.unusual ? 1 : 0, $0.count, -$0.slot) > ($1.unusual ? 1 : 0, $1.count, -$1.slot) }
            let shown = Array(candidates.prefix(top))
            // Hours only for the rows shown: one more pass over the window's slots.
            var perHour = [Int: [Int]](uniqueKeysWithValues: shown.map { ($0.slot, [Int](repeating: 0, count: hours.count)) })
            for row in 0..<now.total {
                let slot = Int(now.rowSlots[row * dimensions + d])
                let hour = Int(now.rowHours[row])
                if hour >= 0, perHour[slot] != nil { perHour[slot]?[hour] += 1 }
            }
            rows[dimension] = shown.map {
                TriageRow(
                    value: values.value($0.slot), count: $0.count, share: $0.share, usualShare: $0.usualShare,
                    perHour: perHour[$0.slot] ?? [],
                    unusual: $0.unusual)
            }
        }
        return TriageReport(
            since: from, until: to, hours: hours, total: now.total, capped: now.capped, hasUsual: usual.total >= minimum, rows: rows)
    }

    /// How many signatures of the time before a window are read for the usual shares (an
    /// estimate within about a percent).
    static let usualCap = 10_000

    /// The distinct values of one dimension, kept as bytes in one buffer: a new value costs an
    /// append, a known one a hash lookup, and only the values shown become `String`s.
    struct Values {
        /// Open addressing on the values' own FNV hashes (a slot + 1 per bucket, 0: empty), kept
        /// at most half full: a `Dictionary` hashed each key again with SipHash, a tenth of the
        /// page's time on a window of 50,000.
        var buckets = [Int32](repeating: 0, count: 1024)
        var hashes: [UInt64] = []
        var totals: [Int] = []
        var storage: [UInt8] = []
        var offsets: [Int] = [0]

        static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
            // FNV-1a, 64 bits: two different values of one window colliding is not a practical concern.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return hash
        }

        /// The slot of a value read now, added when new.
        mutating func count(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            let key = Self.hash(bytes)
            var bucket = Self.start(key, buckets.count)
            while buckets[bucket] != 0 {
                let slot = Int(buckets[bucket]) - 1
                if hashes[slot] == key {
                    totals[slot] += 1
                    return slot
                }
                bucket = (bucket + 1) & (buckets.count - 1)
            }
            let slot = totals.count
            buckets[bucket] = Int32(slot + 1)
            hashes.append(key)
            totals.append(1)
            storage.append(contentsOf: bytes)
            offsets.append(storage.count)
            if hashes.count * 2 > buckets.count { grow() }
            return slot
        }

        /// The first bucket to look in: FNV's low bits depend on few of the bytes' bits, so
        /// they are mixed first (MurmurHash3's finaliser step).
        static func start(_ key: UInt64, _ count: Int) -> Int {
            Int(truncatingIfNeeded: ((key ^ (key >> 33)) &* 0xff51_afd7_ed55_8ccd) >> 32) & (count - 1)
        }

        /// Twice the buckets, every slot placed again.
        private mutating func grow() {
            buckets = [Int32](repeating: 0, count: buckets.count * 2)
            for (slot, key) in hashes.enumerated() {
                var bucket = Self.start(key, buckets.count)
                while buckets[bucket] != 0 { bucket = (bucket + 1) & (buckets.count - 1) }
                buckets[bucket] = Int32(slot + 1)
            }
        }

        func slot(of hash: UInt64) -> Int? {
            var bucket = Self.start(hash, buckets.count)
            while buckets[bucket] != 0 {
                let slot = Int(buckets[bucket]) - 1
                if hashes[slot] == hash { return slot }
                bucket = (bucket + 1) & (buckets.count - 1)
            }
            return nil
        }
        func length(_ slot: Int) -> Int { offsets[slot + 1] - offsets[slot] }
        func value(_ slot: Int) -> String { String(decoding: storage[offsets[slot]..<offsets[slot + 1]], as: UTF8.self) }
    }

    /// Per dimension, its values; per row read, its slot in each dimension and its hour (-1:
    /// outside `hours`).
    struct Tally {
        var values: [Values]
        var rowSlots: [Int32] = []
        var rowHours: [Int16] = []
        var total = 0
        var capped = false
    }

    /// The newest `cap` signatures of a window, counted by every dimension, in one read along
    /// `signatures_by_time`.
    static func tally(_ db: Connection, petitionID: Int64, from: String, to: String, cap: Int, hours: [String]) throws -> Tally {
        let dimensions = TriageDimension.allCases
        var tally = Tally(values: Array(repeating: Values(), count: dimensions.count))
        // Hours found by their bytes' hash, as values are: no String made per row read.
        let hourIndex = Dictionary(
            hours.enumerated().map { hour in (Array(hour.element.utf8).withUnsafeBufferPointer(Values.hash), hour.offset) },
            uniquingKeysWith: { a, _ in a })
        let columns = dimensions.map { $0.expression(db.dialect) }.joined(separator: ", ")
        let hourColumn = Int32(dimensions.count)
        let withHours = !hours.isEmpty
        _ = try db.query(
            """
            SELECT \(columns), substr(created_at, 1, 13) FROM signatures
            WHERE petition_id = ? AND created_at >= ? AND created_at < ? AND invalidation_id IS NULL
            ORDER BY created_at DESC LIMIT ?
            """, petitionID, from, to, cap + 1
        ) { row -> Void in
            guard tally.total < cap else {
                tally.capped = true
                return
            }
            tally.total += 1
            if withHours {
                let hour = row.withText(at: hourColumn) { hourIndex[Values.hash($0)] } ?? -1
                tally.rowHours.append(Int16(hour))
            }
            for d in dimensions.indices {
                let slot = row.withText(at: Int32(d)) { tally.values[d].count($0) }
                if withHours { tally.rowSlots.append(Int32(slot)) }
            }
        }
        return tally
    }

    /// The newest signature id (what a preview covers up to).
    static func newestID(_ db: Connection, petitionID: Int64) throws -> Int64 {
        try db.scalar("SELECT coalesce(max(id), 0) FROM signatures WHERE petition_id = ?", petitionID, as: Int64.self) ?? 0
    }

    public static func preview(_ db: Connection, _ selection: TriageSelection) throws -> TriagePreview {
        var selection = selection
        if selection.upTo == 0 { selection.upTo = try newestID(db, petitionID: selection.petitionID) }
        let (condition, parameters) = selection.condition(db.dialect)
        let rows = try db.scalar("SELECT count(*) FROM signatures WHERE \(condition)", parameters: parameters, as: Int.self) ?? 0
        let confirmed =
            try db.scalar(
                "SELECT count(*) FROM signatures WHERE \(condition) AND confirmed_at IS NOT NULL", parameters: parameters, as: Int.self)
            ?? 0
        let provinces = try db.query(
            """
            SELECT province, count(*) AS n FROM signatures WHERE \(condition) AND confirmed_at IS NOT NULL
            GROUP BY province ORDER BY n DESC, province
            """, parameters: parameters
        ) { (try $0.get("province", as: String.self), try $0.get("n", as: Int.self)) }
        let days = try db.query(
            """
            SELECT substr(confirmed_at, 1, 10) AS day, count(*) AS n FROM signatures WHERE \(condition) AND confirmed_at IS NOT NULL
            GROUP BY substr(confirmed_at, 1, 10) ORDER BY day
            """, parameters: parameters
        ) { (try $0.get("day", as: String.self), try $0.get("n", as: Int.self)) }
        let sample = try db.query(
            "SELECT first_name, postal_code, created_at FROM signatures WHERE \(condition) ORDER BY id DESC LIMIT 10",
            parameters: parameters
        ) {
            (
                firstName: try $0.get("first_name", as: String.self), postalCode: try $0.get("postal_code", as: String.self),
                createdAt: try $0.get("created_at", as: String.self)
            )
        }
        let total = try db.scalar("SELECT signature_count FROM petitions WHERE id = ?", selection.petitionID, as: Int.self) ?? 0
        return TriagePreview(
            selection: selection, rows: rows, confirmed: confirmed, totalBefore: total, provinces: provinces, days: days, sample: sample)
    }

    /// Sets the selection aside (on the writer): its confirmed signatures leave every count,
    /// each keeps the moment it was confirmed for an undo. Answers the invalidation and how many.
    public static func invalidate(
        _ db: Connection, _ selection: TriageSelection, reason: String, by actor: String, now: String = Timestamp.now()
    )
        throws -> (id: Int64, count: Int)
    {
        let (condition, parameters) = selection.condition(db.dialect)
        guard
            let id = try db.insert(
                """
                INSERT INTO signature_invalidations (petition_id, rule, reason, count, created_by, created_at) VALUES (?, ?, ?, 0, ?, ?)
                """, selection.petitionID, selection.rule, reason, actor, now)
        else { return (0, 0) }
        try PetitionStore.moveCounts(db, of: condition, parameters, by: -1)
        let count = try db.run(
            "UPDATE signatures SET confirmed_before = confirmed_at, confirmed_at = NULL, invalidation_id = ? WHERE \(condition)",
            parameters: [.integer(id)] + parameters)
        try db.run("UPDATE signature_invalidations SET count = ? WHERE id = ?", count, id)
        return (id, count)
    }

    /// Puts an invalidation's signatures back in every count they were in (within `undoDays`);
    /// answers how many, nil when it cannot be undone (gone, undone, too old, another petition's).
    public static func undo(_ db: Connection, petitionID: Int64, invalidationID: Int64, now: Date = Date()) throws -> Int? {
        let cutoff = Timestamp.format(now.addingTimeInterval(-undoDays * 86_400))
        guard
            try db.scalar(
                "SELECT count(*) FROM signature_invalidations WHERE id = ? AND petition_id = ? AND undone_at IS NULL AND created_at >= ?",
                invalidationID, petitionID, cutoff, as: Int.self) == 1
        else { return nil }
        let count = try db.run(
            "UPDATE signatures SET confirmed_at = confirmed_before, confirmed_before = NULL WHERE invalidation_id = ?", invalidationID)
        try PetitionStore.moveCounts(db, of: "invalidation_id = ?", [.integer(invalidationID)], by: 1)
        try db.run("UPDATE signatures SET invalidation_id = NULL WHERE invalidation_id = ?", invalidationID)
        try db.run("UPDATE signature_invalidations SET undone_at = ? WHERE id = ?", Timestamp.format(now), invalidationID)
        return count
    }

    public static func invalidations(_ db: Connection, petitionID: Int64) throws -> [Invalidation] {
        try db.query(
            """
            SELECT id, rule, reason, count, created_by, created_at, undone_at FROM signature_invalidations
            WHERE petition_id = ? ORDER BY id DESC LIMIT 50
            """, petitionID
        ) { row in
            Invalidation(
                id: try row.get("id"), rule: try row.get("rule"), reason: try row.get("reason"), count: try row.get("count"),
                createdBy: try row.get("created_by"), createdAt: try row.get("created_at"), undoneAt: try row.optional("undone_at"))
        }
    }

    /// Set-aside signatures whose undo window has closed.
    static func expiredInvalidated(_ db: Connection, now: Date = Date()) throws -> [Int64] {
        let cutoff = Timestamp.format(now.addingTimeInterval(-undoDays * 86_400))
        return try db.query(
            """
            SELECT s.id FROM signatures s JOIN signature_invalidations i ON i.id = s.invalidation_id
            WHERE i.created_at < ? ORDER BY s.id LIMIT 10000
            """, cutoff
        ) { $0.int64(at: 0) }
    }

    // MARK: Block lists

    static let blockColumns = "id, kind, value, note, created_by, created_at, hits"

    static func block(_ row: Row) throws -> SigningBlock {
        SigningBlock(
            id: try row.get("id"), kind: SigningBlock.Kind(rawValue: try row.get("kind")) ?? .domain, value: try row.get("value"),
            note: try row.get("note"), createdBy: try row.get("created_by"), createdAt: try row.get("created_at"),
            hits: try row.get("hits"))
    }

    public static func blocks(_ db: Connection) throws -> [SigningBlock] {
        try db.query("SELECT \(blockColumns) FROM signing_blocks ORDER BY kind, value", row: block)
    }

    public static func addBlock(_ db: Connection, kind: SigningBlock.Kind, value: String, note: String, by actor: String) throws -> Bool {
        try db.run(
            "INSERT INTO signing_blocks (kind, value, note, created_by, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, value) DO NOTHING",
            kind.rawValue, value, note, actor, Timestamp.now()) == 1
    }

    public static func removeBlock(_ db: Connection, id: Int64) throws -> SigningBlock? {
        let found = try db.first("SELECT \(blockColumns) FROM signing_blocks WHERE id = ?", id, row: block)
        try db.run("DELETE FROM signing_blocks WHERE id = ?", id)
        return found
    }

    static func noteHit(_ db: Connection, blockID: Int64) throws {
        try db.addToCounter("UPDATE signing_blocks SET hits = hits + ?1 WHERE id = ?2", key: [.integer(blockID)])
    }
}
