import CoreMetrics
import Foundation
import SQL

/// The application's database on PostgreSQL, shaped like `SQLiteDatabase`: one writer
/// connection on its own thread taking every job waiting into one transaction (the same
/// group commit, `Writer`), and a pool of connections for reads. Several application nodes
/// each have their own writer; PostgreSQL's row locks and `SKIP LOCKED` keep them apart.
public final class PGDatabase: Sendable {
    public let url: String
    private let writer: Writer<PGConnection>
    private let readers: PGPool

    public init(url: String, readers: Int = 8, metrics: (any MetricsFactory)? = nil) throws {
        self.url = url
        let connection = try PGConnection(url: url)
        writer = Writer(connection: connection, metrics: metrics)
        self.readers = PGPool(url: url, size: readers)
    }

    /// Runs `body` with a connection of the read pool (tried once more on a fresh connection
    /// when the first was lost: a read has nothing to undo).
    public func read<R>(_ body: (PGConnection) throws -> R) throws -> R {
        try readers.with(retry: true, body)
    }

    public var generation: UInt64 { writer.generation.load(ordering: .acquiring) }
    public var recentWrites: UInt64 { writer.rate.recent() }
    public var gathering: (waits: UInt64, gains: UInt64) {
        (writer.gatheringWaits.load(ordering: .relaxed), writer.gatheringGains.load(ordering: .relaxed))
    }

    public func write<R: Sendable>(gathered: Bool = false, _ body: @escaping @Sendable (PGConnection) throws -> R) async throws -> R {
        try await writer.write(gathered: gathered, body)
    }

    public func writeAndWait<R: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> R) throws -> R {
        try writer.wait(.batched, body)
    }

    public func exclusive<R: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> R) throws -> R {
        try writer.wait(.alone, body)
    }

    public func close() {
        writer.stop()
        writer.close()
        readers.close()
    }
}
