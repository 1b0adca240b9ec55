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
    case failed(DeliveryFailure)

    /// A failure with no SMTP reply behind it (no connection, libcurl missing), the relay's.
    public static func unreachable(_ text: String) -> DeliveryResult { .failed(DeliveryFailure(stage: .connect, code: 0, reply: text)) }
}

/// Where in the SMTP conversation a delivery stopped (RFC 5321 §3.3).
public enum SMTPStage: String, Sendable {
    case connect, hello, auth
    case mailFrom = "mail"
    case recipient = "rcpt"
    case data, message

    /// How staff read it beside the server's reply.
    public var command: String {
        switch self {
        case .connect: "connect"
        case .hello: "EHLO"
        case .auth: "AUTH"
        case .mailFrom: "MAIL FROM"
        case .recipient: "RCPT TO"
        case .data: "DATA"
        case .message: "end of data"
        }
    }
}

/// A delivery that did not happen: where it stopped, the reply code, its enhanced status
/// code (RFC 3463) when the server gave one, and the server's whole reply as written.
public struct DeliveryFailure: Sendable, Equatable {
    public let stage: SMTPStage
    public let code: Int
    public let reply: String

    public init(stage: SMTPStage, code: Int, reply: String) {
        self.stage = stage
        self.code = code
        self.reply = reply
    }

    /// The enhanced status code (`5.1.1`) after the reply code, if any.
    public var enhancedCode: (klass: Int, subject: Int, detail: Int)? {
        var text = Substring(reply)
        if text.count >= 3, text.prefix(3).allSatisfy(\.isNumber) { text = text.dropFirst(3).drop { $0 == " " || $0 == "-" } }
        let word = text.prefix { !$0.isWhitespace }
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(\.isNumber) }),
            let klass = Int(parts[0]), let subject = Int(parts[1]), let detail = Int(parts[2]), [2, 4, 5].contains(klass)
        else { return nil }
        return (klass, subject, detail)
    }

    /// What the failure says about whom (see `DeliveryVerdict`).
    public var verdict: DeliveryVerdict {
        let enhanced = enhancedCode
        switch stage {
        case .connect, .hello, .auth, .mailFrom, .data:
            // The session failed before the recipient was named, or for every recipient:
            // the relay (or our account with it) is at fault, not the address.
            return .relay
        case .recipient, .message:
            if code == 421 || code == 530 || (400...499).contains(code) && stage == .message { return .relay }
            if (400...499).contains(code) { return .retryLater }
            guard (500...599).contains(code) else { return .relay }
            if let (_, subject, detail) = enhanced {
                switch (subject, detail) {
                case (1, 7), (1, 8): return .relay  // our sender address is refused
                case (1, _), (2, 1): return .hardBounce  // no such mailbox, bad domain, disabled mailbox
                case (7, 0), (7, 8), (7, 9), (7, 11), (7, 14), (5, _), (4, _): return .relay  // authentication, protocol, routing
                case (3, 4), (6, _): return .messageRefused  // too big, or its content refused
                case (7, 1) where reply.lowercased().contains("relay"): return .relay  // "Relay access denied"
                default: return .softBounce  // full mailbox, policy, spam: not the address's fault for good
                }
            }
            if reply.lowercased().contains("relay") { return .relay }
            return stage == .message ? .relay : .softBounce
        }
    }

    /// The line staff read: the command, and the server's reply as written.
    public var description: String {
        let said = reply.isEmpty ? (code > 0 ? String(code) : "no reply") : reply
        return "\(stage.command): \(said)"
    }
}

/// Whom a failed delivery is about, and so what the sender does.
public enum DeliveryVerdict: String, Sendable {
    /// The relay failed the session (connection, TLS, AUTH, MAIL FROM, DATA): sending
    /// pauses, every recipient is kept, and it is tried again later.
    case relay
    /// A temporary refusal of this recipient (`4xx` at RCPT): this message is retried.
    case retryLater
    /// The mailbox does not exist or is disabled for good (`5.1.x`, `5.2.1`): suppressed.
    case hardBounce
    /// A permanent refusal that says nothing final about the address (a full mailbox, a
    /// policy or spam refusal): this message fails; the address is suppressed only after
    /// several within a window.
    case softBounce
    /// The message itself was refused (too big, its content): it fails, nobody is suppressed.
    case messageRefused
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

