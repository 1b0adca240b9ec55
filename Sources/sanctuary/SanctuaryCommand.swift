import ArgumentParser
import Foundation
import HTTP
import Logging
import Mail
import Sanctuary
import Storage
import Synchronization

/// Options every command shares: where the project folder is and which settings to use.
struct CommonOptions: ParsableArguments {
    @Option(help: "Folder holding Migrations/, Public/ and Config/ (default: the current folder).")
    var root: String?
    @Option(help: "Settings file (default: Config/sanctuary.json under the root).")
    var config: String?
    @Option(help: "SQLite database file or postgres:// URL (overrides SANCTUARY_DB and the settings file).")
    var db: String?

    func load(overrides extra: [String: String] = [:]) throws -> AppConfig {
        let rootURL = URL(fileURLWithPath: root ?? FileManager.default.currentDirectoryPath)
        var overrides = extra
        if let db { overrides["database"] = db }
        return try AppConfig.load(root: rootURL, file: config.map { URL(fileURLWithPath: $0) }, overrides: overrides)
    }
}

@main
struct SanctuaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanctuary",
        abstract: "A self-hosted campaign website for refugee-rights groups.",
        subcommands: [
            Serve.self, Migrate.self, UserCommand.self, ImportRepresentatives.self, ExportSignatures.self, Backup.self, Restore.self,
            Check.self, MailCommand.self, SubscribersCommand.self, PrivacyCommand.self, Routes.self, CopyToPostgres.self,
        ],
        defaultSubcommand: Serve.self)
}

/// Prints a line at once (standard output may be a pipe, which print would buffer).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Reports a configuration or start-up error as one line and exits non-zero.
func fail(_ error: any Error) -> Never {
    FileHandle.standardError.write(Data("sanctuary: \(error)\n".utf8))
    Foundation.exit(1)
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the site (the default command).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on.") var host: String?
    @Option(help: "Port to listen on (0: any free port).") var port: Int?

    func run() throws {
        var overrides: [String: String] = [:]
        if let host { overrides["host"] = host }
        if let port { overrides["port"] = String(port) }
        let app: Application
        let server: HTTPServer
        do {
            let config = try common.load(overrides: overrides)
            app = try Application(config: config)
            server = try app.makeServer()
            try server.start()
        } catch {
            fail(error)
        }
        // SIGINT/SIGTERM: stop accepting, finish requests in flight, close the database, exit 0.
        let signals = DispatchQueue(label: "sanctuary.signals")
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: signals)
            source.setEventHandler { server.requestStop() }
            source.resume()
            sources.append(source)
        }
        let base = "http://\(server.host.contains(":") ? "[\(server.host)]" : server.host):\(server.port)"
        say("Sanctuary is listening on \(base)/")
        if let warning = app.config.publicBaseURLWarning { app.logger.warning("\(warning)") }
        do {
            if let link = try app.firstRunSetupLink(base: base) {
                say("No staff account exists yet. Create the first admin here (one use, valid 24 hours):\n  \(link)")
            }
        } catch {
            fail(error)
        }

        server.wait()
        app.close()
        say("Sanctuary stopped.")
        withExtendedLifetime(sources) {}
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")
    @OptionGroup var common: CommonOptions

    func run() throws {
        do {
            var config = try common.load()
            config.loadSampleContent = false
            let app = try Application(config: config)
            app.close()
            say("Database \(config.databasePath) is up to date.")
        } catch {
            fail(error)
        }
    }
}

