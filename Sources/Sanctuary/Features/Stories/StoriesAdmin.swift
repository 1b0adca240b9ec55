import Foundation
import HTTP
import Images
import Storage

/// `/admin/stories`: the moderation queue (newest first, counts by state), one story with its
/// original beside the edit, publishing, declining with a reason that may be mailed, the
/// photo turned, the form's settings, and each moderator's digest. Every action is audited.
extension StoriesFeature {
    func registerAdmin() {
        app.router.get("/admin/stories", queue)
        app.router.get("/admin/stories/settings", settingsPage)
        app.router.post("/admin/stories/settings", async: saveSettings)
        app.router.post("/admin/stories/digest", async: setDigest)
        app.router.get("/admin/stories/{id}", moderate)
        app.router.post("/admin/stories/{id}", async: { try await act($0, .edit) })
        app.router.post("/admin/stories/{id}/publish", async: { try await act($0, .publish) })
        app.router.post("/admin/stories/{id}/unpublish", async: { try await act($0, .unpublish) })
        app.router.post("/admin/stories/{id}/decline", async: { try await act($0, .decline) })
        app.router.post("/admin/stories/{id}/rotate", async: rotate)
        app.router.post("/admin/stories/{id}/crop", async: crop)
    }

    /// Stories waiting for staff, on the dashboard.
    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] {
        guard user.may(.stories) else { return [] }
        let counts = try app.database.read { try StoryStore.counts($0) }
        let waiting = counts[.confirmed] ?? 0
        guard waiting > 0 else { return [] }
        return [
            """
            <section aria-labelledby="stories-heading"><h2 id="stories-heading">\(t("admin.stories.title"))</h2>
            <p><a href="\(t.path("/admin/stories"))">\(t.plural("admin.stories.waiting", waiting))</a></p></section>
            """
        ]
    }

    func sampleMetrics(_ gauges: MetricGauges) throws {
        let counts = try app.database.read { try StoryStore.counts($0) }
        for state in StoryState.allCases {
            gauges.set("stories", help: "Stories by state.", labels: [("state", state.rawValue)], Double(counts[state] ?? 0))
        }
    }

    func queue(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .stories)
        let state = request.query["state"].flatMap(StoryState.init(rawValue:)) ?? .confirmed
        let (stories, counts, digest) = try app.database.read { db in
            (
                try StoryStore.queue(db, state: state), try StoryStore.counts(db),
                try StoryStore.wantsDigest(db, userID: session.user.id)
            )
        }
        let t = app.t(request)
        let flash = request.query["saved"] == "1" ? t("admin.saved") : nil
        return AdminViews.page(app, request, session, title: t("admin.stories.title"), flash: flash) { c, csrf in
            StoryAdminViews.queue(
                stories, counts: counts, state: state, digest: digest, csrf: csrf, timeZone: app.config.siteTimeZone, t: c.t)
        }
    }

    func moderate(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .stories)
        let id = try Int64(request.parameter("id")).orNotFound()
        return try moderationPage(request, session, id: id, state: nil)
    }

    func moderationPage(
        _ request: Request, _ session: AdminAuth.Session, id: Int64, state: FormState?, status: Status = .ok
    ) throws -> Response {
        let (found, media, campaigns) = try app.database.read { db in
            (try StoryStore.find(db, id: id), try MediaStore.of(db, .stories, id: id), try CampaignStore.choices(db))
        }
        // A story not yet confirmed by its teller is not for staff to see.
        guard let story = found, story.state != .submitted else { throw HTTPError.notFound }
        let t = app.t(request)
        let flash = request.query["saved"] == "1" ? t("admin.saved") : nil
        return AdminViews.page(app, request, session, title: t("admin.stories.story", ["id": String(id)]), status: status, flash: flash) {
            c, csrf in
            StoryAdminViews.story(
                story, media: media, campaigns: campaigns, state: state, csrf: csrf, timeZone: app.config.siteTimeZone, t: c.t)
        }
    }

    enum Action { case edit, publish, unpublish, decline }

    func act(_ request: Request, _ action: Action) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .stories)
        let id = try Int64(request.parameter("id")).orNotFound()
        let form = request.form
        let t = app.t(request)
        let user = session.user
        switch action {
        case .edit:
            var checks = FieldChecks(form, t: t, fields: ["title", "body", "caption", "photographer", "campaign", "featured"])
            let title = checks.text("title", required: false, max: 200)
            let body = checks.text("body", required: true, max: StoryForm.maxCharacters, multiline: true)
            let caption = checks.text("caption", required: false, max: 300)
            let photographer = checks.text("photographer", required: false, max: 100)
            let featured = checks.ticked("featured")
            let campaignID = form["campaign"].flatMap { Int64($0) }
            guard checks.isValid else {
                return try moderationPage(request, session, id: id, state: checks.state, status: .unprocessableContent)
            }
            let changed = try await app.database.write { db -> Bool in
                guard
                    try StoryStore.edit(
                        db, id: id, title: title, body: body, caption: caption, photographer: photographer, campaignID: campaignID,
                        featured: featured)
                else { return false }
                // The picture's words follow the caption.
                if let media = try MediaStore.of(db, .stories, id: id) {
                    try db.run("UPDATE media SET alt = ?, caption = ?, credit = ? WHERE id = ?", caption, caption, photographer, media.id)
                }
                try StaffStore.record(db, user: user, action: "edit", subject: "story #\(id)")
                return true
            }
            guard changed else { throw HTTPError.notFound }
        case .publish, .unpublish:
            let changed = try await app.database.write { db -> Bool in
                guard let before = try StoryStore.find(db, id: id), try StoryStore.setPublished(db, id: id, action == .publish) else {
                    return false
                }
                try StaffStore.record(db, user: user, action: action == .publish ? "publish" : "unpublish", subject: "story #\(id)")
                // The first time it goes up, its teller hears where (and how to take it back).
                if action == .publish, before.publishedAt == nil, !before.email.isEmpty {
                    let lt = app.localizer(before.language)
                    try OutboxStore.enqueue(
                        db, kind: "story.published",
                        message: app.mail(
                            to: before.email, language: before.language,
                            subject: lt("mail.story.published.subject", ["site": app.siteName]),
                            text: lt(
                                "mail.story.published.body",
                                [
                                    "site": app.siteName, "link": app.absoluteURL(lt.path("/stories/\(id)")),
                                    "withdraw": withdrawURL(id: id, language: before.language),
                                ]), button: lt("mail.story.published.button")))
                }
                return true
            }
            guard changed else { return .redirect(to: "/admin/stories/\(id)") }
            app.mailer.wake()
        case .decline:
            var checks = FieldChecks(form, t: t, fields: ["reason", "tell"])
            let reason = checks.text("reason", required: false, max: 2000, multiline: true)
            let tell = checks.ticked("tell")
            guard checks.isValid else {
                return try moderationPage(request, session, id: id, state: checks.state, status: .unprocessableContent)
            }
            let changed = try await app.database.write { db -> Bool in
                guard let story = try StoryStore.find(db, id: id), try StoryStore.decline(db, id: id, reason: reason) else { return false }
                try StaffStore.record(db, user: user, action: "decline", subject: "story #\(id)", detail: tell ? "reason mailed" : "")
                if tell {
                    let lt = app.localizer(story.language)
                    let body = lt(
                        reason.isEmpty ? "mail.story.declined.body" : "mail.story.declined.body_reason",
                        ["site": app.siteName, "reason": reason, "withdraw": withdrawURL(id: id, language: story.language)])
                    try OutboxStore.enqueue(
                        db, kind: "story.declined",
                        message: app.mail(
                            to: story.email, language: story.language, subject: lt("mail.story.declined.subject", ["site": app.siteName]),
                            text: body))
                }
                return true
            }
            guard changed else { return .redirect(to: "/admin/stories/\(id)") }
            app.mailer.wake()
        }
        return .redirect(to: "/admin/stories/\(id)?saved=1")
    }

    /// `POST /admin/stories/{id}/rotate` (`direction` left or right): the photo turned a quarter.
    func rotate(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .stories)
        let id = try Int64(request.parameter("id")).orNotFound()
        let right = request.form["direction"] != "left"
        // EXIF orientation 6 turns a picture a quarter to the right, 8 to the left.
        return try await remake(session, id: id, action: "rotate photo", detail: right ? "right" : "left") { $0.oriented(right ? 6 : 8) }
    }

    /// `POST /admin/stories/{id}/crop`: the photo trimmed by a share of each side (`left`,
    /// `top`, `right`, `bottom`, in percent, at most 45 each): a face or a street sign cut out.
    func crop(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .stories)
        let id = try Int64(request.parameter("id")).orNotFound()
        let form = request.form
        var trims: [Int] = []
        for side in ["left", "top", "right", "bottom"] {
            let value = (form[side] ?? "0").trimmingCharacters(in: .whitespaces)
            guard let percent = Int(value.isEmpty ? "0" : value), (0...45).contains(percent) else {
                return try moderationPage(
                    request, session, id: id, state: FormState(errors: ["crop": app.t(request)("admin.stories.error.crop")]),
                    status: .unprocessableContent)
            }
            trims.append(percent)
        }
        let (left, top, right, bottom) = (trims[0], trims[1], trims[2], trims[3])
        return try await remake(session, id: id, action: "crop photo", detail: "\(left)% \(top)% \(right)% \(bottom)%") { picture in
            let x = picture.width * left / 100
            let y = picture.height * top / 100
            let width = max(1, picture.width - x - picture.width * right / 100)
            let height = max(1, picture.height - y - picture.height * bottom / 100)
            return picture.cropped(x: x, y: y, width: width, height: height)
        }
    }

    /// A story's photo made again from its largest copy through `change`, on the image
    /// workers; the new copies replace the old (which go), in the audit log as `action`.
    func remake(
        _ session: AdminAuth.Session, id: Int64, action: String, detail: String, _ change: @escaping @Sendable (Bitmap) -> Bitmap
    ) async throws -> Response {
        guard let media = try app.database.read({ try MediaStore.of($0, .stories, id: id) }) else { throw HTTPError.notFound }
        let largest = media.sizes.last ?? media.width
        let path = app.mediaDirectory + "/\(media.id)/\(media.name)-\(largest).\(media.fileExtension)"
        guard let data = FileManager.default.contents(atPath: path) else { throw HTTPError.notFound }
        let name = media.name
        let changed = try await app.imageWorkers.run { () throws -> MediaRenditions in
            let picture = change(try ImageCodec.decode([UInt8](data)))
            let bytes = picture.hasTransparency ? try ImageCodec.encodePNG(picture) : try ImageCodec.encodeJPEG(picture, quality: 92)
            return try MediaRenditions.make(bytes, name: name)
        }
        let staging = app.mediaDirectory + "/.new-" + SecretToken.make()
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        do { try changed.write(to: staging) } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        let user = session.user
        let words = MediaForm.Words(alt: media.alt, caption: media.caption, credit: media.credit)
        let newID = try await app.database.write { db -> Int64 in
            let newID = try MediaStore.insert(db, changed, name: name, words: words, by: user.email)
            try StoryStore.setMedia(db, id: id, mediaID: newID)
            try MediaStore.delete(db, id: media.id)
            try StaffStore.record(db, user: user, action: action, subject: "story #\(id)", detail: detail)
            return newID
        }
        if rename(staging, app.mediaDirectory + "/\(newID)") != 0 { try? FileManager.default.removeItem(atPath: staging) }
        app.forgetPictures([media.id])
        return .redirect(to: "/admin/stories/\(id)?saved=1")
    }

    func settingsPage(_ request: Request) throws -> Response {
        let session = try AdminAuth.require(app, request, .stories)
        return try settingsPage(request, session, state: nil)
    }

    func settingsPage(_ request: Request, _ session: AdminAuth.Session, state: FormState?, status: Status = .ok) throws -> Response {
        let (settings, campaigns, gathering) = try app.database.read { db in
            (try StoryStore.settings(db), try CampaignStore.choices(db), try StoryStore.gatheringCampaigns(db))
        }
        let t = app.t(request)
        let flash = request.query["saved"] == "1" ? t("admin.saved") : nil
        return AdminViews.page(app, request, session, title: t("admin.stories.settings"), status: status, flash: flash) { c, csrf in
            StoryAdminViews.settings(settings, campaigns: campaigns, gathering: gathering, state: state, csrf: csrf, t: c.t)
        }
    }

    func saveSettings(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .stories)
        let form = request.form
        let t = app.t(request)
        let raw = (form["max_words"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let maxWords = Int(raw), (20...5000).contains(maxWords) else {
            var state = FormState(values: ["max_words": raw])
            state.errors["max_words"] = t("admin.stories.error.max_words")
            return try settingsPage(request, session, state: state, status: .unprocessableContent)
        }
        let photoProject = form["photo_project"] == "yes"
        let chosen = form.pairs.filter { $0.name == "campaign" }.compactMap { Int64($0.value) }
        let user = session.user
        try await app.database.write { db in
            let known = Set(try CampaignStore.choices(db).map(\.0))
            try StoryStore.saveSettings(
                db, maxWords: maxWords, photoProject: photoProject, campaignIDs: Array(Set(chosen.filter { known.contains($0) })).sorted())
            try StaffStore.record(
                db, user: user, action: "settings", subject: "stories",
                detail: "max_words \(maxWords), photo_project \(photoProject), campaigns \(chosen.count)")
        }
        return .redirect(to: "/admin/stories/settings?saved=1")
    }

    /// A moderator turns their own daily digest on or off.
    func setDigest(_ request: Request) async throws -> Response {
        let session = try AdminAuth.requirePost(app, request, .stories)
        let wanted = request.form["digest"] == "on"
        let user = session.user
        try await app.database.write { db in
            try StoryStore.setDigest(db, userID: user.id, wanted: wanted)
            try StaffStore.record(db, user: user, action: wanted ? "digest on" : "digest off", subject: "stories")
        }
        return .redirect(to: "/admin/stories?saved=1")
    }
}
