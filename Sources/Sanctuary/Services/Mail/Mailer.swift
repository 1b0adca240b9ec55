import CLinux
import CoreMetrics
import Foundation
import Logging
import Mail
import Storage
import Synchronization

/// The sender: one thread, away from the event loops, that takes due messages from the
/// outbox (transactional before bulk), delivers them over one reused SMTP connection at
/// most `maxPerSecond`, and records every attempt. With no SMTP server configured it
/// delivers nothing and logs, once per message, where an admin can read it.
///
/// Every few seconds it also runs the features' `.mail` jobs (event reminders, scheduled mailings) the application
/// gives it: they write their mail into the outbox like any action.
public final class Mailer: Sendable {
    /// How long a node holds the messages it claimed (PostgreSQL) before another may take them:
    /// longer than a pass of 100 messages takes at any sending rate we allow.
    static let claimLease: TimeInterval = 600
    public struct Settings: Sendable {
        public var smtp: SMTPSettings?
        /// `mail.from`, parsed once: the `From` of every message, and the envelope sender
        /// unless `returnPath` makes one per message.
        public var from: MailAddress
        public var replyTo: MailAddress?
        public var maxPerSecond: Double
        public var retryBase: Double
        /// How often the scheduled jobs run.
        public var scheduleSeconds: Double = 30
        /// Turns the link placeholders of a stored message into tokens, as it is sent.
        public var revealLinks: @Sendable (String) -> [UInt8] = { Array($0.utf8) }
        /// When soft bounces suppress an address.
        public var bouncePolicy = BouncePolicy()
        /// The envelope sender of one message (VERP), given its outbox id; nil: `from`.
        public var returnPath: (@Sendable (Int64) -> String)?
        /// The longest pause after the relay failed a session (it doubles from `retryBase`).
        public var relayPauseLimit: Double = 300
        /// Connections to the relay used at once.
        public var connections = 4
    }

    let database: Database
    let settings: Settings
    let logger: Logger
    let outboxURL: @Sendable (Int64) -> String
    private let scheduled = Mutex<(@Sendable () -> Void)?>(nil)
    /// Renders a mailing's message for one recipient when it is sent (nil: it cannot go).
    private let renderer = Mutex<(@Sendable (DueMessage) throws -> String?)?>(nil)
    private let wakeup = DispatchSemaphore(value: 0)
    /// A wake-up is already on its way: a burst of signatures wakes the sender once, not once each.
    private let wakePending = Atomic<Bool>(false)
    private let running = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Messages the SMTP server accepted since start.
    public let deliveredCount = Atomic<Int>(0)
    /// How many times the scheduled jobs have run (tests wait on it instead of the clock).
    public let scheduledRuns = Atomic<Int>(0)

    /// Deliveries tried, by result (`sanctuary_mail_attempts_total`).
    private let attempts: (sent: CoreMetrics.Counter, deferred: CoreMetrics.Counter, failed: CoreMetrics.Counter)?

    init(
        database: Database, settings: Settings, logger: Logger, metrics: (any MetricsFactory)? = nil,
        outboxURL: @escaping @Sendable (Int64) -> String
    ) {
        attempts = metrics.map { factory in
            let counter = { (result: String) in
                CoreMetrics.Counter(label: "sanctuary_mail_attempts_total", dimensions: [("result", result)], factory: factory)
            }
            return (counter("sent"), counter("deferred"), counter("failed"))
        }
        self.database = database
        self.settings = settings
        domain = settings.from.address.split(separator: "@").last.map(String.init) ?? "localhost.localdomain"
        self.logger = logger
        self.outboxURL = outboxURL
    }

    /// The jobs to run every `scheduleSeconds` (set once the application is built).
    func schedule(_ jobs: @escaping @Sendable () -> Void) { scheduled.withLock { $0 = jobs } }