struct CopyToPostgres: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-to-postgres",
        abstract:
            "Move a site's SQLite file into an empty PostgreSQL database in one transaction, then count every table's rows on both ends. Stop the server first."
    )
    @OptionGroup var common: CommonOptions
    @Option(help: "The SQLite file (default: the configured database).") var from: String?
    @Option(help: "The empty PostgreSQL database, as a postgres:// URL.") var to: String

    func run() throws {
        do {
            let config = try common.load()
            let file = from ?? config.databasePath
            guard !Database.isPostgres(file), FileManager.default.fileExists(atPath: file) else {
                throw UserError("there is no SQLite file at \(file)")
            }
            guard Database.isPostgres(to) else { throw UserError("--to must be a postgres:// URL") }
            let source = try Connection.open(file, readOnly: true)
            let target = try Database(postgres: to)
            defer { target.close() }
            let started = Date()
            let report = try CopyToPostgresStore.copy(
                from: source, to: target, migrations: Migrator(directory: config.migrationsDirectory, known: KnownMigrations.checksums))
            for (table, rows) in report.tables where rows > 0 { say("\(table): \(rows) rows") }
            let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
            say(
                "Copied \(report.rows) rows in \(report.tables.count) tables in \(seconds) s; every table counts the same on both ends. Copy the data folder (\(config.dataDirectory)) to the nodes' shared folder, set database to the URL, and start the site."
            )
        } catch {
            fail(error)
        }
    }
}

struct ExportSignatures: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-signatures",
        abstract: "Write a petition's signatures as CSV (UTF-8 with BOM, CRLF), streamed row by row.")
    @OptionGroup var common: CommonOptions
    @Option(help: "The petition's slug.") var petition: String
    @Option(help: "File to write (default: standard output).") var output: String?

    func run() throws {
        do {
            var config = try common.load()
            config.loadSampleContent = false
            let app = try Application(config: config)
            defer { app.close() }
            // The file is made only once the petition is known.
            var opened: FileHandle?
            let written = try app.exportSignatures(petition: petition) {
                guard let output else { return FileHandle.standardOutput }
                guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output)
                else { throw ExportError.cannotWrite(output) }
                opened = handle
                return handle
            }
            guard let rows = written else { throw ExportError.noSuchPetition(petition) }
            if let opened {
                try opened.close()
                FileHandle.standardError.write(Data("exported \(rows) signatures to \(output ?? "")\n".utf8))
            }
        } catch {
            fail(error)
        }
    }
}

enum ExportError: Error, CustomStringConvertible {
    case noSuchPetition(String)
    case cannotWrite(String)
    var description: String {
        switch self {
        case .noSuchPetition(let slug): return "no petition with the slug \(slug)"
        case .cannotWrite(let path): return "cannot write \(path)"
        }
    }
}

struct PrivacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy", abstract: "A person's data: the data map, their export, their erasure; and the retention rules.",
        subcommands: [PrivacyMap.self, PrivacyExport.self, PrivacyErase.self, PrivacyRetain.self])

    /// The site, without its sample content (a command never adds any).
    static func open(_ common: CommonOptions) throws -> Application {
        var config = try common.load()
        config.loadSampleContent = false
        return try Application(config: config)
    }
}

/// The twin of the data map on `/admin/privacy`.
struct PrivacyMap: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map", abstract: "Print every table that holds personal data, how it is found and what erasing means there.")

    func run() throws {
        for d in Application.declaredPersonalData {
            let erasing: String
            switch d.erase {
            case .delete: erasing = "deleted"
            case .blank(let values): erasing = "kept for counts, blanked: " + values.keys.sorted().joined(separator: ", ")
            case .keep(let why): erasing = "kept: " + why
            }
            say(
                "\(d.table)\t\(d.what)\tfound by \(d.email)\(d.mentions ? " (mentions)" : "")\t\(erasing)\(d.remove == nil ? "" : "; removable from counts")"
            )
        }
    }
}

