import Crypto
import Foundation
import HTTP
import Storage

/// Files staff upload and external links, served with ETag and Range, counted.
struct ResourcesFeature: Feature {
    let app: Application
    static var searchKinds: [SearchKind] { [SearchKind(kind: "resource", label: "search.kind.resource", order: 60)] }

    /// Whole downloads counted in memory, written every few seconds.
    let downloads: DownloadTally

    init(app: Application) {
        self.app = app
        downloads = DownloadTally(metrics: app.metricsFactory)
    }

    func stop() { downloads.flushAndWait(app.database) }

    /// A campaign's resources, on its page.
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        guard case .campaign(let id) = scope else { return [] }
        let resources = try ResourceStore.forCampaign(db, campaignID: id)
        let items = ResourceViews.items(resources, t: t).enumerated().map { OfferGroup.Item(id: Int64($0.offset), html: $0.element) }
        return items.isEmpty ? [] : [OfferGroup(kind: "resources", role: .reading, heading: "campaigns.resources", order: 50, items: items)]
    }

    func loadSampleContent(from file: URL) throws {
        try Self.loadSamples(from: file, into: app.database, directory: app.resourcesDirectory)
    }

    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin/resources", label: "admin.nav.resources", area: .resources, order: 90)]
    }

    func jobs() -> [ScheduledJob] {
        [ScheduledJob("download counts", .housekeeping) { downloads.flushAndWait(app.database) }]
    }

    /// Accepted file types, recognised by their content, with the extension they must carry.
    static let kinds: [(ext: [String], type: String, magic: [UInt8], offset: Int)] = [
        (["pdf"], "application/pdf", Array("%PDF-".utf8), 0),
        (["png"], "image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], 0),
        (["jpg", "jpeg"], "image/jpeg", [0xFF, 0xD8, 0xFF], 0),
        (["gif"], "image/gif", Array("GIF8".utf8), 0),
        (["webp"], "image/webp", Array("WEBP".utf8), 8),
        (["docx"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document", [0x50, 0x4B, 0x03, 0x04], 0),
        (["pptx"], "application/vnd.openxmlformats-officedocument.presentationml.presentation", [0x50, 0x4B, 0x03, 0x04], 0),
        (["xlsx"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [0x50, 0x4B, 0x03, 0x04], 0),
        (["odt"], "application/vnd.oasis.opendocument.text", [0x50, 0x4B, 0x03, 0x04], 0),
        (["zip"], "application/zip", [0x50, 0x4B, 0x03, 0x04], 0),
        // A short video and its captions, played on this site (`/videos`): nothing from elsewhere.
        (["mp4", "m4v"], "video/mp4", Array("ftyp".utf8), 4),
        (["webm"], "video/webm", [0x1A, 0x45, 0xDF, 0xA3], 0),
        (["vtt"], "text/vtt", Array("WEBVTT".utf8), 0),
    ]

    /// The media type for a file, if its content matches its extension.
    static func detect(file: String, filename: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: file), let head = try? handle.read(upToCount: 16) else { return nil }
        try? handle.close()
        let bytes = [UInt8](head)
        let ext = (filename as NSString).pathExtension.lowercased()
        for kind in kinds where kind.ext.contains(ext) {
            guard bytes.count >= kind.offset + kind.magic.count else { return nil }
            return Array(bytes[kind.offset..<(kind.offset + kind.magic.count)]) == kind.magic ? kind.type : nil
        }
        return nil
    }

    /// A file name safe in a URL path and a Content-Disposition header.
    static func safeFilename(_ raw: String) -> String {
        let base = (raw.replacingOccurrences(of: "\\", with: "/") as NSString).lastPathComponent
        let cleaned = base.map { c -> Character in c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_") ? c : "-" }
        var name = String(cleaned)
        while name.contains("--") { name = name.replacingOccurrences(of: "--", with: "-") }
        name = name.replacingOccurrences(of: "-.", with: ".").trimmingCharacters(in: CharacterSet(charactersIn: ".-"))
        if name.isEmpty { name = "file" }
        return String(name.prefix(100))
    }

    /// The sample content's files (`"resource_files"` in `sample-content.json`): each is copied
    /// in as staff would upload it, under the campaign its `campaign` slug names.
    static func loadSamples(from file: URL, into database: Database, directory: String) throws {
        guard let data = try? Data(contentsOf: file),
            let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let entries = root["resource_files"] as? [[String: String]]
        else { return }
        for entry in entries {
            guard let path = entry["file"], let title = entry["title"] else { continue }
            let source = file.deletingLastPathComponent().appendingPathComponent(path).path
            let filename = safeFilename(path)
            guard let bytes = FileManager.default.contents(atPath: source), let type = detect(file: source, filename: filename) else {
                continue
            }
            let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            let id: Int64 = try database.writeAndWait { db in
                let campaign = try entry["campaign"].flatMap { try ReferenceStore.id(db, table: "campaigns", slug: $0) }
                return try ResourceStore.insert(
                    db, campaignID: campaign, title: title, description: entry["description"] ?? "", language: entry["language"] ?? "en",
                    kind: .file, url: "", filename: filename, contentType: type, size: bytes.count, sha256: digest)
            }
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: directory + "/\(id)", contents: bytes, attributes: [.posixPermissions: 0o600])
            else { throw ConfigError(key: "resource_files", reason: "could not copy \(path) into \(directory)") }
        }
    }

    func register() {

        app.router.get(
            "/resources/{id}/{filename}",
            async: download)

        app.router.get("/admin/resources", adminList)

        app.router.post(
            "/admin/resources", upload: app.config.maxUploadBytes, precheck: AdminAuth.uploadPrecheck(app, .resources),
            async: upload)

        app.router.post(
            "/admin/resources/{id}/delete",
            async: delete)
    }

    func download(_ request: Request) async throws -> Response {
        guard let id = Int64(request.parameter("id")),
            let resource = try app.database.read({ try ResourceStore.file($0, id: id) }),
            resource.filename == request.parameter("filename")
        else {
            throw HTTPError.notFound
        }
        let path = app.resourcesDirectory + "/\(resource.id)"
        guard FileManager.default.fileExists(atPath: path) else { throw HTTPError.notFound }
        let etag = "\"\(resource.sha256.prefix(32))\""
        let headers = Headers([
            ("Content-Type", resource.contentType), ("ETag", etag), ("Accept-Ranges", "bytes"),
            ("Cache-Control", CachePolicy.publicFor(seconds: 3600).headerValue),
            (
                "Content-Disposition",
                "\(resource.contentType == "application/pdf" || resource.contentType.hasPrefix("image/") ? "inline" : "attachment"); filename=\"\(resource.filename)\""
            ),
        ])
        if Conditional.notModified(request, etag: etag, lastModified: nil) {
            return Response(status: .notModified, headers: headers)
        }
        let range = ByteRange.parse(request.headers["range"], size: resource.size, ifRange: request.headers["if-range"], etag: etag)
        if range == .whole || request.headers["range"] == nil {
            // Count whole downloads (not the follow-up ranges of one download), in memory.
            if downloads.add(id) { await downloads.flush(app.database) }
        }
        return range.response(headers: headers, size: resource.size, path: path)
    }

    func adminList(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .resources)
        return try adminPage(
            request, session, state: FormState(), flash: request.query["saved"] == "1" ? app.t(request)("admin.saved") : nil)
    }

    func delete(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .resources)
        guard let id = Int64(request.parameter("id")) else { throw HTTPError.notFound }
        let user = session.user
        try await app.database.write { db in
            try ResourceStore.delete(db, id: id)
            try StaffStore.record(db, user: user, action: "delete", subject: "resource \(id)")
        }
        unlink(app.resourcesDirectory + "/\(id)")
        return .redirect(to: "/admin/resources?saved=1")
    }

    func upload(_ request: Request) async throws -> Response {
        // The session and token were checked on the head (the token in the action's query);
        // `StaffUpload` checks them again, in case the session ended while the file arrived.
        try await StaffUpload.handle(app, request, area: .resources) { upload in
            try await store(request, upload)
        }
    }

    func store(_ request: Request, _ upload: StaffUpload) async throws -> Response {
        let directory = app.resourcesDirectory
        let t = app.t(request)
        let (parts, fields, session) = (upload.parts, upload.fields, upload.session)
        var state = FormState(values: fields)
        var title = ""
        switch Input.text(fields["title"], required: true, maxLength: 200) {
        case .success(let v): title = v
        case .failure: state.errors["title"] = t("admin.field.required")
        }
        let description = (try? Input.text(fields["description"], required: false, maxLength: 2000, multiline: true).get()) ?? ""
        let language = ["en", "fr"].contains(fields["language"] ?? "") ? (fields["language"] ?? "en") : "en"
        let campaignID = try app.referenceField(fields["campaign_id"], table: "campaigns", field: "campaign_id", state: &state, t: t)
        let link = (fields["url"] ?? "").trimmingCharacters(in: .whitespaces)
        let filePart = parts.first { $0.name == "file" && $0.filename.map { !$0.isEmpty } == true && $0.size > 0 }
        var stored: (file: String, name: String, type: String, size: Int)?
        if let filePart, let file = filePart.file {
            let name = Self.safeFilename(filePart.filename ?? "file")
            if let type = Self.detect(file: file, filename: name) {
                stored = (file, name, type, filePart.size)
            } else {
                state.errors["file"] = t("admin.resources.bad_type")
            }
        } else if link.isEmpty {
            state.errors["file"] = t("admin.resources.need_file")
        } else if !(link.hasPrefix("https://") || link.hasPrefix("http://")) {
            state.errors["url"] = t("admin.resources.bad_url")
        }
        guard state.isValid else { return try adminPage(request, session, state: state, status: .unprocessableContent) }
        let digest =
            stored.map { file -> String in
                var hasher = SHA256()
                if let handle = FileHandle(forReadingAtPath: file.file) {
                    while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
                    try? handle.close()
                }
                return hasher.finalize().map { String(format: "%02x", $0) }.joined()
            } ?? ""
        let user = session.user
        let kept = stored
        let finalTitle = title
        let campaign = campaignID
        let id = try await app.database.write { db -> Int64 in
            let id = try ResourceStore.insert(
                db, campaignID: campaign, title: finalTitle, description: description, language: language,
                kind: kept == nil ? .link : .file, url: kept == nil ? link : "", filename: kept?.name ?? "",
                contentType: kept?.type ?? "", size: kept?.size ?? 0, sha256: digest)
            try StaffStore.record(db, user: user, action: "create", subject: "resource \(id)")
            return id
        }
        if let kept {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard FileMove.move(kept.file, to: directory + "/\(id)") else {
                try await app.database.write { db in try ResourceStore.delete(db, id: id) }
                return .text("Could not store the file\n", status: .internalServerError)
            }
        }
        return .redirect(to: "/admin/resources?saved=1")
    }

    func adminPage(
        _ request: Request, _ session: AdminAuth.Session, state: FormState,
        status: Status = .ok, flash: String? = nil
    ) throws -> Response {
        let (resources, campaigns) = try app.database.read { db in
            (try ResourceStore.all(db), try ReferenceStore.choices(db, table: "campaigns").map { ($0.id, $0.title) })
        }
        return AdminViews.page(app, request, session, title: app.t(request)("admin.resources.title"), status: status, flash: flash) {
            c, csrf in
            ResourceViews.admin(
                resources, campaigns: campaigns, state: state, csrf: csrf, maxUploadBytes: app.config.maxUploadBytes,
                pendingDownloads: downloads.pending, t: c.t)
        }
    }
}
