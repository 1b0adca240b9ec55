import CLinux
import Foundation
import Logging
import Mail
import SQLite
import Synchronization

/// The sender: one thread, away from the event loops, that takes due messages from the
/// outbox (transactional before bulk), delivers them over one reused SMTP connection at
/// most `maxPerSecond`, and records every attempt. With no SMTP server configured it
/// delivers nothing and logs, once per message, where an admin can read it.
///
/// Every few seconds it also runs the scheduled jobs (event reminders) the application
/// gives it: they write their mail into the outbox like any action.
public final class Mailer: Sendable {
    public struct Settings: Sendable {
        public var smtp: SMTPSettings?
        /// `mail.from`, parsed once: the `From` of every message and the envelope sender.
        public var from: MailAddress
        public var replyTo: MailAddress?
        public var maxPerSecond: Double
        public var retryBase: Double
        /// How often the scheduled jobs run.
        public var scheduleSeconds: Double = 30
    }

    let database: Database
    let settings: Settings
    let logger: Logger
    let outboxURL: @Sendable (Int64) -> String
    private let scheduled = Mutex<(@Sendable () -> Void)?>(nil)
    /// Renders a mailing's message for one recipient when it is sent (nil: it cannot go).
    private let renderer = Mutex<(@Sendable (DueMessage) -> String?)?>(nil)
    private let wakeup = DispatchSemaphore(value: 0)
    /// A wake-up is already on its way: a burst of signatures wakes the sender once, not once each.
    private let wakePending = Atomic<Bool>(false)
    private let running = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Messages the SMTP server accepted since start.
    public let deliveredCount = Atomic<Int>(0)
    /// How many times the scheduled jobs have run (tests wait on it instead of the clock).
    public let scheduledRuns = Atomic<Int>(0)

    init(database: Database, settings: Settings, logger: Logger, outboxURL: @escaping @Sendable (Int64) -> String) {
        self.database = database
        self.settings = settings
        domain = settings.from.address.split(separator: "@").last.map(String.init) ?? "localhost.localdomain"
        self.logger = logger
        self.outboxURL = outboxURL
    }

    /// The jobs to run every `scheduleSeconds` (set once the application is built).
    func schedule(_ jobs: @escaping @Sendable () -> Void) { scheduled.withLock { $0 = jobs } }

    /// How a message stored without its text (a mailing's) is rendered (set once).
    func render(with renderer: @escaping @Sendable (DueMessage) -> String?) { self.renderer.withLock { $0 = renderer } }

    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if settings.smtp != nil && !SMTPTransport.isAvailable {
            logger.error("mail: libcurl.so.4 could not be loaded (install libcurl4); mail waits in the outbox")
        }
        Thread { [self] in
            sanctuary_name_thread("sanctuary-mail")
            run()
            finished.signal()
        }.start()
    }

    /// New mail is in the outbox: look now rather than at the next poll. Coalesced: many
    /// calls before the sender looks make one look. With no SMTP server there is nothing to
    /// hurry (the log line can wait for the next poll).
    public func wake() {
        guard settings.smtp != nil, !wakePending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wakeup.signal()
    }

    /// Sleeps until woken or `seconds` pass, then takes the pending wake-up.
    private func sleep(_ seconds: Double) {
        _ = wakeup.wait(timeout: .now() + seconds)
        wakePending.store(false, ordering: .releasing)
    }

    /// Stops after the message being sent, if any (it is recorded first).
    public func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        wakeup.signal()
        _ = finished.wait(timeout: .now() + 70)
    }

    public var from: MailAddress { settings.from }
    public var replyTo: MailAddress? { settings.replyTo }
    /// The domain of `Message-ID`s: the sender's.
    /// The sender's domain, for message ids (found once: every signature's mail asks).
    public let domain: String

    private var isRunning: Bool { running.load(ordering: .acquiring) }

    private func run() {
        let transport = settings.smtp.map(SMTPTransport.init)
        var lastLogged: Int64 = 0
        if transport == nil {
            let waiting = (try? database.read { try OutboxStore.counts($0)[.waiting] ?? 0 }) ?? 0
            lastLogged = (try? database.read { try OutboxStore.lastID($0) }) ?? 0
            logger.notice("mail: no SMTP server configured (mail.smtp_url); \(waiting) messages wait in the outbox: \(outboxURL(0))")
        }
        var nextSchedule = Date()
        var interval = 1.0 / max(0.1, settings.maxPerSecond)
        var lastSend = Date.distantPast
        while isRunning {
            if Date() >= nextSchedule {
                scheduled.withLock { $0 }?()
                scheduledRuns.add(1, ordering: .releasing)
                nextSchedule = Date().addingTimeInterval(settings.scheduleSeconds)
            }
            guard let transport else {
                // One line per message, but no flood: past ten new ones, one line says how many.
                let waiting = (try? database.read { try OutboxStore.waiting($0, after: lastLogged) }) ?? []
                for (id, kind) in waiting.prefix(10) { logger.notice("mail: \(kind) #\(id) waits in the outbox: \(outboxURL(id))") }
                if waiting.count > 10 { logger.notice("mail: \(waiting.count - 10) more messages wait in the outbox: \(outboxURL(0))") }
                lastLogged = waiting.last?.id ?? lastLogged
                sleep(1)
                continue
            }
            let due: [DueMessage]
            do { due = try database.read { try OutboxStore.due($0, limit: 100) } } catch {
                logger.error("mail: could not read the outbox: \(error)")
                sleep(5)
                continue
            }
            if due.isEmpty {
                sleep(1)
                continue
            }
            let render = renderer.withLock { $0 }
            for message in due where isRunning {
                // The planned time of this send, not when the sleep ended: oversleeping a
                // little on every message would otherwise add up to a tenth of the rate.
                let wait = interval - Date().timeIntervalSince(lastSend)
                let slot = wait > 0 ? lastSend.addingTimeInterval(interval) : Date()
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                // Rendered (and its mailing's state read) just before it goes.
                let text = message.message.isEmpty ? render?(message) : message.message
                // A mailing paused or cancelled since this batch was read: not now (its rows
                // are held or gone, and the next read will not return them).
                if text == nil && message.mailingID != nil { continue }
                lastSend = slot
                let result =
                    text.map { transport.send(from: settings.from.address, to: [message.recipient], message: Array($0.utf8)) }
                    ?? .permanent("the message could not be made (its mailing is gone)")
                do {
                    let (id, retryBase) = (message.id, settings.retryBase)
                    try database.writeAndWait { db in try OutboxStore.record(db, id: id, result: result, retryBase: retryBase) }
                } catch {
                    logger.error("mail: could not record delivery of #\(message.id): \(error)")
                }
                switch result {
                case .sent:
                    deliveredCount.add(1, ordering: .relaxed)
                case .permanent(let detail):
                    logger.warning("mail: #\(message.id) failed for good: \(detail)")
                case .temporary(let detail):
                    logger.warning("mail: #\(message.id) will be retried: \(detail)")
                    // The server is away: stop this batch; the rest stay due and are tried after a pause.
                    if !detail.contains("(SMTP 4") { sleep(min(settings.retryBase, 5)) }
                }
                if case .temporary(let detail) = result, !detail.contains("(SMTP 4") { break }
            }
            interval = 1.0 / max(0.1, settings.maxPerSecond)
        }
    }
}
