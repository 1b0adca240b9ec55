import Foundation
import Sanctuary

/// A message as the test SMTP server received it, decoded by Python's `email` package.
public struct ReceivedMail: Sendable {
    public let mailFrom: String
    public let recipients: [String]
    public let subject: String
    public let text: String
    public let headers: [String: String]
    public let attachments: [(filename: String, contentType: String, content: String)]
    public let tls: Bool
    public let authenticated: Bool
    /// The message exactly as it arrived.
    public let raw: String

    /// The first absolute link in the text containing `fragment`.
    public func link(containing fragment: String) -> String? {
        text.split(whereSeparator: { $0.isWhitespace }).map(String.init).first { $0.hasPrefix("http") && $0.contains(fragment) }
    }
}

/// A real SMTP server for tests (`Tests/SMTP/smtp-server.py`): aiosmtpd when Debian's
/// python3-aiosmtpd is installed (STARTTLS and AUTH), else Python 3.11's own `smtpd`.
/// Started on a free port; what it receives is read back from its folder.
public final class SMTPTestServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    /// `aiosmtpd` or `smtpd`.
    public let flavour: String
    private let process: Process

    /// The Python that has aiosmtpd when Debian installed it; else the one on the PATH.
    static var python: String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    }

    public static var hasAiosmtpd: Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", "import aiosmtpd"]
        process.standardError = Pipe()
        process.standardOutput = Pipe()
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// `port`: 0 for a free one; reuse a stopped server's port to bring it "back".
    /// `tls`: certificate and key files (aiosmtpd: STARTTLS required). `auth`: `user:password`.
    /// `implicitTLS`: TLS from the first byte (`smtps://`) instead of STARTTLS.
    public init(
        port: Int = 0, directory: URL? = nil, tls: (cert: String, key: String)? = nil, implicitTLS: Bool = false, auth: String? = nil
    ) throws {
        self.directory = directory ?? makeTemporaryDirectory().appendingPathComponent("mail")
        var arguments = [
            SMTPTestServer.python, packageRoot.appendingPathComponent("Tests/SMTP/smtp-server.py").path, "--dir", self.directory.path,
        ]
        arguments += ["--port", String(port)]
        if let tls { arguments += ["--cert", tls.cert, "--key", tls.key] }
        if let auth { arguments += ["--auth", auth] }
        if implicitTLS { arguments += ["--implicit-tls"] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var banner = ""
        let deadline = Date().addingTimeInterval(20)
        while !banner.contains("\n") && Date() < deadline {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            banner += String(decoding: data, as: UTF8.self)
        }
        let words = banner.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard words.count >= 3, words[0] == "PORT", let found = Int(words[1]) else {
            process.terminate()
            throw RawClient.ClientError.malformed("the SMTP test server did not start: \(banner)")
        }
        self.port = found
        flavour = words[2]
        // Until the port answers (aiosmtpd's controller is up when it prints, smtpd too).
    }

    public var url: String { "smtp://127.0.0.1:\(port)" }
    public var tlsURL: String { "smtps://127.0.0.1:\(port)" }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Everything received so far, in order.
    public func messages() -> [ReceivedMail] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .sorted { (Int($0.dropLast(5)) ?? 0) < (Int($1.dropLast(5)) ?? 0) }
        return names.compactMap { name in
            let json = directory.appendingPathComponent(name)
            let eml = directory.appendingPathComponent(String(name.dropLast(5)) + ".eml")
            guard let data = try? Data(contentsOf: json), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            let attachments = (object["attachments"] as? [[String: Any]] ?? []).map {
                (($0["filename"] as? String) ?? "", ($0["content_type"] as? String) ?? "", ($0["content"] as? String) ?? "")
            }
            return ReceivedMail(
                mailFrom: object["mail_from"] as? String ?? "", recipients: object["rcpt_tos"] as? [String] ?? [],
                subject: object["subject"] as? String ?? "", text: object["text"] as? String ?? "",
                headers: object["headers"] as? [String: String] ?? [:], attachments: attachments, tls: object["tls"] as? Bool ?? false,
                authenticated: object["authenticated"] as? Bool ?? false,
                raw: (try? String(contentsOf: eml, encoding: .utf8)) ?? "")
        }
    }

    /// Waits (polling the folder, not the clock of the code under test) until at least
    /// `count` messages have arrived; the messages, or a failure after `timeout`.
    @discardableResult
    public func waitForMessages(_ count: Int, timeout: Double = 30) throws -> [ReceivedMail] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let received = messages()
            if received.count >= count { return received }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw RawClient.ClientError.malformed("expected \(count) messages, the SMTP server has \(messages().count)")
    }

    /// The messages to one address.
    public func messages(to address: String) -> [ReceivedMail] { messages().filter { $0.recipients.contains(address) } }

    /// Waits until at least `count` messages to `address` have arrived; those messages.
    @discardableResult
    public func waitForMessages(to address: String, _ count: Int = 1, timeout: Double = 30) throws -> [ReceivedMail] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let received = messages(to: address)
            if received.count >= count { return received }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw RawClient.ClientError.malformed(
            "expected \(count) messages to \(address), the SMTP server has \(messages(to: address).count)")
    }
}

extension TestApp {
    /// The sample site with its mail going to `smtp` as fast as it can, and cheap staff
    /// passwords: what the tests of mailed links start from.
    public static func mailing(to smtp: SMTPTestServer, _ configure: (inout AppConfig) -> Void = { _ in }) throws -> TestApp {
        let url = smtp.url
        return try TestApp(sampleContent: true) {
            $0.smtpURL = url
            $0.mailMaxPerSecond = 1000
            $0.passwordCost = 10
            configure(&$0)
        }
    }
}
