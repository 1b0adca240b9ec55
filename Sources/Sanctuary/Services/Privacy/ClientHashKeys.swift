import Foundation
import Storage
import Synchronization

/// The keys client addresses are hashed with before anything is kept of them (`client_hash`,
/// rate limits shared by several nodes): a random key per UTC day, stored in the database so
/// that every node uses the same, made a day ahead and deleted once its day is over. Two days'
/// hashes of one address cannot be joined, and no lasting key (not even the server's) can undo
/// a hash by trying every address.
public final class ClientHashKeys: Sendable {
    private let keys = Mutex<[String: ServerKey]>([:])
    /// Used only when today's key could not be read (the database was out of reach at start).
    private let fallback: ServerKey

    init(fallback: ServerKey) { self.fallback = fallback }

    static func day(_ date: Date) -> String { String(Timestamp.format(date).prefix(10)) }

    /// The keyed hash of a client address, with today's key.
    public func hash(_ address: String, now: Date = Date()) -> String {
        let key = keys.withLock { $0[Self.day(now)] } ?? fallback
        return key.clientHash(address)
    }

    /// Makes today's and tomorrow's keys when they are missing, deletes those of past days,
    /// and reads them. Every node runs it; the first to insert a day's key sets it for all.
    func refresh(_ database: Database, now: Date = Date()) throws {
        let (today, tomorrow) = (Self.day(now), Self.day(now.addingTimeInterval(86_400)))
        var stored = try database.read(Self.read)
        if stored[today] == nil || stored[tomorrow] == nil || stored.keys.contains(where: { $0 < today }) {
            try database.writeAndWait { db in
                for day in [today, tomorrow] {
                    try db.run(
                        "INSERT INTO client_hash_keys (day, key) VALUES (?, ?) ON CONFLICT (day) DO NOTHING", day, Self.randomKey())
                }
                try db.run("DELETE FROM client_hash_keys WHERE day < ?", today)
            }
            stored = try database.read(Self.read)
        }
        let loaded = stored.mapValues { ServerKey(bytes: Data($0)) }
        keys.withLock { $0 = loaded }
    }

    @Sendable static func read(_ db: Connection) throws -> [String: [UInt8]] {
        Dictionary(
            try db.query("SELECT day, key FROM client_hash_keys") { row -> (String, [UInt8]) in
                let key: [UInt8]
                if case .blob(let bytes) = row.value(at: 1) { key = bytes } else { key = [] }
                return (try row.get("day", as: String.self), key)
            }.filter { $0.1.count == 32 }, uniquingKeysWith: { first, _ in first })
    }

    static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