    /// Sends `message` (RFC 5322 text, CRLF) from `from` to each of `recipients`.
    public func send(from: String, to recipients: [String], message: [UInt8]) -> DeliveryResult {
        guard SMTPTransport.isAvailable else { return .unreachable("libcurl.so.4 could not be loaded") }
        var code: Int32 = 0
        let handle: UnsafeMutableRawPointer
        if let kept = self.handle {
            handle = kept
        } else {
            // A new handle (and so a new connection): its settings are set once, and kept for
            // every message it sends.
            guard let made = ccurl_easy_init() else { return .unreachable("libcurl could not start a transfer") }
            handle = made
            self.handle = made
            code = configure(made)
        }
        if code == 0 { code = address(handle, from: from, recipients: recipients) }
        if code == 0 {
            // The message is read by libcurl during perform: both happen while the bytes are pinned.
            code = message.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    let set = ccurl_set_message(handle, chars.baseAddress, chars.count)
                    return set == 0 ? ccurl_easy_perform(handle) : set
                }
            }
        }
        let replyCode = ccurl_response_code(handle)
        let stage = SMTPStage(ccurl_stage(handle))
        let reply = String(cString: ccurl_last_reply(handle))
        ccurl_set_message(handle, nil, 0)
        guard code != 0 else { return .sent }
        // A broken connection must not be reused for the next message.
        ccurl_easy_cleanup(handle)
        self.handle = nil
        // A refusal is a 4xx or 5xx reply; after a 2xx or 3xx (AUTH's 334 challenge) the
        // server went quiet or away, and libcurl's own words say how.
        let replied = (400...599).contains(replyCode) && reply.hasPrefix(String(replyCode))
        guard replied else {
            let detail = String(cString: errorBuffer)
            let text = detail.isEmpty ? String(cString: ccurl_easy_strerror(code)) : detail
            return .failed(DeliveryFailure(stage: stage, code: 0, reply: text))
        }
        return .failed(DeliveryFailure(stage: stage, code: replyCode, reply: reply))
    }

    /// What every message on one handle shares: the relay, TLS, timeouts and credentials.
    private func configure(_ handle: UnsafeMutableRawPointer) -> Int32 {
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
        return 0
    }

    /// The envelope of one message.
    private func address(_ handle: UnsafeMutableRawPointer, from: String, recipients: [String]) -> Int32 {
        errorBuffer[0] = 0
        let code = ccurl_setopt_string(handle, Int32(CCURL_OPT_MAIL_FROM), "<\(from)>")
        if code != 0 { return code }
        let envelope = recipients.map { "<\($0)>" }
        let pointers: [UnsafePointer<CChar>?] = envelope.map { UnsafePointer(strdup($0)) }
        defer { for pointer in pointers { free(UnsafeMutableRawPointer(mutating: pointer)) } }
        return pointers.withUnsafeBufferPointer { ccurl_set_recipients(handle, $0.baseAddress, Int32($0.count)) }
    }
}

extension SMTPStage {
    /// From `ccurl_stage`'s `CCURL_STAGE_…`.
    init(_ stage: Int32) {
        switch Int(stage) {
        case Int(CCURL_STAGE_HELLO): self = .hello
        case Int(CCURL_STAGE_AUTH): self = .auth
        case Int(CCURL_STAGE_MAIL): self = .mailFrom
        case Int(CCURL_STAGE_RCPT): self = .recipient
        case Int(CCURL_STAGE_DATA): self = .data
        case Int(CCURL_STAGE_MESSAGE): self = .message
        default: self = .connect
        }
    }
}
