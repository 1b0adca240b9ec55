import Foundation
import Storage
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

    /// SQLite changes a column's CHECK by rebuilding the table: new table, copy, drop the old,
    /// rename. With foreign keys on, dropping the old table would delete the rows that refer
    /// to it (`ON DELETE CASCADE`); the migrator turns them off while a migration runs.
    func testRebuildingATableKeepsTheRowsThatReferToIt() throws {
        let folder = try makeFolder([
            "0001_first.sql": """
            CREATE TABLE parent (id INTEGER PRIMARY KEY, state TEXT CHECK (state IN ('a', 'b', 'c')));
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE);
            INSERT INTO parent VALUES (1, 'a'), (2, 'b');
            INSERT INTO child VALUES (10, 1), (20, 2);
            """,
            "0002_rebuild.sql": """
            CREATE TABLE parent_new (id INTEGER PRIMARY KEY, state TEXT CHECK (state = 'a' OR state = 'b' OR state = 'c'));
            INSERT INTO parent_new (id, state) SELECT id, state FROM parent;
            DROP TABLE parent;
            ALTER TABLE parent_new RENAME TO parent;
            """,
        ])
        let database = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { database.close() }
        XCTAssertEqual(try Migrator(directory: folder).migrate(database), ["0001_first", "0002_rebuild"])
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM child", as: Int.self) }, 2)
        // Foreign keys are on again for the writer afterwards, and refer to the new table.
        XCTAssertEqual(try database.exclusive { try $0.scalar("PRAGMA foreign_keys", as: Int.self) }, 1)
        XCTAssertThrowsError(try database.writeAndWait { try $0.run("INSERT INTO child VALUES (30, 3)") })
        try database.writeAndWait { try $0.run("DELETE FROM parent WHERE id = 1") }
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM child", as: Int.self) }, 1, "the cascade still works")
        XCTAssertThrowsError(try database.writeAndWait { try $0.run("INSERT INTO parent VALUES (5, 'z')") }, "the new CHECK holds")
    }

    /// With foreign keys off, a migration could leave a row referring to nothing; it is checked
    /// before the migration commits, and refused whole.
    func testAMigrationThatBreaksAReferenceIsRefused() throws {
        let folder = try makeFolder([
            "0001_first.sql": """
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id));
            INSERT INTO parent VALUES (1);
            INSERT INTO child VALUES (10, 1);
            """,
            "0002_orphan.sql": "CREATE TABLE other (x INTEGER); DELETE FROM parent;",
        ])
        let database = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { database.close() }
        XCTAssertThrowsError(try Migrator(directory: folder).migrate(database)) { error in
            XCTAssertTrue("\(error)".contains("0002_orphan.sql failed"), "\(error)")
            XCTAssertTrue("\(error)".contains("child row 10 refers to a missing parent"), "\(error)")
        }
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM parent", as: Int.self) }, 1)
        XCTAssertEqual(
            try database.read { try $0.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'other'", as: Int.self) }, 0)
        XCTAssertEqual(try database.exclusive { try $0.scalar("PRAGMA foreign_keys", as: Int.self) }, 1)
    }

    /// Migration 0014 changes three CHECK constraints in the schema's text instead of copying
    /// the tables. On a database with mail in it: the rows stay readable and whole, the new
    /// checks refuse what the old ones did, and inserts no longer build temporary tables.
    func testChangingChecksInPlaceKeepsTheRowsWhole() throws {
        let project = packageRoot.appendingPathComponent("Migrations")
        let folder = makeTemporaryDirectory()
        let files = try FileManager.default.contentsOfDirectory(atPath: project.path).filter { $0.hasSuffix(".sql") }.sorted()
        for file in files where file < "0014" {
            try FileManager.default.copyItem(at: project.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let database = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { database.close() }
        try Migrator(directory: folder).migrate(database)
        try database.writeAndWait { db in
            for n in 1...200 {
                try db.run(
                    "INSERT INTO outbox (kind, recipient, subject, message, state, next_attempt_at, created_at) VALUES (?, ?, 's', ?, ?, 't', 't')",
                    n % 2 == 0 ? "subscribe.confirm" : "signature.confirm", "p\(n)@example.org", String(repeating: "x", count: 900),
                    n % 3 == 0 ? "sent" : "waiting")
                try db.run("INSERT INTO outbox_attempts (outbox_id, attempted_at, outcome) VALUES (?, 't', 'sent')", n)
                try db.run(
                    "INSERT INTO mail_tokens (token_hash, purpose, subject_id, expires_at) VALUES (?, 'signature', ?, 't')",
                    [UInt8(n % 256), 1, 2],
                    n)
            }
        }
        try FileManager.default.copyItem(
            at: project.appendingPathComponent("0014_checks_without_lists.sql"),
            to: folder.appendingPathComponent("0014_checks_without_lists.sql"))
        XCTAssertEqual(try Migrator(directory: folder).migrate(database), ["0014_checks_without_lists"])
        XCTAssertEqual(try database.read { try $0.scalar("PRAGMA integrity_check", as: String.self) }, "ok")
        XCTAssertEqual(
            try database.read { try $0.scalar("SELECT count(*) FROM outbox WHERE length(message) = 900", as: Int.self) }, 200)
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM outbox_attempts", as: Int.self) }, 200)
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM mail_tokens", as: Int.self) }, 200)
        XCTAssertEqual(
            try database.read {
                try $0.scalar(
                    """
                    SELECT count(*) FROM outbox
                    WHERE recipient = 'p2@example.org' AND (kind = 'subscribe.confirm' OR kind = 'subscribe.already' OR kind = 'staff.reset')
                    """, as: Int.self)
            }, 1)
        // The writer, which ran the migration, checks with the new words at once.
        let program = try database.exclusive { db in
            try db.query(
                "EXPLAIN INSERT INTO outbox (kind, recipient, subject, message, next_attempt_at, created_at) VALUES ('k', 'r', 's', 'm', 't', 't')"
            ) {
                try $0.get("opcode", as: String.self)
            }
        }
        XCTAssertFalse(program.contains("OpenEphemeral"))
        XCTAssertThrowsError(
            try database.writeAndWait {
                try $0.run(
                    "INSERT INTO outbox (kind, recipient, subject, message, state, next_attempt_at, created_at) VALUES ('k', 'r', 's', 'm', 'lost', 't', 't')"
                )
            })
        XCTAssertThrowsError(
            try database.writeAndWait {
                try $0.run("INSERT INTO outbox_attempts (outbox_id, attempted_at, outcome) VALUES (1, 't', 'maybe')")
            })
        XCTAssertThrowsError(
            try database.writeAndWait {
                try $0.run("INSERT INTO mail_tokens (token_hash, purpose, expires_at) VALUES (x'00ff', 'anything', 't')")
            })
        // A new connection reads the same schema.
        let fresh = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { fresh.close() }
        XCTAssertThrowsError(
            try fresh.writeAndWait { try $0.run("INSERT INTO outbox_attempts (outbox_id, attempted_at, outcome) VALUES (1, 't', 'maybe')") }
        )
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

/// A binary applies only the migrations it was made with: a rollback that leaves a newer
/// release's migration beside an older binary gets a clear refusal and an untouched database.
final class KnownMigrationTests: XCTestCase {
    func testAMigrationTheBuildDoesNotKnowIsRefusedBeforeAnythingIsApplied() throws {
        let folder = makeTemporaryDirectory()
        try "CREATE TABLE a (x INTEGER);".write(to: folder.appendingPathComponent("0001_first.sql"), atomically: true, encoding: .utf8)
        let first = try Migrator(directory: folder).migrations()[0]
        let known = ["0001_first": first.checksum]
        let database = try Database(path: folder.appendingPathComponent("db.sqlite").path)
        defer { database.close() }
        XCTAssertEqual(try Migrator(directory: folder, known: known).migrate(database), ["0001_first"])
        // The newer release's file, left behind by a rollback.
        try "CREATE TABLE b (y INTEGER);".write(to: folder.appendingPathComponent("0002_newer.sql"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Migrator(directory: folder, known: known).migrate(database)) { error in
            XCTAssertTrue("\(error)".contains("0002_newer.sql is not one this build was made with (its newest is 0001_first)"), "\(error)")
        }
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'b'", as: Int.self) }, 0)
        // Its own file, edited: refused too.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("0002_newer.sql"))
        try "CREATE TABLE a (x TEXT);".write(to: folder.appendingPathComponent("0001_first.sql"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Migrator(directory: folder, known: known).migrations()) { error in
            XCTAssertTrue("\(error)".contains("differs from the one this build was made with"), "\(error)")
        }
    }
}
