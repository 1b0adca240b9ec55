import CLinux
import Foundation
import Logging
import Synchronization

/// Runs the features' jobs by the clock (`Feature.jobs`): the `.mail` ones on the mailer's
/// thread before it looks for due mail (so what they queue goes at once), the others on a
/// thread of its own, at once when the server starts and then every period. Jobs are asked
/// of the features at each turn, holding the application weakly, so a stopped application
/// is let go.
final class Scheduler: Sendable {
    private weak let app: Application?
    private let stopping = Mutex(false)
    private let wake = NSCondition()
    private let finished = DispatchSemaphore(value: 0)

    init(app: Application) { self.app = app }

    func start() {
        Thread { [self] in
            sanctuary_name_thread("sanctuary-jobs")
            run()
            finished.signal()
        }.start()
    }

    func stop() {
        stopping.withLock { $0 = true }
        wake.lock()
        wake.broadcast()
        wake.unlock()
        finished.wait()
    }

    /// The jobs the mailer runs every `mail.schedule_seconds`.
    static func runMailJobs(_ app: Application) {
        for job in app.features.flatMap({ $0.jobs(app) }) where job.cadence == .mail {
            run(job, logger: app.logger)
        }
    }

    private static func run(_ job: ScheduledJob, logger: Logger) {
        do { try job.run() } catch { logger.error("\(job.name) failed: \(error)") }
    }

    private func run() {
        var next: [String: Date] = [:]
        while !stopping.withLock({ $0 }) {
            guard let app else { return }
            let now = Date()
            var soonest = now.addingTimeInterval(3600)
            for job in app.features.flatMap({ $0.jobs(app) }) {
                let period: TimeInterval
                switch job.cadence {
                case .mail: continue
                case .housekeeping: period = max(0.05, app.config.maintenanceSeconds)
                case .every(let seconds): period = max(0.05, seconds)
                }
                if let due = next[job.name], due > now {
                    soonest = min(soonest, due)
                    continue
                }
                Self.run(job, logger: app.logger)
                let due = Date().addingTimeInterval(period)
                next[job.name] = due
                soonest = min(soonest, due)
            }
            sleep(until: soonest)
        }
    }

    private func sleep(until date: Date) {
        wake.lock()
        if !stopping.withLock({ $0 }) { _ = wake.wait(until: date) }
        wake.unlock()
    }
}
