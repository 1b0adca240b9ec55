import Foundation
import SQLite
import Storage

/// The files a site keeps beside its database (uploaded pictures in `media/`, resources in
/// `resources/`), carried inside a backup so that one file is the whole site.
///
/// They go in as a SQLite Archive: the `sqlar` table SQLite's own shell reads
/// (`sqlite3 backup.sqlite -Atv` lists it, `-Ax` extracts it), one row per file or folder,
/// stored as they are (pictures and documents are compressed already). A backup stays one
/// SQLite file: checked by `integrity_check`, rotated and copied off-site like before.
/// The link key beside the database (`mail-link.key`) is left out on purpose: a backup
/// never holds a mail link that works.
enum SiteArchiveStore {
    /// The folders of the data folder a backup carries.
    static let folders = ["media", "resources"]

    struct Summary: Sendable, Equatable {
        var files = 0
        var bytes = 0
    }

    static let schema = "CREATE TABLE IF NOT EXISTS sqlar (name TEXT PRIMARY KEY, mode INT, mtime INT, sz INT, data BLOB)"

    /// Adds every file under `folders` of `dataDirectory` to `copy` (a backup being made).
    /// Hidden entries (a picture still being written) and symbolic links are skipped; a file
    /// removed while the backup runs is skipped too (the snapshot was taken before).
    static func add(from dataDirectory: String, into copy: SQLiteConnection) throws -> Summary {
        try copy.execute(schema)
        var summary = Summary()
        for folder in folders {
            let root = dataDirectory + "/" + folder
            guard isFolder(root) else { continue }
            try add(path: root, name: folder, into: copy, summary: &summary)
        }
        return summary
    }

    private static func add(path: String, name: String, into copy: SQLiteConnection, summary: inout Summary) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let mode = Int(info.st_mode)
        let mtime = Int(info.st_mtim.tv_sec)
        if mode & Int(S_IFMT) == Int(S_IFDIR) {
            try copy.run("INSERT INTO sqlar (name, mode, mtime, sz, data) VALUES (?, ?, ?, 0, NULL)", name, mode, mtime)
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            for child in children where !child.hasPrefix(".") {
                try add(path: path + "/" + child, name: name + "/" + child, into: copy, summary: &summary)
            }
            return
        }
        guard mode & Int(S_IFMT) == Int(S_IFREG) else { return }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw BackupError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else { throw BackupError("cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = Int(opened.st_size)
        try copy.run("INSERT INTO sqlar (name, mode, mtime, sz, data) VALUES (?, ?, ?, ?, zeroblob(?))", name, mode, mtime, size, size)
        let rowid = copy.lastInsertRowID
        do {
            try copy.writeBlob(table: "sqlar", column: "data", rowid: rowid, size: size, from: fd)
        } catch {
            throw BackupError("cannot copy \(path) into the backup: \(error)")
        }
        summary.files += 1
        summary.bytes += size
    }

    /// What a backup carries: nil when it has no archive (made before backups held files).
    static func summary(of backup: SQLiteConnection) throws -> Summary? {
        guard try backup.scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlar'", as: Int.self) == 1 else {
            return nil
        }
        return try backup.first("SELECT count(*) AS files, coalesce(sum(sz), 0) AS bytes FROM sqlar WHERE data IS NOT NULL") {
            Summary(files: try $0.get("files", as: Int.self), bytes: try $0.get("bytes", as: Int.self))
        } ?? Summary()
    }

    /// Writes a backup's files into `staging` (made here, the server's user's only), each
    /// checked against its recorded size. Names that would leave the staging folder, or that
    /// are not under one of `folders`, are refused: a crafted file cannot write elsewhere.
    static func extract(from backup: SQLiteConnection, into staging: String) throws -> Summary {
        guard mkdir(staging, 0o700) == 0 else { throw BackupError("cannot make \(staging): \(String(cString: strerror(errno)))") }
        struct Entry {
            let rowid: Int64
            let name: String
            let mode: Int
            let size: Int
            let isFolder: Bool
        }
        let entries = try backup.query("SELECT rowid, name, mode, sz, data IS NULL AS folder FROM sqlar ORDER BY name") {
            Entry(
                rowid: try $0.get("rowid", as: Int64.self), name: try $0.get("name", as: String.self),
                mode: try $0.get("mode", as: Int.self),
                size: try $0.get("sz", as: Int.self), isFolder: try $0.get("folder", as: Bool.self))
        }
        var summary = Summary()
        for entry in entries {
            guard isSafe(entry.name) else { throw BackupError("the backup holds a file named \(entry.name), which restore refuses") }
            let path = staging + "/" + entry.name
            let permissions = mode_t(entry.mode & 0o777)
            if entry.isFolder {
                try makeFolders(path, permissions: permissions | 0o700)
                continue
            }
            try makeFolders((path as NSString).deletingLastPathComponent, permissions: 0o700)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions | 0o600)
            guard fd >= 0 else { throw BackupError("cannot write \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let written = try backup.readBlob(table: "sqlar", column: "data", rowid: entry.rowid, to: fd)
            guard written == entry.size else {
                throw BackupError("\(entry.name) in the backup has \(written) bytes where \(entry.size) were recorded")
            }
            guard fsync(fd) == 0 else { throw BackupError("cannot write \(path): \(String(cString: strerror(errno)))") }
            summary.files += 1
            summary.bytes += written
        }
        return summary
    }

    /// Puts the extracted folders in place: each folder there now is kept beside as
    /// `<folder>.before-restore-<stamp>`; answers what was kept.
    static func swapIn(staging: String, dataDirectory: String, stamp: String) throws -> [String] {
        var kept: [String] = []
        for folder in folders {
            let incoming = staging + "/" + folder
            let target = dataDirectory + "/" + folder
            if !isFolder(incoming) { try makeFolders(incoming, permissions: 0o700) }
            if FileManager.default.fileExists(atPath: target) {
                let aside = target + ".before-restore-" + stamp
                guard rename(target, aside) == 0 else {
                    throw BackupError("cannot move \(target) aside: \(String(cString: strerror(errno)))")
                }
                kept.append(aside)
            }
            guard rename(incoming, target) == 0 else {
                throw BackupError("cannot put \(target) in place: \(String(cString: strerror(errno)))")
            }
        }
        try? FileManager.default.removeItem(atPath: staging)
        return kept
    }

    /// A relative name under one of `folders`: no empty, `.` or `..` part, no NUL.
    static func isSafe(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard let first = parts.first, folders.contains(String(first)), !name.contains("\0") else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    private static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    private static func makeFolders(_ path: String, permissions: mode_t) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(permissions)])
        } catch {
            throw BackupError("cannot make \(path): \(error)")
        }
    }
}
