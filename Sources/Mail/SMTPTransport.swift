import CCurl
import Foundation

/// Where and how to deliver: `smtp://host:port` (STARTTLS when offered, required with
/// `requireTLS`) or `smtps://host:port` (TLS from the start), with optional AUTH.
public struct SMTPSettings: Sendable {
    public var url: String
    public var username: String?
    public var password: String?
    public var requireTLS = false
    /// A CA bundle to trust instead of the system's (a private relay's own certificate).
    public var caFile: String?
    public var connectTimeout: Double = 10
    public var timeout: Double = 60
    /// The domain this site's mail comes from, for `EHLO` and `Message-ID`s.
    public init(url: String, username: String? = nil, password: String? = nil) {
        self.url = url
        self.username = username
        self.password = password
    }
}

/// What one delivery attempt came to.
public enum DeliveryResult: Sendable, Equatable {
    case sent
    /// Try again later: a `4xx` reply, no connection, a timeout.
    case temporary(String)
    /// Do not try again: a `5xx` reply (unknown mailbox, refused content).
    case permanent(String)
}

/// Delivers messages over SMTP with libcurl, reusing one connection while messages keep
/// coming. Not thread-safe: one transport per sending thread.
///
/// libcurl is reached through `CCurl`, which opens `libcurl.so.4` at run time: the build
/// needs neither curl's headers nor its `-dev` package, and a machine without libcurl still
/// runs the site, with mail waiting in the outbox (`isAvailable` is false).
public final class SMTPTransport {
    public let settings: SMTPSettings
    private var handle: UnsafeMutableRawPointer?
    /// libcurl writes its readable error here during a transfer (CURLOPT_ERRORBUFFER).
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: 256)

    public init(settings: SMTPSettings) {
        self.settings = settings
        errorBuffer.initialize(repeating: 0, count: 256)
    }

    deinit {
        ccurl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Whether libcurl could be loaded.
    public static var isAvailable: Bool { ccurl_load() == 1 }
    public static var libraryVersion: String { String(cString: ccurl_version()) }

    /// Sends `message` (RFC 5322 text, CRLF) from `from` to each of `recipients`.
    public func send(from: String, to recipients: [String], message: [UInt8]) -> DeliveryResult {
        guard SMTPTransport.isAvailable else { return .temporary("libcurl.so.4 could not be loaded") }
        guard let handle = handle ?? ccurl_easy_init() else { return .temporary("libcurl could not start a transfer") }
        self.handle = handle
        var code = configure(handle, from: from, recipients: recipients)
        if code == 0 {
            // The message is read by libcurl during perform: both happen while the bytes are pinned.
            code = message.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    let set = ccurl_set_message(handle, chars.baseAddress, chars.count)
                    return set == 0 ? ccurl_easy_perform(handle) : set
                }
            }
        }
        let reply = ccurl_response_code(handle)
        ccurl_set_message(handle, nil, 0)
        guard code != 0 else { return .sent }
        let detail = String(cString: errorBuffer)
        let text = (detail.isEmpty ? String(cString: ccurl_easy_strerror(code)) : detail) + (reply > 0 ? " (SMTP \(reply))" : "")
        // A broken connection must not be reused for the next message.
        ccurl_easy_cleanup(handle)
        self.handle = nil
        return (500...599).contains(reply) ? .permanent(text) : .temporary(text)
    }

    private func configure(_ handle: UnsafeMutableRawPointer, from: String, recipients: [String]) -> Int32 {
        errorBuffer[0] = 0
        var steps: [() -> Int32] = [
            { ccurl_setopt_string(handle, Int32(CCURL_OPT_URL), self.settings.url) },
            { ccurl_setopt_long(handle, Int32(CCURL_OPT_NOSIGNAL), 1) },
            {
                ccurl_setopt_long(
                    handle, Int32(CCURL_OPT_USE_SSL),
                    Int(self.settings.requireTLS || self.settings.url.hasPrefix("smtps:") ? CCURL_USESSL_ALL : CCURL_USESSL_TRY))
            },
            { ccurl_setopt_long(handle, Int32(CCURL_OPT_CONNECTTIMEOUT_MS), Int(self.settings.connectTimeout * 1000)) },
            { ccurl_setopt_long(handle, Int32(CCURL_OPT_TIMEOUT_MS), Int(self.settings.timeout * 1000)) },
            { ccurl_setopt_string(handle, Int32(CCURL_OPT_MAIL_FROM), "<\(from)>") },
            { ccurl_setopt_pointer(handle, Int32(CCURL_OPT_ERRORBUFFER), self.errorBuffer) },
        ]
        if let username = settings.username, !username.isEmpty {
            steps.append { ccurl_setopt_string(handle, Int32(CCURL_OPT_USERNAME), username) }
            steps.append { ccurl_setopt_string(handle, Int32(CCURL_OPT_PASSWORD), self.settings.password ?? "") }
        }
        if let caFile = settings.caFile { steps.append { ccurl_setopt_string(handle, Int32(CCURL_OPT_CAINFO), caFile) } }
        for step in steps {
            let code = step()
            if code != 0 { return code }
        }
        let envelope = recipients.map { "<\($0)>" }
        let pointers: [UnsafePointer<CChar>?] = envelope.map { UnsafePointer(strdup($0)) }
        defer { for pointer in pointers { free(UnsafeMutableRawPointer(mutating: pointer)) } }
        return pointers.withUnsafeBufferPointer { ccurl_set_recipients(handle, $0.baseAddress, Int32($0.count)) }
    }
}
