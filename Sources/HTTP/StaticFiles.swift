import Foundation
import Synchronization

/// Serves files under one folder at the same URL path, safely:
/// - each path segment is percent-decoded on its own, and a segment that is empty after
///   decoding, `.`/`..`, starts with `.` (dotfiles), or holds `/`, `\` or NUL is refused;
/// - the resolved real path (symlinks followed) must stay inside the folder.
/// Small files are kept in memory with their gzip form and their response headers made
/// once; large ones are streamed from disk. A file asked for again within a second of its
/// last `stat` is answered from memory by `hot(_:)` with no system call at all (`.immutable`
/// files are never looked at again: a new picture is a new address).
public final class StaticFiles: Sendable {
    public let root: String
    private let maxAge: Int
    /// The URL path the folder answers under ("" for the site's root, "/media" for pictures).
    public let mount: String
    /// `mount` with its slash: what every path it answers begins with (made once, not per request).
    let pathPrefix: String
    /// Overrides `maxAge` (`.immutable` for files whose address changes with their content).
    private let policy: CachePolicy?
    private let cache = Mutex<[String: CachedFile]>([:])
    /// What was served lately, by the request's raw path, with when its file was last checked.
    private let recent = Mutex<[String: (file: CachedFile, checked: UInt64)]>([:])
    private static let cacheableSize = 2 * 1024 * 1024
    /// How long a file answered from memory goes without a `stat`.
    static let revalidateNanoseconds: UInt64 = 1_000_000_000
    static let maxRecent = 4_096

    struct CachedFile: Sendable {
        let device: UInt64, inode: UInt64, size: Int, modified: Int
        let contentType: String
        let etag: String
        let lastModified: String
        let bytes: [UInt8]?
        let gzipped: [UInt8]?
        /// The response headers, made once: plain, and for the gzip form.
        let headers: Headers
        let gzipHeaders: Headers
    }

    public init(root: String, maxAge: Int = 3600, mount: String = "", policy: CachePolicy? = nil) {
        self.mount = mount
        self.pathPrefix = mount + "/"
        self.policy = policy
        let resolved = root.withCString { realpath($0, nil) }
        if let resolved {
            self.root = String(cString: resolved)
            free(resolved)
        } else {
            self.root = root
        }
        self.maxAge = maxAge
    }

    /// The answer from memory for a file served less than a second ago (any time ago when
    /// `.immutable`), or nil: then the request takes the usual way (`respond(to:)`).
    /// No `stat`, no path decoding: the raw path was checked when it was first served.
    public func hot(_ request: Request) -> Response? {
        guard let entry = recent.withLock({ $0[request.path] }) else { return nil }
        if policy != .immutable && monotonicNanoseconds() &- entry.checked > Self.revalidateNanoseconds { return nil }
        // Only in-memory files are remembered, so the path on disk is never needed here.
        return respond(request, file: entry.file, path: "")
    }

    /// Notes what `request` was answered with, for `hot(_:)`: in-memory files that are not
    /// HTML (pages get their security headers from the middleware `hot` skips).
    private func remember(_ request: Request, _ file: CachedFile) {
        guard file.bytes != nil, !file.contentType.hasPrefix("text/html") else { return }
        let now = monotonicNanoseconds()
        recent.withLock { table in
            if table.count >= Self.maxRecent && table[request.path] == nil { table.removeAll(keepingCapacity: true) }
            table[request.path] = (file, now)
        }
    }

