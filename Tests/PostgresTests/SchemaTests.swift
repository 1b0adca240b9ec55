import Foundation
import Storage
import TestSupport
import XCTest

/// Both engines' migrations leave the same schema: the same tables and columns, each of the
/// same kind (an integer, a text, bytes), nullable alike, with a default alike; the same
/// primary keys, unique keys, references (and what a delete does to them), number of checks,
/// and indexes by name, over the same columns, partial alike.
final class SchemaTests: XCTestCase {
    var migrations: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Migrations")
    }

    func testBothEnginesHaveTheSameSchema() throws {
        let url: String
        do { url = try PostgresTestServer.database() } catch let missing as PostgresTestServer.Unavailable {
            throw XCTSkip(missing.description)
        }

        let sqliteDatabase = try Database(path: makeTemporaryDirectory().appendingPathComponent("s.sqlite").path)
        defer { sqliteDatabase.close() }
        let postgresDatabase = try Database(postgres: url)
        defer { postgresDatabase.close() }
        for database in [sqliteDatabase, postgresDatabase] {
            XCTAssertFalse(try Migrator(directory: migrations).migrate(database).isEmpty, "\(database.dialect) migrates")
            XCTAssertEqual(try Migrator(directory: migrations).migrate(database), [], "and has nothing more to do the second time")
        }

        let sqlite = try sqliteDatabase.read { try SchemaShape.sqlite($0) }
        let postgres = try postgresDatabase.read { try SchemaShape.postgres($0) }
        XCTAssertGreaterThan(sqlite.tables.count, 30)
        // Kept in memory by the one SQLite process, shared in the database by several nodes.
        let postgresOnly: Set = ["rate_buckets"]
        // Each engine's own full-text index over `search_entries`: SQLite's FTS5 table (and
        // the tables it keeps), PostgreSQL's `tsvector` column and its GIN index.
        let sqliteOnly: Set = ["search_index", "search_index_data", "search_index_idx", "search_index_docsize", "search_index_config"]
        XCTAssertEqual(
            Set(sqlite.tables.keys).subtracting(sqliteOnly), Set(postgres.tables.keys).subtracting(postgresOnly), "the same tables")
        for (name, table) in sqlite.tables.sorted(by: { $0.key < $1.key }) {
            guard let other = postgres.tables[name] else { continue }
            XCTAssertEqual(
                table.columns, other.columns.filter { !(name == "search_entries" && $0.name == "document") },
                "\(name): the same columns, kinds, nullability and defaults")
            XCTAssertEqual(table.primaryKey, other.primaryKey, "\(name): the same primary key")
            XCTAssertEqual(table.unique, other.unique, "\(name): the same unique keys")
            XCTAssertEqual(table.references, other.references, "\(name): the same references")
            XCTAssertEqual(table.checks, other.checks, "\(name): as many checks")
        }
        XCTAssertEqual(
            sqlite.indexes,
            postgres.indexes.filter {
                !postgresOnly.contains(String($0.value.prefix { $0 != "(" })) && $0.key != "search_entries_document"
            },
            "the same indexes")
    }
}

/// A schema as both engines can describe it.
struct SchemaShape {
    struct Column: Equatable, CustomStringConvertible {
        let name: String
        /// integer, real, text or bytes.
        let kind: String
        let nullable: Bool
        let hasDefault: Bool
        var description: String { "\(name) \(kind)\(nullable ? "" : " not null")\(hasDefault ? " default" : "")" }
    }

    struct Table {
        var columns: [Column] = []
        var primaryKey: [String] = []
        var unique: Set<[String]> = []
        /// "column → table.column on delete …"
        var references: Set<String> = []
        var checks = 0
    }

    var tables: [String: Table] = [:]
    /// name → "table(columns) partial?"
    var indexes: [String: String] = [:]

    static func kind(sqlite declared: String) -> String {
        switch declared.uppercased() {
        case "INTEGER", "INT": return "integer"
        case "BLOB": return "bytes"
        case "REAL": return "real"
        default: return "text"
        }
    }

    static func kind(postgres type: String) -> String {
        switch type {
        case "bigint", "integer", "smallint": return "integer"
        case "bytea": return "bytes"
        case "double precision", "real": return "real"
        default: return "text"
        }
    }

    /// How many `CHECK (` a table's statement holds.
    static func countChecks(_ sql: String) -> Int { sql.components(separatedBy: "CHECK (").count - 1 }

