import Foundation
import HTTP
import Mail

/// A configuration value that stops start-up, named by its key.
public struct ConfigError: Error, CustomStringConvertible {
    public let key: String
    public let reason: String
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }
    public var description: String { "configuration error: \(key) \(reason)" }
}

/// Settings, from lowest to highest precedence: built-in defaults,
/// `Config/sanctuary.json`, `SANCTUARY_*` environment variables, command-line flags.
public struct AppConfig: Sendable {
    /// Folder holding `Migrations/`, `Public/` and `Config/` (the package root by default).
    public var root: URL
    public var host = "127.0.0.1"
    public var port = 8080
    /// The SQLite file; relative paths are taken from `root`.
    public var database = "var/sanctuary.sqlite"
    /// `data_directory`: see `dataDirectory`.
    public var dataFolder: String?
    public var secureCookies = false
    /// Absolute base for links in feeds and e-mails, e.g. `https://example.org`.
    public var publicBaseURL = "http://127.0.0.1:8080"
    public var siteName = "Sanctuary"
    public var accessLog: AccessLog.Destination = .standardOutput
    public var loadSampleContent = true
    /// The zone staff think in: admin forms take and show times in it (events keep their own).
    public var siteTimeZone = "America/Toronto"
    /// With the sample content, its pictures (made like uploads; tests leave them out).
    public var loadSampleMedia = true
    public var staticMaxAge = 3600
    public var limits = ServerLimits()
    /// Signatures (and other public form posts) one client address may make per minute.
    public var signaturesPerMinute = 60
    /// scrypt cost as log2(N) for new password hashes (15 = OWASP's N=2^15, r=8, p=3).
    public var passwordCost = 15
    /// Admins must sign in with a code from an authenticator app too (`security.require_admin_second_factor`).
    public var requireAdminSecondFactor = false
    /// Days a made letter (with the sender's details) is kept before it is purged.
    public var letterRetentionDays = 30
    /// Largest resource file staff may upload.
    public var maxUploadBytes = 25 * 1024 * 1024
    /// Largest photo a visitor may send with a story (`stories.max_photo_bytes`).
    public var storyMaxPhotoBytes = 10 * 1024 * 1024
    /// Days a declined story is kept before what the person wrote is erased (`stories.retention_days`).
    public var storyRetentionDays = 30
    /// Months after a petition closes before its signatures are anonymised (`privacy.signature_months`).
    public var signatureRetentionMonths = 6
    /// Days after an event before its registrations are anonymised (`privacy.rsvp_days`).
    public var rsvpRetentionDays = 90
    /// Days a sent (or given-up) message stays in the outbox (`privacy.mail_days`).
    public var mailRetentionDays = 30
    /// Months the audit log keeps an entry (`privacy.audit_months`).
    public var auditRetentionMonths = 24
    /// The access log writes whole client addresses, not their network (`access_log_full_addresses`).
    public var accessLogFullAddresses = false
    /// How long a rendered public page may be reused (0: never). Any database write ends it sooner.
    public var pageCacheSeconds = 1.0
    /// How often a running server does its housekeeping (purging letters past retention).
    public var maintenanceSeconds: Double = 3600
    /// Free disk below which staff are warned (`health.disk_warn_mb`, 1 GiB).
    public var diskWarnBytes: Int64 = 1 << 30
    /// A write-ahead log larger than this is a warning (`health.wal_warn_mb`, 64 MiB): it starts
    /// over every 16 MB, so past that something holds an old snapshot and it cannot.
    public var walWarnBytes: Int64 = 64 << 20
    /// Mail unsent for longer than this is a warning (`health.mail_stuck_minutes`, an hour).
    public var mailStuckSeconds = 3600
    /// How often the warnings are looked at for mailing admins (each kind at most once a day).
    public var healthMailSeconds: Double = 300
    /// How often, while the disk is full, a probe write looks for space again (`StorageHealth`).
    public var storageProbeSeconds: Double = 5
    /// How often the funnel's views and starts, counted in memory, are written (`Funnel`).
    public var funnelFlushSeconds: Double = 10

