import Foundation
import Logging

/// Runs the features' jobs by the clock (`Feature.jobs`): the `.mail` ones on the mailer's
/// thread before it looks for due mail (so what they queue goes at once), the others on a
/// thread of its own, at once when the server starts and then every period. Jobs are asked
/// of the features at each turn, holding the application weakly, so a stopped application
/// is let go.
final class Scheduler: Sendable {
    private weak let app: Application?
    private let thread = TimedThread(name: "sanctuary-jobs")

    init(app: Application) { self.app = app }

    func start() { thread.start { [self] in run() } }

    func stop() { thread.stop() }

    /// The jobs the mailer runs every `mail.schedule_seconds`.
    static func runMailJobs(_ app: Application) {
        for job in app.features.flatMap({ $0.jobs() }) where job.cadence == .mail {
            run(job, logger: app.logger)
        }
    }

    private static func run(_ job: ScheduledJob, logger: Logger) {
        do { try job.run() } catch { logger.error("\(job.name) failed: \(error)") }
    }

    private func run() {
        var next: [String: Date] = [:]
        while !thread.isStopping {
            guard let app else { return }
            let now = Date()
            var soonest = now.addingTimeInterval(3600)
            for job in app.features.flatMap({ $0.jobs() }) {
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
            thread.sleep(until: soonest)
        }
    }
}