    /// The response for `request`, or nil when no file answers to its path.
    public func respond(to request: Request) -> Response? {
        guard request.path.hasPrefix(pathPrefix),
            let relative = Self.safeRelativePath(String(request.path.dropFirst(mount.count)))
        else { return nil }
        let path = root + "/" + relative
        // Immutable files (a new version is a new address) are answered from memory
        // without a stat; whoever removes one says so with `forget`.
        if policy == .immutable, let cached = cache.withLock({ $0[path] }) {
            remember(request, cached)
            return respond(request, file: cached, path: path)
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let file: CachedFile
        if let cached = cache.withLock({ $0[path] }), cached.inode == UInt64(info.st_ino), cached.device == UInt64(info.st_dev),
            cached.size == Int(info.st_size), cached.modified == Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        {
            file = cached
        } else {
            guard let loaded = load(path, info) else { return nil }
            file = loaded
            if loaded.bytes != nil { cache.withLock { $0[path] = loaded } }
        }
        remember(request, file)
        return respond(request, file: file, path: path)
    }

    private func load(_ path: String, _ info: stat) -> CachedFile? {
        // Refuse anything whose real location is outside the root (a symlink out).
        guard let real = path.withCString({ realpath($0, nil) }) else { return nil }
        let realPath = String(cString: real)
        free(real)
        guard realPath.hasPrefix(root + "/") else { return nil }
        let size = Int(info.st_size)
        let modified = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        let type = MediaType.forPath(path)
        var bytes: [UInt8]?
        var gzipped: [UInt8]?
        if size <= Self.cacheableSize {
            guard let data = FileManager.default.contents(atPath: realPath) else { return nil }
            bytes = [UInt8](data)
            if Gzip.isCompressible(type), data.count >= 256, let packed = Gzip.compress([UInt8](data), level: 9),
                packed.count < data.count
            {
                gzipped = packed
            }
        }
        let etag = "\"\(String(size, radix: 16))-\(String(modified, radix: 16))\""
        let lastModified = HTTPDate.format(time_t(info.st_mtim.tv_sec))
        var headers = Headers([
            ("Content-Type", type),
            ("ETag", etag),
            ("Last-Modified", lastModified),
            ("Cache-Control", (policy ?? CachePolicy.publicFor(seconds: maxAge)).headerValue),
            ("Accept-Ranges", "bytes"),
            ("X-Content-Type-Options", "nosniff"),
        ])
        if gzipped != nil { headers.add("Vary", "Accept-Encoding") }
        var gzipHeaders = headers
        gzipHeaders["ETag"] = String(etag.dropLast()) + "-gz\""
        gzipHeaders.add("Content-Encoding", "gzip")
        return CachedFile(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: bytes?.count ?? size, modified: modified,
            contentType: type, etag: etag, lastModified: lastModified, bytes: bytes, gzipped: gzipped, headers: headers,
            gzipHeaders: gzipHeaders)
    }

    private func respond(_ request: Request, file: CachedFile, path: String) -> Response {
        let useGzip = file.gzipped != nil && request.headers["range"] == nil && request.acceptsGzip
        var headers = useGzip ? file.gzipHeaders : file.headers
        let etag = useGzip ? String(file.etag.dropLast()) + "-gz\"" : file.etag
        if request.headers["if-none-match"] != nil || request.headers["if-modified-since"] != nil,
            Conditional.notModified(request, etag: etag, lastModified: file.lastModified)
        {
            headers.remove("Content-Type")
            headers.remove("Content-Encoding")
            return Response(status: .notModified, headers: headers)
        }
        if useGzip, let gzipped = file.gzipped {
            return Response(status: .ok, headers: headers, body: .bytes(gzipped))
        }
        let range = ByteRange.parse(request.headers["range"], size: file.size, ifRange: request.headers["if-range"], etag: etag)
        return range.response(headers: headers, size: file.size, path: path, bytes: file.bytes)
    }

    /// Drops what is kept in memory of the files under `folder` (relative to the root), after
    /// they were removed from disk: a removed picture is not served again.
    public func forget(folder: String) {
        let prefix = root + "/" + folder + "/"
        cache.withLock { table in table = table.filter { !$0.key.hasPrefix(prefix) } }
        recent.withLock { $0.removeAll() }
    }

    /// The decoded path relative to the root, or nil when it is not a safe file path.
    static func safeRelativePath(_ rawPath: String) -> String? {
        guard rawPath.hasPrefix("/") else { return nil }
        var segments: [String] = []
        for raw in rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let segment = PercentEncoding.decode(raw)
            guard !segment.isEmpty, !segment.hasPrefix("."),
                !segment.contains("/"), !segment.contains("\\"), !segment.contains("\0"),
                !segment.unicodeScalars.contains(where: { $0.value < 32 })
            else { return nil }
            segments.append(segment)
        }
        return segments.isEmpty ? nil : segments.joined(separator: "/")
    }
}

/// Answers files served a moment ago before anything else runs (`StaticFiles.hot`): no
/// routing, no page-cache key, no `stat`. Put it first; whatever it does not know goes on.
public struct StaticFastPath: Middleware {
    let folders: [StaticFiles]
    public init(_ folders: [StaticFiles]) { self.folders = folders }

    public func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome {
        if request.method == "GET" || request.method == "HEAD" {
            for files in folders where request.path.hasPrefix(files.pathPrefix) {
                if var response = files.hot(request) {
                    response.route = files.mount + "/*"
                    return .now(response)
                }
            }
        }
        return next(request)
    }
}

/// Reads a region of a file in pieces for a streamed body.
public enum FileStream {
    public static func make(path: String, offset: Int, length: Int) -> BodyStream {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        let state = FileStreamState(fd: fd, remaining: length)
        if fd >= 0 && offset > 0 { lseek(fd, off_t(offset), SEEK_SET) }
        return BodyStream(
            length: length,
            next: {
                guard state.fd >= 0 else { throw ServerError.system("open", ENOENT) }
                if state.remaining == 0 { return nil }
                var piece = [UInt8](repeating: 0, count: min(64 * 1024, state.remaining))
                let n = piece.withUnsafeMutableBytes { read(state.fd, $0.baseAddress, $0.count) }
                guard n > 0 else { throw ServerError.system("read", errno) }
                state.remaining -= n
                if n < piece.count { piece.removeLast(piece.count - n) }
                return piece
            },
            finish: {
                if state.fd >= 0 { close(state.fd) }
            })
    }
}

