import Foundation
import Logging
import Mail
import SQLite

extension Application {
    /// The interface strings in `language`, English when there is no such catalogue.
    func localizer(_ language: String) -> Localizer { languages.localizer(language) ?? languages.english }

    /// A message from the site to one person, in their language: the text, then the site's
    /// name and address as a signature. Links in `text` are absolute already.
    func mail(
        to address: String, name: String = "", language: String, subject: String, text: String, attachments: [MailAttachment] = []
    ) -> MailMessage {
        let (from, domain) = (mailer.from, mailer.domain)
        var message = MailMessage(
            from: from, to: MailAddress(name: name, address: address),
            replyTo: mailer.replyTo, subject: subject,
            text: text + "\n\n-- \n\(siteName)\n\(config.publicBaseURL)/", language: language,
            messageID: MailMessage.makeID(domain: domain))
        message.attachments = attachments
        // Automatic replies (out-of-office) should not answer a confirmation link.
        message.headers.append(("Auto-Submitted", "auto-generated"))
        return message
    }

    /// The mail sender, from the configuration.
    static func makeMailer(config: AppConfig, database: Database, logger: Logger) -> Mailer {
        var smtp = config.smtpURL.map { SMTPSettings(url: $0, username: config.smtpUsername, password: config.smtpPassword) }
        smtp?.requireTLS = config.smtpRequireTLS
        smtp?.caFile = config.smtpCAFile
        let from = MailAddress(parsing: config.mailSender) ?? MailAddress(name: config.siteName, address: "no-reply@localhost.localdomain")
        let base = config.publicBaseURL
        return Mailer(
            database: database,
            settings: Mailer.Settings(
                smtp: smtp, from: from, replyTo: config.mailReplyTo.flatMap(MailAddress.init(parsing:)),
                maxPerSecond: config.mailMaxPerSecond, retryBase: config.mailRetrySeconds,
                scheduleSeconds: config.mailScheduleSeconds),
            logger: logger, outboxURL: { id in id == 0 ? "\(base)/admin/outbox" : "\(base)/admin/outbox/\(id)" })
    }
}

extension Application {
    /// The mail nobody's action causes, due by the clock: event reminders and scheduled
    /// mailings. Run by the mailer's thread every `mail.schedule_seconds`.
    func runScheduledMail() {
        do {
            try EventsFeature.sendReminders(self)
            try MailingsFeature.sendDue(self)
        } catch {
            logger.error("mail: scheduled mail failed: \(error)")
        }
    }
}
