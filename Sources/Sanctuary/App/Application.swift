import CLinux
import Foundation
import HTTP
import Logging
import Prometheus
import Storage
import Synchronization

/// The whole application: configuration, database, interface strings and routes.
/// Build it once, then serve it with `makeServer()`.
public final class Application: Sendable {
    public let config: AppConfig
    public let database: Database
    /// Every interface string, per language.
    public let languages: Languages
    public let router: Router
    public let staticFiles: StaticFiles
    /// Pictures' copies, at `/media/{id}/{file}`, immutable (a new picture is a new id).
    public let mediaFiles: StaticFiles
    public let mediaDirectory: String
    /// Staff form posts, counted: each ends every cached page at once.
    let staffChanges = StaffChanges()
    let siteSettings = SiteSettingsCache()
    /// When this application started (its uptime, for warnings that need time to be true).
    let started = Date()
    var uptime: TimeInterval { Date().timeIntervalSince(started) }
    /// Whether the database can be written (a full disk), and its probe (`StorageHealth`).
    public let storageHealth: StorageHealth
    /// Each action's steps, from a page seen to a row confirmed (`Funnel`).
    public let funnel: Funnel

    /// The site's name: as an admin set it, or as configured.
    public var siteName: String {
        let title = siteSettings.current.settings.title
        return title.isEmpty ? config.siteName : title
    }

    /// The tagline in `t`'s language: as an admin set it, or the catalogue's.
    func tagline(_ t: Localizer) -> String {
        let tagline = siteSettings.current.settings.tagline
        return tagline.english.isEmpty ? t("site.tagline") : tagline.text(t)
    }
    public let logger: Logger
    public let serverKey: ServerKey
    /// The day's keys that client addresses are hashed with (`ClientHashKeys`).
    public let clientHashes: ClientHashKeys
    public let formTokens: FormToken
    /// The pause, block lists and canonical addresses signing checks (`SigningGate`).
    public let signingGate: SigningGate
    /// Public form posts (signatures, RSVPs, letters) per client address.
    public let actionLimiter: RateLimiter
    public let passwordHasher: PasswordHasher
    /// Uploaded resources (not under Public/).
    public let resourcesDirectory: String
    /// Delivers the outbox (started with the server).
    public let mailer: Mailer
    /// Makes the tokens of mailed links from the placeholders the outbox stores.
    public let mailLinks: MailLinkKey
    /// Mail contents made once for every message alike (`MailBodies`).
    let mailBodies = MailBodies()
    /// Where uploaded pictures are decoded: two at a time, off the shared pool.
    let imageWorkers = ImageWorkers()
    /// Caps on confirmation mail to addresses nobody has confirmed.
    public let unconfirmedMail: UnconfirmedMailCaps
    /// Everything counted for `GET /metrics`, in Prometheus form.
    public let metrics: PrometheusCollectorRegistry
    let metricsFactory: DescribedMetricsFactory
    /// The server made by `makeServer` (its open connections are a metric).
    let server = Mutex<HTTPServer?>(nil)
    /// Every feature, in the order their routes are registered: the one list that names them.
    static let builtInFeatures: [any Feature.Type] = [
        HealthFeature.self, HomeFeature.self, PetitionsFeature.self, NewsFeature.self, EventsFeature.self, LettersFeature.self,
        CampaignsFeature.self, UpdatesFeature.self, ResourcesFeature.self, StoriesFeature.self,
        SitemapFeature.self, LanguageFeature.self, ShareFeature.self, AdminFeature.self, AccountsFeature.self, StaffLinksFeature.self,
        StaffSessionsFeature.self,
        SecondFactorFeature.self,
        OutboxFeature.self, MailingsFeature.self,
        UnsubscribeFeature.self, SuppressionsFeature.self, SubscriberImportFeature.self, OutcomesFeature.self, PublicSignersFeature.self,
        MediaFeature.self,
        PagesFeature.self,
        SiteSettingsFeature.self, PrivacyFeature.self, SourcesFeature.self, InsightFeature.self, PlacesFeature.self, TriageFeature.self,
        EmbedsFeature.self, SearchFeature.self, VideosFeature.self, PledgesFeature.self, ResponsesFeature.self,
        MetricsFeature.self,
    ]
    /// The kinds of feature this application runs: the built-in ones and any given to `init`.
    public let featureTypes: [any Feature.Type]
    /// One value of each, made once the application is whole (at the end of its first phase
    /// of `init`) and never changed after: set before anything else can see the application,
    /// so read from any thread without a lock.
    public nonisolated(unsafe) private(set) var features: [any Feature] = []
    /// The main navigation and the staff navigation, gathered from the features.
    public let navigation: [NavigationEntry]
    public let adminNavigation: [AdminNavigationEntry]
    /// The kinds of item that carry a picture, and the content staff edit through the generic
    /// screens (each with what hangs on its items), gathered from the features.
    public let pictureOwners: [MediaOwner]
    public let mailingAudiences: [MailingAudience]
    let adminResources: [AdminResource]
    /// The clock's work, gathered from the features (see `startScheduler`).
    private let scheduler = Mutex<Scheduler?>(nil)
    /// The rotating backups of a running server (when `backup.every_hours` is above 0).
    private let backups = Mutex<BackupSchedule?>(nil)
    /// The access log the server writes (for `/healthz?detail`).
    private let accessLogInUse = Mutex<AccessLog?>(nil)
    /// The public pages' cache (nil when `page_cache_seconds` is 0), for `/healthz?detail`.
    private let pageCacheInUse = Mutex<MicroCache?>(nil)
    var pageCacheState: (entries: Int, busy: Bool)? { pageCacheInUse.withLock { $0?.state } }
    var accessLogFailure: (since: Date, reason: String, droppedBytes: Int)? { accessLogInUse.withLock { $0?.failure } }
    var lastBackup: BackupSchedule.Attempt? { backups.withLock { $0?.lastAttempt } }

