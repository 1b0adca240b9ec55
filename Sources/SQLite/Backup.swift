import CSQLite
import Foundation
import SQL

/// What a copy made with SQLite's online backup API holds.
public struct BackupReport: Sendable, Equatable {
    /// Pages copied, and their size: `pages * pageSize` is the file's size.
    public let pages: Int
    public let pageSize: Int
    /// How many `sqlite3_backup_step` calls the copy took.
    public let steps: Int
    public var bytes: Int { pages * pageSize }
}

public struct BackupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension SQLiteConnection {
    /// Copies this connection's database to a new file at `destination` with SQLite's online
    /// backup API, then checks the copy with `integrity_check`.
    ///
    /// The copy is one snapshot: the source keeps one read transaction open for the whole
    /// copy, so a write by the server (or any other process) never restarts it, and in WAL
    /// mode a reader never blocks a writer. The copy is made `pagesPerStep` pages at a time,
    /// written to `destination.partial` (mode 0600), switched to a self-contained rollback
    /// journal, checked, flushed to disk and only then renamed into place: a failed or
    /// interrupted backup never leaves a file that looks whole. `adding` may write more into
    /// the copy (still inside the snapshot) before it is checked.
    @discardableResult
    public func backup(
        to destination: String, pagesPerStep: Int32 = 256, verify: Bool = true, adding: ((SQLiteConnection) throws -> Void)? = nil
    ) throws -> BackupReport {
        let partial = destination + ".partial"
        unlink(partial)
        let fd = open(partial, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError("cannot create \(partial): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)
        Glibc.close(fd)
        do {
            let ownTransaction = !isInTransaction
            if ownTransaction {
                try execute("BEGIN DEFERRED")
                // The read transaction starts at the first read: from here on every step sees this snapshot.
                _ = try scalar("SELECT count(*) FROM sqlite_schema", as: Int.self)
            }
            defer { if ownTransaction, isInTransaction { try? execute("COMMIT") } }
            let report: BackupReport
            do {
                let copy = try SQLiteConnection(path: partial, mode: .readWrite)
                try copy.execute("PRAGMA cache_size = -512")
                let copied = try copy.receive(from: self, pagesPerStep: pagesPerStep)
                if let adding {
                    try adding(copy)
                    let pages = try copy.scalar("PRAGMA page_count", as: Int.self) ?? copied.pages
                    report = BackupReport(pages: pages, pageSize: copied.pageSize, steps: copied.steps)
                } else {
                    report = copied
                }
                try copy.execute("PRAGMA journal_mode = DELETE")
                if verify {
                    let problems = try copy.integrityProblems()
                    guard problems.isEmpty else {
                        throw BackupError("the copy failed its integrity check: \(problems.prefix(5).joined(separator: "; "))")
                    }
                }
            }
            // Durable before it has its name, and its name durable too.
            let written = open(partial, O_RDONLY | O_CLOEXEC)
            if written >= 0 {
                fsync(written)
                Glibc.close(written)
            }
            guard rename(partial, destination) == 0 else {
                throw BackupError("cannot rename \(partial) to \(destination): \(String(cString: strerror(errno)))")
            }
            let folder = (destination as NSString).deletingLastPathComponent
            let directory = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory >= 0 {
                fsync(directory)
                Glibc.close(directory)
            }
            return report
        } catch {
            unlink(partial)
            unlink(partial + "-journal")
            throw error
        }
    }

    /// Replaces this connection's whole database with `source`'s, in one step (a restore).
    /// The caller holds whatever lock keeps others out.
    @discardableResult
    public func receive(from source: SQLiteConnection, pagesPerStep: Int32 = -1) throws -> BackupReport {
        guard let backup = sqlite3_backup_init(handle, "main", source.handle, "main") else {
            throw error(code: sqlite3_errcode(handle), sql: nil)
        }
        var steps = 0
        var rc: Int32
        repeat {
            rc = sqlite3_backup_step(backup, pagesPerStep)
            steps += 1
            // Only a lock held by someone else on the destination gives these; wait a moment.
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { sqlite3_sleep(5) }
        } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
        let pages = Int(sqlite3_backup_pagecount(backup))
        sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else {
            throw SQLiteError(code: rc, message: "backup stopped: \(String(cString: sqlite3_errstr(rc)))")
        }
        let pageSize = try scalar("PRAGMA page_size", as: Int.self) ?? 0
        return BackupReport(pages: pages, pageSize: pageSize, steps: steps)
    }

    /// What `PRAGMA integrity_check` finds wrong; empty when the file is sound.
    public func integrityProblems() throws -> [String] {
        let lines = try query("PRAGMA integrity_check") { String(sqlValue: $0.value(at: 0)) ?? "" }
        return lines == ["ok"] ? [] : lines
    }

    /// Rows whose foreign key names a parent that does not exist (`PRAGMA foreign_key_check`):
    /// the first `limit` described, and how many there are in all.
    public func foreignKeyProblems(limit: Int = 50) throws -> (first: [String], total: Int) {
        try withStatement("PRAGMA foreign_key_check", []) { statement in
            var first: [String] = []
            var total = 0
            while try statement.step() {
                total += 1
                guard first.count < limit else { continue }
                let row = statement.row
                let table = String(sqlValue: row.value(at: 0)) ?? "?"
                let rowid = Int64(sqlValue: row.value(at: 1)).map(String.init) ?? "?"
                let parent = String(sqlValue: row.value(at: 2)) ?? "?"
                first.append("\(table) row \(rowid) refers to a missing \(parent) row")
            }
            return (first, total)
        }
    }
}

extension SQLiteDatabase {
    /// A consistent copy of the live database at `destination` (see `SQLiteConnection.backup`), made
    /// on a connection of its own: the writer and the readers carry on meanwhile.
    @discardableResult
    public func backup(to destination: String, pagesPerStep: Int32 = 256) throws -> BackupReport {
        let source = try SQLiteConnection(path: path, mode: .readOnly)
        return try source.backup(to: destination, pagesPerStep: pagesPerStep)
    }
}