struct PrivacyExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write everything held about an address as a ZIP (README, data.json, one CSV per kind).")
    @OptionGroup var common: CommonOptions
    @Option(help: "The person's e-mail address.") var email: String
    @Option(help: "The ZIP file to write.") var output: String
    @Option(help: "The README's language, en or fr (default: the one they used most).") var language: String?
    @Option(help: "Why (kept in the audit log).") var why: String

    func run() throws {
        do {
            let app = try PrivacyCommand.open(common)
            defer { app.close() }
            let address = email.lowercased()
            let fingerprint = app.addressFingerprint(address)
            let (zip, count) = try app.database.writeAndWait { db -> (Data, Int) in
                let found = try app.privacyFind(db, email: address)
                try StaffStore.record(
                    db, user: nil, actor: "command line", action: "privacy export", subject: "personal data",
                    detail: "address \(fingerprint); why: \(why)")
                let language = language == "fr" || language == "en" ? language ?? "en" : app.likelyLanguage(found)
                return (try app.privacyExport(db, email: address, language: language), found.reduce(0) { $0 + $1.rows.count })
            }
            try zip.write(to: URL(fileURLWithPath: output))
            say("wrote \(count) records to \(output)")
        } catch {
            fail(error)
        }
    }
}

struct PrivacyErase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase everything held about an address (counts stay right), or show what would go.")
    @OptionGroup var common: CommonOptions
    @Option(help: "The person's e-mail address.") var email: String
    @Option(help: "Why (kept in the audit log).") var why: String
    @Flag(help: "Also take their signatures out of the petitions' totals.") var removeSignatures = false
    @Flag(help: "Show what would go and change nothing.") var dryRun = false

    func run() throws {
        do {
            let app = try PrivacyCommand.open(common)
            defer { app.close() }
            let address = email.lowercased()
            let outcomes =
                try dryRun
                ? app.database.read { try app.privacyPreview($0, email: address, removing: removeSignatures) }
                : app.eraseEverywhereAndWait(email: address, removing: removeSignatures, actorName: "command line", why: why)
            if outcomes.isEmpty { say("nothing is held about this address") }
            for o in outcomes {
                say(
                    "\(o.what): \(o.deleted + o.removed) \(dryRun ? "would be deleted" : "deleted"), \(o.blanked) \(dryRun ? "would be anonymised" : "anonymised"), \(o.kept) kept\(o.keptBecause.isEmpty ? "" : " (\(o.keptBecause))")"
                )
            }
        } catch {
            fail(error)
        }
    }
}

struct PrivacyRetain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retain", abstract: "Apply the retention rules now (the housekeeping does so every hour), or show what is due.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Show what would go and change nothing.") var dryRun = false

    func run() throws {
        do {
            let app = try PrivacyCommand.open(common)
            defer { app.close() }
            for (what, count) in try dryRun ? app.retentionDue() : app.enforceRetention() {
                say("\(count)\t\(what)\(dryRun ? " (due)" : "")")
            }
        } catch {
            fail(error)
        }
    }
}

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage staff accounts.",
        subcommands: [CreateUser.self])
}

struct CreateUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract:
            "Create a staff account. The password is read from standard input (one line) or prompted for, never taken from the command line."
    )
    @OptionGroup var common: CommonOptions
    @Option(help: "The account's e-mail address.") var email: String
    @Option(help: "admin, organizer or editor.") var role: String
    @Option(help: "The person's name.") var name: String = ""

    func run() throws {
        do {
            guard let role = StaffUser.Role(rawValue: role) else { throw UserError("--role must be admin, organizer or editor") }
            guard let email = Input.email(email) else { throw UserError("--email is not a valid e-mail address") }
            let password = try readPassword()
            guard password.count >= PasswordHasher.minimumLength else {
                throw UserError("the password must have at least \(PasswordHasher.minimumLength) characters")
            }
            var config = try common.load()
            config.loadSampleContent = false
            let app = try Application(config: config)
            defer { app.close() }
            let hash = try app.passwordHasher.hash(password)
            let name = self.name
            try app.database.writeAndWait { db in
                guard try StaffStore.find(db, email: email) == nil else { throw UserError("an account with \(email) already exists") }
                let id = try StaffStore.create(db, email: email, name: name, role: role, passwordHash: hash)
                try StaffStore.record(db, user: nil, actor: "command line", action: "create", subject: "user \(id)", detail: role.rawValue)
            }
            say("Created \(role.rawValue) account \(email).")
        } catch {
            fail(error)
        }
    }

    /// One line from standard input; on a terminal, asked for twice without echo.
    func readPassword() throws -> String {
        guard isatty(0) == 1 else {
            guard let line = readLine(strippingNewline: true) else { throw UserError("no password on standard input") }
            return line
        }
        let first = try prompt("Password: ")
        let second = try prompt("Password again: ")
        guard first == second else { throw UserError("the two passwords differ") }
        return first
    }

    func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var settings = termios()
        tcgetattr(0, &settings)
        let saved = settings
        settings.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSANOW, &settings)
        defer {
            var restore = saved
            tcsetattr(0, TCSANOW, &restore)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw UserError("no password given") }
        return line
    }
}

struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct ImportRepresentatives: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-representatives",
        abstract:
            "Import MPs (riding_code,riding_name,province,mp_name,party,email[,honorific,constituency_office,hill_office,phone]) and/or the FSA → riding table (fsa,riding_code). All or nothing."
    )
    @OptionGroup var common: CommonOptions
    @Argument(help: "The members CSV file.") var file: String?
    @Option(help: "An FSA → riding CSV file.") var fsa: String?

    func run() throws {
        do {
            guard file != nil || fsa != nil else { throw UserError("give a members CSV file, --fsa FILE, or both") }
            var config = try common.load()
            config.loadSampleContent = false
            let app = try Application(config: config)
            defer { app.close() }
            if let file {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                let report = try app.importMembers(csv: text)
                say("members from \(file): \(report)")
            }
            if let fsa {
                let text = try String(contentsOfFile: fsa, encoding: .utf8)
                let report = try app.importFSA(csv: text)
                say("FSA rows from \(fsa): \(report)")
            }
        } catch let error as CSV.ParseError {
            fail(UserError("\(error); nothing was imported"))
        } catch {
            fail(error)
        }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Copy the whole site to FILE: the live database (SQLite's online backup; the server may keep running) and its uploaded files, then check the copy."
    )
    @OptionGroup var common: CommonOptions
    @Option(help: "The file to write (mode 0600; replaced if it exists).") var output: String

    func run() throws {
        do {
            let config = try common.load()
            if config.isPostgres { throw UserError(BackupStore.onPostgres) }
            let started = Date()
            let made = try BackupStore.backup(databasePath: config.databasePath, to: output)
            let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
            say("Backed up \(config.databasePath) to \(output): \(made.description), integrity ok, in \(seconds) s.")
        } catch {
            fail(error)
        }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Replace the site with a backup FILE: the database and its uploaded files. Refused while the database is in use: stop the server first. What it replaces is kept beside it."
    )
    @OptionGroup var common: CommonOptions
    @Argument(help: "The backup file.") var file: String

    func run() throws {
        do {
            let config = try common.load()
            if config.isPostgres { throw UserError(BackupStore.onPostgres) }
            let migrations = try Migrator(directory: config.migrationsDirectory, known: KnownMigrations.checksums).migrations().map(\.name)
            let result = try BackupStore.restore(file: file, databasePath: config.databasePath, migrations: migrations)
            if let previous = result.previous { say("The database that was there is kept as \(previous).") }
            for folder in result.previousFolders { say("The folder that was there is kept as \(folder).") }
            say("Restored \(file) into \(config.databasePath): \(result.report.pages) pages, integrity ok.")
            if let files = result.files {
                say("Put back \(files) uploaded files (pictures and resources).")
            } else {
                say(
                    "This backup holds no uploaded files (it was made before backups carried them): the pictures and resources folders were left as they were."
                )
            }
            say("Run `sanctuary check` to compare its counters with their rows, then start the server.")
        } catch {
            fail(error)
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check the database: integrity, foreign keys, and every kept counter against its rows. Exits 1 on any difference."
    )
    @OptionGroup var common: CommonOptions
    @Flag(help: "Recompute the counters that differ from their rows, in one transaction.") var repair = false

    func run() throws {
        let report: CounterStore.Report
        do {
            let config = try common.load()
            guard Connection.exists(config.databasePath) else {
                throw UserError("there is no database at \(config.databasePath)")
            }
            if repair {
                let writer = try Connection.open(config.databasePath)
                let mended = try CounterStore.repair(writer)
                for difference in mended { say("repaired \(difference)") }
                if mended.isEmpty { say("No counter needed repair.") }
            }
            let reader = try Connection.open(config.databasePath, readOnly: true)
            report = try CounterStore.check(reader)
        } catch {
            fail(error)
        }
        for problem in report.integrity { say("integrity: \(problem)") }
        for problem in report.foreignKeys { say("foreign key: \(problem)") }
        if report.foreignKeyTotal > report.foreignKeys.count {
            say("foreign key: … and \(report.foreignKeyTotal - report.foreignKeys.count) more rows like these")
        }
        for difference in report.differences.prefix(200) { say(difference.description) }
        if report.differences.count > 200 { say("… and \(report.differences.count - 200) more differences") }
        if report.isClean {
            say("ok: integrity, foreign keys and \(report.countersChecked) kinds of counter all agree with their rows.")
        } else {
            let count = report.problemCount
            say(
                "\(count) problem\(count == 1 ? "" : "s") found\(report.differences.isEmpty ? "" : "; `sanctuary check --repair` recomputes the counters")."
            )
            throw ExitCode(1)
        }
    }
}

struct MailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail", abstract: "Mail the site sent: reports that come back.", subcommands: [MailBounce.self])
}

