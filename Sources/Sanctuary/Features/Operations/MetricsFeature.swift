import CoreMetrics
import Crypto
import Foundation
import HTTP
import Prometheus
import Storage

/// `GET /metrics`: what the server counted, in Prometheus' text format, for the machine's
/// own monitoring (loopback) or a scraper holding `metrics_token`. Anyone else gets 404:
/// the address is not advertised.
///
/// Counted as they happen (through swift-metrics, by the layer that sees them): requests by
/// route pattern and status, their latency, page-cache hits and misses, group-commit sizes
/// and commit times. Read at each scrape: what each feature reports (`Feature.sampleMetrics`:
/// signatures by state, the outbox…), open connections, the process, the newest backup's time.
struct MetricsFeature: Feature {
    let app: Application

    func register() {
        app.router.get("/metrics", metrics)
    }

    func metrics(_ request: Request) throws -> Response {
        guard Self.allowed(request, token: app.config.metricsToken) else {
            if app.config.metricsToken != nil, request.headers["authorization"] != nil {
                var response = Response.text("Unauthorized\n", status: .unauthorized)
                response.headers["WWW-Authenticate"] = "Bearer"
                response.cache(.noStore)
                return response
            }
            throw HTTPError(.notFound)
        }
        try sample()
        var response = Response(status: .ok, body: .bytes(app.metrics.emitToBuffer()))
        response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
        response.cache(.noStore)
        return response
    }

    /// What each family counted through swift-metrics means: its `# HELP` line.
    static let help: [String: String] = [
        "http_requests_total": "Requests answered, by the route pattern that answered them (never the path) and status.",
        "http_request_duration_seconds":
            "Time from a request's first byte to its answer being queued, by route pattern (the page cache's hits included).",
        "sanctuary_db_write_batch_size": "Writes that shared one group commit.",
        "sanctuary_db_commit_seconds": "Each group commit, from BEGIN to COMMIT on disk.",
        "sanctuary_db_gathering_waits_total": "Gathered writes (a signature, an RSVP) that waited for company before their commit.",
        "sanctuary_db_gathering_gains_total": "Of those waits, the ones that gained a write to share the commit with.",
        "sanctuary_page_cache_hits_total": "Public pages answered from the page cache.",
        "sanctuary_page_cache_misses_total": "Public pages made afresh (then kept in the page cache).",
        "sanctuary_mail_attempts_total":
            "Deliveries tried, by result: sent; deferred (the relay failed, or a 4xx: tried again); failed (a bounce or a refusal).",
        "sanctuary_resource_downloads_total": "Whole-file resource downloads, counted in memory and written to the database in batches.",
    ]