    // Operating it ("Operating it" in the SPEC).
    /// Hours between the rotating backups a running server writes to `var/backups/` (0: none).
    public var backupEveryHours = 24.0
    /// How many rotating backups are kept; older ones are removed.
    public var backupKeep = 7
    /// Rotating backups older than this go, however many `backup.keep` allows: an erased
    /// record lives on in backups no longer (`backup.max_age_days`).
    public var backupMaxAgeDays = 30
    /// `GET /metrics` answers loopback, or a request with `Authorization: Bearer` this token.
    public var metricsToken: String?

    // E-mail ("E-mail" in the SPEC).
    /// `smtp://host:port` or `smtps://host:port`; nil: mail waits in the outbox for an admin.
    public var smtpURL: String?
    /// From the environment only (`SANCTUARY_SMTP_USERNAME`, `SANCTUARY_SMTP_PASSWORD`).
    public var smtpUsername: String?
    public var smtpPassword: String?
    /// Refuse to send over `smtp://` unless the server offers STARTTLS.
    public var smtpRequireTLS = false
    /// A CA bundle to trust for the SMTP server's certificate instead of the system's.
    public var smtpCAFile: String?
    /// `Name <address>`; by default the site's name at `no-reply@` the public host.
    public var mailFrom: String?
    public var mailReplyTo: String?
    public var mailMaxPerSecond = 20.0
    /// Connections to the relay used at once (`mail.connections`): one message goes while the
    /// relay answers another.
    public var mailConnections = 4
    /// The first retry's delay after a temporary failure; it doubles, up to an hour.
    public var mailRetrySeconds = 60.0
    /// Signatures count once their e-mail link is confirmed.
    public var confirmSignatures = true
    /// Hours before an event's start when attendees get a reminder (0: none).
    public var reminderHours = 24
    /// Hours an RSVP waits for its owner to confirm the address before it is dropped.
    public var rsvpConfirmHours = 2.0
    /// How often the mailer looks for scheduled mail (reminders).
    public var mailScheduleSeconds = 30.0
    /// Soft bounces (a full mailbox, a policy refusal) suppress an address once this many
    /// come within `softBounceDays`; a hard bounce (no such mailbox) at once.
    public var softBounceLimit = 3
    public var softBounceDays = 14
    /// Caps on confirmation mail to unconfirmed addresses (`UnconfirmedMailCaps`).
    public var unconfirmedMailCaps = UnconfirmedMailCaps.Settings()
    /// The envelope sender's address for VERP (`bounce@bounces.example.org` sends as
    /// `bounce+{token}@bounces.example.org`), so a bounce after acceptance names its message;
    /// nil: the `From` address.
    public var bounceAddress: String?

    /// The sender's address, from `mail.from` or made from the site's name and host.
    public var mailSender: String {
        if let mailFrom { return mailFrom }
        let host = URL(string: publicBaseURL)?.host ?? "localhost"
        let domain = host.contains(".") && !host.allSatisfy({ $0.isNumber || $0 == "." }) ? host : "localhost.localdomain"
        return "\(siteName) <no-reply@\(domain)>"
    }

    public init(root: URL) { self.root = root }