    /// Opens (and creates) the database, applies migrations, loads sample content on an
    /// empty database when configured, and registers every feature's routes.
    public init(config: AppConfig, logger: Logger = Logger(label: "sanctuary"), features extra: [any Feature.Type] = []) throws {
        self.config = config
        featureTypes = Application.builtInFeatures + extra
        let types = featureTypes
        navigation = types.flatMap { $0.navigation }.sorted { $0.order < $1.order }
        pictureOwners = types.flatMap { $0.pictureOwners }
        mailingAudiences = types.flatMap { $0.mailingAudiences }
        funnel = Funnel(pages: types.flatMap { $0.funnelPages })
        let dependents = Dictionary(types.flatMap { $0.adminDependents }, uniquingKeysWith: +)
        adminResources = types.flatMap { $0.adminResources }.map { $0.adding(dependents[$0.key] ?? []) }
        adminNavigation = (types.flatMap { $0.adminNavigation } + adminResources.map(\.navigation)).sorted { $0.order < $1.order }
        self.logger = logger
        metrics = PrometheusCollectorRegistry()
        metricsFactory = MetricsFeature.factory(metrics)
        database = try Database(location: config.databasePath, metrics: metricsFactory)
        // Several nodes starting at once on one PostgreSQL start one after another: the
        // migrations, the keys and the sample content are made once.
        let startup = try database.hold("startup")
        defer { startup.release() }
        let applied = try Migrator(directory: config.migrationsDirectory, known: KnownMigrations.checksums).migrate(database)
        for name in applied { logger.info("applied migration \(name)") }
        languages = try Languages(directory: config.configDirectory.appendingPathComponent("locales"), timeZone: config.siteTimeZone)
        serverKey = try ServerKey.load(from: database)
        clientHashes = ClientHashKeys(fallback: serverKey)
        try clientHashes.refresh(database)
        formTokens = FormToken(key: serverKey)
        storageHealth = StorageHealth(databasePath: config.isPostgres ? nil : config.databasePath, logger: logger)
        signingGate = SigningGate(key: serverKey)
        signingGate.reload(database)
        actionLimiter = RateLimiter(
            capacity: config.signaturesPerMinute, per: 60, shared: Self.sharedBuckets(database, hashes: clientHashes, limiter: "actions"))
        unconfirmedMail = UnconfirmedMailCaps(settings: config.unconfirmedMailCaps)
        passwordHasher = PasswordHasher(logN: config.passwordCost)
        resourcesDirectory = config.dataDirectory + "/resources"
        // A new data_directory is made, the server's user's only (it holds the mail link key).
        try? FileManager.default.createDirectory(
            atPath: config.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for folder in [resourcesDirectory, config.spoolDirectory] {
            // Readable by the server's user only: uploads and the spool hold staff files.
            try? FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            chmod(folder, 0o700)
        }
        mailLinks = try MailLinkKey.load(directory: config.dataDirectory)
        // Uploads left by a crash mid-upload (older than any upload may take): nobody waits for them.
        let stale = Date().addingTimeInterval(-3600)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: config.spoolDirectory)) ?? [] {
            let path = config.spoolDirectory + "/" + name
            if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < stale {
                unlink(path)
            }
        }
        staticFiles = StaticFiles(root: config.publicDirectory.path, maxAge: config.staticMaxAge)
        mediaDirectory = config.dataDirectory + "/media"
        try? FileManager.default.createDirectory(atPath: mediaDirectory, withIntermediateDirectories: true)
        mediaFiles = StaticFiles(root: mediaDirectory, mount: "/media", policy: .immutable)
        router = Router()
        mailer = Application.makeMailer(
            config: config, database: database, serverKey: serverKey, mailLinks: mailLinks, logger: logger, metrics: metricsFactory)
        features = featureTypes.map { $0.init(app: self) }
        for feature in features { try feature.prepare() }
        var sampleLoaded = false
        if config.loadSampleContent {
            sampleLoaded = try SampleContent(file: config.configDirectory.appendingPathComponent("sample-content.json"))
                .loadIfEmpty(into: database)
            if sampleLoaded {
                logger.info("loaded the sample content from Config/sample-content.json")
            }
        }
        if sampleLoaded {
            // What each feature keeps beside the rows (files, pictures) for the sample content.
            let file = config.configDirectory.appendingPathComponent("sample-content.json")
            for feature in features { try feature.loadSampleContent(from: file) }
        }
        siteSettings.reload(database)
        configureRouter()
        mailer.schedule { [weak self] in if let self { Scheduler.runMailJobs(self) } }
        mailer.render { [weak self] due in try self?.storedMailText(due, sending: true) }
        // Start-up is done. On a first start, decoding the sample pictures grew the heap by
        // about 25 MB that glibc would otherwise keep for the server's whole life.
        malloc_trim(0)
    }

    /// The middleware, in the order a request meets them (a response meets them in reverse):
    ///
    ///     request  ─▶ StaticFastPath ─▶ Language ─▶ StaffChanges ─▶ Funnel ─▶ MicroCache ─▶ SecurityHeaders ─▶ Compression ─▶ route
    ///     response ◀──────────────── Language ◀─ StaffChanges ◀─ Funnel ◀─ MicroCache ◀─ SecurityHeaders ◀─ Compression ◀─┘
    ///
    /// - `StaticFastPath` before all: a file served less than a second ago is answered from
    ///   memory with its headers made once (`StaticFiles.hot`); anything else goes on.
    /// - `LanguageMiddleware` then: it strips `/fr` and marks the language, which the cache
    ///   key needs, and makes the final redirects French.
    /// - `StaffChanges` counts staff form posts, which end every cached page at once.
    /// - `Funnel` counts views of the actions' pages, cached or not.
    /// - `MicroCache` next: a hit skips everything inside it, so what it stores is the page as
    ///   sent, security headers and compression included. A page may live its whole second
    ///   only under a burst of commits (a viral petition); otherwise any commit ends it.
    /// - Compression last before the route, so the cache keeps one gzip and one plain copy.
    private func configureRouter() {
        // Pictures first: "" is every path's prefix, "/media" is not.
        router.use(StaticFastPath([mediaFiles, staticFiles]))
        router.use(LanguageMiddleware(languages: languages))
        router.use(staffChanges)
        // Before the cache: a page served from memory is a page seen.
        router.use(funnel)
        if config.pageCacheSeconds > 0 {
            let database = database
            let staffChanges = staffChanges
            let cache = MicroCache(
                ttl: config.pageCacheSeconds, metrics: metricsFactory, generation: { database.generation },
                recentWrites: { database.recentWrites }, mustShow: { staffChanges.count },
                key: { request in
                    // Public pages are the same for everyone who asks in the same language and encoding.
                    "\(request.attributes[LanguageKey.self] ?? "en") \(request.acceptsGzip ? "gzip" : "identity") \(request.isSecure ? "https" : "http") \(request.target)"
                })
            pageCacheInUse.withLock { $0 = cache }
            router.use(cache)
        }
        router.use(SecurityHeadersMiddleware())
        router.use(CompressionMiddleware())
        for feature in features { feature.register() }
        router.fallback = { [self] request in
            // Pictures live under their own mount: one lookup, not a miss in Public/ first.
            let files = request.path.hasPrefix("/media/") ? mediaFiles : staticFiles
            if var response = files.respond(to: request) {
                response.route = files.mount + "/*"
                return response
            }
            var response = ErrorPages.notFound(self, request)
            response.route = "(not found)"
            return response
        }
        router.errorPage = { [self] request, status in
            status == .notFound ? ErrorPages.notFound(self, request) : ErrorPages.status(self, request, status)
        }
        router.errorResponse = { [self] request, error in
            logger.error("\(request.method) \(request.path) failed: \(error)")
            return ErrorPages.failed(self, request, error)
        }
        router.freeze()
    }

    /// The server for this application, listening but not yet started. Starts the
    /// housekeeping timer too.
    public func makeServer() throws -> HTTPServer {
        scheduler.withLock { scheduler in
            if scheduler == nil {
                let made = Scheduler(app: self)
                made.start()
                scheduler = made
            }
        }
        mailer.start()
        // On PostgreSQL the engine's own tools keep the copies (pg_dump, point-in-time recovery).
        if config.backupEveryHours > 0 && !config.isPostgres {
            let schedule = BackupSchedule(
                databasePath: config.databasePath, folder: config.backupDirectory, everyHours: config.backupEveryHours,
                keep: config.backupKeep, maxAgeDays: config.backupMaxAgeDays, logger: logger,
                failures: metrics.makeCounter(
                    descriptor: MetricNameDescriptor(
                        namespace: "sanctuary", metricName: "backup_failures", unitName: "total",
                        helpText: "Rotating backups that failed (the disk full, a file unreadable); the log says why.")))
            backups.withLock { old in
                if old == nil {
                    schedule.start()
                    old = schedule
                }
            }
        }
        var limits = config.limits
        limits.spoolDirectory = config.spoolDirectory
        let accessLog = AccessLog(config.accessLog, fullAddresses: config.accessLogFullAddresses)
        accessLogInUse.withLock { $0 = accessLog }
        let made = try HTTPServer(
            host: config.host, port: config.port, responder: router, limits: limits, accessLog: accessLog,
            metrics: ServerMetrics(factory: metricsFactory))
        server.withLock { $0 = made }
        return made
    }

    /// The interface strings for a request's language.
    public func t(_ request: Request) -> Localizer { languages.localizer(for: request) }

    /// `alternate`: the same content's path without a language prefix, for the language
    /// switch and `hreflang` links; by default the page's own address for a `GET`, and the
    /// page holding the form for a `POST` (its path without the last segment).
    public func context(for request: Request, alternate: String? = nil) -> PageContext {
        let path: String
        if let alternate {
            path = alternate
        } else if request.method == "GET" || request.method == "HEAD" {
            path = request.target
        } else {
            path = "/" + request.path.split(separator: "/").dropLast().joined(separator: "/")
        }
        let t = t(request)
        let settings = siteSettings.current
        var context = PageContext(
            t: t, languages: languages, siteName: siteName, path: request.path, alternatePath: path, baseURL: baseURL(request))
        context.navigation = navigation.map { ($0.path, t($0.label)) }
        context.footerLinks = features.flatMap { $0.footerLinks(t) }.map { ($0.path, $0.label) }
        context.tagline = tagline(t)
        context.theme = settings.settings.accent.isEmpty ? nil : "/theme/\(settings.settings.accent.dropFirst()).css"
        context.logo = settings.logo.map { logo in
            let width = logo.sizes.first ?? logo.width
            return (logo.path(width: width), width, logo.height(forWidth: width))
        }
        context.defaultShare = settings.shareImage?.shareImage(t)
        context.contactEmail = settings.settings.contactEmail
        context.donateURL = settings.settings.donateURL
        context.socialPages = settings.socialPages
        return context
    }

    /// A full HTML page in the site layout.
    public func page(
        _ request: Request, title: String, status: Status = .ok, description: String? = nil,
        head: HTML = .empty, alternate: String? = nil, share: SharePreview = SharePreview(), _ body: (PageContext) -> HTML
    ) -> Response {
        let context = context(for: request, alternate: alternate)
        // A form sent back with mistakes says so in the title, the first thing a screen reader
        // reads and the tab a visitor sees (GOV.UK's pattern).
        let title = status == .unprocessableContent ? context.t("form.error_title", ["title": title]) : title
        // The forms on the page carry on where the visitor came from (`Referral`).
        let source = Referral.of(request)
        let content = Referral.$current.withValue(source.isEmpty ? Referral.current : source) {
            FunnelFields.$retrying.withValue(status == .unprocessableContent) { body(context) }
        }
        let html = Layout.page(context, title: title, description: description, head: head, share: share, body: content)
        return .html(html.rendered, status: status)
    }

    /// When no account exists yet: a one-time link (valid 24 hours) to create the first admin.
    public func firstRunSetupLink(base: String) throws -> String? {
        try database.writeAndWait { db in try StaffStore.makeSetupToken(db) }.map { "\(base)/admin/setup/\($0)" }
    }

    /// An absolute URL for a path, from the configured public base URL (mail, exports).
    public func absoluteURL(_ path: String) -> String { config.publicBaseURL + path }

    /// An absolute URL for a path in a response to `request`: `https` when a trusted proxy
    /// says the visitor came over HTTPS, even if `public_base_url` says `http`.
    public func absoluteURL(_ path: String, _ request: Request) -> String { baseURL(request) + path }

    public func baseURL(_ request: Request) -> String {
        let base = config.publicBaseURL
        guard request.isSecure, base.hasPrefix("http://") else { return base }
        return "https://" + base.dropFirst("http://".count)
    }

    /// Cookies carry `Secure` when configured, or when the visitor came over HTTPS (a trusted proxy said so).
    public func secureCookies(_ request: Request) -> Bool { config.secureCookies || request.isSecure }

    /// Where a rate limiter keeps its buckets: shared by every node on PostgreSQL, nil (this
    /// process's memory) on SQLite.
    static func sharedBuckets(_ database: Database, hashes: ClientHashKeys, limiter: String) -> SharedRateBuckets? {
        database.dialect == .postgres ? SharedRateBuckets(database, limiter: limiter, hash: { hashes.hash($0) }) : nil
    }

    /// A rate limiter, shared by every node on PostgreSQL.
    public func rateLimiter(_ name: String, capacity: Int, per period: TimeInterval) -> RateLimiter {
        RateLimiter(capacity: capacity, per: period, shared: Self.sharedBuckets(database, hashes: clientHashes, limiter: name))
    }

    public func close() {
        scheduler.withLock { scheduler in
            scheduler?.stop()
            scheduler = nil
        }
        for feature in features { feature.stop() }
        try? funnel.flush(database)
        mailer.stop()
        backups.withLock { schedule in
            schedule?.stop()
            schedule = nil
        }
        database.close()
    }

    /// The text of a message the outbox holds without it (`Feature.renderStoredMail`).
    func storedMailText(_ due: DueMessage, sending: Bool) throws -> String? {
        for feature in features { if let text = try feature.renderStoredMail(due, sending: sending) { return text } }
        return nil
    }

    /// The running value of a feature (its state, for tests and tools).
    func feature<F: Feature>(_ type: F.Type) -> F? { features.lazy.compactMap { $0 as? F }.first }
}
