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

/// Delivers messages over SMTP with libcurl, reusing its connections while messages keep
/// coming: one at a time (`send(from:to:message:)`), or several at once over as many
/// connections (`send(connections:next:done:)`, libcurl's multi interface), so that one
/// message goes while the relay's reply to another is awaited. Not thread-safe: one transport
/// per sending thread.
///
/// libcurl is reached through `CCurl`, which opens `libcurl.so.4` at run time: the build
/// needs neither curl's headers nor its `-dev` package, and a machine without libcurl still
/// runs the site, with mail waiting in the outbox (`isAvailable` is false).
public final class SMTPTransport {
    public let settings: SMTPSettings
    /// Handles not sending, each keeping its connection open (set up once: `configure`).
    private var idle: [UnsafeMutableRawPointer] = []
    private var multi: UnsafeMutableRawPointer?

    public init(settings: SMTPSettings) {
        self.settings = settings
    }

    deinit {
        for handle in idle { ccurl_easy_cleanup(handle) }
        ccurl_multi_cleanup(multi)
    }

    /// Whether libcurl could be loaded.
    public static var isAvailable: Bool { ccurl_load() == 1 }

    /// One message for `send(connections:next:done:)`, to start no sooner than `notBefore`
    /// (the sender's rate).
    public struct Outgoing: Sendable {
        public let id: Int64
        public let from: String
        public let recipients: [String]
        public let message: [UInt8]
        public let notBefore: Date

        public init(id: Int64, from: String, recipients: [String], message: [UInt8], notBefore: Date = .distantPast) {
            self.id = id
            self.from = from
            self.recipients = recipients
            self.message = message
            self.notBefore = notBefore
        }
    }

