import CoreMetrics
import Foundation
import Logging
import Mail
import Storage

extension Application {
    /// The interface strings in `language`, English when there is no such catalogue.
    func localizer(_ language: String) -> Localizer { languages.localizer(language) ?? languages.english }

    /// A message from the site to one person, in their language: the text, then the site's
    /// name and address as a signature. Links in `text` are absolute already.
    /// An HTML alternative goes with the text (`MailHTML`): an address alone on its line
    /// becomes a button named `button` (by default "Open the link").
    func mail(
        to address: String, name: String = "", language: String, subject: String, text: String, button: String? = nil,
        attachments: [MailAttachment] = []
    ) -> MailMessage {
        let (from, domain) = (mailer.from, mailer.domain)
        let signature = "\n\n-- \n\(siteName)\n\(config.publicBaseURL)/"
        var message = MailMessage(
            from: from, to: MailAddress(name: name, address: address),
            replyTo: siteReplyTo ?? mailer.replyTo, subject: subject, text: text + signature, language: language,
            messageID: MailMessage.makeID(domain: domain))
        let button = button ?? localizer(language)("mail.button.open")
        func html(_ text: String) -> String {
            MailHTML.page(self, language: language, title: subject, body: MailHTML.body(fromText: text, button: button)).rendered
        }
        if attachments.isEmpty {
            // The same content as the last message like it (the next signer's), with this one's links.
            let look = [language, subject, button, signature, siteSettings.current.logo.map { String($0.id) } ?? ""]
                .joined(separator: "\u{0}")
            message.encodedContent = mailBodies.content(text: text, look: look) { standIn in
                var template = message
                template.text = standIn + signature
                template.html = html(standIn)
                return template.renderedContent()
            }
        } else {
            message.html = html(text)
            message.attachments = attachments
        }
        // Automatic replies (out-of-office) should not answer a confirmation link.
        message.headers.append(("Auto-Submitted", "auto-generated"))
        return message
    }

    /// Where replies go when an admin set it in the settings (it wins over `mail.reply_to`).
    var siteReplyTo: MailAddress? {
        let address = siteSettings.current.settings.replyTo
        return address.isEmpty ? nil : MailAddress(name: siteName, address: address)
    }

    /// Queues a mail to an address nobody has confirmed (a confirmation link) within the
    /// caps (`UnconfirmedMailCaps`): now, later, or not at all. Answers whether it was queued.
    @discardableResult
    func enqueueUnconfirmed(_ db: Connection, kind: String, _ mail: RenderedMail) throws -> Bool {
        switch unconfirmedMail.admit(mail.recipient) {
        case .now: try OutboxStore.enqueue(db, kind: kind, mail)
        case .later(let date): try OutboxStore.enqueue(db, kind: kind, mail, notBefore: date)
        case .dropped: return false
        }
        return true
    }

    /// The mail sender, from the configuration.
    static func makeMailer(
        config: AppConfig, database: Database, serverKey: ServerKey, mailLinks: MailLinkKey, logger: Logger,
        metrics: (any MetricsFactory)? = nil
    ) -> Mailer {
        var smtp = config.smtpURL.map { SMTPSettings(url: $0, username: config.smtpUsername, password: config.smtpPassword) }
        smtp?.requireTLS = config.smtpRequireTLS
        smtp?.caFile = config.smtpCAFile
        let from = MailAddress(parsing: config.mailSender) ?? MailAddress(name: config.siteName, address: "no-reply@localhost.localdomain")
        let base = config.publicBaseURL
        var settings = Mailer.Settings(
            smtp: smtp, from: from, replyTo: config.mailReplyTo.flatMap(MailAddress.init(parsing:)),
            maxPerSecond: config.mailMaxPerSecond, retryBase: config.mailRetrySeconds,
            scheduleSeconds: config.mailScheduleSeconds)
        settings.revealLinks = { mailLinks.revealedBytes($0) }
        settings.connections = config.mailConnections
        settings.bouncePolicy = BouncePolicy(softLimit: config.softBounceLimit, softDays: config.softBounceDays)
        settings.relayPauseLimit = max(config.mailRetrySeconds, min(300, config.mailRetrySeconds * 32))
        if let bounce = config.bounceAddress {
            settings.returnPath = { id in ReturnPath.address(bounce, outboxID: id, key: serverKey) }
        }
        return Mailer(
            database: database, settings: settings,
            logger: logger, metrics: metrics, outboxURL: { id in id == 0 ? "\(base)/admin/outbox" : "\(base)/admin/outbox/\(id)" })
    }
}

