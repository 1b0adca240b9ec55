import Foundation
import Storage

/// Moves a site's SQLite file into an empty PostgreSQL database in one go
/// (`sanctuary copy-to-postgres`): the schema made by PostgreSQL's own migrations, then every
/// row of every table, parents before the rows that refer to them, in one transaction, each
/// identity moved past the largest id copied; then the rows of each table counted on both
/// ends. Stop the server first: what it wrote during the copy would not be in it.
public enum CopyToPostgresStore {
    public struct Report: Sendable {
        /// Each table and the rows copied into it, in the order copied.
        public var tables: [(name: String, rows: Int)] = []
        public var rows: Int { tables.reduce(0) { $0 + $1.rows } }
    }

    public struct CopyError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Tables the copy leaves out: the migrations' own record (each engine keeps its own).
    static let skipped: Set<String> = [
        "schema_migrations",
        // The search index: the triggers on the copied tables make it again.
        "search_entries", "search_index", "search_index_data", "search_index_idx", "search_index_docsize", "search_index_config",
    ]

    public static func copy(from source: Connection, to target: Database, migrations: Migrator) throws -> Report {
        guard target.dialect == .postgres else { throw CopyError("the target must be a postgres:// URL") }
        let sourceMigrations = try source.query("SELECT name FROM schema_migrations ORDER BY version") {
            try $0.get("name", as: String.self)
        }
        let known = try migrations.migrations(for: .sqlite).map(\.name)
        guard sourceMigrations == known else {
            throw CopyError(
                "the SQLite file has migrations \(sourceMigrations.last ?? "none"), this build \(known.last ?? "none"): run this build's `sanctuary migrate` on it first"
            )
        }
        let filled = try target.read { db in
            try db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()", as: Int.self) ?? 0
        }
        guard filled == 0 else { throw CopyError("the PostgreSQL database is not empty: copy into a new, empty database") }
        try migrations.migrate(target)

        let tables = try order(
            try source.query(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ) { try $0.get("name", as: String.self) }.filter { !skipped.contains($0) }, references: source)
        var report = Report()
        let plan = try tables.map { table in
            (table, try target.read { try $0.columns(of: table) }, try source.columns(of: table))
        }
        for (table, targetColumns, _) in plan where targetColumns.isEmpty {
            throw CopyError("PostgreSQL has no table \(table): its migrations and SQLite's differ")
        }
        let copied = try target.exclusive { db in
            try db.transaction { () -> [(String, Int)] in
                // The rows the migrations made (the settings' one row) give way to the file's.
                for (table, _, _) in plan.reversed() { try db.run("DELETE FROM \"\(table)\"") }
                var counts: [(String, Int)] = []
                for (table, targetColumns, sourceColumns) in plan {
                    let columns = sourceColumns.filter(targetColumns.contains)
                    let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                    let insert = "INSERT INTO \"\(table)\" (\(list)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
                    var count = 0
                    let cursor = try source.query("SELECT \(list) FROM \"\(table)\"") { row in
                        try columns.indices.map { try row.value(columns[$0]) }
                    }
                    for values in cursor {
                        try db.run(insert, parameters: values)
                        count += 1
                    }
                    if columns.contains("id") {
                        try db.run(
                            "SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT coalesce(max(id), 0) + 1 FROM \"\(table)\"), false) WHERE pg_get_serial_sequence(?, 'id') IS NOT NULL",
                            table, table)
                    }
                    counts.append((table, count))
                }
                return counts
            }
        }
        for (table, count) in copied {
            let there = try target.read { try $0.scalar("SELECT count(*) FROM \"\(table)\"", as: Int.self) } ?? -1
            let here = try source.scalar("SELECT count(*) FROM \"\(table)\"", as: Int.self) ?? -1
            guard there == here, here == count else { throw CopyError("\(table): \(here) rows in SQLite, \(there) in PostgreSQL") }
            report.tables.append((table, count))
        }
        return report
    }

    /// Tables with every table they refer to before them.
    static func order(_ tables: [String], references source: Connection) throws -> [String] {
        var parents: [String: Set<String>] = [:]
        for table in tables {
            parents[table] = Set(
                try source.query("SELECT \"table\" AS parent FROM pragma_foreign_key_list(?)", table) {
                    try $0.get("parent", as: String.self)
                }
            ).subtracting([table])
        }
        var ordered: [String] = []
        var left = tables
        while !left.isEmpty {
            guard let next = left.first(where: { (parents[$0] ?? []).isSubset(of: ordered) }) else {
                throw CopyError("the tables refer to each other in a circle: \(left.joined(separator: ", "))")
            }
            ordered.append(next)
            left.removeAll { $0 == next }
        }
        return ordered
    }
}
