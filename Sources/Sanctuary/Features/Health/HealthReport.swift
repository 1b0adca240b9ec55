import Foundation
import Storage

/// What `/healthz?detail`, the dashboard and `/metrics` say about the machine: the database
/// (writable, WAL size and its limit), the disk (free, trend), the mail (oldest unsent, the relay's last
/// answer), the backups (newest's age) and the page cache; with the warnings an operator acts on.
struct HealthReport: Encodable {
    struct DatabaseState: Encodable {
        let engine: String
        let writable: Bool
        let unwritableSince: String?
        let walBytes: Int64?
        let walWarnAboveBytes: Int64
    }
    struct DiskState: Encodable {
        let freeBytes: Int64?
        /// Bytes per hour, over the samples of the last hours (negative: filling up).
        let trendBytesPerHour: Int64?
        let warnBelowBytes: Int64
    }
    struct MailState: Encodable {
        let oldestUnsentSeconds: Int?
        let relayFailingSince: String?
        let relayLastReply: String?
        let stuckAfterSeconds: Int
    }
    struct BackupState: Encodable {
        let everyHours: Double
        let newestAgeSeconds: Int?
        /// The last backup tried since the server started: when, "ok" or "failed", and why.
        let lastAttemptAt: String?
        let lastResult: String?
        let lastError: String?
    }
    struct AccessLogState: Encodable {
        /// Since when lines cannot be written (nil: they are), why, and the bytes dropped.
        let failingSince: String?
        let failure: String?
        let droppedBytes: Int
    }
    struct PageCacheState: Encodable {
        let seconds: Double
        /// Pages held now (nil: the cache is off).
        let entries: Int?
        /// Writes come so fast that each page lives its whole time.
        let busy: Bool
    }

    let status: String
    let database: DatabaseState
    let disk: DiskState
    let mail: MailState
    let backup: BackupState
    let accessLog: AccessLogState
    let pageCache: PageCacheState
    /// Each one of `warningKinds`, said on the dashboard (`health.warning.{kind}`) and in `/metrics`.
    let warnings: [String]
    static let warningKinds = [
        "disk_full", "disk_low", "backup_failed", "backup_stale", "backup_missing", "mail_stuck", "relay_failing", "access_log_failing",
        "wal_large",
    ]
    /// The build: the newest migration it carries, and when the running binary was written.
    let build: [String: String]

    static let buildInfo: [String: String] = {
        let schema = KnownMigrations.checksums.keys.filter { !$0.hasPrefix("postgres/") }.max() ?? ""
        let binary = CommandLine.arguments.first.flatMap {
            try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date
        }
        return ["schema": schema, "binary_written": binary.map(Timestamp.format) ?? ""]
    }()

    static func make(_ app: Application, now: Date = Date()) throws -> HealthReport {
        let config = app.config
        let health = app.storageHealth
        let (oldest, relay) = try app.database.read { db in (try OutboxStore.oldestUnsent(db), try RelayStatusStore.current(db)) }
        let oldestSeconds = oldest.flatMap(Timestamp.parse).map { max(0, Int(now.timeIntervalSince($0))) }
        let wal =
            config.isPostgres ? nil : (try? FileManager.default.attributesOfItem(atPath: config.databasePath + "-wal"))?[.size] as? Int64
        let newestBackup = config.isPostgres || config.backupEveryHours <= 0 ? nil : BackupStore.newest(in: config.backupDirectory)
        let backupAge = newestBackup.map { max(0, Int(now.timeIntervalSince($0))) }
        let free = health.freeBytes
        var warnings: [String] = []
        if !health.isWritable { warnings.append("disk_full") }
        if let free, free < config.diskWarnBytes { warnings.append("disk_low") }
        let lastBackup = app.lastBackup
        if let lastBackup, lastBackup.error != nil { warnings.append("backup_failed") }
        if config.backupEveryHours > 0, !config.isPostgres {
            // Stale when the newest is older than twice the period, or none was made in that long.
            let limit = Int(config.backupEveryHours * 2 * 3600)
            if let backupAge {
                if backupAge > limit { warnings.append("backup_stale") }
            } else if app.uptime > Double(limit) {
                warnings.append("backup_missing")
            }
        }
        let accessLog = app.accessLogFailure
        let pageCache = app.pageCacheState
        if accessLog != nil { warnings.append("access_log_failing") }
        if let oldestSeconds, oldestSeconds > config.mailStuckSeconds { warnings.append("mail_stuck") }
        if relay?.isFailing == true { warnings.append("relay_failing") }
        if let wal, wal > config.walWarnBytes { warnings.append("wal_large") }
        return HealthReport(
            status: !health.isWritable ? "unwritable" : warnings.isEmpty ? "ok" : "warning",
            database: DatabaseState(
                engine: config.isPostgres ? "postgresql" : "sqlite", writable: health.isWritable,
                unwritableSince: health.unwritableSince.map(Timestamp.format), walBytes: wal,
                walWarnAboveBytes: config.walWarnBytes),
            disk: DiskState(freeBytes: free, trendBytesPerHour: health.freeTrendPerHour, warnBelowBytes: config.diskWarnBytes),
            mail: MailState(
                oldestUnsentSeconds: oldestSeconds, relayFailingSince: relay?.failingSince, relayLastReply: relay?.lastReply,
                stuckAfterSeconds: config.mailStuckSeconds),
            backup: BackupState(
                everyHours: config.backupEveryHours, newestAgeSeconds: backupAge, lastAttemptAt: lastBackup.map { Timestamp.format($0.at) },
                lastResult: lastBackup.map { $0.error == nil ? "ok" : "failed" }, lastError: lastBackup?.error),
            accessLog: AccessLogState(
                failingSince: accessLog.map { Timestamp.format($0.since) }, failure: accessLog?.reason,
                droppedBytes: accessLog?.droppedBytes ?? 0),
            pageCache: PageCacheState(seconds: config.pageCacheSeconds, entries: pageCache?.entries, busy: pageCache?.busy ?? false),
            warnings: warnings, build: buildInfo)
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
