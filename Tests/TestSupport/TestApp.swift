import Foundation
import HTTP
import Logging
import Sanctuary
import Storage
import XCTest

/// The package's root folder (holding Migrations/, Public/, Config/), found from this file.
public let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary folder, removed when the process ends (best effort).
public func makeTemporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sanctuary-test-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Waits for a state (never for a time): polls `condition` until it holds, or throws after `timeout` seconds.
public func waitUntil(timeout: Double = 30, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.05)
    }
    throw WaitTimeout(seconds: timeout)
}

public struct WaitTimeout: Error, CustomStringConvertible {
    public let seconds: Double
    public var description: String { "condition not met within \(seconds) s" }
}

/// The engine the suite runs on: SQLite unless `SANCTUARY_TEST_ENGINE=postgres` (CI runs the
/// suite once on each). A test about something only one engine has skips on the other with
/// its reason (`TestEngine.require`).
public enum TestEngine: Sendable, Equatable {
    case sqlite, postgres

    public static let current: TestEngine = ProcessInfo.processInfo.environment["SANCTUARY_TEST_ENGINE"] == "postgres" ? .postgres : .sqlite

    /// Skips the test unless the suite runs on `engine`, saying why.
    public static func require(_ engine: TestEngine, because reason: String) throws {
        if current != engine { throw XCTSkip("\(engine) only: \(reason)") }
    }
}

/// The real application on a real SQLite file in a temp folder (or a fresh PostgreSQL
/// database, see `TestEngine`), served by the real server on an ephemeral port.
public final class TestApp: Sendable {
    public let app: Application
    public let server: HTTPServer
    public let directory: URL
    public var port: Int { server.port }

    public init(sampleContent: Bool = false, features: [any Feature.Type] = [], configure: (inout AppConfig) -> Void = { _ in }) throws {
        directory = makeTemporaryDirectory()
        var config = AppConfig(root: packageRoot)
        config.port = 0
        config.database = directory.appendingPathComponent("test.sqlite").path
        if TestEngine.current == .postgres {
            config.database = try PostgresTestServer.database()
            config.dataFolder = directory.path
        }
        config.accessLog = .off
        config.loadSampleContent = sampleContent
        // The sample pictures cost a few hundred milliseconds; the tests about pictures upload their own.
        config.loadSampleMedia = false
        // Most tests are about counting; the mail tests turn confirmation back on.
        config.confirmSignatures = false
        // Rotating backups are tested on their own.
        config.backupEveryHours = 0
        configure(&config)
        var logger = Logger(label: "sanctuary-test")
        logger.logLevel = .warning
        app = try Application(config: config, logger: logger, features: features)
        server = try app.makeServer()
        try server.start()
    }

    public func stop() { stop(keepingFiles: false) }

    /// Stops the server and closes the database; `keepingFiles` leaves the folder for a
    /// command to work on.
    public func stop(keepingFiles: Bool) {
        server.shutdown()
        app.close()
        if !keepingFiles { try? FileManager.default.removeItem(at: directory) }
    }

    deinit {}

    public func client() throws -> RawClient { try RawClient(port: port) }

    /// One request on a fresh connection.
    public func request(
        _ method: String, _ target: String, headers: [(String, String)] = [],
        body: String? = nil
    ) throws -> ClientResponse {
        let client = try client()
        var text = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        client.send(text)
        return try client.readResponse(head: method == "HEAD")
    }

    public func get(_ target: String, headers: [(String, String)] = []) throws -> ClientResponse {
        try request("GET", target, headers: headers)
    }
}

/// A bare HTTP server around any responder, for tests of the HTTP layer alone.
public final class TestServer: Sendable {
    public let server: HTTPServer
    public var port: Int { server.port }

    public init(limits: ServerLimits = ServerLimits(), responder: any Responder) throws {
        server = try HTTPServer(host: "127.0.0.1", port: 0, responder: responder, limits: limits, loops: 2)
        try server.start()
    }

    public func stop() { server.shutdown() }
    public func client() throws -> RawClient { try RawClient(port: port) }
}
