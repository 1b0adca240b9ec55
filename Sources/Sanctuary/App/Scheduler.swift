import Foundation
import Logging
import Storage

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
            run(job, in: app)
        }
    }

    /// Runs a job, unless another node is running it (several nodes on one PostgreSQL).
    private static func run(_ job: ScheduledJob, in app: Application) {
        do {
            if job.onEveryNode { try job.run() } else { try app.database.alone("job." + job.name) { try job.run() } }
        } catch {
            app.logger.error("\(job.name) failed: \(error)")
        }
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
                Self.run(job, in: app)
                let due = Date().addingTimeInterval(period)
                next[job.name] = due
                soonest = min(soonest, due)
            }
            thread.sleep(until: soonest)
        }
    }
}
