import Foundation
import Synchronization

/// A throwaway PostgreSQL for tests: the server `SANCTUARY_TEST_POSTGRES` names
/// (`postgres://user@host:port`), or a cluster made for this test process in a temporary
/// folder (`initdb`, `pg_ctl`, as the `postgres` user when we are root: PostgreSQL refuses to
/// run as root) on a free loopback port, without fsync, stopped when the process exits.
/// Each test gets a database of its own (`database()`).
public enum PostgresTestServer {
    /// The server's address without a database, or why there is none (PostgreSQL is not
    /// installed: `.ci/run` installs it; a fresh machine's `swift test` skips these tests).
    public static let base: Result<String, Unavailable> = start()

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    private static let made = Atomic<Int>(0)

    /// A new, empty database's URL; throws `Unavailable` when there is no server.
    public static func database() throws -> String {
        let base = try base.get()
        let name = "test_\(getpid())_\(made.add(1, ordering: .relaxed).newValue)"
        try run(psql(), ["\(base)/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"])
        return "\(base)/\(name)"
    }

    static func psql() -> String {
        ["/usr/bin/psql", "/usr/local/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "psql"
    }

    /// The folder of `initdb` and `pg_ctl`: Debian's versioned one, newest first.
    static func binaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        return FileManager.default.isExecutableFile(atPath: "/usr/local/bin/initdb") ? "/usr/local/bin" : nil
    }

    /// The cluster's folder, for the exit handler (written once, before it is installed).
    nonisolated(unsafe) private static var cluster: (bin: String, folder: String, asRoot: Bool)?