    /// Sends `message` (RFC 5322 text, CRLF) from `from` to each of `recipients`.
    public func send(from: String, to recipients: [String], message: [UInt8]) -> DeliveryResult {
        guard SMTPTransport.isAvailable else { return .unreachable("libcurl.so.4 could not be loaded") }
        guard let handle = takeHandle() else { return .unreachable("libcurl could not start a transfer") }
        var code = address(handle, from: from, recipients: recipients)
        if code == 0 {
            // The message is read by libcurl during perform: both happen while the bytes are pinned.
            code = message.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    let set = ccurl_set_message(handle, chars.baseAddress, chars.count)
                    return set == 0 ? ccurl_easy_perform(handle) : set
                }
            }
        }
        return finish(handle, code)
    }

    /// Sends the messages `next` gives (until it gives nil) over up to `connections`
    /// connections at once, each no sooner than its `notBefore`, and tells `done` what each
    /// came to as it finishes. Returns when `next` has no more and every message taken has
    /// finished. Without libcurl's multi interface, or with one connection, they go one after
    /// another.
    public func send(connections: Int, next: () -> Outgoing?, done: (Outgoing, DeliveryResult) -> Void) {
        guard SMTPTransport.isAvailable, connections > 1, ccurl_multi_available() == 1, let multi = multi ?? ccurl_multi_init() else {
            while let outgoing = next() { done(outgoing, sendAlone(outgoing)) }
            return
        }
        self.multi = multi
        // What each transfer under way sends: the message, copied where libcurl reads it.
        var inFlight: [UnsafeMutableRawPointer: (outgoing: Outgoing, bytes: UnsafeMutableBufferPointer<UInt8>)] = [:]
        var finished = [UnsafeMutableRawPointer?](repeating: nil, count: connections)
        var codes = [Int32](repeating: 0, count: connections)
        var broken = false
        // Moves what is under way on, waiting at most `timeout` ms, and tells `done` of what
        // finished. If the multi interface itself fails, what was under way is the relay's to
        // answer again and the rest go one at a time.
        func advance(timeout: Int32) {
            let count = finished.withUnsafeMutableBufferPointer { handles in
                codes.withUnsafeMutableBufferPointer {
                    ccurl_multi_run(multi, timeout, handles.baseAddress, $0.baseAddress, Int32(connections))
                }
            }
            guard count >= 0 else {
                for (handle, transfer) in inFlight {
                    ccurl_multi_remove(multi, handle)
                    transfer.bytes.deallocate()
                    done(transfer.outgoing, finish(handle, 2))
                }
                inFlight.removeAll()
                broken = true
                return
            }
            for index in 0..<Int(count) {
                guard let handle = finished[index], let transfer = inFlight.removeValue(forKey: handle) else { continue }
                ccurl_multi_remove(multi, handle)
                let result = finish(handle, codes[index])
                transfer.bytes.deallocate()
                done(transfer.outgoing, result)
            }
        }
        var exhausted = false
        while !exhausted || !inFlight.isEmpty {
            guard inFlight.count < connections, !exhausted, let outgoing = next() else {
                if inFlight.count < connections { exhausted = true }
                if !inFlight.isEmpty { advance(timeout: 1000) }
                continue
            }
            // Its time comes while the others go on: libcurl moves transfers only when asked
            // to, so a plain sleep would hold them still.
            // (Less than a millisecond early, it goes: a wait that short costs more than it keeps.)
            while !inFlight.isEmpty, outgoing.notBefore.timeIntervalSinceNow >= 0.001 {
                advance(timeout: Int32(max(1, min(1000, outgoing.notBefore.timeIntervalSinceNow * 1000))))
            }
            if broken {
                done(outgoing, sendAlone(outgoing))
                break
            }
            Self.wait(until: outgoing.notBefore)
            guard let handle = takeHandle() else {
                done(outgoing, .unreachable("libcurl could not start a transfer"))
                continue
            }
            let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, outgoing.message.count))
            _ = bytes.initialize(from: outgoing.message)
            var code = address(handle, from: outgoing.from, recipients: outgoing.recipients)
            if code == 0 {
                code = bytes.withMemoryRebound(to: CChar.self) { ccurl_set_message(handle, $0.baseAddress, outgoing.message.count) }
            }
            if code == 0 && ccurl_multi_add(multi, handle) != 0 { code = 2 }  // CURLE_FAILED_INIT
            guard code == 0 else {
                bytes.deallocate()
                done(outgoing, finish(handle, code))
                continue
            }
            inFlight[handle] = (outgoing, bytes)
        }
        guard broken else { return }
        ccurl_multi_cleanup(multi)
        self.multi = nil
        while let outgoing = next() { done(outgoing, sendAlone(outgoing)) }
    }

    /// One message on its own, at its time.
    private func sendAlone(_ outgoing: Outgoing) -> DeliveryResult {
        Self.wait(until: outgoing.notBefore)
        return send(from: outgoing.from, to: outgoing.recipients, message: outgoing.message)
    }

    /// Waits until `date` (not at all when it is less than a millisecond away).
    private static func wait(until date: Date) {
        let seconds = date.timeIntervalSinceNow
        if seconds >= 0.001 { Thread.sleep(forTimeInterval: seconds) }
    }

    /// An idle handle (its connection open), or a new one set up for this relay.
    private func takeHandle() -> UnsafeMutableRawPointer? {
        if let handle = idle.popLast() { return handle }
        guard let handle = ccurl_easy_init() else { return nil }
        guard configure(handle) == 0 else {
            ccurl_easy_cleanup(handle)
            return nil
        }
        return handle
    }

    /// What a transfer came to. A handle that sent is kept for the next message; a broken
    /// connection is not reused.
    private func finish(_ handle: UnsafeMutableRawPointer, _ code: Int32) -> DeliveryResult {
        let replyCode = ccurl_response_code(handle)
        let stage = SMTPStage(ccurl_stage(handle))
        let reply = String(cString: ccurl_last_reply(handle))
        let detail = String(cString: ccurl_error_text(handle))
        ccurl_set_message(handle, nil, 0)
        guard code != 0 else {
            idle.append(handle)
            return .sent
        }
        ccurl_easy_cleanup(handle)
        // A refusal is a 4xx or 5xx reply; after a 2xx or 3xx (AUTH's 334 challenge) the
        // server went quiet or away, and libcurl's own words say how.
        let replied = (400...599).contains(replyCode) && reply.hasPrefix(String(replyCode))
        guard replied else {
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