/// For a mail server's pipe transport: one delivery status notification (RFC 3464),
/// complaint (RFC 5965) or unsubscribe mail (to a mailing's `List-Unsubscribe` mailto) on
/// standard input. Exits 0 when it was read (acted on or not, so the
/// mail server does not bounce the bounce), 75 (EX_TEMPFAIL: try again later) when the
/// database could not be written.
struct MailBounce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bounce",
        abstract: "Record one bounce report or complaint read from standard input (for a mail server's pipe transport).")
    @OptionGroup var common: CommonOptions
    @Option(help: "The address the report was delivered to (Postfix: ${recipient}), our VERP return path.") var recipient: String?

    func run() throws {
        let input = Array(FileHandle.standardInput.readData(ofLength: 16 << 20))
        let report = MailReport.parse(input)
        do {
            let config = try common.load()
            guard Connection.exists(config.databasePath) else {
                throw UserError("there is no database at \(config.databasePath)")
            }
            let db = try Connection.open(config.databasePath)
            guard let key = try ServerKey.read(db) else { throw UserError("the database has no server key yet: start the site once") }
            let policy = BouncePolicy(softLimit: config.softBounceLimit, softDays: config.softBounceDays)
            let addresses = [recipient].compactMap { $0 } + MailReport.deliveredTo(input)
            let lines = try db.transaction { () throws -> [String] in
                // A person's "unsubscribe" mail to a mailing's List-Unsubscribe address.
                if report == nil, let done = try BounceIntake.unsubscribe(db, addresses: addresses, key: key) { return done }
                guard let report else { return ["ignored: not a delivery status notification, a feedback report or an unsubscribe"] }
                return try BounceIntake.record(db, report: report, envelopeRecipient: recipient, key: key, policy: policy)
            }
            for line in lines { say(line) }
        } catch {
            FileHandle.standardError.write(Data("sanctuary: \(error)\n".utf8))
            throw ExitCode(75)
        }
    }
}

struct SubscribersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribers", abstract: "The mailing list: bring an existing one.", subcommands: [ImportSubscribers.self])
}