    private static func start() -> Result<String, Unavailable> {
        if let url = ProcessInfo.processInfo.environment["SANCTUARY_TEST_POSTGRES"], !url.isEmpty {
            return .success(url.hasSuffix("/") ? String(url.dropLast()) : url)
        }
        guard let bin = binaries() else {
            return .failure(Unavailable(description: "PostgreSQL is not installed (.ci/run installs postgresql-15)"))
        }
        let asRoot = getuid() == 0
        let folder = NSTemporaryDirectory() + "sanctuary-pg-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if asRoot { try run("/bin/chown", ["postgres:postgres", folder]) }
            let port = freePort()
            try run(
                bin + "/initdb", ["-D", folder + "/data", "-A", "trust", "-U", "sanctuary", "-E", "UTF8", "--locale=C", "--no-sync"],
                asPostgres: asRoot)
            cluster = (bin, folder, asRoot)
            atexit {
                guard let cluster = PostgresTestServer.cluster else { return }
                try? PostgresTestServer.run(
                    cluster.bin + "/pg_ctl", ["-D", cluster.folder + "/data", "-m", "immediate", "-w", "stop"], asPostgres: cluster.asRoot)
                try? FileManager.default.removeItem(atPath: cluster.folder)
            }
            try run(
                bin + "/pg_ctl",
                [
                    "-D", folder + "/data", "-l", folder + "/log", "-w", "-o",
                    "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start",
                ], asPostgres: asRoot)
            return .success("postgres://sanctuary@127.0.0.1:\(port)")
        } catch {
            return .failure(Unavailable(description: "could not start PostgreSQL: \(error)"))
        }
    }

    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs a program to its end (`posix_spawn` and `waitpid`: the server `pg_ctl` starts
    /// outlives it, and must hold no pipe of ours), its output in a file for the error.
    static func run(_ program: String, _ arguments: [String], asPostgres: Bool = false) throws {
        let argv = asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        let path = NSTemporaryDirectory() + "sanctuary-pg-output-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(path) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw Failed(description: "\(argv[0]) could not start: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exited == 0 else {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            throw Failed(description: "\(program) exited \(exited): \(text.suffix(500))")
        }
    }

    /// Runs a program and answers what it printed.
    static func output(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(description: "\(program) exited \(process.terminationStatus)") }
        return text
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A primary and its synchronous standby, two clusters of their own in a temporary folder,
/// for the failover test: `url` names both hosts, as a deployment's does, so libpq finds
/// whichever is the primary (`target_session_attrs=read-write`).
public final class PostgresPair: @unchecked Sendable {
    public let primaryPort = PostgresTestServer.freePort()
    public let standbyPort = PostgresTestServer.freePort()
    private let bin: String
    private let folder: String
    private let asRoot = getuid() == 0

    public var url: String {
        "postgres://sanctuary@127.0.0.1:\(primaryPort),127.0.0.1:\(standbyPort)/sanctuary?target_session_attrs=read-write&connect_timeout=2"
    }
    /// The standby alone (to read what it holds once promoted).
    public var standbyURL: String { "postgres://sanctuary@127.0.0.1:\(standbyPort)/sanctuary" }

    public init() throws {
        guard let bin = PostgresTestServer.binaries() else {
            throw PostgresTestServer.Unavailable(description: "PostgreSQL is not installed (.ci/run installs postgresql-15)")
        }
        self.bin = bin
        folder = NSTemporaryDirectory() + "sanctuary-pair-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if asRoot { try PostgresTestServer.run("/bin/chown", ["postgres:postgres", folder]) }
        let primary = folder + "/primary"
        try pg("initdb", ["-D", primary, "-A", "trust", "-U", "sanctuary", "-E", "UTF8", "--locale=C", "--no-sync"])
        try start(primary, port: primaryPort, options: "-c wal_level=replica -c max_wal_senders=4 -c synchronous_commit=on")
        try PostgresTestServer.run(
            PostgresTestServer.psql(), ["postgres://sanctuary@127.0.0.1:\(primaryPort)/postgres", "-q", "-c", "CREATE DATABASE sanctuary"])
        let standby = folder + "/standby"
        try pg(
            "pg_basebackup",
            [
                "-h", "127.0.0.1", "-p", String(primaryPort), "-U", "sanctuary", "-D", standby, "-R", "-X", "stream", "--no-sync",
                "--checkpoint=fast",
                "-d", "application_name=standby",
            ])
        try start(standby, port: standbyPort, options: "")
        // Synchronous from now on (before, CREATE DATABASE would have waited for a standby not yet made).
        try PostgresTestServer.run(
            PostgresTestServer.psql(),
            [
                "postgres://sanctuary@127.0.0.1:\(primaryPort)/postgres", "-q", "-c",
                "ALTER SYSTEM SET synchronous_standby_names = 'standby'",
                "-c", "SELECT pg_reload_conf()",
            ])
        // Until the primary counts the standby as synchronous: before that a commit would not wait for it.
        let deadline = Date().addingTimeInterval(30)
        while true {
            let state = try? PostgresTestServer.output(
                PostgresTestServer.psql(),
                ["postgres://sanctuary@127.0.0.1:\(primaryPort)/postgres", "-Atq", "-c", "SELECT sync_state FROM pg_stat_replication"])
            if state?.contains("sync") == true && state?.contains("async") == false { break }
            guard Date() < deadline else { throw PostgresTestServer.Failed(description: "the standby never became synchronous") }
            usleep(100_000)
        }
    }

    private func pg(_ program: String, _ arguments: [String]) throws {
        try PostgresTestServer.run(bin + "/" + program, arguments, asPostgres: asRoot)
    }

    private func start(_ data: String, port: Int, options: String) throws {
        try pg(
            "pg_ctl",
            [
                "-D", data, "-l", data + ".log", "-w", "-o",
                "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off \(options)", "start",
            ])
    }

    /// The primary's machine lost: its postmaster and every backend killed at once (SIGKILL).
    public func killPrimary() throws {
        let pidFile = try String(contentsOfFile: folder + "/primary/postmaster.pid", encoding: .utf8)
        guard let postmaster = pid_t(pidFile.split(separator: "\n").first ?? "") else {
            throw PostgresTestServer.Failed(description: "no postmaster pid")
        }
        var victims = [postmaster]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8) else { continue }
            // The fourth field, after the command in parentheses, is the parent.
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            if fields.count > 1, pid_t(fields[1]) == postmaster { victims.append(pid) }
        }
        for pid in victims { kill(pid, SIGKILL) }
    }

    public func promoteStandby() throws {
        try pg("pg_ctl", ["-D", folder + "/standby", "-w", "promote"])
    }

    public func stop() {
        for data in ["primary", "standby"] {
            let directory = folder + "/" + data
            try? pg("pg_ctl", ["-D", directory, "-m", "immediate", "-w", "stop"])
            // A server pg_ctl could not stop (seen once: a standby left recovering) must not
            // outlive its folder: its postmaster, killed.
            if let pidFile = try? String(contentsOfFile: directory + "/postmaster.pid", encoding: .utf8),
                let pid = pid_t(pidFile.split(separator: "\n").first ?? ""), kill(pid, 0) == 0
            {
                kill(pid, SIGKILL)
            }
        }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