    /// The backend for swift-metrics: this application's registry, with latency buckets fine
    /// enough for answers that take well under a millisecond, and a `HELP` for every family.
    static func factory(_ registry: PrometheusCollectorRegistry) -> DescribedMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(10),
        ]
        factory.valueHistogramBuckets = ["sanctuary_db_write_batch_size": [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]]
        return DescribedMetricsFactory(base: factory, help: help)
    }

    /// Loopback, as the request really came (not through a proxy: a proxy on this machine
    /// makes every visitor look local), or the right bearer token.
    static func allowed(_ request: Request, token: String?) -> Bool {
        if let token, let header = request.headers["authorization"] {
            let given = header.hasPrefix("Bearer ") ? String(header.dropFirst("Bearer ".count)) : ""
            // Digests compared in constant time: the comparison says nothing about how much matched.
            return SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data(token.utf8))
        }
        let address = request.remoteAddress
        let loopback = address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
        return loopback && request.headers["x-forwarded-for"] == nil && request.headers["forwarded"] == nil
    }

    /// Sets the gauges read from the database and the server.
    func sample() throws {
        let registry = app.metrics
        // What each feature counts (signatures, the outbox, suppressions…).
        let gauges = MetricGauges(registry: registry)
        for feature in app.features { try feature.sampleMetrics(gauges) }
        let open = app.server.withLock { $0?.openConnections } ?? 0
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "http", metricName: "open", unitName: "connections", helpText: "Client connections open now.")
        ).set(Double(open))
        sampleProcess()
        if let newest = BackupStore.newest(in: app.config.backupDirectory) {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "sanctuary", metricName: "last_backup", unitName: "timestamp_seconds",
                    helpText: "When the newest rotating backup was written.")
            ).set(newest.timeIntervalSince1970)
        }
    }

    /// What the operating system sees: the database and its WAL on disk, the process's
    /// memory, CPU and open files, and which build this is (its newest migration).
    func sampleProcess() {
        let registry = app.metrics
        func gauge(_ name: String, _ unit: String, _ help: String, labels: [(String, String)] = []) -> Prometheus.Gauge {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "sanctuary", metricName: name, unitName: unit, helpText: help), labels: labels)
        }
        func size(_ path: String) -> Double {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.doubleValue ?? 0
        }
        let database = app.config.databasePath
        if app.database.dialect == .postgres {
            let bytes = try? app.database.read { try $0.scalar("SELECT pg_database_size(current_database())", as: Int64.self) }
            gauge("database", "bytes", "The database on disk (SQLite's file, or PostgreSQL's database).").set(
                Double(bytes.flatMap { $0 } ?? 0))
        } else {
            gauge("database", "bytes", "The database on disk (SQLite's file, or PostgreSQL's database).").set(size(database))
            gauge("database_wal", "bytes", "The SQLite write-ahead log on disk (emptied at quiet moments).").set(size(database + "-wal"))
        }
        var disk = statvfs()
        if statvfs(app.config.dataDirectory.isEmpty ? "." : app.config.dataDirectory, &disk) == 0 {
            let block = Double(disk.f_frsize)
            gauge("disk_available", "bytes", "Free space the server may use on the disk holding the data folder.").set(
                Double(disk.f_bavail) * block)
            gauge("disk_size", "bytes", "The size of the disk holding the data folder.").set(Double(disk.f_blocks) * block)
        }
        // /proc/self/statm: sizes in pages; the second is what is resident.
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let resident = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        {
            gauge("process_resident_memory", "bytes", "Memory the server holds (resident set).").set(
                resident * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        var usage = rusage()
        if getrusage(RUSAGE_SELF.rawValue, &usage) == 0 {
            let seconds =
                Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
                + Double(usage.ru_stime.tv_usec) / 1e6
            gauge("process_cpu", "seconds", "CPU time the server has used, user and system.").set(seconds)
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        gauge("process_open_files", "", "File descriptors open (connections, the database, logs).").set(Double(files))
        let schema = KnownMigrations.checksums.keys.max() ?? ""
        gauge(
            "build_info", "", "Always 1; its label names the build by the newest migration it was made with.", labels: [("schema", schema)]
        )
        .set(Double(1))
    }
}

/// swift-prometheus' factory, with a `# HELP` line for the families it knows a text for:
/// the factory itself makes every family without one, and the registry refuses two texts
/// for one name, so a family's text must come with its first series.
struct DescribedMetricsFactory: CoreMetrics.MetricsFactory {
    let base: PrometheusMetricsFactory
    let help: [String: String]

    var registry: PrometheusCollectorRegistry { base.registry }

    /// The whole label as the metric's name, with its text.
    private func described(_ label: String, _ text: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: text)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let text = help[label] else { return base.makeCounter(label: label, dimensions: dimensions) }
        return base.registry.makeCounter(descriptor: described(label, text), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        guard let text = help[label] else { return base.makeFloatingPointCounter(label: label, dimensions: dimensions) }
        return base.registry.makeCounter(descriptor: described(label, text), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard let text = help[label] else { return base.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate) }
        guard aggregate else { return base.registry.makeGauge(descriptor: described(label, text), labels: dimensions) }
        let buckets = base.valueHistogramBuckets[label] ?? base.defaultValueHistogramBuckets
        return base.registry.makeValueHistogram(descriptor: described(label, text), labels: dimensions, buckets: buckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard let text = help[label] else { return base.makeMeter(label: label, dimensions: dimensions) }
        return base.registry.makeGauge(descriptor: described(label, text), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard let text = help[label] else { return base.makeTimer(label: label, dimensions: dimensions) }
        let buckets = base.durationHistogramBuckets[label] ?? base.defaultDurationHistogramBuckets
        return base.registry.makeDurationHistogram(descriptor: described(label, text), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { base.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
