// The whole-app fuzzer: raw request bytes, as a client would send them, through the real
// request parser, the real router with its middleware, and the real application on a real
// SQLite file with the sample content and a signed-in admin.
//
// It fails (aborts, so libFuzzer keeps the input) on any crash, any `5xx` from the
// application, any response without a valid status, and any file left in the spool folder.
//
// Inputs are requests, one after another on one "connection". Placeholders make the
// fuzzer's life easier: `@SESSION@@…` becomes the admin's session token, `@CSRF@@…` the
// admin form token, and `@FORM@@…` the public form token for the path of the POST before
// it. Each placeholder is as long as what replaces it (padded with `@`: 43, 43 and 47
// bytes), so a `Content-Length` written for the placeholder stays right.
//
//   Fuzz/app                      # build with libFuzzer + AddressSanitizer and fuzz (see the script)
//   swift run SanctuaryFuzz FILE… # replay files through the same checks (no fuzzing)
import Foundation
import HTTP
import Logging
import Sanctuary
import Storage

final class Harness: Sendable {
    static let shared = Harness()

    let app: Application
    let sessionToken: String
    let staffToken: String
    let directory: String

    init() {
        let environment = ProcessInfo.processInfo.environment
        let root = URL(fileURLWithPath: environment["SANCTUARY_ROOT"] ?? FileManager.default.currentDirectoryPath)
        // A RAM disk when there is one: group commit's fsync is then free, and inputs run faster.
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        directory = base + "/sanctuary-fuzz-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var config = AppConfig(root: root)
        config.database = directory + "/fuzz.sqlite"
        config.accessLog = .off
        config.loadSampleContent = true
        config.passwordCost = 10
        config.signaturesPerMinute = 1_000_000  // rate limits would turn most signing inputs into 429s
        config.pageCacheSeconds = 0  // every input reaches its handler
        config.limits.trustedProxies = (try? TrustedProxies(["127.0.0.0/8"])) ?? TrustedProxies()
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical  // a handler's error is seen as its 500
        do {
            app = try Application(config: config, logger: logger)
            let hasher = app.passwordHasher
            let hash = try hasher.hash("fuzzing passphrase 1234")
            sessionToken = try app.database.writeAndWait { db -> String in
                let id = try StaffStore.create(db, email: "admin@example.org", name: "Fuzz", role: .admin, passwordHash: hash)
                return try StaffStore.startSession(db, userID: id, replacing: nil)
            }
        } catch {
            fatalError("the fuzz harness cannot start: \(error)")
        }
        staffToken = app.staffFormToken(sessionToken: sessionToken)
    }

