import Foundation
import SQL
import SQLite
import TestSupport
import XCTest

final class SQLiteLayerTests: XCTestCase {
    var directory: URL!
    var database: SQLiteDatabase!

    override func setUpWithError() throws {
        directory = makeTemporaryDirectory()
        database = try SQLiteDatabase(path: directory.appendingPathComponent("t.sqlite").path)
        try database.exclusive { db in
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n TEXT, u TEXT UNIQUE)")
        }
    }

    override func tearDown() {
        database.close()
        try? FileManager.default.removeItem(at: directory)
    }

    func testBindingRoundTripsEveryType() throws {
        let blob: [UInt8] = [0, 1, 0, 255, 0, 10, 13, 0]
        let text = "Réfugiés bienvenus — 難民 🏳️‍🌈 \u{0}after-nul"
        try database.writeAndWait { db in
            try db.run(
                "INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)",
                Int64.max, 3.25, text, blob, String?.none)
        }
        let row = try database.read { db in
            try db.first("SELECT i, r, s, b, n FROM t") { row in
                (
                    try row.get("i", as: Int64.self), try row.get("r", as: Double.self), try row.get("s", as: String.self),
                    try row.get("b", as: [UInt8].self), try row.optional("n", as: String.self)
                )
            }
        }
        let (i, r, s, b, n) = try XCTUnwrap(row)
        XCTAssertEqual(i, Int64.max)
        XCTAssertEqual(r, 3.25)
        XCTAssertEqual(s, text)
        XCTAssertEqual(b, blob, "NUL bytes in blobs survive")
        XCTAssertNil(n)
    }

    func testEmptyBlobAndEmptyTextAreNotNull() throws {
        try database.writeAndWait { db in try db.run("INSERT INTO t (s, b) VALUES (?, ?)", "", [UInt8]()) }
        let nulls = try database.read { db in try db.scalar("SELECT count(*) FROM t WHERE s IS NULL OR b IS NULL", as: Int.self) }
        XCTAssertEqual(nulls, 0)
    }

    func testMissingColumnAndTypeMismatchAreErrors() throws {
        try database.writeAndWait { db in try db.run("INSERT INTO t (i) VALUES (1)") }
        XCTAssertThrowsError(try database.read { db in try db.first("SELECT i FROM t") { try $0.get("nope", as: Int.self) } })
        XCTAssertThrowsError(try database.read { db in try db.first("SELECT i FROM t") { try $0.get("i", as: String.self) } })
    }

    func testUniqueViolationSurfacesAsTypedError() throws {
        try database.writeAndWait { db in try db.run("INSERT INTO t (u) VALUES ('same')") }
        XCTAssertThrowsError(try database.writeAndWait { db in try db.run("INSERT INTO t (u) VALUES ('same')") }) { error in
            let sqlite = error as? SQLiteError
            XCTAssertEqual(sqlite?.isUniqueViolation, true, "\(error)")
            XCTAssertEqual(sqlite?.isConstraintViolation, true)
            XCTAssertTrue(sqlite?.message.contains("UNIQUE") ?? false)
        }
    }

    func testSyntaxErrorCarriesCodeAndMessage() {
        XCTAssertThrowsError(try database.read { db in try db.scalar("SELEC 1", as: Int.self) }) { error in
            let sqlite = error as? SQLiteError
            XCTAssertEqual(sqlite?.primaryCode, 1)
            XCTAssertTrue(sqlite?.message.contains("syntax error") ?? false)
        }
    }

    func testWrongParameterCountIsAnError() {
        XCTAssertThrowsError(try database.writeAndWait { db in try db.run("INSERT INTO t (i) VALUES (?)", 1, 2) })
    }

    func testTransactionRollsBackOnThrow() throws {
        struct Boom: Error {}
        XCTAssertThrowsError(
            try database.exclusive { db in
                try db.transaction {
                    try db.run("INSERT INTO t (i) VALUES (1)")
                    throw Boom()
                }
            })
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM t", as: Int.self) }, 0)
    }

    func testFailedJobInABatchUndoesOnlyItsOwnChanges() async throws {
        struct Boom: Error {}
        let database = self.database!
        async let good: Void = database.write { db in try db.run("INSERT INTO t (i) VALUES (1)") }
        async let bad: Void = database.write { db in
            try db.run("INSERT INTO t (i) VALUES (2)")
            throw Boom()
        }
        try await good
        do {
            try await bad
            XCTFail("should throw")
        } catch is Boom {}
        let values = try database.read { try $0.query("SELECT i FROM t ORDER BY i") { try $0.get("i", as: Int.self) } }
        XCTAssertEqual(values, [1])
    }

    /// A batch runs its jobs without a savepoint each until one throws. A job that catches a
    /// failed statement and goes on must still keep its other changes, and so must its
    /// neighbours: SQLite undoes only the failed statement.
    func testAJobThatCatchesAFailedStatementKeepsItsOtherChanges() async throws {
        let database = self.database!
        try database.writeAndWait { db in try db.run("INSERT INTO t (id, i) VALUES (1, 1)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 2..<40 {
                group.addTask { @Sendable () async throws -> Void in
                    try await database.write { db in
                        if n % 3 == 0 {
                            XCTAssertThrowsError(try db.run("INSERT INTO t (id, i) VALUES (1, ?)", n))
                        }
                        try db.run("INSERT INTO t (id, i) VALUES (?, ?)", n, n)
                    }
                }
            }
            try await group.waitForAll()
        }
        let values = try database.read { try $0.query("SELECT i FROM t ORDER BY id") { try $0.get("i", as: Int.self) } }
        XCTAssertEqual(values, Array(1..<40))
    }

    /// Cached statements are found by where their SQL lies before by what it says. SQL built
    /// at run time is freed after use, and the next text of the same length is usually made
    /// in the same memory: it must still get its own statement.
    func testSQLBuiltInReusedMemoryNeverGetsAnotherStatement() throws {
        try database.read { db in
            for n in 100..<400 {
                // Asked twice, each time in a new string: the second is found by its text and
                // remembered by its address, which the next number's text then reuses.
                for _ in 0..<2 {
                    XCTAssertEqual(try db.scalar("SELECT \(n) AS the_number_asked", as: Int.self), n)
                }
            }
        }
    }

    /// Gathered writes that come as a stream share commits. A job taken soon after a commit
    /// waits out the rest of the window, and one submitted 2 ms later joins its commit;
    /// without that wait the first is committed alone before the second exists. A slow
    /// machine may start a task late, so it is tried 20 times and one shared commit is
    /// enough; writes not gathered do not wait.
    func testAStreamOfGatheredWritesSharesCommits() async throws {
        let database = self.database!
        func pair(_ n: Int, gathered: Bool) async throws -> UInt64 {
            try await database.write(gathered: gathered) { db in try db.run("INSERT INTO t (i) VALUES (?)", n * 10) }
            let before = database.generation
            async let first: Void = database.write(gathered: gathered) { db in try db.run("INSERT INTO t (i) VALUES (?)", n * 10 + 1) }
            try await Task.sleep(for: .milliseconds(2))
            async let second: Void = database.write(gathered: gathered) { db in try db.run("INSERT INTO t (i) VALUES (?)", n * 10 + 2) }
            _ = try await (first, second)
            return database.generation - before
        }
        var shared = 0
        for n in 0..<20 where try await pair(n, gathered: true) == 1 { shared += 1 }
        XCTAssertGreaterThan(shared, 0, "no two gathered writes shared a commit in 20 tries")
        // Not gathered: the first is committed alone (unless the writer woke late, so most).
        var alone = 0
        for n in 20..<30 where try await pair(n, gathered: false) == 2 { alone += 1 }
        XCTAssertGreaterThanOrEqual(alone, 5, "writes not gathered waited for company")
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM t", as: Int.self) }, 90)
    }

    /// One client that sends its next write only once the last is answered gains nothing by
    /// waiting: after eight futile waits in a row the writer rests a second. Each write here
    /// comes within the window of the last commit, so without the rest each would wait.
    /// Bounded by the time the loop took (eight waits per second begun), so a slow machine, where
    /// writes come too late to wait at all, passes too; no wait may gain anything, as
    /// nothing else writes.
    func testOneClientWritingInALoopIsNotHeldBack() async throws {
        let database = self.database!
        let before = database.gathering
        let started = ContinuousClock.now
        for n in 0..<60 {
            try await database.write(gathered: true) { db in try db.run("INSERT INTO t (i) VALUES (?)", n) }
        }
        let seconds = Int((ContinuousClock.now - started).components.seconds)
        let after = database.gathering
        XCTAssertEqual(after.gains, before.gains, "a wait gained a write that nobody sent")
        XCTAssertLessThanOrEqual(after.waits - before.waits, UInt64(8 * (seconds + 1)), "a client writing in a loop kept waiting")
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM t", as: Int.self) }, 60)
    }

    /// A gathered write waiting for company when the database closes is still committed, and
    /// `close` returns only after it is (a stop once ended the writer's thread with the
    /// write in hand, and `close` returned before its commit).
    func testClosingWhileAGatheredWriteWaitsCommitsItFirst() async throws {
        let database = self.database!
        try await database.write(gathered: true) { db in try db.run("INSERT INTO t (i) VALUES (1)") }
        let before = database.generation
        async let waiting: Void = database.write(gathered: true) { db in try db.run("INSERT INTO t (i) VALUES (2)") }
        try await Task.sleep(for: .milliseconds(2))
        database.close()
        XCTAssertEqual(database.generation, before + 1, "close returned before the waiting write was committed")
        try await waiting
        let reopened = try SQLiteDatabase(path: directory.appendingPathComponent("t.sqlite").path)
        defer { reopened.close() }
        XCTAssertEqual(try reopened.read { try $0.scalar("SELECT count(*) FROM t", as: Int.self) }, 2)
    }

    /// The write window: counts by the second, forgets seconds as they leave it, and a
    /// reading from a moment before its second counts in the second under way.
    func testTheWriteWindowCountsTheLastThreeSecondsAndTheOneUnderWay() {
        var window = WriteWindow()
        window.add(100, second: 50)
        window.add(200, second: 51)
        XCTAssertEqual(window.total(at: 51), 300)
        window.add(5, second: 50)
        XCTAssertEqual(window.second, 51, "the window never moves back")
        XCTAssertEqual(window.total(at: 51), 305)
        XCTAssertEqual(window.total(at: 50), 305, "a reading a moment older counts the window whole")
        XCTAssertEqual(window.total(at: 53), 305, "50 and 51 are still among the last three seconds at 53")
        XCTAssertEqual(window.total(at: 54), 205, "50 has left")
        XCTAssertEqual(window.total(at: 55), 0)
        window.add(1, second: 60)
        XCTAssertEqual(window.counts, [0, 0, 0, 1], "a quiet spell empties it")
    }

    /// The database counts writes, not commits: fifty writes that share a few commits are
    /// fifty (what tells the page cache a petition went viral, however writes are gathered).
    func testRecentWritesCountWritesNotCommits() async throws {
        let database = self.database!
        XCTAssertEqual(database.recentWrites, 0)
        let before = database.generation
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                group.addTask { @Sendable () async throws -> Void in
                    try await database.write(gathered: true) { db in try db.run("INSERT INTO t (i) VALUES (?)", n) }
                    return
                }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(database.recentWrites, 50)
        XCTAssertLessThan(database.generation - before, 50, "no commit was shared")
    }

    func testGroupCommitOfManyConcurrentWrites() async throws {
        let database = self.database!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<500 {
                group.addTask { @Sendable () async throws -> Void in
                    try await database.write { db in _ = try db.run("INSERT INTO t (i) VALUES (?)", n) }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(DISTINCT i) FROM t", as: Int.self) }, 500)
    }

    /// Counters kept in rows are added up over a batch and written once, yet each job sees
    /// the running total as if it had written alone (each value once: what the goal mail
    /// relies on), and a job that fails takes its increment back with it.
    func testCountersAddUpOverABatchAndFailedJobsTakeTheirShareBack() async throws {
        struct Boom: Error {}
        let database = self.database!
        try database.writeAndWait { db in try db.run("INSERT INTO t (id, i) VALUES (1, 10)") }
        let update = "UPDATE t SET i = i + ?1 WHERE id = ?2"
        let seen = try await withThrowingTaskGroup(of: Int?.self) { group in
            for n in 0..<300 {
                group.addTask { @Sendable () async throws -> Int? in
                    do {
                        return try await database.write { db in
                            let total = try db.addToCounter(update, key: [.integer(1)]) {
                                try db.scalar("SELECT i FROM t WHERE id = 1", as: Int.self) ?? 0
                            }
                            if n % 10 == 0 { throw Boom() }
                            return total
                        }
                    } catch is Boom {
                        return nil
                    }
                }
            }
            var seen: [Int] = []
            for try await total in group { if let total { seen.append(total) } }
            return seen
        }
        XCTAssertEqual(seen.count, 270)
        XCTAssertEqual(seen.sorted(), Array(11...280), "each running total once, none from a failed job")
        XCTAssertEqual(try database.read { try $0.scalar("SELECT i FROM t WHERE id = 1", as: Int.self) }, 280)
        // Outside a transaction the change is written at once.
        try database.exclusive { db in try db.addToCounter(update, key: [.integer(1)], by: 5) }
        XCTAssertEqual(try database.read { try $0.scalar("SELECT i FROM t WHERE id = 1", as: Int.self) }, 285)
    }

    func testReadersSeeConsistentSnapshotsWhileTheWriterWrites() throws {
        try database.writeAndWait { db in
            try db.run("INSERT INTO t (id, i) VALUES (1, 0), (2, 0)")
        }
        let stop = ManagedAtomicFlag()
        let database = self.database!
        let writer = Thread {
            var n = 0
            while !stop.isSet {
                n += 1
                let value = n
                // Both rows always change together, in one transaction.
                _ = try? database.writeAndWait { db in try db.run("UPDATE t SET i = ? WHERE id IN (1, 2)", value) }
            }
        }
        writer.start()
        var reads = 0
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline {
            let pair = try database.read { db in
                try db.transaction(.deferred) {
                    (
                        try db.scalar("SELECT i FROM t WHERE id = 1", as: Int.self),
                        try db.scalar("SELECT i FROM t WHERE id = 2", as: Int.self)
                    )
                }
            }
            XCTAssertEqual(pair.0, pair.1)
            reads += 1
        }
        stop.set()
        XCTAssertGreaterThan(reads, 10)
    }

    /// Checkpoints run beside the writer, yet a steady stream of commits cannot grow the WAL
    /// past its bound (SQLite's own checkpoint ran inside a commit; ours must still let the
    /// WAL start over), and every row is there.
    func testTheWALStaysBoundedUnderSteadyCommitsAndCheckpointsKeepUp() throws {
        let blob = [UInt8](repeating: 7, count: 9_000)  // three pages a commit
        for i in 0..<3_000 {
            try database.writeAndWait { db in try db.run("INSERT INTO t (i, b) VALUES (?, ?)", i, blob) }
        }
        let path = directory.appendingPathComponent("t.sqlite").path
        let size = { (file: String) in ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
        // 9,000 pages written; the WAL starts over past 4,000 pages (8,000 at worst).
        XCTAssertLessThan(size(path + "-wal"), 8_200 * 4_096, "the WAL started over")
        XCTAssertGreaterThan(size(path), 3_000 * 4_096, "frames were copied into the database file")
        XCTAssertEqual(try database.read { try $0.scalar("SELECT count(*) FROM t", as: Int.self) }, 3_000)
        XCTAssertEqual(try database.read { try $0.scalar("PRAGMA integrity_check", as: String.self) }, "ok")
    }

    /// A deleted row's bytes are overwritten in the file (`secure_delete`) on every
    /// connection, whatever SQLite's build default.
    func testEveryConnectionOverwritesDeletedRows() throws {
        XCTAssertEqual(try database.writeAndWait { try $0.scalar("PRAGMA secure_delete", as: Int.self) }, 1)
        XCTAssertEqual(try database.read { try $0.scalar("PRAGMA secure_delete", as: Int.self) }, 1)
    }

    /// The WAL keeps old versions of pages: a deleted row stays readable in the `-wal` file
    /// until it is written over. Once the database has been quiet for a moment, the WAL is
    /// emptied, so a row deleted on a quiet site is gone from every file.
    func testADeletedRowIsGoneFromEveryFileOnceTheDatabaseIsQuiet() throws {
        let marker = "Zephyrine Okonkwo-7731"
        func deleteOne(_ database: SQLiteDatabase) throws {
            try database.writeAndWait { try $0.execute("CREATE TABLE people (name TEXT)") }
            try database.writeAndWait { try $0.run("INSERT INTO people (name) VALUES (?)", marker) }
            try database.writeAndWait { try $0.run("DELETE FROM people WHERE name = ?", marker) }
        }
        func holdsMarker(_ path: String) -> Bool {
            ((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()).range(of: Data(marker.utf8)) != nil
        }
        // Why it matters: with the WAL left as it is, the deleted name is still in it.
        let kept = directory.appendingPathComponent("kept.sqlite").path
        let keeping = try SQLiteDatabase(path: kept, forgetAfterIdleSeconds: 3600)
        try deleteOne(keeping)
        XCTAssertTrue(holdsMarker(kept + "-wal"), "the WAL holds the deleted row's old page")
        keeping.close()

        let path = directory.appendingPathComponent("forgets.sqlite").path
        let forgetting = try SQLiteDatabase(path: path, forgetAfterIdleSeconds: 0.2)
        defer { forgetting.close() }
        try deleteOne(forgetting)
        try waitUntil {
            ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) == 0
        }
        XCTAssertFalse(holdsMarker(path + "-wal"))
        XCTAssertFalse(holdsMarker(path), "the database file holds no copy either (secure_delete)")
        XCTAssertEqual(try forgetting.read { try $0.scalar("SELECT count(*) FROM people", as: Int.self) }, 0)
        // And it goes on working: the next write starts the WAL again.
        try forgetting.writeAndWait { try $0.run("INSERT INTO people (name) VALUES ('Ada')") }
        XCTAssertEqual(try forgetting.read { try $0.scalar("SELECT count(*) FROM people", as: Int.self) }, 1)
        // The next quiet moment empties it again: a row deleted long after start goes too.
        try forgetting.writeAndWait { try $0.run("INSERT INTO people (name) VALUES (?)", marker) }
        try forgetting.writeAndWait { try $0.run("DELETE FROM people WHERE name = ?", marker) }
        try waitUntil {
            ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) == 0
        }
        XCTAssertFalse(holdsMarker(path + "-wal"))
        XCTAssertFalse(holdsMarker(path))
    }

    func testReaderConnectionsRefuseWrites() {
        XCTAssertThrowsError(try database.read { db in try db.run("INSERT INTO t (i) VALUES (1)") })
    }

    func testStatementCacheReusesAndNestedQueriesWork() throws {
        try database.writeAndWait { db in
            for i in 0..<3 { try db.run("INSERT INTO t (i) VALUES (?)", i) }
        }
        let nested = try database.read { db in
            try db.query("SELECT i FROM t ORDER BY i") { row -> Int in
                let i = try row.get("i", as: Int.self)
                // The same SQL while the outer statement is still stepping.
                return try db.scalar("SELECT count(*) FROM t WHERE i <= ?", i, as: Int.self) ?? -1
            }
        }
        XCTAssertEqual(nested, [1, 2, 3])
    }
}

/// A flag shared between threads.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}

/// Models read by their property names: `publishedAt` reads `published_at`, an initialism is
/// one word (`eventID` → `event_id`, `onlineURLText` → `online_url_text`).
final class RowDecodableTests: XCTestCase {
    struct Sample: RowDecodable {
        let eventID: Int64
        let onlineURLText: String
        let publishedAt: String?
        let a: Int
    }

    func testPropertyNamesBecomeColumnNames() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let row = try XCTUnwrap(
            try connection.first(
                "SELECT 7 AS event_id, 'https://example.org' AS online_url_text, NULL AS published_at, 1 AS a", row: Sample.init))
        XCTAssertEqual(row.eventID, 7)
        XCTAssertEqual(row.onlineURLText, "https://example.org")
        XCTAssertNil(row.publishedAt)
        XCTAssertEqual(row.a, 1)
        // The same cached statement again, with other values: the columns found once still fit.
        try connection.execute("CREATE TABLE t (event_id INTEGER, online_url_text TEXT, published_at TEXT, a INTEGER)")
        try connection.run("INSERT INTO t VALUES (1, 'x', '2026-12-01', 2), (3, 'y', NULL, 4)")
        let rows = try connection.query("SELECT * FROM t ORDER BY event_id", row: Sample.init)
        XCTAssertEqual(rows.map(\.eventID), [1, 3])
        XCTAssertEqual(rows.map(\.publishedAt), ["2026-12-01", nil])
        XCTAssertEqual(try connection.query("SELECT * FROM t ORDER BY event_id", row: Sample.init).map(\.a), [2, 4])
        XCTAssertThrowsError(try connection.first("SELECT 1 AS event_id, 'x' AS online_url_text, NULL AS published_at", row: Sample.init)) {
            error in
            XCTAssertTrue("\(error)".contains("a"), "the missing column is named: \(error)")
        }
    }

    enum Kind: String, SQLTextEnum, CaseIterable { case open, closed }

    struct Pair: RowColumnDecodable, Decodable {
        let first: String
        let second: String
        init<Source: ColumnSource>(row: Source, column: String) throws {
            (first, second) = (try row.get(column), try row.get(column + "_two"))
        }
        static func columns(named column: String) -> [String] { [column, column + "_two"] }
        static var columnPlaceholder: Pair { Pair(first: "", second: "") }
        init(first: String, second: String) { (self.first, self.second) = (first, second) }
    }

    struct Whole: RowDecodable {
        let sample: Sample
        let kind: Kind
        let name: Pair
        let note: String?
        let renamed: Int
        static let columns = SelectList(of: Whole.self, expressions: ["renamed": "count_column"])
    }

    /// A model names its columns once: the list for a `SELECT` is made from its properties,
    /// nested models, a value that reads two columns, optionals, a state, and a column stored
    /// under another name; and the same list reads the model back.
    func testTheSelectListIsMadeFromTheModel() throws {
        XCTAssertEqual(
            Whole.columns.description,
            "event_id, online_url_text, published_at, a, kind, name, name_two, note, count_column AS renamed")
        XCTAssertEqual(
            SelectList(of: Sample.self).qualified(by: "t"),
            "t.event_id AS event_id, t.online_url_text AS online_url_text, t.published_at AS published_at, t.a AS a")
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute(
            """
            CREATE TABLE w (event_id INTEGER, online_url_text TEXT, published_at TEXT, a INTEGER, kind TEXT, name TEXT, name_two TEXT,
                            note TEXT, count_column INTEGER)
            """)
        try connection.run("INSERT INTO w VALUES (1, 'u', NULL, 2, 'closed', 'x', 'y', NULL, 9)")
        let whole = try XCTUnwrap(try connection.first("SELECT \(Whole.columns) FROM w", row: Whole.init))
        XCTAssertEqual(whole.sample.eventID, 1)
        XCTAssertEqual(whole.kind, .closed)
        XCTAssertEqual(whole.name.second, "y")
        XCTAssertNil(whole.note)
        XCTAssertEqual(whole.renamed, 9)
    }
}