    static func sqlite(_ db: Connection) throws -> SchemaShape {
        var shape = SchemaShape()
        let names = try db.query("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
            (try $0.get("name", as: String.self), try $0.get("sql", as: String.self))
        }
        for (name, sql) in names {
            var table = Table()
            var primary: [(Int, String)] = []
            let columns = try db.query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)", name) { row in
                (
                    try row.get("name", as: String.self), try row.get("type", as: String.self), try row.get("notnull", as: Int.self),
                    try row.optional("dflt_value", as: String.self), try row.get("pk", as: Int.self)
                )
            }
            for (column, type, notNull, defaultValue, pk) in columns {
                // A rowid key is never NULL, and takes the next number by default.
                let isRowID = column == "id" && pk == 1 && type.uppercased() == "INTEGER" && columns.filter { $0.4 > 0 }.count == 1
                table.columns.append(
                    Column(
                        name: column, kind: kind(sqlite: type), nullable: notNull == 0 && pk == 0,
                        hasDefault: defaultValue != nil || (isRowID && !sql.contains("CHECK (id = 1)"))))
                if pk > 0 { primary.append((pk, column)) }
            }
            table.columns.sort { $0.name < $1.name }
            table.primaryKey = primary.sorted { $0.0 < $1.0 }.map(\.1)
            let indexes = try db.query("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", name) { row in
                (
                    try row.get("name", as: String.self), try row.get("unique", as: Int.self), try row.get("origin", as: String.self),
                    try row.get("partial", as: Int.self)
                )
            }
            for (index, unique, origin, partial) in indexes {
                let indexColumns = try db.query(
                    "SELECT coalesce(name, '(expression)') AS name FROM pragma_index_info(?) ORDER BY seqno", index
                ) {
                    try $0.get("name", as: String.self)
                }
                switch origin {
                case "u": table.unique.insert(indexColumns)
                case "pk": break
                default:
                    shape.indexes[index] =
                        "\(name)(\(indexColumns.joined(separator: ", ")))\(unique == 1 ? " unique" : "")\(partial == 1 ? " partial" : "")"
                }
            }
            let references = try db.query("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list(?)", name) { row in
                "\(try row.get("from", as: String.self)) → \(try row.get("table", as: String.self)).\(try row.get("to", as: String.self)) on delete \(try row.get("on_delete", as: String.self).lowercased())"
            }
            table.references = Set(references)
            table.checks = countChecks(sql)
            shape.tables[name] = table
        }
        return shape
    }

    static func postgres(_ db: Connection) throws -> SchemaShape {
        var shape = SchemaShape()
        let columns = try db.query(
            """
            SELECT table_name, column_name, data_type, is_nullable, column_default IS NOT NULL OR is_identity = 'YES' AS has_default
            FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name
            """
        ) { row in
            (
                try row.get("table_name", as: String.self),
                Column(
                    name: try row.get("column_name", as: String.self), kind: kind(postgres: try row.get("data_type", as: String.self)),
                    nullable: try row.get("is_nullable", as: String.self) == "YES", hasDefault: try row.get("has_default", as: Bool.self))
            )
        }
        for (table, column) in columns { shape.tables[table, default: Table()].columns.append(column) }
        let constraints = try db.query(
            """
            SELECT c.conrelid::regclass::text AS table_name, c.contype::text AS kind,
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), ',') AS columns,
                   coalesce(c.confrelid::regclass::text, '') AS target,
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i), ',') AS target_columns,
                   c.confdeltype::text AS on_delete
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
            """
        ) { row in
            (
                try row.get("table_name", as: String.self), try row.get("kind", as: String.self), try row.get("columns", as: String.self),
                try row.get("target", as: String.self), try row.get("target_columns", as: String.self),
                try row.get("on_delete", as: String.self)
            )
        }
        for (table, kind, columnList, target, targetColumns, onDelete) in constraints {
            let names = columnList.split(separator: ",").map(String.init)
            switch kind {
            case "p": shape.tables[table, default: Table()].primaryKey = names
            case "u": shape.tables[table, default: Table()].unique.insert(names)
            case "f":
                let action = ["a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"][onDelete] ?? onDelete
                shape.tables[table, default: Table()].references.insert("\(columnList) → \(target).\(targetColumns) on delete \(action)")
            case "c": shape.tables[table, default: Table()].checks += 1
            default: break
            }
        }
        let indexes = try db.query(
            """
            SELECT i.relname AS name, t.relname AS table_name, x.indisunique AS is_unique, x.indpred IS NOT NULL AS partial,
                   array_to_string(ARRAY(SELECT coalesce(a.attname, '(expression)') FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                       LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n AND k.n <> 0 ORDER BY k.o), ', ') AS columns
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """
        ) { row in
            (
                try row.get("name", as: String.self), try row.get("table_name", as: String.self), try row.get("is_unique", as: Bool.self),
                try row.get("partial", as: Bool.self), try row.get("columns", as: String.self)
            )
        }
        for (name, table, unique, partial, columnList) in indexes {
            shape.indexes[name] = "\(table)(\(columnList))\(unique ? " unique" : "")\(partial ? " partial" : "")"
        }
        for name in shape.tables.keys { shape.tables[name]?.columns.sort { $0.name < $1.name } }
        return shape
    }
}
