import Foundation
import HTTP
import Images
import Storage

/// Pictures for campaigns, petitions, news and events: `/admin/{kind}/{id}/image` to add,
/// replace or remove one. The copies are served by `Application.mediaFiles` at `/media/…`.
struct MediaFeature: Feature {
    let app: Application

    func loadSampleContent(from file: URL) throws {
        guard app.config.loadSampleMedia else { return }
        try Self.loadSamples(from: file, into: app.database, mediaDirectory: app.mediaDirectory, owners: app.pictureOwners)
    }

    func register() {
        for owner in app.pictureOwners {
            let path = "/admin/\(owner.key)/{id}/image"
            app.router.get(path) { request in try editor(request, owner: owner) }
            app.router.post(
                path, upload: MediaForm.maxBytes, precheck: AdminAuth.uploadPrecheck(app, owner.area),
                async: { request in try await upload(request, owner: owner) })
            app.router.post(path + "/remove", async: { request in try await remove(request, owner: owner) })
        }
    }

    /// `GET /admin/{kind}/{id}/image`.
    func editor(_ request: Request, owner: MediaOwner) throws -> Response {
        let session = try AdminAuth.require(app, request, owner.area)
        return try editor(request, session, owner: owner, id: try Self.itemID(request), state: FormState())
    }

