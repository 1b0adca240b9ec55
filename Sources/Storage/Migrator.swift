import Crypto
import Foundation
import SQLite

/// Applies `NNNN_name.sql` files from a folder, in order, each in its own transaction,
/// and records each with a SHA-256 checksum. An applied migration whose file has since
/// changed stops everything: the schema on disk would no longer match the code.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let sql: String
        public var checksum: String {
            SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    public let directory: URL
    /// The migrations the running build was made with (name → checksum), when it says: a file
    /// in the folder that is not among them (a newer release's, left beside an older binary
    /// by a rollback) or differs from it is refused before anything is applied.
    public let known: [String: String]?

    public init(directory: URL, known: [String: String]? = nil) {
        self.directory = directory
        self.known = known
    }

    /// Reads and orders the migration files; rejects badly named or duplicate versions, and
    /// (with `known`) files this build was not made with.
    /// Each engine has its own files: SQLite's in the folder, PostgreSQL's in its `postgres/`
    /// folder, numbered alike (a migration that changes the schema comes as a pair), and
    /// known to the build as `postgres/NNNN_name`.
    public func migrations(for dialect: Dialect = .sqlite) throws -> [Migration] {
        let folder = dialect == .postgres ? directory.appendingPathComponent("postgres") : directory
        let prefix = dialect == .postgres ? "postgres/" : ""
        let found = try files(in: folder)
        guard let allKnown = known else { return found }
        let known = Dictionary(
            uniqueKeysWithValues: allKnown.compactMap { name, checksum -> (String, String)? in
                guard name.hasPrefix(prefix), !name.dropFirst(prefix.count).contains("/") else { return nil }
                return (String(name.dropFirst(prefix.count)), checksum)
            })
        let newest = known.keys.max() ?? "none"
        for migration in found {
            guard let checksum = known[migration.name] else {
                throw DatabaseError.migration(
                    "Migrations/\(migration.name).sql is not one this build was made with (its newest is \(newest)): an older binary beside a newer release's migrations. Run each release from its own folder (deploy/README.md, Updating) so a rollback brings its own migrations back"
                )
            }
            if checksum != migration.checksum {
                throw DatabaseError.migration(
                    "Migrations/\(migration.name).sql differs from the one this build was made with: restore the release's own file")
            }
        }
        if let missing = known.keys.sorted().first(where: { name in !found.contains { $0.name == name } }) {
            throw DatabaseError.migration("Migrations/\(missing).sql, which this build was made with, is missing")
        }
        return found
    }

    private func files(in folder: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw DatabaseError.migration("cannot read migrations folder \(folder.path)")
        }
        var result: [Migration] = []
        for file in names.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"),
                let version = Int(stem[..<underscore]), stem[..<underscore].count == 4
            else {
                throw DatabaseError.migration("migration file \(file) is not named NNNN_name.sql")
            }
            if result.contains(where: { $0.version == version }) {
                throw DatabaseError.migration("two migrations share the number \(version)")
            }
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            result.append(Migration(version: version, name: String(stem), sql: sql))
        }
        return result
    }

    /// Brings the database up to date. Returns the names of the migrations applied now.
    @discardableResult
    public func migrate(_ database: Database) throws -> [String] {
        let migrations = try migrations(for: database.dialect)
        return try database.exclusive { connection in try Self.apply(migrations, on: connection) }
    }

    static func apply(_ migrations: [Migration], on connection: Connection) throws -> [String] {
        let now =
            connection.dialect == .postgres
            ? #"to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"# : "strftime('%Y-%m-%dT%H:%M:%SZ','now')"
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (\(now))
            )
            """)
        let applied = try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version") { row in
            (try row.get("version", as: Int.self), try row.get("name", as: String.self), try row.get("checksum", as: String.self))
        }
        for (version, name, checksum) in applied {
            guard let file = migrations.first(where: { $0.version == version }) else {
                throw DatabaseError.migration(
                    "the database has migration \(name) applied, but Migrations/ has no file for it: this build is older than the database")
            }
            if file.checksum != checksum {
                throw DatabaseError.migration(
                    "migration \(file.name).sql was edited after it was applied (checksum \(checksum.prefix(12)) recorded, \(file.checksum.prefix(12)) on disk); restore it and put the change in a new migration"
                )
            }
        }
        var done: [String] = []
        // Foreign keys are off while migrations run, as SQLite's way of changing a table asks
        // (build the new table, copy, drop the old, rename): dropping a table that others refer
        // to would otherwise delete their rows with it (`ON DELETE CASCADE`). Each migration
        // must leave every reference whole: it is checked before the migration commits.
        // (PostgreSQL changes a table in place, and checks each reference as it goes.)
        let sqlite = connection.sqlite
        try sqlite?.execute("PRAGMA foreign_keys = OFF")
        defer { try? sqlite?.execute("PRAGMA foreign_keys = ON") }
        for migration in migrations where !applied.contains(where: { $0.0 == migration.version }) {
            do {
                try connection.transaction {
                    try connection.execute(migration.sql)
                    if let sqlite {
                        let broken = try sqlite.query("PRAGMA foreign_key_check") { row in
                            "\(try row.get("table", as: String.self)) row \(try row.optional("rowid", as: Int64.self).map(String.init) ?? "?")"
                                + " refers to a missing \(try row.get("parent", as: String.self))"
                        }
                        if let first = broken.first {
                            throw DatabaseError.migration("it leaves \(broken.count) broken references, the first: \(first)")
                        }
                    }
                    try connection.run(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                        migration.version, migration.name, migration.checksum)
                }
            } catch {
                throw DatabaseError.migration("migration \(migration.name).sql failed: \(error)")
            }
            done.append(migration.name)
        }
        return done
    }
}