    /// How a message stored without its text (a mailing's) is rendered (set once).
    func render(with renderer: @escaping @Sendable (DueMessage) throws -> String?) { self.renderer.withLock { $0 = renderer } }

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
    /// The sender's domain, for message ids (found once: every signature's mail asks).
    public let domain: String

    private var isRunning: Bool { running.load(ordering: .acquiring) }

    /// What a pass over the outbox did, and so how long the sender rests before the next.
    enum Pass: Equatable {
        /// It attempted at least one message: look again at once.
        case worked
        /// Nothing was sendable: rest until woken, or a second.
        case idle
        /// The relay failed a session: rest until `until` (or staff ask to try now).
        case relayPaused(until: Date)
    }

    /// While the relay is failing: when to try it again, and how many sessions failed in a row.
    private let relayPause = Mutex<(until: Date, failures: Int)?>(nil)
    /// Passes over the outbox since start (a test reads it to see the sender rest).
    public let passes = Atomic<Int>(0)

    /// Staff fixed the relay: the paused sender tries it now.
    public func tryRelayNow() {
        relayPause.withLock { if $0 != nil { $0?.until = .distantPast } }
        wakeup.signal()
    }

    private func run() {
        let transport = settings.smtp.map(SMTPTransport.init)
        var lastLogged: Int64 = 0
        if transport == nil {
            let waiting = (try? database.read { try OutboxStore.counts($0)[.waiting] ?? 0 }) ?? 0
            lastLogged = (try? database.read { try OutboxStore.lastID($0) }) ?? 0
            logger.notice("mail: no SMTP server configured (mail.smtp_url); \(waiting) messages wait in the outbox: \(outboxURL(0))")
        } else if let status = try? database.read({ try RelayStatusStore.current($0) }), status.isFailing {
            // Failing when the server stopped: tried once at start, then paced as before.
            relayPause.withLock { $0 = (Date(), min(status.failures, 20)) }
        }
        var nextSchedule = Date()
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
            switch pass(transport, lastSend: &lastSend) {
            case .worked: continue
            case .idle: sleep(min(1, max(0.05, nextSchedule.timeIntervalSinceNow)))
            case .relayPaused(let until):
                // New mail wakes it but finds the relay still paused; staff (`tryRelayNow`) or a
                // stop end the rest early.
                let rest = min(max(0.05, until.timeIntervalSinceNow), max(0.05, nextSchedule.timeIntervalSinceNow))
                _ = wakeup.wait(timeout: .now() + rest)
                wakePending.store(false, ordering: .releasing)
            }
        }
    }

    /// One pass: the due messages, in order, until one fails at the relay. Every message it
    /// takes is either attempted and recorded, or set aside (held or failed): none stays
    /// due without being sendable, so a pass that sends nothing ends in a rest, never a spin.
    func pass(_ transport: SMTPTransport, lastSend: inout Date) -> Pass {
        passes.add(1, ordering: .relaxed)
        if let pause = relayPause.withLock({ $0 }), pause.until > Date() { return .relayPaused(until: pause.until) }
        let due: [DueMessage]
        // Several nodes on one PostgreSQL each take their own messages (`OutboxStore.claim`).
        let lease = database.dialect == .postgres ? Timestamp.format(Date().addingTimeInterval(Self.claimLease)) : nil
        do {
            if let lease {
                due = try database.writeAndWait { try OutboxStore.claim($0, leaseUntil: lease, limit: 100) }
            } else {
                due = try database.read { try OutboxStore.due($0, limit: 100) }
            }
        } catch {
            logger.error("mail: could not read the outbox: \(error)")
            return .relayPaused(until: Date().addingTimeInterval(5))
        }
        // Claimed but neither attempted nor set aside when the pass ends: due again at once.
        var unattempted = lease == nil ? [] : Set(due.map(\.id))
        defer {
            if let lease, !unattempted.isEmpty {
                let ids = Array(unattempted)
                do { try database.writeAndWait { try OutboxStore.release($0, ids: ids, leaseUntil: lease) } } catch {
                    logger.error("mail: could not give back \(ids.count) messages (due again within \(Int(Self.claimLease)) s): \(error)")
                }
            }
        }
        let render = renderer.withLock { $0 }
        let interval = 1.0 / max(0.1, settings.maxPerSecond)
        var attempted = false
        // Attempts are recorded a batch at a time, one commit for many messages (each commit
        // waits for the disk): after `Self.batchSize` messages, `Self.batchSeconds` after the
        // first one not yet recorded, before waiting for the rate, when the relay fails, and
        // when the pass ends. A crash between a send and its record sends those few messages
        // again, never loses one.
        var unrecorded: [(DueMessage, DeliveryResult)] = []
        var firstUnrecorded = Date.distantFuture
        var pausedUntil: Date?
        var stop = false
        var queue = due[...]
        var taken: [Int64: DueMessage] = [:]
        // Records what is waiting in one commit; a relay failure among it pauses the pass.
        func flush() {
            guard !unrecorded.isEmpty else { return }
            if let pause = record(unrecorded, lease: lease) { pausedUntil = pause }
            unrecorded.removeAll(keepingCapacity: true)
        }
        // The messages go over `settings.connections` connections at once: `next` gives the
        // transport the next one (rendered, paced), `done` keeps what each came to.
        transport.send(
            connections: settings.connections,
            next: {
                while !stop, isRunning, let message = queue.popFirst() {
                    // Rendered (and its mailing's state read) just before it goes.
                    let text: [UInt8]?
                    do {
                        text = message.message.isEmpty ? try render?(message).map { Array($0.utf8) } : settings.revealLinks(message.message)
                    } catch {
                        // Its mailing could not be read: it stays due, and the round ends.
                        logger.error("mail: could not make #\(message.id): \(error)")
                        pausedUntil = Date().addingTimeInterval(5)
                        stop = true
                        return nil
                    }
                    guard let text else {
                        // A mailing paused or cancelled since the batch was read, or gone: held or
                        // failed, never left due.
                        unattempted.remove(message.id)
                        setAside(message)
                        continue
                    }
                    // The planned time of this send, not when the wait for it ends: being late a
                    // little on every message would otherwise add up to a tenth of the rate.
                    let wait = interval - Date().timeIntervalSince(lastSend)
                    // Recorded before a pause for the rate (a millisecond or more) too: held
                    // back by the rate, each attempt is recorded before the next starts, and a
                    // crash repeats only what was under way.
                    if wait >= 0.001 || unrecorded.count >= Self.batchSize || -firstUnrecorded.timeIntervalSinceNow >= Self.batchSeconds {
                        flush()
                    }
                    let slot = wait > 0 ? lastSend.addingTimeInterval(interval) : Date()
                    lastSend = slot
                    attempted = true
                    unattempted.remove(message.id)
                    taken[message.id] = message
                    let sender = settings.returnPath?(message.id) ?? settings.from.address
                    return SMTPTransport.Outgoing(
                        id: message.id, from: sender, recipients: [message.recipient], message: text, notBefore: slot)
                }
                return nil
            },
            done: { outgoing, result in
                guard let message = taken.removeValue(forKey: outgoing.id) else { return }
                if unrecorded.isEmpty { firstUnrecorded = Date() }
                unrecorded.append((message, result))
                // Held back by the rate (the next send waits a millisecond or more for its
                // time): recorded at once, as each finishes; only at full speed are outcomes
                // gathered into batches.
                if lastSend.addingTimeInterval(interval).timeIntervalSinceNow >= 0.001 { flush() }
                // The relay failed the session: nothing more is started; what is under way ends.
                if case .failed(let failure) = result, failure.verdict == .relay { stop = true }
            })
        flush()
        if let pausedUntil { return .relayPaused(until: pausedUntil) }
        return attempted ? .worked : .idle
    }

    /// The most attempts recorded in one commit, and the longest an attempt waits for its record.
    static let batchSize = 100
    static let batchSeconds = 0.05

    /// Records attempts in one commit; answers when to try the relay again if the last one
    /// failed the session. `lease`: until when this node claimed the messages (PostgreSQL),
    /// which the record replaces.
    private func record(_ attempts: [(DueMessage, DeliveryResult)], lease: String?) -> Date? {
        guard !attempts.isEmpty else { return nil }
        var relayFailure: DeliveryFailure?
        for (_, result) in attempts.reversed() {
            if case .failed(let failure) = result, failure.verdict == .relay {
                relayFailure = failure
                break
            }
        }
        // One step on the pause: a relay failure (several at once when several connections
        // were sending: one step still) lengthens it; anything else ends it.
        let (pauseUntil, recovered) = relayPause.withLock { pause -> (Date?, Bool) in
            guard relayFailure != nil else {
                defer { pause = nil }
                return (nil, pause != nil)
            }
            let recoveredFirst = pause != nil && attempts.contains { $0.1 == .sent }
            let failures = (recoveredFirst ? 0 : pause?.failures ?? 0) + 1
            let until = Date().addingTimeInterval(min(settings.relayPauseLimit, settings.retryBase * pow(2, Double(min(failures - 1, 20)))))
            pause = (until, failures)
            return (until, false)
        }
        do {
            let (retryBase, policy, relayFailure) = (settings.retryBase, settings.bouncePolicy, relayFailure)
            let outcomes = attempts.map { (id: $0.0.id, result: $0.1) }
            try database.writeAndWait { db in
                for outcome in outcomes {
                    try OutboxStore.record(
                        db, id: outcome.id, result: outcome.result, retryBase: retryBase, policy: policy, relayRetry: pauseUntil,
                        claimedUntil: lease)
                }
                if let pauseUntil, let relayFailure {
                    try RelayStatusStore.failed(db, reply: relayFailure.description, nextTry: pauseUntil)
                } else if recovered {
                    try RelayStatusStore.recovered(db)
                }
            }
        } catch {
            logger.error("mail: could not record delivery of \(attempts.count) messages (#\(attempts[0].0.id)…): \(error)")
        }
        if recovered { logger.notice("mail: the relay accepts mail again; sending resumes") }
        for (message, result) in attempts { report(message, result) }
        return pauseUntil
    }

    /// Counts and logs one recorded attempt.
    private func report(_ message: DueMessage, _ result: DeliveryResult) {
        switch result {
        case .sent:
            deliveredCount.add(1, ordering: .relaxed)
            attempts?.sent.increment()
        case .failed(let failure):
            switch failure.verdict {
            case .relay, .retryLater: attempts?.deferred.increment()
            case .hardBounce, .softBounce, .messageRefused: attempts?.failed.increment()
            }
            switch failure.verdict {
            case .relay:
                logger.error("mail: the relay failed (\(failure.description)); sending pauses, every message is kept: \(outboxURL(0))")
            case .retryLater: logger.warning("mail: #\(message.id) will be retried: \(failure.description)")
            case .hardBounce, .softBounce, .messageRefused:
                logger.warning("mail: #\(message.id) failed (\(failure.verdict.rawValue)): \(failure.description)")
            }
        }
    }

    /// A mailing's message that cannot be made now: held while its mailing is paused, else failed.
    private func setAside(_ message: DueMessage) {
        do {
            try database.writeAndWait { db in
                let held = try message.mailingID.map { try BulkMailStore.mailingState(db, id: $0) } == .paused
                try OutboxStore.setAside(db, id: message.id, held: held, reason: "its mailing was cancelled or deleted")
                if !held, let mailingID = message.mailingID {
                    try BulkMailStore.record(db, mailingID: mailingID, sent: false, now: Timestamp.now())
                }
            }
        } catch {
            logger.error("mail: could not set #\(message.id) aside: \(error)")
        }
    }
}