    /// `POST /admin/{kind}/{id}/image/remove`: the item shows no picture; the picture goes
    /// when nothing else uses it.
    func remove(_ request: Request, owner: MediaOwner) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, owner.area)
        let (id, user) = (try Self.itemID(request), session.user)
        let removed = try await app.database.write { db -> Bool in
            guard try MediaStore.attach(db, owner, id: id, mediaID: nil) else { return false }
            try StaffStore.record(db, user: user, action: "remove image", subject: "\(owner.key) #\(id)")
            return true
        }
        guard removed else { throw HTTPError.notFound }
        try await removeUnused()
        owner.afterChange?(app)
        return .redirect(to: owner.editPath(id) + "?saved=1")
    }

    static func itemID(_ request: Request) throws(HTTPError) -> Int64 {
        guard let id = Int64(request.parameter("id")), id > 0 else { throw HTTPError.notFound }
        return id
    }

    func editor(
        _ request: Request, _ session: AdminAuth.Session, owner: MediaOwner, id: Int64, state: FormState,
        status: Status = .ok
    ) throws -> Response {
        guard
            let (title, current) = try app.database.read({ db -> (String, Media?)? in
                guard let title = try MediaStore.ownerTitle(db, owner, id: id) else { return nil }
                return (title.isEmpty ? app.siteName : title, try MediaStore.of(db, owner, id: id))
            })
        else { throw HTTPError.notFound }
        let t = app.t(request)
        return AdminViews.page(app, request, session, title: t("admin.media.title", ["title": title]), status: status) { c, csrf in
            MediaViews.editor(owner: owner, id: id, title: title, current: current, state: state, csrf: csrf, t: c.t)
        }
    }

    /// The upload: spooled to disk as it arrives (as resources are), decoded, copied at
    /// each width and as a share card, the copies written to a folder of their own, then the
    /// row and the item's link to it in one transaction. Nothing is kept half way.
    func upload(_ request: Request, owner: MediaOwner) async throws -> Response {
        let id = try Self.itemID(request)
        return try await StaffUpload.handle(app, request, area: owner.area) { upload in
            try await store(request, upload, owner: owner, id: id)
        }
    }

    func store(_ request: Request, _ upload: StaffUpload, owner: MediaOwner, id: Int64) async throws -> Response {
        let t = app.t(request)
        let (parts, fields, session) = (upload.parts, upload.fields, upload.session)
        var state = FormState(values: fields)
        let words: MediaForm.Words?
        switch MediaForm.validate(fields, t: t) {
        case .success(let w): words = w
        case .failure(let invalid):
            words = nil
            state.errors = invalid.state.errors
        }
        let filePart = parts.first { $0.name == "file" && $0.size > 0 }
        var renditions: MediaRenditions?
        var busy = false
        switch await PictureIntake.make(app, filePart) {
        case .made(let made): renditions = made
        case .refused(let key, let isBusy):
            busy = isBusy
            state.errors["file"] = t(key)
        }
        guard let words, let renditions, state.isValid else {
            var response = try editor(
                request, session, owner: owner, id: id, state: state, status: busy ? .serviceUnavailable : .unprocessableContent)
            if busy { response.headers["Retry-After"] = "10" }
            return response
        }
        // The copies go to a folder of their own first; the row names it only once written.
        let staging = app.mediaDirectory + "/.new-" + SecretToken.make()
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        do {
            try renditions.write(to: staging)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        let user = session.user
        let name = MediaRenditions.stem(filePart?.filename ?? "image")
        let mediaID: Int64? = try await app.database.write { db in
            guard try MediaStore.ownerTitle(db, owner, id: id) != nil else { return nil }
            let mediaID = try MediaStore.insert(db, renditions, name: name, words: words, by: user.email)
            _ = try MediaStore.attach(db, owner, id: id, mediaID: mediaID)
            try StaffStore.record(db, user: user, action: "add image", subject: "\(owner.key) #\(id)", detail: "media \(mediaID)")
            return mediaID
        }
        guard let mediaID else {
            try? FileManager.default.removeItem(atPath: staging)
            throw HTTPError.notFound
        }
        let folder = app.mediaDirectory + "/\(mediaID)"
        if rename(staging, folder) != 0 {
            // Not servable: take the row back rather than show a broken picture.
            try? FileManager.default.removeItem(atPath: staging)
            try await app.database.write { db in
                _ = try MediaStore.attach(db, owner, id: id, mediaID: nil)
                try MediaStore.delete(db, id: mediaID)
            }
            return .text("Could not store the picture\n", status: .internalServerError)
        }
        try await removeUnused()
        owner.afterChange?(app)
        return .redirect(to: owner.editPath(id) + "?saved=1")
    }

    /// Pictures no item uses (replaced or removed), and their files.
    func removeUnused() async throws {
        let unused = try await app.database.write { db -> [Int64] in
            let ids = try MediaStore.unused(db, owners: app.pictureOwners)
            for id in ids { try MediaStore.delete(db, id: id) }
            return ids
        }
        for id in unused {
            try? FileManager.default.removeItem(atPath: app.mediaDirectory + "/\(id)")
            app.mediaFiles.forget(folder: String(id))
        }
    }

    /// The sample pictures (`"media"` in `Config/sample-content.json`), made like uploads:
    /// a new install shows pictures, share cards and `srcset` at once.
    static func loadSamples(from file: URL, into database: Database, mediaDirectory: String, owners: [MediaOwner]) throws {
        guard let data = try? Data(contentsOf: file),
            let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let entries = root["media"] as? [[String: String]]
        else { return }
        for entry in entries {
            guard let path = entry["file"], let owner = owners.first(where: { $0.key == entry["owner"] }), let slug = entry["slug"],
                let bytes = FileManager.default.contents(atPath: file.deletingLastPathComponent().appendingPathComponent(path).path)
            else { continue }
            let name = MediaRenditions.stem(path.split(separator: "/").last.map(String.init) ?? "image")
            let renditions = try MediaRenditions.make([UInt8](bytes), name: name)
            let mediaID: Int64? = try database.writeAndWait { db in
                guard let id = try MediaStore.ownerID(db, owner, slug: slug) else { return nil }
                let words = MediaForm.Words(
                    alt: Bilingual(entry["alt"] ?? name, french: entry["alt_fr"] ?? ""),
                    caption: Bilingual(entry["caption"] ?? "", french: entry["caption_fr"] ?? ""), credit: entry["credit"] ?? "")
                let mediaID = try MediaStore.insert(db, renditions, name: name, words: words, by: "sample content")
                _ = try MediaStore.attach(db, owner, id: id, mediaID: mediaID)
                return mediaID
            }
            guard let mediaID else { continue }
            let folder = mediaDirectory + "/\(mediaID)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try renditions.write(to: folder)
        }
    }

}