    /// Replaces the placeholders, then runs every request in `input`.
    func run(_ input: [UInt8]) {
        let bytes = substitute(input)
        var parser = RequestParser(limits: app.config.limits)
        let router = app.router
        parser.policy = { head in router.bodyPolicy(for: &head) }
        // Half the inputs come "from a trusted proxy", so forwarded headers are parsed too.
        parser.trustForwarded = bytes.count % 2 == 0
        var start = 0
        while start < bytes.count {
            let outcome = bytes.withUnsafeBufferPointer { all in
                parser.parse(UnsafeBufferPointer(rebasing: all[start...]), remoteAddress: "127.0.0.1")
            }
            switch outcome {
            case .needMore:
                start = bytes.count
            case .reject(let status, let reason):
                // The parser's own answers: 4xx, or 501/505 for what HTTP/1.1 says is not implemented.
                guard (400...499).contains(status.code) || status.code == 501 || status.code == 505 else {
                    fail("the parser rejected with \(status.code): \(reason)", bytes)
                }
                start = bytes.count
            case .refuse(let request, let response):
                check(response, for: request, bytes)
                start = bytes.count
            case .request(let request, let consumed):
                check(answer(request), for: request, bytes)
                start += consumed
            case .spool(var request, let consumed, let length):
                start += consumed
                let available = min(length, bytes.count - start)
                let path = app.config.spoolDirectory + "/upload-\(UInt64.random(in: 0...UInt64.max))"
                let written = bytes[start..<(start + available)].withUnsafeBytes { raw -> Bool in
                    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                    guard fd >= 0 else { return false }
                    defer { close(fd) }
                    return raw.isEmpty || write(fd, raw.baseAddress, raw.count) == raw.count
                }
                guard written else { fail("cannot write the spool file", bytes) }
                if available < length {
                    unlink(path)  // what the connection does when the client stops sending: it times out
                    start = bytes.count
                    break
                }
                start += length
                request.bodyFile = path
                check(answer(request), for: request, bytes)
                unlink(path)  // what the connection does after the response
            }
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: app.config.spoolDirectory)) ?? []
        if !left.isEmpty { fail("files left in the spool folder: \(left)", bytes) }
        keepSignedIn()
        keepSigningOpen()
    }

    /// An input that paused signing site-wide (triage's switch, which an admin may use) must
    /// not turn every later input's signature, registration or pledge into the pause's `503`.
    private func keepSigningOpen() {
        guard app.signingGate.pause != nil else { return }
        try? app.database.writeAndWait { db in try SettingsStore.set(db, key: SigningGate.pausedKey, value: "0") }
        app.signingGate.reload(app.database)
    }

    /// An input that signed out (or changed the account) must not end the admin coverage of
    /// every later input: the session is put back as it was.
    private func keepSignedIn() {
        let token = sessionToken
        guard (try? app.database.read({ try StaffStore.user($0, sessionToken: token) })) == nil else { return }
        try? app.database.writeAndWait { db in
            try db.run("UPDATE users SET disabled = 0, role = 'admin' WHERE email = 'admin@example.org'")
            try db.run(
                """
                INSERT OR REPLACE INTO sessions (token_hash, user_id, expires_at)
                SELECT ?, id, '2999-01-01T00:00:00Z' FROM users WHERE email = 'admin@example.org'
                """, SecretToken.digest(token))
        }
    }

    /// The router's answer, waiting for an async handler as the connection would.
    private func answer(_ request: Request) -> Response {
        switch app.router.respond(to: request) {
        case .now(let response):
            return response
        case .later(let work, _):
            let box = ResponseBox()
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                box.set(await work())
                done.signal()
            }
            done.wait()
            return box.get()
        }
    }

    static let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] != nil

    private func check(_ response: Response, for request: Request, _ bytes: [UInt8]) {
        let code = response.status.code
        if Self.verbose { print(code, request.method, request.target) }
        guard (100...599).contains(code), !response.status.reason.isEmpty else {
            fail("an invalid status \(code) for \(request.method) \(request.path)", bytes)
        }
        // The one `5xx` that is an answer, not a failure: signing paused by staff (earlier in
        // the same input), said with `503` and `Retry-After` so that visitors come back.
        let paused = code == 503 && app.signingGate.pause != nil && response.headers["Retry-After"] != nil
        if code >= 500, !paused { fail("\(code) for \(request.method) \(request.path)", bytes) }
        if case .stream(let body) = response.body {
            // Exports and downloads: read them as a client would, then let them go.
            var total = 0
            do {
                while let piece = try body.next(), total < 64 << 20 { total += piece.count }
            } catch {
                fail("a streamed body failed for \(request.method) \(request.path): \(error)", bytes)
            }
            body.finish()
        }
    }

    private func fail(_ message: String, _ bytes: [UInt8]) -> Never {
        let shown = String(decoding: bytes.prefix(2000), as: UTF8.self)
        fatalError("whole-app fuzzer: \(message)\n--- input (\(bytes.count) bytes) ---\n\(shown)")
    }

    /// Fills in the placeholders, byte by byte (a body need not be UTF-8).
    private func substitute(_ input: [UInt8]) -> [UInt8] {
        guard input.contains(UInt8(ascii: "@")) else { return input }
        let session = Array(sessionToken.utf8)
        let staff = Array(staffToken.utf8)
        let sessionMark = Array(Self.placeholder("SESSION", session.count).utf8)
        let staffMark = Array(Self.placeholder("CSRF", staff.count).utf8)
        let formMark = Array(Self.placeholder("FORM", app.formTokens.make(for: "/").utf8.count).utf8)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "@") {
                let rest = input[i...]
                if rest.starts(with: sessionMark) {
                    out += session
                    i += sessionMark.count
                    continue
                }
                if rest.starts(with: staffMark) {
                    out += staff
                    i += staffMark.count
                    continue
                }
                if rest.starts(with: formMark) {
                    out += Array(app.formTokens.make(for: Self.lastPostPath(out)).utf8)
                    i += formMark.count
                    continue
                }
            }
            out.append(input[i])
            i += 1
        }
        return out
    }

    /// The path of the last `POST` in `bytes` without its language prefix: the action a
    /// public form token is bound to.
    static func lastPostPath(_ bytes: [UInt8]) -> String {
        let post = Array("POST ".utf8)
        var at = bytes.count - post.count
        while at >= 0 {
            if bytes[at...].starts(with: post) {
                let target = bytes[(at + post.count)...].prefix { $0 != 32 && $0 != UInt8(ascii: "?") && $0 != 13 && $0 != 10 }
                let raw = String(decoding: target, as: UTF8.self)
                return formAction(raw.hasPrefix("/fr/") ? String(raw.dropFirst(3)) : raw)
            }
            at -= 1
        }
        return "/"
    }
}

extension Harness {
    /// The action a form token is made for: the path of most forms, a fixed name for the
    /// buttons on pages that mailed links open.
    static func formAction(_ path: String) -> String {
        let parts = path.split(separator: "/")
        switch (parts.first, parts.count) {
        case ("petitions", 4) where parts[2] == "confirm": return "petition-confirm"
        case ("events", 4) where parts[2] == "rsvp": return "rsvp-cancel"
        case ("updates", 3) where parts[1] == "confirm": return "updates-confirm"
        case ("admin", 3) where parts[1] == "invite": return "/admin/invite"
        case ("admin", 3) where parts[1] == "password-reset": return "/admin/password-reset/new"
        default: return path
        }
    }

    /// `@NAME@@@…`, as long as the token it stands for.
    static func placeholder(_ name: String, _ length: Int) -> String {
        "@" + name + String(repeating: "@", count: max(1, length - name.count - 1))
    }
}

final class ResponseBox: @unchecked Sendable {
    private var response = Response(status: .internalServerError)
    private let lock = NSLock()
    func set(_ value: Response) { lock.withLock { response = value } }
    func get() -> Response { lock.withLock { response } }
}

#if FUZZING
// libFuzzer's driver, called from our own `main` (this file's top-level code), so one file
// serves both builds. `LLVMFuzzerRunDriver` is libFuzzer's entry for programs with a main.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(
    runFuzzerDriver(&argc, &argv) { data, size in
        Harness.shared.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    })
#else
// Replay: every file named (or every file in a folder named) through the same checks.
var files: [String] = []
for argument in CommandLine.arguments.dropFirst() {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else { continue }
    if isFolder.boolValue {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
        files += names.sorted().map { argument + "/" + $0 }
    } else {
        files.append(argument)
    }
}
for file in files {
    guard let data = FileManager.default.contents(atPath: file) else { continue }
    Harness.shared.run([UInt8](data))
}
print("replayed \(files.count) inputs through the whole application: no crash, no 5xx, nothing left in the spool")
try? FileManager.default.removeItem(atPath: Harness.shared.directory)
#endif