    /// Said at start when `public_base_url` points at this machine's loopback but the server
    /// listens where others can reach it: every link in mail, in share previews and in
    /// exports would lead visitors to their own computer.
    public var publicBaseURLWarning: String? {
        func isLoopback(_ host: String) -> Bool {
            let host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
            return host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
        guard let base = URL(string: publicBaseURL)?.host, isLoopback(base), !isLoopback(self.host) else { return nil }
        return "public_base_url is \(publicBaseURL) but the server listens on \(self.host): links in mail, "
            + "share previews and exports will point at the visitor's own computer. Set public_base_url to the site's public address."
    }

    /// The SQLite file's absolute path, or the PostgreSQL URL as it is.
    public var databasePath: String {
        database.hasPrefix("/") || isPostgres ? database : root.appendingPathComponent(database).path
    }
    /// `database` is a `postgres://` URL.
    public var isPostgres: Bool { database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") }
    public var migrationsDirectory: URL { root.appendingPathComponent("Migrations") }
    public var publicDirectory: URL { root.appendingPathComponent("Public") }
    public var configDirectory: URL { root.appendingPathComponent("Config") }
    /// Where uploaded resources, pictures and upload spooling live: `data_directory`, or the
    /// folder beside the SQLite file, or `var/` beside the site on PostgreSQL. Several nodes
    /// on one PostgreSQL share it (a shared folder: see deploy/README.md).
    public var dataDirectory: String {
        if let dataFolder { return dataFolder.hasPrefix("/") ? dataFolder : root.appendingPathComponent(dataFolder).path }
        if isPostgres { return root.appendingPathComponent("var").path }
        return (databasePath as NSString).deletingLastPathComponent
    }
    /// Where uploads are written while they arrive: inside the data folder, so a finished
    /// file is moved into place by a rename on the same file system (a tmpfs `/tmp` once
    /// made every upload fail), and readable by the server's user only.
    public var spoolDirectory: String { dataDirectory + "/uploads" }
    /// The rotating backups: beside the database, readable by the server's user only.
    public var backupDirectory: String { dataDirectory + "/backups" }

    /// Builds the configuration from the file, the environment and flag overrides
    /// (`overrides` uses the file's keys, e.g. `["port": "9000"]`).
    public static func load(
        root: URL, file: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) throws -> AppConfig {
        var config = AppConfig(root: root)
        let fileURL = file ?? root.appendingPathComponent("Config/sanctuary.json")
        if FileManager.default.fileExists(atPath: fileURL.path) {
            let data = try Data(contentsOf: fileURL)
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: data) } catch {
                throw ConfigError(key: fileURL.lastPathComponent, reason: "is not valid JSON")
            }
            guard let values = object as? [String: Any] else {
                throw ConfigError(key: fileURL.lastPathComponent, reason: "must be a JSON object")
            }
            try config.apply(values, prefix: "")
        } else if file != nil {
            throw ConfigError(key: "config", reason: "file \(fileURL.path) does not exist")
        }
        let environmentKeys = [
            "SANCTUARY_HOST": "host", "SANCTUARY_PORT": "port", "SANCTUARY_DB": "database", "SANCTUARY_DATA": "data_directory",
            "SANCTUARY_SECURE_COOKIES": "secure_cookies", "SANCTUARY_PUBLIC_BASE_URL": "public_base_url",
            "SANCTUARY_ACCESS_LOG": "access_log", "SANCTUARY_TRUSTED_PROXIES": "trusted_proxies",
            "SANCTUARY_SMTP_URL": "mail.smtp_url", "SANCTUARY_METRICS_TOKEN": "metrics_token",
        ]
        for (variable, key) in environmentKeys.sorted(by: { $0.key < $1.key }) {
            if let value = environment[variable] { try config.set(key, text: value, source: variable) }
        }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) { try config.set(key, text: value, source: key) }
        // Secrets come from the environment only, never from a checked-in file.
        config.smtpUsername = environment["SANCTUARY_SMTP_USERNAME"].flatMap { $0.isEmpty ? nil : $0 }
        config.smtpPassword = environment["SANCTUARY_SMTP_PASSWORD"]
        return config
    }

    private mutating func apply(_ values: [String: Any], prefix: String) throws {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            let name = prefix + key
            if let nested = value as? [String: Any] {
                try apply(nested, prefix: name + ".")
            } else if let number = value as? NSNumber {
                // Booleans arrive as 1/0 here; the boolean settings accept both spellings.
                try set(name, text: number.stringValue, source: name)
            } else if let text = value as? String {
                try set(name, text: text, source: name)
            } else if let list = value as? [Any] {
                // A list of strings (`trusted_proxies`), given to `set` comma-separated as in the environment.
                let items = list.compactMap { $0 as? String }
                guard items.count == list.count else { throw ConfigError(key: name, reason: "must be a list of strings") }
                try set(name, text: items.joined(separator: ","), source: name)
            } else {
                throw ConfigError(key: name, reason: "has a value of the wrong kind")
            }
        }
    }

    /// Sets one key from text, validating it. `source` names the key in error messages.
    public mutating func set(_ key: String, text: String, source: String) throws {
        func integer(_ range: ClosedRange<Int>) throws -> Int {
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
                throw ConfigError(
                    key: source, reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
            }
            return v
        }
        /// A number in `range`; `what` says what kind, for the message ("a number of hours from").
        func number(_ range: ClosedRange<Double>, _ what: String = "a number from") throws -> Double {
            guard let v = Double(text), range.contains(v) else {
                let bounds = [range.lowerBound, range.upperBound].map { $0 == $0.rounded() ? String(Int($0)) : String($0) }
                throw ConfigError(key: source, reason: "must be \(what) \(bounds[0]) to \(bounds[1]) (got \"\(text)\")")
            }
            return v
        }
        func seconds() throws -> Double {
            guard let v = Double(text), v > 0, v <= 86_400 else {
                throw ConfigError(key: source, reason: "must be a number of seconds above 0 (got \"\(text)\")")
            }
            return v
        }
        func boolean() throws -> Bool {
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw ConfigError(key: source, reason: "must be true or false (got \"\(text)\")")
            }
        }
        switch key {
        case "host":
            guard !text.isEmpty, !text.contains(" ") else { throw ConfigError(key: source, reason: "must be a host name or address") }
            host = text
        case "port": port = try integer(0...65_535)
        case "database":
            guard !text.isEmpty else { throw ConfigError(key: source, reason: "must be a file path or a postgres:// URL") }
            database = text
        case "data_directory":
            guard !text.isEmpty else { throw ConfigError(key: source, reason: "must be a folder") }
            dataFolder = text
        case "secure_cookies": secureCookies = try boolean()
        case "public_base_url":
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigError(key: source, reason: "must be an absolute http(s) URL (got \"\(text)\")")
            }
            publicBaseURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        case "site_name":
            guard !text.isEmpty else { throw ConfigError(key: source, reason: "must not be empty") }
            siteName = text
        case "access_log":
            switch text {
            case "off": accessLog = .off
            case "stdout": accessLog = .standardOutput
            case "stderr": accessLog = .standardError
            default:
                guard text.hasPrefix("/") || text.contains("/") else {
                    throw ConfigError(key: source, reason: "must be off, stdout, stderr or a file path (got \"\(text)\")")
                }
                accessLog = .file(text)
            }
        case "sample_content": loadSampleContent = try boolean()
        case "site.time_zone":
            guard TimeZone(identifier: text) != nil else {
                throw ConfigError(key: source, reason: "must be an IANA time zone such as America/Toronto (got \"\(text)\")")
            }
            siteTimeZone = text
        case "static_max_age_seconds": staticMaxAge = try integer(0...31_536_000)
        case "maintenance_seconds": maintenanceSeconds = try number(1...86_400)
        case "limits.request_line_bytes": limits.maxRequestLineBytes = try integer(256...1_048_576)
        case "limits.header_bytes": limits.maxHeaderBytes = try integer(1024...4_194_304)
        case "limits.header_count": limits.maxHeaderCount = try integer(8...10_000)
        case "limits.body_bytes": limits.maxBodyBytes = try integer(1024...1_073_741_824)
        case "limits.header_timeout_seconds": limits.headerTimeout = try seconds()
        case "limits.idle_timeout_seconds": limits.idleTimeout = try seconds()
        case "limits.body_timeout_seconds": limits.bodyTimeout = try seconds()
        case "limits.max_connections": limits.maxConnections = try integer(1...1_000_000)
        case "limits.connections_per_address": limits.maxConnectionsPerAddress = try integer(1...1_000_000)
        case "limits.buffered_body_bytes": limits.bufferedBodyBudget = try integer(65_536...68_719_476_736)
        case "trusted_proxies":
            do { limits.trustedProxies = try TrustedProxies(text.split(separator: ",").map(String.init)) } catch {
                throw ConfigError(key: source, reason: "must list IP addresses or CIDR ranges (\(error))")
            }
        case "limits.shutdown_grace_seconds": limits.shutdownGrace = try seconds()
        case "rate_limits.signatures_per_minute": signaturesPerMinute = try integer(1...1_000_000)
        case "security.password_scrypt_log_n": passwordCost = try integer(10...20)
        case "security.require_admin_second_factor": requireAdminSecondFactor = try boolean()
        case "letters.retention_days": letterRetentionDays = try integer(1...3650)
        case "cache.page_seconds":
            // 0 turns the page cache off.
            pageCacheSeconds = try number(0...60, "a number of seconds from")
        // At most 900 MiB: a backup carries each file as one SQLite value, which cannot pass 1 GB.
        case "resources.max_upload_bytes": maxUploadBytes = try integer(1024...943_718_400)
        case "stories.max_photo_bytes": storyMaxPhotoBytes = try integer(65_536...104_857_600)
        case "stories.retention_days": storyRetentionDays = try integer(1...3650)
        case "privacy.signature_months": signatureRetentionMonths = try integer(1...120)
        case "privacy.rsvp_days": rsvpRetentionDays = try integer(1...3650)
        case "privacy.audit_months": auditRetentionMonths = try integer(1...120)
        case "privacy.mail_days": mailRetentionDays = try integer(1...3650)
        case "access_log_full_addresses": accessLogFullAddresses = try boolean()
        case "mail.smtp_url":
            if text.isEmpty {
                smtpURL = nil
            } else {
                guard let url = URL(string: text), ["smtp", "smtps"].contains(url.scheme ?? ""), url.host != nil,
                    !text.contains("@")
                else {
                    throw ConfigError(
                        key: source,
                        reason: "must be smtp://host:port or smtps://host:port, credentials in the environment (got \"\(text)\")")
                }
                smtpURL = text
            }
        case "mail.require_tls": smtpRequireTLS = try boolean()
        case "mail.ca_file": smtpCAFile = text.isEmpty ? nil : text
        case "mail.from", "mail.reply_to":
            guard text.isEmpty || MailAddress(parsing: text) != nil else {
                throw ConfigError(key: source, reason: "must be an address, optionally as Name <address> (got \"\(text)\")")
            }
            if key == "mail.from" { mailFrom = text.isEmpty ? nil : text } else { mailReplyTo = text.isEmpty ? nil : text }
        case "mail.max_per_second":
            mailMaxPerSecond = try number(0.1...100_000)
        case "mail.connections": mailConnections = try integer(1...32)
        case "mail.retry_seconds": mailRetrySeconds = try seconds()
        case "mail.schedule_seconds": mailScheduleSeconds = try seconds()
        case "mail.unconfirmed_per_address_per_hour": unconfirmedMailCaps.perAddress = try integer(1...1_000)
        case "mail.unconfirmed_per_domain_per_hour": unconfirmedMailCaps.perDomain = try integer(0...10_000_000)
        case "mail.unconfirmed_per_hour": unconfirmedMailCaps.perSite = try integer(0...100_000_000)
        case "mail.cap_exempt_domains":
            unconfirmedMailCaps.exemptDomains = Set(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        case "mail.soft_bounce_limit": softBounceLimit = try integer(1...100)
        case "mail.soft_bounce_days": softBounceDays = try integer(1...365)
        case "mail.bounce_address":
            guard text.isEmpty || (MailAddress.isPlausible(text) && !text.contains("+")) else {
                throw ConfigError(
                    key: source, reason: "must be a plain address without +, such as bounce@bounces.example.org (got \"\(text)\")")
            }
            bounceAddress = text.isEmpty ? nil : text
        case "petitions.confirm_signatures": confirmSignatures = try boolean()
        case "events.reminder_hours": reminderHours = try integer(0...720)
        case "events.rsvp_confirm_hours": rsvpConfirmHours = try number(0.1...720, "a number of hours from")
        case "backup.every_hours":
            backupEveryHours = try number(0...8_760, "a number of hours (0: no backups) from")
        case "backup.keep": backupKeep = try integer(1...10_000)
        case "health.disk_warn_mb": diskWarnBytes = Int64(try integer(0...10_000_000)) << 20
        case "health.wal_warn_mb": walWarnBytes = Int64(try integer(1...10_000_000)) << 20
        case "health.mail_stuck_minutes": mailStuckSeconds = try integer(1...100_000) * 60
        case "backup.max_age_days": backupMaxAgeDays = try integer(1...3650)
        case "metrics_token":
            // Any non-empty text; deploy/README.md asks for 16 or more random characters.
            metricsToken = text.isEmpty ? nil : text
        default:
            throw ConfigError(key: source, reason: "is not a known setting")
        }
    }
}
