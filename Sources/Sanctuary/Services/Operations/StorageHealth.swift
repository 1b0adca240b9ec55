import Foundation
import Logging
import Storage
import Synchronization

/// Whether the database can be written, as the writes find it. A full disk (`SQLITE_FULL`,
/// PostgreSQL's `53100`, `ENOSPC` on a file) is seen at the first write it refuses: from then
/// `/healthz` answers `503`, staff see a banner, and a probe write every few seconds finds the
/// moment space returns, when everything goes on by itself, without a restart.
///
/// A small reserve file beside the SQLite database is given back at the first refusal, so the
/// rows that mark the outage (an audit entry) can still be committed; it is made again once
/// writes succeed.
public final class StorageHealth: Sendable {
    private let fullSince = Mutex<Date?>(nil)
    /// The reserve's path (nil on PostgreSQL, whose disk is the database server's).
    let reservePath: String?
    static let reserveBytes = 2 << 20
    let logger: Logger

    init(databasePath: String?, logger: Logger) {
        reservePath = databasePath.map { $0 + "-reserve" }
        self.logger = logger
        makeReserve()
    }

    /// True unless a write was refused for want of space and no probe has succeeded since.
    public var isWritable: Bool { fullSince.withLock { $0 == nil } }
    /// Since when writes are refused (nil: they are not).
    public var unwritableSince: Date? { fullSince.withLock { $0 } }

    /// An error that means the disk (or the database server's) is full.
    public static func isFull(_ error: any Error) -> Bool {
        if error.storageFailure == .full { return true }
        if let posix = error as? POSIXError, posix.code == .ENOSPC || posix.code == .EDQUOT { return true }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain, ns.code == CocoaError.fileWriteOutOfSpace.rawValue { return true }
        if ns.domain == NSPOSIXErrorDomain, ns.code == Int(ENOSPC) { return true }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            underlying.code == Int(ENOSPC)
        {
            return true
        }
        return false
    }

    /// A write was refused for want of space: the first time, the reserve is given back and the
    /// outage recorded with it.
    func noteFull(_ database: Database) {
        let first = fullSince.withLock { since -> Bool in
            guard since == nil else { return false }
            since = Date()
            return true
        }
        guard first else { return }
        logger.critical("the disk is full: writes are refused (503) until space returns; reads go on")
        if let reservePath { unlink(reservePath) }
        Task {
            try? await database.write { db in
                try StaffStore.record(
                    db, user: nil, actor: "sanctuary", action: "storage full", detail: "writes refused until space returns")
            }
        }
    }

    /// Bytes free for the database's folder (nil: unknown, or PostgreSQL's).
    public var freeBytes: Int64? {
        guard let reservePath else { return nil }
        var stats = statvfs()
        let folder = (reservePath as NSString).deletingLastPathComponent
        guard statvfs(folder.isEmpty ? "." : folder, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// While writes are refused: once there is room for the reserve and more, one small write;
    /// if it goes through, writes are back and the reserve is made again. (Without the room,
    /// visitors' writes would only use up the reserve given back and fail again.)
    func probe(_ database: Database) {
        guard let since = unwritableSince else { return }
        if let free = freeBytes, free < Int64(Self.reserveBytes) * 2 { return }
        do {
            try database.writeAndWait { db in
                try SettingsStore.set(db, key: "health.probe", value: Timestamp.now())
                try StaffStore.record(
                    db, user: nil, actor: "sanctuary", action: "storage recovered",
                    detail: "writes refused for \(Int(Date().timeIntervalSince(since))) s")
            }
        } catch {
            return
        }
        fullSince.withLock { $0 = nil }
        logger.notice("the disk has space again: writes go on")
        makeReserve()
    }

    /// Free bytes sampled every few minutes (`sample`), the last six hours' worth.
    private let samples = Mutex<[(Date, Int64)]>([])

    func sample(now: Date = Date()) {
        guard let free = freeBytes else { return }
        samples.withLock { samples in
            samples.append((now, free))
            samples.removeAll { now.timeIntervalSince($0.0) > 6 * 3600 }
        }
    }

    /// How free space moves, in bytes per hour over the samples (negative: filling up); nil
    /// until samples span ten minutes.
    public var freeTrendPerHour: Int64? {
        samples.withLock { samples in
            guard let first = samples.first, let last = samples.last, last.0.timeIntervalSince(first.0) >= 600 else { return nil }
            return Int64(Double(last.1 - first.1) / (last.0.timeIntervalSince(first.0) / 3600))
        }
    }

    /// The reserve, made when missing and there is room for it.
    func makeReserve() {
        guard let reservePath, !FileManager.default.fileExists(atPath: reservePath) else { return }
        let fd = open(reservePath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if posix_fallocate(fd, 0, off_t(Self.reserveBytes)) != 0 {
            // No room for it (or a filesystem without fallocate): none, rather than a partial one.
            unlink(reservePath)
        }
    }
}
