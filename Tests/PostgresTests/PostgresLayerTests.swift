import Foundation
import Postgres
import Storage
import Synchronization
import TestSupport
import XCTest

/// One statement text for both engines: SQLite's placeholders become PostgreSQL's, outside
/// literals, quoted names and comments.
final class PlaceholderTests: XCTestCase {
    func testQuestionMarksBecomeNumbersTheWaySQLiteCountsThem() {
        XCTAssertEqual(Placeholders.numbered("SELECT * FROM t WHERE a = ? AND b = ?"), "SELECT * FROM t WHERE a = $1 AND b = $2")
        XCTAssertEqual(
            Placeholders.numbered("UPDATE t SET n = n + ?1 WHERE id = ?2 AND m = ?1"), "UPDATE t SET n = n + $1 WHERE id = $2 AND m = $1")
        XCTAssertEqual(Placeholders.numbered("SELECT ?2, ?"), "SELECT $2, $3", "a bare ? follows the largest number so far, as in SQLite")
        XCTAssertEqual(
            Placeholders.numbered("SELECT '?', \"a?\", 'it''s ?' -- why?\n, ? /* ? */"),
            "SELECT '?', \"a?\", 'it''s ?' -- why?\n, $1 /* ? */")
    }
}

/// Our libpq layer against a real PostgreSQL (a throwaway cluster; skipped with its reason
/// when PostgreSQL is not installed, as on a fresh machine: `.ci/run` installs it).
final class PostgresConnectionTests: XCTestCase {
    func database() throws -> String {
        do { return try PostgresTestServer.database() } catch let missing as PostgresTestServer.Unavailable {
            throw XCTSkip(missing.description)
        }
    }

    func testValuesAreBoundAndReadBackAsTheyWere() throws {
        let db = try PGConnection(url: try database())
        try db.execute("CREATE TABLE t (id bigserial PRIMARY KEY, name text, n bigint, x double precision, ok boolean, data bytea)")
        let name = "Zoë \"O'Brien\" ; DROP TABLE t; --"
        try db.run(
            "INSERT INTO t (name, n, x, ok, data) VALUES (?, ?, ?, ?, ?)", [name, Int64.max, 2.5, true, SQLValue.blob([0, 255, 10])])
        try db.run("INSERT INTO t (name, n) VALUES (?, ?)", [SQLValue.null, 7])
        let rows = try db.query("SELECT name, n, x, ok, data FROM t ORDER BY id") { row in
            (try row.value("name"), try row.value("n"), try row.value("x"), try row.value("ok"), try row.value("data"))
        }
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].0, .text(name), "a bound value is data, never SQL")
        XCTAssertEqual(rows[0].1, .integer(Int64.max))
        XCTAssertEqual(rows[0].2, .real(2.5))
        XCTAssertEqual(rows[0].3, .integer(1))
        XCTAssertEqual(rows[0].4, .blob([0, 255, 10]))
        XCTAssertEqual(rows[1].0, .null)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM t WHERE n = ?", [7], as: Int.self), 1)
        let changed = try db.run("UPDATE t SET n = n + 1 WHERE n < ?", [100])
        XCTAssertEqual(changed.changes, 1)
    }

    func testErrorsSayWhatTheCallerDoesAboutThem() throws {
        let url = try database()
        let db = try PGConnection(url: url)
        try db.execute("CREATE TABLE t (slug text PRIMARY KEY)")
        try db.run("INSERT INTO t VALUES (?)", ["a"])
        XCTAssertThrowsError(try db.run("INSERT INTO t VALUES (?)", ["a"])) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .uniqueViolation)
            XCTAssertEqual((error as? PostgresError)?.sqlState, "23505")
        }
        XCTAssertThrowsError(try db.run("SELECT * FROM no_such_table")) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .other)
        }
        // The connection still works after an error (no transaction left broken).
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM t", as: Int.self), 1)

        // Two serializable transactions that read what the other writes: one must give way.
        let other = try PGConnection(url: url)
        try db.execute("CREATE TABLE c (n int); INSERT INTO c VALUES (0)")
        try db.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try other.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        _ = try db.scalar("SELECT sum(n) FROM c", as: Int.self)
        _ = try other.scalar("SELECT sum(n) FROM c", as: Int.self)
        try db.run("INSERT INTO c VALUES (1)")
        try other.run("INSERT INTO c VALUES (2)")
        try db.execute("COMMIT")
        XCTAssertThrowsError(try other.execute("COMMIT")) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .serializationFailure, "\(error)")
        }
    }

    func testALostConnectionIsSaidSoAndConnectsAgain() throws {
        let url = try database()
        let db = try PGConnection(url: url)
        let pid = try XCTUnwrap(try db.scalar("SELECT pg_backend_pid()", as: Int.self))
        let admin = try PGConnection(url: url)
        try admin.run("SELECT pg_terminate_backend(?)", [pid])
        XCTAssertThrowsError(try db.run("SELECT 1")) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .connectionLost, "\(error)")
        }
        try db.reconnect()
        XCTAssertEqual(try db.scalar("SELECT 41 + ?", [1], as: Int.self), 42, "prepared again on the new session")
    }

    func testNotificationsReachAnotherConnection() throws {
        let url = try database()
        let listener = try PGConnection(url: url)
        try listener.listen("staff_changes")
        let speaker = try PGConnection(url: url)
        try speaker.notify("staff_changes", payload: "pages")
        var got: [(channel: String, payload: String)] = []
        for _ in 0..<100 where got.isEmpty {
            got = try listener.notifications()
            if got.isEmpty { usleep(10_000) }
        }
        XCTAssertEqual(got.first?.channel, "staff_changes")
        XCTAssertEqual(got.first?.payload, "pages")
    }

    func testThePoolLendsEachConnectionToOneCallerAtATime() throws {
        let url = try database()
        let pool = PGPool(url: url, size: 3)
        try pool.with { try $0.execute("CREATE TABLE n (v int)") }
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            for step in 0..<25 {
                do {
                    try pool.with { db in _ = try db.run("INSERT INTO n VALUES (?)", [index * 100 + step]) }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
        XCTAssertEqual(try pool.with { try $0.scalar("SELECT count(*) FROM n", as: Int.self) }, 200)
        XCTAssertLessThanOrEqual(
            try pool.with { try $0.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()", as: Int.self) } ?? 99,
            3,
            "no more connections than the pool's size")
    }
}