/// The command-line twin of `/admin/subscribers/import`: the same reading, counts and
/// all-or-nothing import, recorded in the audit log as done from the command line.
struct ImportSubscribers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import supporters from a CSV file (email, name, postal_code, language), with where and when they agreed.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The CSV file.") var file: String
    @Option(help: "Where and how these people agreed (kept with each as their consent).") var consent: String
    @Option(help: "The day they agreed, YYYY-MM-DD.") var consentedOn: String
    @Option(help: "A campaign's slug (default: the general list).") var campaign: String?
    @Flag(help: "Show the counts and import nothing.") var dryRun = false

    func run() throws {
        do {
            let config = try common.load()
            guard Connection.exists(config.databasePath) else {
                throw UserError("there is no database at \(config.databasePath)")
            }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw UserError("\(file) cannot be read as UTF-8 text")
            }
            guard let agreed = SubscriberImport.consent(note: consent, day: consentedOn) else {
                throw UserError(
                    "--consent must say where they agreed (10 characters or more) and --consented-on be a day no later than today")
            }
            let imported: SubscriberImport
            switch SubscriberImport.read(text) {
            case .success(let read): imported = read
            case .failure(.notCSV(let line, let reason)): throw UserError("\(file) is not CSV (line \(line): \(reason)); nothing imported")
            case .failure(.noEmailColumn): throw UserError("the first row must name the columns, one of them email; nothing imported")
            case .failure(.empty): throw UserError("\(file) is empty")
            case .failure(.tooManyRows(let count)):
                throw UserError("\(count) rows; import at most \(SubscriberImport.maxRows) at a time")
            }
            let db = try Connection.open(config.databasePath)
            var campaignID: Int64?
            if let campaign {
                guard let id = try db.scalar("SELECT id FROM campaigns WHERE slug = ?", campaign, as: Int64.self) else {
                    throw UserError("there is no campaign \(campaign)")
                }
                campaignID = id
            }
            for problem in imported.invalid.prefix(50) {
                say("line \(problem.line): left out (\(problem.reason.split(separator: ".").last ?? ""))")
            }
            let preview =
                try dryRun
                ? imported.preview(db, campaignID: campaignID)
                : db.transaction {
                    try imported.commit(
                        db, campaignID: campaignID, consentNote: agreed.note, consentedOn: agreed.consentedAt, actor: nil,
                        actorName: "command line")
                }
            say(
                "\(dryRun ? "would import" : "imported") \(preview.new.count) new; \(preview.already) already subscribed, "
                    + "\(preview.suppressed) unsubscribed or suppressed (never imported), \(imported.invalid.count) invalid, "
                    + "\(imported.repeated) repeated in the file")
        } catch {
            fail(error)
        }
    }
}

struct Routes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "List every route: method, path, who may use it, and its Cache-Control. Found by asking each route once on a scratch copy of the sample site."
    )
    @OptionGroup var common: CommonOptions

    func run() throws {
        do {
            var config = try common.load()
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sanctuary-routes-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            config.database = scratch.appendingPathComponent("routes.sqlite").path
            config.loadSampleContent = true
            config.loadSampleMedia = false
            config.smtpURL = nil
            config.accessLog = .off
            config.backupEveryHours = 0
            var logger = Logger(label: "sanctuary")
            logger.logLevel = .error
            let app = try Application(config: config, logger: logger)
            defer { app.close() }
            let done = DispatchSemaphore(value: 0)
            let rows = Mutex<[RouteListing.Row]>([])
            Task {
                let listed = await RouteListing.rows(app)
                rows.withLock { $0 = listed }
                done.signal()
            }
            done.wait()
            let all: [RouteListing.Row] = rows.withLock { $0 }
            let pathWidth = min(60, all.map { $0.path.count }.max() ?? 0)
            let accessWidth = all.map { $0.access.count }.max() ?? 0
            for row in all {
                let method = row.method.padding(toLength: 5, withPad: " ", startingAt: 0)
                let path = row.path.padding(toLength: max(pathWidth, row.path.count), withPad: " ", startingAt: 0)
                let access = row.access.padding(toLength: accessWidth, withPad: " ", startingAt: 0)
                say("\(method) \(path)  \(access)  \(row.cache)")
            }
        } catch {
            fail(error)
        }
    }
}
