import CLinux
import Foundation
import Logging
import Prometheus
import SQLite
import Storage
import Synchronization

/// Backups of the whole site ("Operating it" in the SPEC): one made on demand
/// (`sanctuary backup`), the rotating ones a running server keeps in `var/backups/`, and the
/// way back (`sanctuary restore`). A backup is one SQLite file: the database, and the
/// uploaded files beside it as a SQLite Archive (`SiteArchiveStore`).
public enum BackupStore {
    /// What a backup holds: the database's pages, and the files it carries.
    public struct Made: Sendable {
        public let report: BackupReport
        public let files: Int
        public let fileBytes: Int

        /// "1234 pages, 5058560 bytes, with 12 uploaded files (3145728 bytes)".
        public var description: String {
            "\(report.pages) pages, \(report.bytes) bytes, with \(files) uploaded files (\(fileBytes) bytes)"
        }
    }

    /// What `backup` and `restore` say on PostgreSQL, where the engine's tools do it better.
    public static let onPostgres =
        "the database is PostgreSQL: back it up with pg_dump (or continuous archiving for point-in-time recovery), and restore with pg_restore; the uploads folder (data_directory) is copied on its own. deploy/README.md, PostgreSQL, says how"

    /// Copies the database at `databasePath` to `output` while the server may be writing
    /// to it, with the uploaded files of its data folder, and checks the copy (see
    /// `SQLiteConnection.backup`).
    @discardableResult
    public static func backup(databasePath: String, to output: String) throws -> Made {
        guard FileManager.default.fileExists(atPath: databasePath) else { throw BackupError("there is no database at \(databasePath)") }
        let folder = (output as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        guard folder.isEmpty || (FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) else {
            throw BackupError("the folder \(folder) does not exist")
        }
        let source = try SQLiteConnection(path: databasePath, mode: .readOnly)
        // Pages pass through once: a small page cache keeps a server's memory where it was.
        try source.execute("PRAGMA cache_size = -512")
        let uploads = dataDirectory(of: databasePath)
        var files = SiteArchiveStore.Summary()
        let report = try source.backup(to: output) { copy in files = try SiteArchiveStore.add(from: uploads, into: copy) }
        return Made(report: report, files: files.files, fileBytes: files.bytes)
    }

    /// The folder beside the database, where its uploaded files are.
    static func dataDirectory(of databasePath: String) -> String {
        let folder = (databasePath as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    // MARK: Rotating backups

    /// Files the server writes: `sanctuary-20261201T040000Z.sqlite`, so names sort by time.
    static let prefix = "sanctuary-"
    static let suffix = ".sqlite"

    static func name(at date: Date) -> String {
        let stamp = Timestamp.format(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        return prefix + stamp + suffix
    }

    /// The rotating backups in `folder`, oldest first.
    public static func rotating(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted()
    }

    /// When the newest rotating backup was made (its file's time), if there is one.
    public static func newest(in folder: String) -> Date? {
        guard let last = rotating(in: folder).last else { return nil }
        return (try? FileManager.default.attributesOfItem(atPath: folder + "/" + last))?[.modificationDate] as? Date
    }

    /// Takes a rotating backup into `folder` (made 0700) and removes the oldest beyond `keep`.
    /// Answers the new file's path.
    @discardableResult
    public static func rotate(
        databasePath: String, folder: String, keep: Int, maxAgeDays: Int = 30, now: Date = Date()
    ) throws -> (String, Made) {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(folder, 0o700)
        let path = folder + "/" + name(at: now)
        let report = try backup(databasePath: databasePath, to: path)
        let all = rotating(in: folder)
        for old in all.dropLast(max(1, keep)) { unlink(folder + "/" + old) }
        forgetOld(in: folder, maxAgeDays: maxAgeDays, now: now)
        return (path, report)
    }

    /// Rotating backups older than `maxAgeDays` go, however many `keep` allows (never the
    /// newest): a record erased from the site lives on in backups no longer than that.
    static func forgetOld(in folder: String, maxAgeDays: Int, now: Date = Date()) {
        let cutoff = now.addingTimeInterval(-Double(maxAgeDays) * 86_400)
        for old in rotating(in: folder).dropLast() {
            let path = folder + "/" + old
            if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < cutoff {
                unlink(path)
            }
        }
    }

    // MARK: Restoring

    public struct RestoreReport: Sendable {
        /// Where the database that was replaced went (nil: there was none).
        public let previous: String?
        public let report: BackupReport
        /// The uploaded files put back (nil: the backup held none, and the folders were left as they were).
        public let files: Int?
        /// Where the folders that were replaced went.
        public let previousFolders: [String]
    }

    /// Replaces the database at `databasePath` with the backup `file`:
    /// - the file must pass `integrity_check` and be a Sanctuary database whose migrations
    ///   this version knows (`migrations`: the names in `Migrations/`);
    /// - nobody may have the database open (a running server, another command): it is
    ///   locked exclusively first, and refused if that fails;
    /// - the database replaced is kept beside it as `….before-restore-<time>`;
    /// - the copy goes in with SQLite's backup API in one transaction, and is checked again;
    /// - the uploaded files it carries are written to a staging folder first (so a failure
    ///   leaves everything as it was), then put in place, the folders there kept beside.
    public static func restore(file: String, databasePath: String, migrations: [String], now: Date = Date()) throws -> RestoreReport {
        guard FileManager.default.fileExists(atPath: file) else { throw BackupError("there is no file \(file)") }
        let source = try SQLiteConnection(path: file, mode: .readOnly)
        let problems: [String]
        do { problems = try source.integrityProblems() } catch { throw BackupError("\(file) is not a SQLite database (\(error))") }
        guard problems.isEmpty else { throw BackupError("\(file) is damaged: \(problems.prefix(3).joined(separator: "; "))") }
        let hasMigrations =
            try source.scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'", as: Int.self) == 1
        guard hasMigrations else { throw BackupError("\(file) is not a Sanctuary database") }
        let applied = try source.query("SELECT name FROM schema_migrations ORDER BY version") { try $0.get("name", as: String.self) }
        let unknown = applied.filter { !migrations.contains($0) }
        guard unknown.isEmpty else {
            throw BackupError("\(file) was made by a newer Sanctuary (it has the migration \(unknown[0])); restore it with that version")
        }

        let target = try SQLiteConnection(path: databasePath, mode: .readWrite, busyTimeoutMilliseconds: 200)
        try target.execute("PRAGMA locking_mode = EXCLUSIVE")
        do {
            try target.execute("BEGIN EXCLUSIVE")
            try target.execute("COMMIT")  // the lock stays: locking_mode is EXCLUSIVE
        } catch let error as SQLiteError where error.isBusy {
            throw BackupError(
                "the database \(databasePath) is in use (is the server running?): stop it first, then restore")
        }
        let stamp = Timestamp.format(now).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let dataDirectory = dataDirectory(of: databasePath)
        let staging = dataDirectory + "/.restoring-" + stamp
        var files: SiteArchiveStore.Summary?
        if try SiteArchiveStore.summary(of: source) != nil {
            do {
                files = try SiteArchiveStore.extract(from: source, into: staging)
            } catch {
                try? FileManager.default.removeItem(atPath: staging)
                throw error
            }
        }
        var previous: String?
        do {
            if try target.scalar("SELECT count(*) FROM sqlite_schema", as: Int.self) ?? 0 > 0 {
                let kept = databasePath + ".before-restore-" + stamp
                try target.backup(to: kept, verify: false)
                previous = kept
            }
            let report = try target.receive(from: source)
            if files != nil {
                // The archive's pages leave the live database: it holds what the server's own would.
                try target.execute("DROP TABLE sqlar")
                try target.execute("VACUUM")
            }
            let after = try target.integrityProblems()
            guard after.isEmpty else {
                throw BackupError("the restored database failed its check: \(after.prefix(3).joined(separator: "; "))")
            }
            let folders = files == nil ? [] : try SiteArchiveStore.swapIn(staging: staging, dataDirectory: dataDirectory, stamp: stamp)
            return RestoreReport(previous: previous, report: report, files: files?.files, previousFolders: folders)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }
}

/// The backups a running server keeps: every `backup.every_hours` (counted from the newest
/// file in `var/backups/`, so a restart does not take one early), on a thread of its own so
/// a long copy never holds one of the few threads requests are answered on.
final class BackupSchedule: Sendable {
    private let databasePath: String
    private let folder: String
    private let keep: Int
    private let maxAgeDays: Int
    private let interval: TimeInterval
    private let logger: Logger
    private let failures: Prometheus.Counter
    private let thread = TimedThread(name: "sanctuary-bkup")

    /// A backup tried: when, and why it failed (nil: written and checked).
    struct Attempt: Sendable {
        let at: Date
        let error: String?
    }
    private let last = Mutex<Attempt?>(nil)
    /// The last backup tried since the server started.
    var lastAttempt: Attempt? { last.withLock { $0 } }

    init(
        databasePath: String, folder: String, everyHours: Double, keep: Int, maxAgeDays: Int, logger: Logger,
        failures: Prometheus.Counter
    ) {
        self.maxAgeDays = maxAgeDays
        self.failures = failures
        self.databasePath = databasePath
        self.folder = folder
        self.keep = keep
        self.interval = everyHours * 3600
        self.logger = logger
    }

    func start() { thread.start { [self] in run() } }

    func stop() { thread.stop() }

    private func run() {
        // Not in the first minute: a server starting (or restarting in a loop) serves first.
        thread.sleep(until: Date().addingTimeInterval(min(60, interval)))
        while !thread.isStopping {
            let due = (BackupStore.newest(in: folder) ?? .distantPast).addingTimeInterval(interval)
            if due <= Date() {
                let started = Date()
                do {
                    let (path, made) = try BackupStore.rotate(
                        databasePath: databasePath, folder: folder, keep: keep, maxAgeDays: maxAgeDays)
                    let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
                    logger.info("backup written to \(path): \(made.description), integrity ok, in \(seconds) s")
                    last.withLock { $0 = Attempt(at: started, error: nil) }
                } catch {
                    logger.error("backup failed: \(error)")
                    failures.increment()
                    last.withLock { $0 = Attempt(at: started, error: String(describing: error)) }
                }
                // After a failure, try again after a tenth of the period (at least a minute).
                if BackupStore.newest(in: folder).map({ $0 < started }) ?? true {
                    thread.sleep(until: Date().addingTimeInterval(max(60, interval / 10)))
                }
                continue
            }
            thread.sleep(until: due)
        }
    }
}
