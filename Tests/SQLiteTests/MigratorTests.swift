import Foundation
import SQLite
import TestSupport
import XCTest

final class MigratorTests: XCTestCase {
    func makeFolder(_ files: [String: String]) throws -> URL {
        let folder = makeTemporaryDirectory()
        for (name, sql) in files {
            try sql.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder
    }

    func testFreshApplyThenRerunIsANoOp() throws {
        let folder = try makeFolder([
            "0001_first.sql": "CREATE TABLE a (x INTEGER);",
            "0002_second.sql": "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);",
        ])
        let database = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { database.close() }
        let migrator = Migrator(directory: folder)
        XCTAssertEqual(try migrator.migrate(database), ["0001_first", "0002_second"])
        XCTAssertEqual(try migrator.migrate(database), [])
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM a", as: Int.self) }, 1, "second run did not re-apply")
        let recorded = try database.read {
            try $0.query("SELECT name, checksum FROM schema_migrations ORDER BY version") { try $0.get("name", as: String.self) }
        }
        XCTAssertEqual(recorded, ["0001_first", "0002_second"])
    }

    func testTamperedMigrationIsRefused() throws {
        let folder = try makeFolder(["0001_first.sql": "CREATE TABLE a (x INTEGER);"])
        let database = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { database.close() }
        try Migrator(directory: folder).migrate(database)
        try "CREATE TABLE a (x INTEGER, y TEXT);".write(
            to: folder.appendingPathComponent("0001_first.sql"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Migrator(directory: folder).migrate(database)) { error in
            XCTAssertTrue("\(error)".contains("0001_first.sql was edited after it was applied"), "\(error)")
        }
    }

    func testFailingMigrationLeavesNothingBehind() throws {
        let folder = try makeFolder([
            "0001_ok.sql": "CREATE TABLE a (x INTEGER);",
            "0002_broken.sql": "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);",
        ])
        let database = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { database.close() }
        XCTAssertThrowsError(try Migrator(directory: folder).migrate(database)) { error in
            XCTAssertTrue("\(error)".contains("0002_broken.sql failed"), "\(error)")
        }
        let tables = try database.read {
            try $0.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a', 'b')") {
                try $0.get("name", as: String.self)
            }
        }
        XCTAssertEqual(tables, ["a"], "the failed migration's table was rolled back")
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM schema_migrations", as: Int.self) }, 1)
    }

    func testBadlyNamedFileIsRefused() throws {
        let folder = try makeFolder(["1_oops.sql": "SELECT 1;"])
        XCTAssertThrowsError(try Migrator(directory: folder).migrations())
    }

    func testTheProjectsOwnMigrationsApply() throws {
        let folder = makeTemporaryDirectory()
        let database = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { database.close() }
        let applied = try Migrator(directory: packageRoot.appendingPathComponent("Migrations")).migrate(database)
        XCTAssertFalse(applied.isEmpty)
        let foreignKeys = try database.read { try $0.scalar("PRAGMA foreign_keys", as: Int.self) }
        XCTAssertEqual(foreignKeys, 1)
        let mode = try database.read { try $0.scalar("PRAGMA journal_mode", as: String.self) }
        XCTAssertEqual(mode, "wal")
    }
}