private final class FileStreamState: @unchecked Sendable {
    let fd: Int32
    var remaining: Int
    init(fd: Int32, remaining: Int) {
        self.fd = fd
        self.remaining = remaining
    }
}

/// Conditional requests (RFC 9110 §13).
public enum Conditional {
    /// True when the client's cached copy is current: `If-None-Match` matches, or, with no
    /// `If-None-Match`, `If-Modified-Since` is not older than the resource.
    public static func notModified(_ request: Request, etag: String, lastModified: String?) -> Bool {
        guard request.method == "GET" || request.method == "HEAD" else { return false }
        if let header = request.headers["if-none-match"] {
            if header.trimmingCharacters(in: .whitespaces) == "*" { return true }
            let weakless = { (tag: Substring) -> Substring in
                let t = tag.drop { $0 == " " || $0 == "\t" }
                return t.hasPrefix("W/") ? t.dropFirst(2) : t
            }
            let ours = weakless(Substring(etag))
            return header.split(separator: ",").contains { weakless($0).trimmingCharacters(in: .whitespaces) == ours }
        }
        if let since = request.headers["if-modified-since"], let lastModified,
            let sinceTime = HTTPDate.parse(since), let modifiedTime = HTTPDate.parse(lastModified)
        {
            return modifiedTime <= sinceTime
        }
        return false
    }
}

/// A single byte range from a `Range` header (RFC 9110 §14). Multiple ranges are
/// answered with the whole representation, which the RFC allows.
public enum ByteRange: Equatable, Sendable {
    case whole
    case partial(Int, Int)
    case unsatisfiable

    public static func parse(_ header: String?, size: Int, ifRange: String? = nil, etag: String? = nil) -> ByteRange {
        guard let header, header.hasPrefix("bytes="), size >= 0 else { return .whole }
        if let ifRange, ifRange != etag { return .whole }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        // Digits only (RFC 9110 §14.1.1): `Int("-5")` would accept a sign, and a negative suffix
        // once made a range ending before it started, a trap that stopped the server.
        if first.isEmpty {
            guard let suffix = digits(last) else { return .whole }
            if suffix == 0 || size == 0 { return .unsatisfiable }
            return .partial(size - min(suffix, size), size - 1)
        }
        guard let lower = digits(first) else { return .whole }
        if lower >= size { return .unsatisfiable }
        if last.isEmpty { return .partial(lower, size - 1) }
        guard let upper = digits(last), upper >= lower else { return .whole }
        return .partial(lower, min(upper, size - 1))
    }

    /// A non-negative decimal number of at most 18 digits (so it fits an `Int` with room to spare).
    static func digits(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }
}

extension ByteRange {
    /// The answer for this range of a file: `416`, `206` with its `Content-Range`, or the
    /// whole `200`, from `bytes` when the file is in memory, else streamed from `path`.
    public func response(headers: Headers, size: Int, path: String, bytes: [UInt8]? = nil) -> Response {
        var headers = headers
        switch self {
        case .unsatisfiable:
            headers["Content-Range"] = "bytes */\(size)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .partial(let lower, let upper):
            headers["Content-Range"] = "bytes \(lower)-\(upper)/\(size)"
            if let bytes { return Response(status: .partialContent, headers: headers, body: .bytes(Array(bytes[lower...upper]))) }
            return Response(
                status: .partialContent, headers: headers,
                body: .stream(FileStream.make(path: path, offset: lower, length: upper - lower + 1)))
        case .whole:
            if let bytes { return Response(status: .ok, headers: headers, body: .bytes(bytes)) }
            return Response(status: .ok, headers: headers, body: .stream(FileStream.make(path: path, offset: 0, length: size)))
        }
    }
}

/// Media types by file extension.
public enum MediaType {
    static let byExtension: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "json": "application/json; charset=utf-8", "txt": "text/plain; charset=utf-8",
        "xml": "application/xml; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp", "avif": "image/avif", "ico": "image/x-icon",
        "woff": "font/woff", "woff2": "font/woff2", "pdf": "application/pdf",
        "csv": "text/csv; charset=utf-8", "ics": "text/calendar; charset=utf-8",
        "webmanifest": "application/manifest+json",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "mp4": "video/mp4", "mp3": "audio/mpeg", "zip": "application/zip",
    ]

    public static func forPath(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        return byExtension[path[path.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