/// VERP return paths (`bounce+{id}-{mac}@domain`): a bounce that arrives after the relay
/// accepted a message names the message it answers, and nobody can forge one for another.
public enum ReturnPath {
    public static func address(_ bounce: String, outboxID: Int64, key: ServerKey) -> String {
        let (local, domain) = split(bounce)
        return "\(local)+\(outboxID)-\(tag(outboxID, key: key))@\(domain)"
    }

    /// The outbox id a return path names, if its tag is ours.
    public static func outboxID(in address: String, key: ServerKey) -> Int64? {
        let parts = token(address)
        guard parts.count == 2, parts[0].count <= 18, let id = Int64(parts[0]), id > 0, parts[1] == tag(id, key: key) else { return nil }
        return id
    }

    /// The mailto of a mailing message's `List-Unsubscribe`: `bounce+unsubscribe-{id}-{tag}@…`,
    /// read by `sanctuary mail bounce` like a bounce.
    public static func unsubscribeAddress(_ bounce: String, outboxID: Int64, key: ServerKey) -> String {
        let (local, domain) = split(bounce)
        return "\(local)+unsubscribe-\(outboxID)-\(tag(outboxID, key: key, purpose: "unsubscribe"))@\(domain)"
    }

    /// The outbox id an unsubscribe address names, if its tag is ours.
    public static func unsubscribeID(in address: String, key: ServerKey) -> Int64? {
        let parts = token(address)
        guard parts.count == 3, parts[0] == "unsubscribe", parts[1].count <= 18, let id = Int64(parts[1]), id > 0,
            parts[2] == tag(id, key: key, purpose: "unsubscribe")
        else { return nil }
        return id
    }

    /// What follows the `+` of the local part, split at `-`.
    private static func token(_ address: String) -> [Substring] {
        let (local, _) = split(address)
        guard let plus = local.lastIndex(of: "+") else { return [] }
        return local[local.index(after: plus)...].split(separator: "-")
    }

    static func tag(_ id: Int64, key: ServerKey, purpose: String = "return-path") -> String {
        key.mac(String(id), purpose: purpose).prefix(5).hexString
    }

    /// A mailing message's `Message-ID`, fixed by its outbox row and tagged like a return
    /// path, so a complaint quoting it names the message (and nobody can forge one for another).
    public static func messageID(mailingID: Int64, outboxID: Int64, domain: String, key: ServerKey) -> String {
        "<mailing-\(mailingID).\(outboxID).\(tag(outboxID, key: key))@\(domain)>"
    }

    /// The outbox id a `Message-ID` of ours names, if its tag is ours.
    public static func outboxID(inMessageID messageID: String, key: ServerKey) -> Int64? {
        let inner = messageID.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        guard inner.hasPrefix("mailing-"), let at = inner.firstIndex(of: "@") else { return nil }
        let parts = inner[inner.index(inner.startIndex, offsetBy: 8)..<at].split(separator: ".")
        guard parts.count == 3, parts[1].count <= 18, let id = Int64(parts[1]), id > 0, parts[2] == tag(id, key: key) else { return nil }
        return id
    }

    private static func split(_ address: String) -> (Substring, Substring) {
        guard let at = address.lastIndex(of: "@") else { return (Substring(address), "") }
        return (address[..<at], address[address.index(after: at)...])
    }
}
