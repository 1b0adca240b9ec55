import Foundation
import Sanctuary
import Storage
import TestSupport
import XCTest

/// The `sanctuary` binary as a newcomer runs it: it serves, reports bad settings in one
/// line, and stops cleanly on SIGTERM.
final class CommandTests: XCTestCase {
    var binary: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent("sanctuary")
    }

    func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("sanctuary binary not built at \(binary.path)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func testServesThenStopsCleanlyOnSIGTERM() throws {
        let folder = makeTemporaryDirectory()
        let (process, out, _) = try launch(
            ["serve", "--port", "0", "--db", folder.appendingPathComponent("s.sqlite").path],
            environment: ["SANCTUARY_ACCESS_LOG": "off"])
        // Read the banner to learn the port.
        var banner = ""
        let deadline = Date().addingTimeInterval(20)
        while !banner.contains("listening on"), Date() < deadline {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            banner += String(decoding: data, as: UTF8.self)
        }
        let port = try XCTUnwrap(
            banner.range(of: #":(\d+)/"#, options: .regularExpression).map { Int(banner[$0].dropFirst().dropLast()) } ?? nil, banner)
        let client = try RawClient(port: port)
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "ok\n")
        let home = try RawClient(port: port)
        home.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(try home.readResponse().text.contains("Rescind the Safe Third Country Agreement"), "sample content loaded")
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testABadSettingStopsStartupWithOneLineNamingTheKey() throws {
        let (process, _, err) = try launch(["serve"], environment: ["SANCTUARY_PORT": "eighty"])
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        XCTAssertTrue(message.contains("SANCTUARY_PORT"), message)
    }
}

final class UserCommandTests: XCTestCase {
    func testUserCreateReadsThePasswordFromStandardInput() throws {
        let binary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "sanctuary")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("binary not built") }
        let folder = makeTemporaryDirectory()
        let database = folder.appendingPathComponent("u.sqlite").path
        func run(_ arguments: [String], input: String) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = binary
            process.currentDirectoryURL = packageRoot
            process.arguments = arguments + ["--db", database]
            let stdin = Pipe()
            let stderr = Pipe()
            process.standardInput = stdin
            process.standardOutput = Pipe()
            process.standardError = stderr
            try process.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        let (ok, _) = try run(["user", "create", "--email", "Staff@Example.org", "--role", "organizer"], input: "a long passphrase here\n")
        XCTAssertEqual(ok, 0)
        let (short, message) = try run(["user", "create", "--email", "b@example.org", "--role", "editor"], input: "short\n")
        XCTAssertNotEqual(short, 0)
        XCTAssertTrue(message.contains("at least 12"), message)
        let (badRole, _) = try run(["user", "create", "--email", "c@example.org", "--role", "boss"], input: "a long passphrase here\n")
        XCTAssertNotEqual(badRole, 0)

        let db = try Database(path: database)
        defer { db.close() }
        let stored = try XCTUnwrap(
            try db.read {
                try $0.first("SELECT email, role, password_hash FROM users") { row in
                    (
                        try row.get("email", as: String.self), try row.get("role", as: String.self),
                        try row.get("password_hash", as: String.self)
                    )
                }
            })
        XCTAssertEqual(stored.0, "staff@example.org")
        XCTAssertEqual(stored.1, "organizer")
        XCTAssertTrue(PasswordHasher.verify("a long passphrase here", against: stored.2))
        XCTAssertEqual(try db.read { try $0.scalar("SELECT count(*) FROM users", as: Int.self) }, 1)
    }
}

final class ImportCommandTests: XCTestCase {
    func testImportRepresentativesReportsAndRefusesBrokenFiles() throws {
        let binary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "sanctuary")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("binary not built") }
        let folder = makeTemporaryDirectory()
        let database = folder.appendingPathComponent("i.sqlite").path
        let good = folder.appendingPathComponent("good.csv")
        let bad = folder.appendingPathComponent("bad.csv")
        let fsa = folder.appendingPathComponent("fsa.csv")
        try "riding_code,riding_name,province,mp_name,party,email\n35079,Ottawa Centre,ON,Jane Doe,P,jane@example.org\n".write(
            to: good, atomically: true, encoding: .utf8)
        try
            "riding_code,riding_name,province,mp_name,party,email\n35080,Ottawa South,ON,Ann,P,ann@example.org\nxx,Bad,ON,B,P,b@example.org\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        try "fsa,riding_code\nK1A,35079\n".write(to: fsa, atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> (Int32, String, String) {
            let process = Process()
            process.executableURL = binary
            process.currentDirectoryURL = packageRoot
            process.arguments = ["import-representatives"] + arguments + ["--db", database]
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            process.waitUntilExit()
            return (
                process.terminationStatus, String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            )
        }
        let (ok, output, _) = try run([good.path, "--fsa", fsa.path])
        XCTAssertEqual(ok, 0)
        XCTAssertTrue(output.contains("1 rows read, 1 added, 0 updated"), output)
        let (failed, _, message) = try run([bad.path])
        XCTAssertNotEqual(failed, 0)
        XCTAssertTrue(message.contains("line 3") && message.contains("nothing was imported"), message)
        let db = try Database(path: database)
        defer { db.close() }
        XCTAssertEqual(try db.read { try $0.scalar("SELECT count(*) FROM members", as: Int.self) }, 1, "the broken file added nothing")
    }
}
