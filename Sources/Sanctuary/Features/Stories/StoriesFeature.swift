import Foundation
import HTTP
import Mail
import Storage

extension StaffUser.Area {
    /// Moderating supporters' stories.
    public static let stories = StaffUser.Area("stories", roles: [.organizer, .editor])
}

extension MediaOwner {
    /// A story's photo (sent by its teller, re-encoded with no metadata).
    public static let stories = MediaOwner("stories", area: .stories, column: "media_id", editPath: "/admin/stories/{id}")
}

/// Supporters' stories and photos: told through `/stories/new` (or a campaign's page that
/// gathers them), confirmed by a mailed link before staff see them, moderated at
/// `/admin/stories`, published at `/stories` (and as a gallery of photos), and withdrawn by
/// the teller's own link, which works forever.
struct StoriesFeature: Feature {
    let app: Application
    static var searchKinds: [SearchKind] { [SearchKind(kind: "story", label: "search.kind.story", order: 50)] }

    static let pageSize = 12

    static var navigation: [NavigationEntry] { [NavigationEntry(path: "/stories", label: "nav.stories", order: 45)] }
    static var adminNavigation: [AdminNavigationEntry] {
        [AdminNavigationEntry(path: "/admin/stories", label: "admin.nav.stories", area: .stories, order: 35)]
    }
    static var pictureOwners: [MediaOwner] { [.stories] }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "stories and photos", table: "stories", email: "email",
                columns: [
                    "state", "body_original", "body", "caption_original", "photographer", "first_name", "last_name", "naming", "place",
                    "email", "language", "consent_text", "people_consent", "media_id", "created_at", "confirmed_at", "published_at",
                ], erase: .blank(StoryStore.erased))
        ]
    }

    func register() {
        app.router.get("/stories", list)
        app.router.get("/stories.atom", feed)
        app.router.get("/stories/new", newStory)
        app.router.post(
            StoryForm.action, upload: app.config.storyMaxPhotoBytes + 512 * 1024,
            precheck: app.publicUploadPrecheck(action: { _ in StoryForm.action }), async: submit)
        app.router.get("/stories/sent", ErrorPages.handler(app, title: "stories.sent.title", body: "stories.sent.body"))
        app.router.get("/stories/confirm/{token}", sensitive: true, askToConfirm)
        app.router.post("/stories/confirm/{token}", sensitive: true, writes: confirm)
        app.router.get("/stories/confirmed", confirmed)
        app.router.get("/stories/withdraw/{id}/{token}", sensitive: true, askToWithdraw)
        app.router.post("/stories/withdraw/{id}/{token}", sensitive: true, writes: withdraw)
        app.router.get("/stories/{id}", story)
        registerAdmin()
    }

    func referrals(_ db: Connection, since: String, _ t: Localizer) throws -> [ReferralCount] {
        try ReferralCount.read(
            db,
            "SELECT '' AS item, referral AS source, count(*) AS n FROM stories WHERE confirmed_at >= ? GROUP BY referral",
            since: since, action: t("admin.sources.stories"))
    }

    func sitemap(_ db: Connection) throws -> [String] {
        ["/stories", "/stories/new"] + (try StoryStore.published(db, limit: 1000).map { "/stories/\($0.id)" })
    }

    func jobs() -> [ScheduledJob] {
        [
            ScheduledJob("erase stories", .housekeeping) { try eraseDue() },
            ScheduledJob("story digest", .housekeeping) { try sendDigest() },
        ]
    }

    // MARK: Offers

    /// Stories on the home page (when there are some) and on a campaign's page (its own, and
    /// a card asking for more when it gathers them).
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        let campaignID: Int64?
        switch scope {
        case .home: campaignID = nil
        case .campaign(let id): campaignID = id
        case .campaignActions, .featuredActions, .event: return []
        }
        let stories = try StoryStore.published(db, campaignID: campaignID, limit: 3)
        let gathers = try campaignID.map { try StoryStore.gathers(db, campaignID: $0) } ?? false
        guard !stories.isEmpty || gathers else { return [] }
        let media = try MediaStore.of(db, .stories, ids: stories.map(\.id))
        var items: [OfferGroup.Item] = stories.map { .init(id: $0.id, html: StoryViews.card($0, media: media[$0.id], t: t)) }
        let slug = try campaignID.flatMap { try CampaignStore.slug(db, id: $0) }
        let query = gathers ? slug.map { "?campaign=\($0)" } ?? "" : ""
        items.append(
            .init(
                id: 0,
                html: """
                    <li class="card story-card"><h3 class="card-title">\(t("stories.tell.heading"))</h3><p>\(t("stories.tell.body"))</p>
                    \(Layout.cardAction(t("stories.tell"), href: t.path("/stories/new") + query, title: t("stories.title")))
                    \(stories.isEmpty ? HTML.empty : "<p><a href=\"\(t.path("/stories") + (slug.map { "?campaign=\($0)" } ?? ""))\">\(t("stories.all"))</a></p>")</li>
                    """))
        return [OfferGroup(kind: "stories", role: .action, heading: "stories.title", order: 55, items: items)]
    }

    // MARK: Reading

    func campaignRef(_ campaign: Campaign, _ t: Localizer) -> StoryViews.CampaignRef {
        StoryViews.CampaignRef(id: campaign.id, slug: campaign.slug, title: campaign.title.text(t))
    }

    /// `GET /stories`: featured first, then newest; `?campaign=`, `?view=photos`, `?page=`.
    func list(_ request: Request) throws -> Response {
        let t = app.t(request)
        // A photo project opens on its gallery.
        let photoProject = try app.database.read { try StoryStore.settings($0).photoProject }
        let photos = request.query["view"] == "photos" || (photoProject && request.query["view"] != "stories")
        var page = 1
        if let raw = request.query["page"] {
            guard let n = Int(raw), n >= 1 else { return .redirect(to: "/stories", status: .movedPermanently) }
            page = n
        }
        let slug = request.query["campaign"] ?? ""
        let found = try app.database.read { db -> (Int, [Story], [Int64: Media], Campaign?, [Campaign])? in
            let campaign = slug.isEmpty ? nil : try CampaignStore.find(db, slug: slug)
            if !slug.isEmpty && campaign == nil { return nil }
            let gathering = try StoryStore.gatheringCampaigns(db)
            let campaigns = try CampaignStore.active(db).filter { gathering.contains($0.id) }
            // The page number is checked against the page count before any arithmetic on it.
            let count = try StoryStore.publishedCount(db, campaignID: campaign?.id, photosOnly: photos)
            let pages = max(1, (count + Self.pageSize - 1) / Self.pageSize)
            guard page <= pages else { return (pages, [], [:], campaign, campaigns) }
            let stories = try StoryStore.published(
                db, campaignID: campaign?.id, photosOnly: photos, offset: (page - 1) * Self.pageSize, limit: Self.pageSize)
            return (pages, stories, try MediaStore.of(db, .stories, ids: stories.map(\.id)), campaign, campaigns)
        }
        guard let (pages, stories, media, campaign, campaigns) = found else { throw HTTPError.notFound }
        guard page <= pages else {
            return ErrorPages.message(
                app, request, status: .notFound, title: t("news.out_of_range.title"),
                body: t("news.out_of_range.body", ["pages": String(pages)]))
        }
        let mediaByID = Dictionary(stories.compactMap { s in media[s.id].map { (s.mediaID ?? 0, $0) } }, uniquingKeysWith: { a, _ in a })
        var response = app.page(
            request, title: campaign.map { t("stories.title_of", ["campaign": $0.title.text(t)]) } ?? t("stories.title"),
            description: t("stories.lede"),
            head:
                "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"\(t("stories.feed"))\" href=\"\(t.path("/stories.atom"))\">\n"
        ) { c in
            StoryViews.list(
                stories, media: mediaByID, page: page, pages: pages, photos: photos, photoProject: photoProject,
                campaign: campaign.map { campaignRef($0, c.t) },
                campaigns: campaigns.map { campaignRef($0, c.t) }, t: c.t)
        }
        response.cache(.publicPage(shared: 30))
        return response
    }

    /// `GET /stories/{id}`: a published story; any other is not found.
    func story(_ request: Request) throws -> Response {
        let id = try Int64(request.parameter("id")).orNotFound()
        let t = app.t(request)
        let (found, media, campaign) = try app.database.read { db -> (Story?, Media?, Campaign?) in
            guard let story = try StoryStore.find(db, id: id), story.state == .published else { return (nil, nil, nil) }
            let slug = try story.campaignID.flatMap { try CampaignStore.slug(db, id: $0) }
            return (story, try MediaStore.of(db, .stories, id: id), try slug.flatMap { try CampaignStore.find(db, slug: $0) })
        }
        let story = try found.orNotFound()
        var response = app.page(
            request, title: story.headline, description: story.excerpt(160),
            share: SharePreview(type: "article", image: media?.shareImage(t))
        ) { c in
            StoryViews.page(
                story, media: media, campaign: campaign.map { campaignRef($0, c.t) },
                shareURL: app.absoluteURL(c.t.path("/stories/\(id)"), request), t: c.t)
        }
        response.cache(.publicPage(shared: 60))
        return response
    }

    /// `GET /stories.atom`.
    func feed(_ request: Request) throws -> Response {
        let t = app.t(request)
        let stories = try app.database.read { try StoryStore.recent($0, limit: 20) }
        return app.atomFeed(
            request, path: "/stories.atom", list: "/stories", title: t("stories.title"),
            entries: stories.map { story in
                let link = app.absoluteURL(t.path("/stories/\(story.id)"), request)
                let published = story.publishedAt ?? story.createdAt
                return AtomFeed.Entry(
                    id: link, title: story.headline, link: link, published: published, updated: published,
                    author: story.shownName ?? t("stories.anonymous"), summary: story.excerpt(),
                    html: StoryViews.body(story.body, language: story.language, t: t).rendered)
            })
    }

    // MARK: Telling

    /// The campaign a form is for (`?campaign=` or its hidden field), when it gathers stories.
    func gatheringCampaign(_ db: Connection, slug: String?) throws -> Campaign? {
        guard let slug, !slug.isEmpty, let campaign = try CampaignStore.find(db, slug: slug),
            try StoryStore.gathers(db, campaignID: campaign.id)
        else { return nil }
        return campaign
    }

    /// `GET /stories/new`.
    func newStory(_ request: Request) throws -> Response {
        let (settings, campaign) = try app.database.read { db in
            (try StoryStore.settings(db), try gatheringCampaign(db, slug: request.query["campaign"]))
        }
        var response = formPage(request, campaign: campaign, settings: settings, state: FormState(values: ["naming": ""]))
        response.cache(.publicPage(shared: 5))
        return response
    }

    func formPage(
        _ request: Request, campaign: Campaign?, settings: StorySettings, state: FormState, photoAgain: Bool = false,
        status: Status = .ok
    ) -> Response {
        let csrf = app.formTokens.make(for: StoryForm.action)
        let t = app.t(request)
        let ref = campaign.map { campaignRef($0, t) }
        let consent = StoryForm.consentText(site: app.siteName, campaign: ref?.title, t: t)
        var response = app.page(
            request, title: t("stories.new.title"), status: status, description: t("stories.new.lede", ["site": app.siteName])
        ) { c in
            StoryViews.form(
                campaign: ref, settings: settings, state: state, csrf: csrf, consent: consent, site: app.siteName, photoAgain: photoAgain,
                t: c.t)
        }
        if status != .ok { response.cache(.noStore) }
        return response
    }

    /// A story checked, with its photo made into pictures.
    struct Told: Sendable {
        let input: StoryInput
        let pictures: MediaRenditions?
        let photoName: String
    }

    /// `POST /stories` (multipart), through the public pipeline: token, honeypot, rate, `422`
    /// with everything typed kept (a photo must be chosen again, and the form says so).
    func submit(_ request: Request) async throws -> Response {
        let t = app.t(request)
        return try await app.publicUploadPost(
            request, action: StoryForm.action, honeypot: .redirect(to: "/stories/sent"),
            check: { upload in try await check(request, upload, t: t) },
            accept: { told, clientHash in try await store(told, clientHash: clientHash, t: t) })
    }

    func check(_ request: Request, _ upload: PublicUpload, t: Localizer) async throws -> PublicFormCheck<Told> {
        let (settings, campaign) = try app.database.read { db in
            (try StoryStore.settings(db), try gatheringCampaign(db, slug: upload.fields["campaign"]))
        }
        let form = FormFields(pairs: upload.fields.map { ($0.key, $0.value) })
        var checks = FieldChecks(form, t: t, fields: StoryForm.order)
        let photo = upload.file("photo")
        if let photo, photo.size > app.config.storyMaxPhotoBytes {
            checks.state.errors["photo"] = t("stories.error.photo_size", ["max": t.formatNumber(app.config.storyMaxPhotoBytes / 1_048_576)])
        }
        let consent = StoryForm.consentText(site: app.siteName, campaign: campaign?.title.text(t), t: t)
        let input = StoryForm.validate(
            &checks, maxWords: settings.maxWords, photoSent: photo != nil, photoRequired: settings.photoProject, campaignID: campaign?.id,
            consentText: consent)
        func again(_ state: FormState, busy: Bool = false) -> PublicFormCheck<Told> {
            // A multipart body is not the request's form: the source is carried on from its fields.
            var response = Referral.$current.withValue(Referral.clean(upload.fields[Referral.field])) {
                formPage(
                    request, campaign: campaign, settings: settings, state: state, photoAgain: photo != nil,
                    status: busy ? .serviceUnavailable : .unprocessableContent)
            }
            if busy { response.headers["Retry-After"] = "10" }
            return .answer(response)
        }
        guard let input else { return again(checks.state) }
        guard let photo else { return .valid(Told(input: input, pictures: nil, photoName: "")) }
        switch await PictureIntake.make(app, photo) {
        case .made(let pictures):
            return .valid(Told(input: input, pictures: pictures, photoName: MediaRenditions.stem(photo.filename ?? "photo")))
        case .refused(let key, let busy):
            checks.state.errors["photo"] = t(key)
            return again(checks.state, busy: busy)
        }
    }

    /// The story and its photo kept, waiting for its teller's confirmation; the mail with the
    /// link to confirm and the one to withdraw it. The same answer whatever the address.
    func store(_ told: Told, clientHash: String, t: Localizer) async throws -> Response {
        // The copies go to a folder of their own first; the row names it only once written.
        var staging: String?
        if let pictures = told.pictures {
            let folder = app.mediaDirectory + "/.new-" + SecretToken.make()
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            do { try pictures.write(to: folder) } catch {
                try? FileManager.default.removeItem(atPath: folder)
                throw error
            }
            staging = folder
        }
        let token = NewMailToken(lifetime: 30 * 86_400, key: app.mailLinks)
        let input = told.input
        let ids = try await app.database.write(gathered: true) { db -> (story: Int64, media: Int64?) in
            var mediaID: Int64?
            if let pictures = told.pictures {
                let words = MediaForm.Words(
                    alt: Bilingual(input.caption.isEmpty ? t("stories.photo_alt") : input.caption), caption: Bilingual(input.caption),
                    credit: input.photographer)
                mediaID = try MediaStore.insert(db, pictures, name: told.photoName, words: words, by: "story")
            }
            let id = try StoryStore.insert(db, input, mediaID: mediaID, clientHash: clientHash)
            let mail = confirmationMail(id: id, token: token, to: input.email, language: input.language)
            if try app.enqueueUnconfirmed(db, kind: "story.confirm", RenderedMail(mail)) {
                try MailTokenStore.insert(db, token, purpose: .story, subjectID: id)
            }
            return (id, mediaID)
        }
        if let staging, let mediaID = ids.media, rename(staging, app.mediaDirectory + "/\(mediaID)") != 0 {
            // Not servable: the story goes on without its photo rather than show a broken one.
            try? FileManager.default.removeItem(atPath: staging)
            try await app.database.write { db in
                try StoryStore.setMedia(db, id: ids.story, mediaID: nil)
                try MediaStore.delete(db, id: mediaID)
            }
        }
        app.mailer.wake()
        return .redirect(to: "/stories/sent")
    }

    /// The link that withdraws a story: an HMAC of its id, so it works forever without being stored.
    func withdrawToken(id: Int64) -> String {
        app.serverKey.mac(String(id), purpose: "story-withdraw").prefix(24).base64URL
    }

    func withdrawURL(id: Int64, language: String) -> String {
        app.absoluteURL(app.localizer(language).path("/stories/withdraw/\(id)/\(withdrawToken(id: id))"))
    }

    /// The mail to an address nobody has confirmed: nothing the visitor typed goes in it (so
    /// the form cannot send a stranger words of its sender's choosing); the two links do.
    func confirmationMail(id: Int64, token: NewMailToken, to email: String, language: String) -> MailMessage {
        let t = app.localizer(language)
        return app.mail(
            to: email, language: language, subject: t("mail.story.confirm.subject", ["site": app.siteName]),
            text: t(
                "mail.story.confirm.body",
                [
                    "site": app.siteName, "link": app.absoluteURL(t.path("/stories/confirm/\(token.placeholder)")),
                    "withdraw": withdrawURL(id: id, language: language),
                ]), button: t("stories.confirm.submit"))
    }

    static let confirmAction = "story-confirm"
    static let withdrawAction = "story-withdraw"
    static let linkTexts = MailLinkTexts(
        usedTitle: "stories.confirmed.title", usedBody: "stories.confirm.used", expiredBody: "stories.confirm.expired")

    func askToConfirm(_ request: Request) throws -> Response {
        try app.mailLinkAsk(
            request, purpose: .story, Self.linkTexts, title: "stories.confirm.title", body: "stories.confirm.body",
            button: "stories.confirm.submit", action: Self.confirmAction)
    }

    func confirm(_ request: Request) async throws -> Response {
        try await app.mailLinkPost(
            request, action: Self.confirmAction, purpose: .story, Self.linkTexts,
            act: { db, token in
                guard let id = token.subjectID else { return false }
                return try StoryStore.confirm(db, id: id)
            }, done: { .redirect(to: "/stories/confirmed") })
    }

    /// `GET /stories/confirmed`: thanks, what happens now, and what to do next.
    func confirmed(_ request: Request) throws -> Response {
        let t = app.t(request)
        let next = try app.database.read { try app.nextSteps($0, after: "stories", id: 0, campaignID: nil, t) }
        var response = app.page(request, title: t("stories.confirmed.title")) { c in
            "<section class=\"thanks\"><h1>\(c.t("stories.confirmed.title"))</h1><p class=\"lede\">\(c.t("stories.confirmed.body"))</p></section>"
                + next
        }
        response.cache(.noStore)
        return response
    }

    /// The story a withdrawal link names, when the link is right; else `404`.
    func withdrawTarget(_ request: Request) throws -> Story {
        guard let id = Int64(request.parameter("id")), constantTimeEqual(withdrawToken(id: id).utf8, request.parameter("token").utf8)
        else { throw HTTPError.notFound }
        return try app.database.read { try StoryStore.find($0, id: id) }.orNotFound()
    }

    func askToWithdraw(_ request: Request) throws -> Response {
        let story = try withdrawTarget(request)
        let t = app.t(request)
        guard story.state != .withdrawn, story.erasedAt == nil else {
            return ErrorPages.message(app, request, status: .ok, title: t("stories.withdrawn.title"), body: t("stories.withdrawn.body"))
        }
        return app.mailLinkPage(
            request, title: t("stories.withdraw.title"), body: "<p class=\"lede\">\(t("stories.withdraw.body"))</p>",
            button: t("stories.withdraw.submit"), action: Self.withdrawAction)
    }

    /// `POST /stories/withdraw/{id}/{token}`: off the site at once, erased within the day
    /// (`eraseDue`), and staff are told.
    func withdraw(_ request: Request) async throws -> Response {
        if let forged = ErrorPages.rejectForgedForm(app, request, request.form, action: Self.withdrawAction) { return forged }
        let story = try withdrawTarget(request)
        let t = app.t(request)
        try await app.database.write { db in
            guard try StoryStore.withdraw(db, id: story.id) else { return }
            try StaffStore.record(db, user: nil, actor: "teller", action: "withdraw", subject: "story #\(story.id)")
            for address in try StoryStore.digestRecipients(db, roles: Self.moderatorRoles) {
                let lt = app.localizer("en")
                try OutboxStore.enqueue(
                    db, kind: "story.withdrawn",
                    message: app.mail(
                        to: address, language: lt.language, subject: lt("mail.story.withdrawn.subject", ["id": String(story.id)]),
                        text: lt(
                            "mail.story.withdrawn.body",
                            ["id": String(story.id), "link": app.absoluteURL("/admin/stories?state=withdrawn")])))
            }
        }
        app.mailer.wake()
        return ErrorPages.message(app, request, status: .ok, title: t("stories.withdrawn.title"), body: t("stories.withdrawn.body"))
    }

    static let moderatorRoles = ["admin"] + StaffUser.Area.stories.roles.map(\.rawValue).sorted()

    // MARK: Keeping nothing longer than promised

    /// What withdrawn, long-declined and never-confirmed stories held, erased with their photos.
    func eraseDue() throws {
        let now = Date()
        let declinedBefore = Timestamp.format(now.addingTimeInterval(-Double(app.config.storyRetentionDays) * 86_400))
        let unconfirmedBefore = Timestamp.format(now.addingTimeInterval(-30 * 86_400))
        guard
            !(try app.database.read {
                try StoryStore.dueForErasure($0, declinedBefore: declinedBefore, unconfirmedBefore: unconfirmedBefore)
            }).isEmpty
        else { return }
        let media = try app.database.writeAndWait { db -> [Int64] in
            let due = try StoryStore.dueForErasure(db, declinedBefore: declinedBefore, unconfirmedBefore: unconfirmedBefore)
            for story in due { try StoryStore.erase(db, id: story.id) }
            let pictures = due.compactMap(\.mediaID)
            for id in pictures { try MediaStore.delete(db, id: id) }
            return pictures
        }
        for id in media {
            try? FileManager.default.removeItem(atPath: app.mediaDirectory + "/\(id)")
            app.mediaFiles.forget(folder: String(id))
        }
        app.logger.info("erased \(media.count) story photos and their stories' words")
    }

    /// Once a day at most: the stories confirmed since the last digest, to each moderator who
    /// has not turned it off.
    func sendDigest() throws {
        let (settings, stories) = try app.database.read { (try StoryStore.settings($0), try StoryStore.undigested($0)) }
        guard !stories.isEmpty else { return }
        if let last = settings.lastDigestAt.flatMap(Timestamp.parse), Date().timeIntervalSince(last) < 23 * 3600 { return }
        let t = app.localizer("en")
        let now = Timestamp.now()
        try app.database.writeAndWait { db in
            let lines = stories.map { "- #\($0.id): \($0.headline)" }.joined(separator: "\n")
            for address in try StoryStore.digestRecipients(db, roles: Self.moderatorRoles) {
                try OutboxStore.enqueue(
                    db, kind: "story.digest",
                    message: app.mail(
                        to: address, language: t.language, subject: t.plural("mail.story.digest.subject", stories.count),
                        text: t("mail.story.digest.body", ["stories": lines, "link": app.absoluteURL("/admin/stories")])))
            }
            try StoryStore.markDigested(db, ids: stories.map(\.id), now: now)
        }
        app.mailer.wake()
    }
}
