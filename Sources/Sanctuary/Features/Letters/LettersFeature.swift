import Foundation
import HTTP
import Mail
import Storage

/// Write to your MP: campaigns, the postal-code lookup, and personalised letters with
/// mailto, print, .txt and .docx.
struct LettersFeature: Feature {
    let app: Application

    /// The ridings (at every start, when missing) and, with `sample_content`, sample MPs and
    /// FSA rows marked `is_sample` when no member exists yet: no open source of MP e-mails or
    /// FSA → riding mappings exists, so organisations import their own.
    func prepare() throws {
        let directory = app.config.configDirectory
        try app.database.writeAndWait { db in
            _ = try RepresentativeStore.loadRidingsIfEmpty(db, file: directory.appendingPathComponent("ridings-2023.csv"))
        }
        guard app.config.loadSampleContent else { return }
        let members = try String(contentsOf: directory.appendingPathComponent("sample-members.csv"), encoding: .utf8)
        let fsa = try String(contentsOf: directory.appendingPathComponent("sample-fsa.csv"), encoding: .utf8)
        try app.database.exclusive { db in
            guard try !RepresentativeStore.hasMembers(db) else { return }
            _ = try RepresentativeStore.importMembers(db, csv: members, sample: true)
            _ = try RepresentativeStore.importFSA(db, csv: fsa, sample: true)
        }
    }

    /// A campaign's open letter campaigns (or the site's, for "what next").
    func offers(_ db: Connection, _ scope: OfferScope, _ t: Localizer) throws -> [OfferGroup] {
        let letters: [LetterCampaign]
        switch scope {
        case .home, .event: return []
        case .campaign(let id), .campaignActions(let id): letters = try LetterStore.open(db, campaignID: id)
        case .featuredActions: letters = try LetterStore.open(db)
        }
        var group = OfferGroup(
            kind: "letter_campaigns", role: .action, heading: "campaigns.write", order: 30,
            items: letters.map { .init(id: $0.id, html: LetterViews.card($0, t: t)) })
        group.mostNext = 1
        return [group]
    }

    static var adminResources: [AdminResource] { [.letters] }
    static var funnelPages: [FunnelPage] {
        [FunnelPage(action: "letter", prefix: "/letters/", lookup: "SELECT id FROM letter_campaigns WHERE slug = ?")]
    }
    static var adminDependents: [String: [AdminDependent]] {
        ["campaigns": [AdminDependent(key: "letters", count: { try LetterStore.letterCount($0, inCampaign: $1) })]]
    }

    /// Letters sent per campaign, those the site delivered, and the ridings written to most.
    func dashboardCards(_ user: StaffUser, _ t: Localizer) throws -> [HTML] {
        let letters = try app.database.read { try LetterStore.countsWithTopRidings($0) }
        let rows: [HTML] = letters.map { l in
            "<tr><td>\(l.title)</td><td class=\"number\">\(t.formatNumber(l.total))</td><td class=\"number\">\(t.formatNumber(l.sent))</td><td>\(l.ridings)</td></tr>"
        }
        return [
            """
            <section aria-labelledby="letters-heading">
            <h2 id="letters-heading">\(t("admin.dashboard.letters"))</h2>
            \(letters.isEmpty ? Layout.emptyState(t("letters.none")) : "<div class=\"table-wrap\"><table><thead><tr><th scope=\"col\">\(t("admin.dashboard.campaign"))</th><th scope=\"col\">\(t("admin.dashboard.letters_sent"))</th><th scope=\"col\">\(t("admin.dashboard.letters_by_site"))</th><th scope=\"col\">\(t("admin.dashboard.top_ridings"))</th></tr></thead><tbody>\(rows)</tbody></table></div>")
            </section>
            """
        ]
    }

    static var personalData: [PersonalData] {
        [
            PersonalData(
                "letters to representatives", table: "letters", email: "sender_email",
                columns: [
                    "campaign_id", "sender_name", "sender_email", "sender_address", "postal_code", "recipient_name", "subject", "body",
                    "created_at",
                ])
        ]
    }

    static var navigation: [NavigationEntry] {
        [
            NavigationEntry(path: "/letters", label: "nav.letters", order: 30),
            NavigationEntry(path: "/representatives", label: "nav.representatives", order: 60),
        ]
    }

    func referrals(_ db: Connection, since: String, _ t: Localizer) throws -> [ReferralCount] {
        try ReferralCount.read(
            db,
            """
            SELECT c.title AS item, l.referral AS source, count(*) AS n FROM letters l JOIN letter_campaigns c ON c.id = l.campaign_id
            WHERE l.created_at >= ? GROUP BY c.id, c.title, l.referral
            """, since: since, action: t("admin.sources.letters"))
    }

    func sitemap(_ db: Connection) throws -> [String] {
        ["/letters"] + (try LetterStore.open(db).map { "/letters/\($0.slug)" })
    }

    func jobs() -> [ScheduledJob] {
        let retention = app.config.letterRetentionDays
        return [
            .purge(
                "letters past their retention", app, isDue: { try LetterStore.hasExpired($0, retentionDays: retention) },
                purge: { try LetterStore.purge($0, retentionDays: retention) })
        ]
    }

    func register() {
        app.router.get("/representatives", representatives)
        app.router.get("/letters", list)
        app.router.get("/letters/{slug}", page)
        app.router.post("/letters/{slug}", writes: makeLetter)

        app.router.get("/letters/{slug}/letter/{token}", sensitive: true, letter)
        app.router.get("/letters/{slug}/letter/{token}.txt", sensitive: true, letterText)
        app.router.get("/letters/{slug}/letter/{token}.docx", sensitive: true, letterDocx)

        // Letters the site sends: check your e-mail, the mailed link's page and button, done.
        app.router.get(
            "/letters/{slug}/check-email", ErrorPages.handler(app, title: "letters.site.check.title", body: "letters.site.check.body"))
        app.router.get("/letters/{slug}/send/{token}", sensitive: true, askToSend)
        app.router.post("/letters/{slug}/send/{token}", sensitive: true, writes: send)
        app.router.get("/letters/{slug}/sent", sent)
    }

    /// `GET /representatives`.
    func representatives(_ request: Request) throws -> Response {
        let raw = request.query["postal_code"] ?? ""
        let wantsJSON = request.headers["accept"]?.contains("application/json") ?? false
        let code = PostalCode.normalise(raw)
        // One address, two representations: caches must keep them apart. A postal code
        // says roughly where the visitor lives: its answer stays in their browser alone.
        func varying(_ response: Response) -> Response {
            var response = response
            response.headers["Vary"] = "Accept"
            response.cache(raw.isEmpty ? .publicPage(shared: 30) : .privateNoStore)
            return response
        }
        let found = try code.map { c in try app.database.read { try RepresentativeStore.lookup($0, postalCode: c) } } ?? []
        let writeTo = found.isEmpty ? [] : try app.database.read { try LetterStore.open($0) }.filter(\.toMP)
        let records = found.isEmpty ? [:] : try app.database.read { try ResponseStore.records($0, ridings: found.map(\.ridingCode)) }
        if wantsJSON {
            guard let code else { return varying(.json(#"{"error":"invalid postal code"}"#, status: .unprocessableContent)) }
            let body = RepresentativesJSON(postalCode: code, representatives: found).encoded()
            return varying(.json(body, status: found.isEmpty ? .notFound : .ok))
        }
        let t = app.t(request)
        let status: Status = raw.isEmpty ? .ok : (code == nil ? .unprocessableContent : (found.isEmpty ? .notFound : .ok))
        return varying(
            app.page(request, title: t("reps.title"), status: status) {
                LetterViews.representatives(raw: raw, code: code, found: found, campaigns: writeTo, records: records, t: $0.t)
            })
    }

    /// `GET /letters`.
    func list(_ request: Request) throws -> Response {
        let campaigns = try app.database.read { try LetterStore.open($0) }
        var response = app.page(request, title: app.t(request)("letters.title")) { LetterViews.list(campaigns, t: $0.t) }
        response.cache(.publicPage(shared: 30))
        return response
    }

    /// `GET /letters/{slug}`.
    func page(_ request: Request) throws -> Response {
        let campaign = try app.database.read({ try LetterStore.find($0, slug: request.parameter("slug")) }).orNotFound()
        return formPage(request, campaign, state: FormState(), choices: [])
    }

    /// `GET /letters/{slug}/letter/{token}`.
    func letter(_ request: Request) throws -> Response {
        let letter = try app.database.read({
            try LetterStore.letter(
                $0, slug: request.parameter("slug"), token: request.parameter("token"), retentionDays: app.config.letterRetentionDays)
        }).orNotFound()
        return letterPage(request, letter, token: request.parameter("token"))
    }

    /// `GET /letters/{slug}/letter/{token}.txt`.
    func letterText(_ request: Request) throws -> Response {
        let letter = try app.database.read({
            try LetterStore.letter(
                $0, slug: request.parameter("slug"), token: request.parameter("token"), retentionDays: app.config.letterRetentionDays)
        }).orNotFound()
        var response = Response(status: .ok, contentType: "text/plain; charset=utf-8", body: Array(letter.text.utf8))
        response.headers["Content-Disposition"] = "attachment; filename=\"letter.txt\""
        response.cache(.privateNoStore)
        return response
    }

    /// `GET /letters/{slug}/letter/{token}.docx`.
    func letterDocx(_ request: Request) throws -> Response {
        let letter = try app.database.read({
            try LetterStore.letter(
                $0, slug: request.parameter("slug"), token: request.parameter("token"), retentionDays: app.config.letterRetentionDays)
        }).orNotFound()
        let data = try Docx.make(
            title: letter.subject, language: letter.language == "fr" ? "fr-CA" : "en-CA",
            paragraphs: letter.text.components(separatedBy: "\n"))
        var response = Response(status: .ok, contentType: MediaType.forPath("x.docx"), body: [UInt8](data))
        response.headers["Content-Disposition"] = "attachment; filename=\"letter.docx\""
        response.cache(.privateNoStore)
        return response
    }

    func formPage(
        _ request: Request, _ campaign: LetterCampaign, state: FormState,
        choices: [Representative], status: Status = .ok
    ) -> Response {
        let csrf = app.formTokens.make(for: LetterForm.action(slug: campaign.slug))
        let t = app.t(request)
        var response = app.page(
            request, title: campaign.title.text(t), status: status, description: campaign.intro.text(t),
            alternate: "/letters/\(campaign.slug)"
        ) { _ in LetterViews.form(campaign, state: state, choices: choices, csrf: csrf, t: t) }
        response.cache(status == .ok && choices.isEmpty ? .publicPage(shared: 5) : .noStore)
        return response
    }

    /// `POST /letters/{slug}`, through the public-form pipeline (closed → 410, token, honeypot,
    /// 422, 429). When the postal code's FSA spans several ridings the check asks which one,
    /// keeping everything typed.
    func makeLetter(_ request: Request) async throws -> Response {
        let t = app.t(request)
        let slug = request.parameter("slug")
        guard let campaign = try app.database.read({ try LetterStore.find($0, slug: slug) }) else { throw HTTPError.notFound }
        let closed =
            campaign.isOpen
            ? nil : ErrorPages.message(app, request, status: .gone, title: t("letters.closed"), body: t("letters.closed_body"))
        return try await app.publicFormPost(
            request, action: LetterForm.action(slug: slug), closed: closed, honeypot: .redirect(to: "/letters/\(slug)"),
            funnel: FunnelItem("letter", campaign.id),
            check: { form in try checkSender(request, campaign, form: form, t: t) },
            accept: { sender, clientHash in
                try await writeLetter(
                    request, campaign, sender.input, representative: sender.representative, clientHash: clientHash, t: t)
            })
    }

    /// The sender, checked, and their representative.
    struct Sender: Sendable {
        let input: LetterInput
        let representative: Representative?
    }

    func checkSender(_ request: Request, _ campaign: LetterCampaign, form: FormFields, t: Localizer) throws
        -> PublicFormCheck<Sender>
    {
        var checks = FieldChecks(form, t: t, fields: LetterForm.order)
        let input = LetterForm.validate(&checks)
        var choices: [Representative] = []
        var representative: Representative?
        if let postal = input?.postalCode {
            choices = try app.database.read { try RepresentativeStore.lookup($0, postalCode: postal) }
            if choices.isEmpty {
                if campaign.toMP { checks.state.errors["postal_code"] = t("reps.unknown", ["fsa": String(postal.prefix(3))]) }
            } else if choices.count == 1 {
                representative = choices[0]
                choices = []
            } else if let chosen = choices.first(where: { $0.ridingCode == form["riding"] }) {
                representative = chosen
            } else if checks.isValid {
                // Several ridings share this FSA: ask, keeping everything typed.
                return .answer(formPage(request, campaign, state: checks.state, choices: choices))
            }
        }
        if campaign.toMP, let rep = representative, rep.memberName == nil || rep.email.isEmpty {
            checks.state.errors["postal_code"] = t("reps.no_member_for", ["riding": rep.ridingName(t)])
        }
        guard checks.isValid, let input else {
            return .answer(formPage(request, campaign, state: checks.state, choices: choices, status: .unprocessableContent))
        }
        return .valid(Sender(input: input, representative: representative))
    }

    /// Fills the template, stores the letter (counted per campaign and riding) and sends the
    /// visitor to it.
    func writeLetter(
        _ request: Request, _ campaign: LetterCampaign, _ sender: LetterInput,
        representative: Representative?, clientHash: String, t: Localizer
    ) async throws -> Response {
        let slug = campaign.slug
        let (name, email, street, city, postal) = (sender.name, sender.email, sender.street, sender.city, sender.postalCode)
        // The letter is in the visitor's language when the campaign has its text in it;
        // otherwise wholly in English (never a French greeting around an English body).
        let lt = campaign.bodyTemplate.usesEnglish(t) ? app.languages.english : t
        // As Canada Post writes it: the town, the province's code, two spaces, the postal code.
        let province = PostalCode.province(postal)
        let senderAddress = "\(street)\n\(city)\(province.isEmpty ? "" : " \(province)")  \(postal)"
        let recipientName = campaign.toMP ? (representative?.formalName ?? "") : campaign.recipientName.text(lt)
        let recipientAddress =
            campaign.toMP
            ? (representative.map { lt("letters.house_of_commons") + ($0.isSample ? " " + lt("letters.sample_suffix") : "") } ?? "")
            : campaign.recipientAddress.text(lt)
        let recipientEmail = campaign.toMP ? (representative?.email ?? "") : campaign.recipientEmail
        let date = DateText.day(Timestamp.now(), t: lt)
        let body = Template.fill(
            campaign.bodyTemplate.text(lt),
            [
                "mp_name": recipientName, "riding": representative?.ridingName(lt) ?? "", "sender_name": name,
                "sender_address": senderAddress, "date": date,
            ])
        let full = [
            date, "", recipientName, recipientAddress, "", lt("letters.salutation", ["name": recipientName]), "",
            Self.withOwnWords(body, sender.personal), "", lt("letters.closing"), "", name, senderAddress, email,
        ].joined(separator: "\n")
        let letter = Letter(
            campaignSlug: slug, recipientName: recipientName, recipientEmail: recipientEmail, recipientAddress: recipientAddress,
            subject: campaign.subject.text(lt), body: full, language: lt.language, createdAt: Timestamp.now())
        let ridingCode = representative?.ridingCode ?? ""
        let retention = app.config.letterRetentionDays
        // Sent by the site when it has somewhere to send it; else by the visitor's mail program.
        let delivery: LetterDelivery = campaign.sentBySite && MailAddress.isPlausible(recipientEmail) ? .site : .visitor
        let (personal, referral) = (sender.personal, sender.referral)
        let confirmation = delivery == .site ? sendLink(campaign: campaign, letter: letter, to: email, name: name, t: t) : nil
        // "Send me updates": joined when the letter's own link is pressed (the site sends it),
        // or by a link of its own (the visitor sends it, so nothing else confirms the address).
        let optIn =
            sender.wantsUpdates
            ? ListOptIn(
                email: email, name: name, postalCode: postal, campaignID: campaign.campaignID, source: "letter:" + slug,
                language: t.language, consentedAt: Timestamp.now(), clientHash: clientHash, referral: sender.referral) : nil
        let optInPayload = try optIn.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) } ?? ""
        let saved = try await app.database.write(gathered: true) { db -> String? in
            guard
                let (token, id) = try LetterStore.save(
                    db, campaign: campaign, ridingCode: ridingCode, senderName: name, senderEmail: email,
                    senderAddress: senderAddress, postalCode: postal, letter: letter, delivery: delivery, personal: personal,
                    referral: referral, retentionDays: retention)
            else { return nil }
            if let confirmation, try app.enqueueUnconfirmed(db, kind: "letter.confirm", confirmation.mail) {
                try MailTokenStore.insert(db, confirmation.token, purpose: .letter, subjectID: id, payload: optInPayload)
            }
            if delivery == .visitor, let optIn { try app.askToJoinList(db, optIn) }
            return token
        }
        guard delivery == .visitor, let token = saved else {
            // The same answer for a first letter and a second one today (which is not kept):
            // the address's owner is the only one who learns anything, from their mail.
            app.mailer.wake()
            return .redirect(to: "/letters/\(slug)/check-email")
        }
        return .redirect(to: "/letters/\(slug)/letter/\(token)")
    }

    /// The mail that asks the sender to confirm their address, with its link, made before the write.
    func sendLink(
        campaign: LetterCampaign, letter: Letter, to email: String, name: String, t: Localizer
    ) -> (token: NewMailToken, mail: RenderedMail) {
        let token = NewMailToken(lifetime: 7 * 86_400, key: app.mailLinks)
        // The address has not been confirmed: nothing the visitor typed (their name, their
        // words) goes into this mail, so the form cannot send a stranger the text of a
        // stranger's choosing from the site's domain. The letter is shown after the link.
        let vars = [
            "recipient": letter.recipientName, "title": campaign.title.text(t),
            "link": app.absoluteURL(t.path("/letters/\(campaign.slug)/send/\(token.placeholder)")),
        ]
        let message = app.mail(
            to: email, language: t.language, subject: t("mail.letter.confirm.subject", vars), text: t("mail.letter.confirm.body", vars))
        return (token, RenderedMail(message))
    }

    static let sendAction = "letter-send"
    static let linkTexts = MailLinkTexts(
        usedTitle: "letters.site.sent.title", usedBody: "letters.site.used.body", expiredBody: "letters.site.expired.body")

    /// The letter and the link's token, when the token was made for a letter of this campaign; else `404`.
    func sendLinkTarget(_ request: Request) throws -> (LetterStore.SiteLetter, MailToken) {
        try app.database.read { db -> (LetterStore.SiteLetter, MailToken)? in
            guard let token = try MailTokenStore.find(db, token: request.parameter("token"), purpose: .letter),
                let id = token.subjectID, let letter = try LetterStore.siteLetter(db, id: id),
                letter.letter.campaignSlug == request.parameter("slug")
            else { return nil }
            return (letter, token)
        }.orNotFound()
    }

    /// The page the mail links to: the letter as it will go, and one button.
    func askToSend(_ request: Request) throws -> Response {
        let (site, token) = try sendLinkTarget(request)
        let t = app.t(request)
        return try app.mailLink(request, token.status, Self.linkTexts) {
            app.mailLinkPage(
                request, title: t("letters.site.confirm.title"),
                body: """
                    <p class="lede">\(t("letters.site.confirm.body", ["recipient": site.letter.recipientName]))</p>
                    <article class="letter" aria-label="\(t("letters.letter"))"\(site.letter.language == t.language ? HTML.empty : " lang=\"\(site.letter.language)\"")>
                    <p>\(HTML.join(site.letter.text.components(separatedBy: "\n").map { HTML(stringLiteral: HTML.escape($0)) }, separator: "<br>"))</p>
                    </article>
                    """,
                button: t("letters.site.confirm.submit"), action: Self.sendAction)
        }
    }

    /// `POST /letters/{slug}/send/{token}`: the letter goes to its recipient from the site,
    /// with `Reply-To` the sender, and a copy to the sender; counted as sent; one transaction.
    func send(_ request: Request) async throws -> Response {
        let (site, _) = try sendLinkTarget(request)
        let slug = site.letter.campaignSlug
        let (toRecipient, copy) = letterMails(site, t: app.t(request))
        return try await app.mailLinkPost(
            request, action: Self.sendAction, purpose: .letter, Self.linkTexts,
            act: { db, token in
                guard let current = try LetterStore.siteLetter(db, id: site.id), try LetterStore.markSent(db, current) else {
                    return false
                }
                if let optIn = try? JSONDecoder().decode(ListOptIn.self, from: Data(token.payload.utf8)) {
                    try app.joinList(db, optIn)
                }
                try OutboxStore.enqueue(db, kind: "letter.send", message: toRecipient)
                try OutboxStore.enqueue(db, kind: "letter.copy", message: copy)
                return true
            }, done: { .redirect(to: "/letters/\(slug)/sent") })
    }

    /// The letter as the recipient gets it (from the site, replies to the sender), and the
    /// sender's copy.
    func letterMails(_ site: LetterStore.SiteLetter, t: Localizer) -> (MailMessage, MailMessage) {
        let letter = site.letter
        let lt = app.localizer(letter.language)
        var toRecipient = MailMessage(
            from: app.mailer.from, to: MailAddress(name: letter.recipientName, address: letter.recipientEmail),
            replyTo: MailAddress(name: site.senderName, address: site.senderEmail), subject: letter.subject,
            text: letter.text + "\n\n-- \n" + lt("mail.letter.via", ["site": app.siteName, "name": site.senderName]),
            language: letter.language, messageID: MailMessage.makeID(domain: app.mailer.domain))
        toRecipient.headers.append(("X-Sanctuary-Letter", "confirmed-sender"))
        let vars = ["recipient": letter.recipientName, "name": site.senderName]
        let copy = app.mail(
            to: site.senderEmail, name: site.senderName, language: t.language, subject: t("mail.letter.copy.subject", vars),
            text: t("mail.letter.copy.body", vars) + "\n\n----\n\n" + letter.text)
        return (toRecipient, copy)
    }

    /// `/letters/{slug}/sent`: the letter went; what to do next (the campaign's other actions).
    func sent(_ request: Request) throws -> Response {
        let t = app.t(request)
        let found = try app.database.read { db -> HTML? in
            guard let campaign = try LetterStore.find(db, slug: request.parameter("slug")) else { return nil }
            return try app.nextSteps(db, after: "letter_campaigns", id: campaign.id, campaignID: campaign.campaignID, t)
        }
        guard let next = found else { throw HTTPError.notFound }
        var response = app.page(request, title: t("letters.site.sent.title")) { c in
            "<section class=\"thanks\"><h1>\(c.t("letters.site.sent.title"))</h1><p class=\"lede\">\(c.t("letters.site.sent.body"))</p></section>"
                + next
        }
        response.cache(.noStore)
        return response
    }

    /// `mailto:` with subject and body encoded per RFC 6068 (`%20` for spaces, `%0D%0A` for line breaks).
    static func mailto(_ letter: Letter) -> String {
        let body = letter.text.replacingOccurrences(of: "\n", with: "\r\n")
        return
            "mailto:\(PercentEncoding.encode(letter.recipientEmail, keep: "@"))?subject=\(PercentEncoding.encode(letter.subject))&body=\(PercentEncoding.encode(body))"
    }

    func letterPage(_ request: Request, _ letter: Letter, token: String) -> Response {
        var response = app.page(request, title: letter.subject) {
            LetterViews.letter(
                letter, base: $0.t.path("/letters/\(letter.campaignSlug)/letter/\(token)"), mailto: Self.mailto(letter), t: $0.t)
        }
        response.cache(.privateNoStore)
        response.headers["X-Robots-Tag"] = "noindex"
        return response
    }
}

struct RepresentativesJSON {
    let postalCode: String
    let representatives: [Representative]

    struct Item: Encodable {
        let ridingCode: String, ridingName: String, ridingNameFR: String, province: String
        let mpName: String?, party: String, email: String, sample: Bool

        /// The JSON's field names.
        enum CodingKeys: String, CodingKey {
            case province, party, email, sample
            case ridingCode = "riding_code"
            case ridingName = "riding_name"
            case ridingNameFR = "riding_name_fr"
            case mpName = "mp_name"
        }
    }

    func encoded() -> String {
        struct Body: Encodable {
            let postalCode: String
            let fsa: String
            let representatives: [Item]

            enum CodingKeys: String, CodingKey {
                case fsa, representatives
                case postalCode = "postal_code"
            }
        }
        let body = Body(
            postalCode: postalCode, fsa: String(postalCode.prefix(3)),
            representatives: representatives.map {
                Item(
                    ridingCode: $0.ridingCode, ridingName: $0.ridingName, ridingNameFR: $0.ridingNameFr, province: $0.province,
                    mpName: $0.memberName, party: $0.party, email: $0.email, sample: $0.isSample)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension LettersFeature {
    /// The sender's own paragraph, in their words, before the campaign text's last paragraph
    /// (its "thank you for your attention"), or after a text of one paragraph.
    static func withOwnWords(_ body: String, _ own: String) -> String {
        guard !own.isEmpty else { return body }
        var paragraphs = body.components(separatedBy: "\n\n")
        paragraphs.insert(own, at: paragraphs.count >= 2 ? paragraphs.count - 1 : paragraphs.count)
        return paragraphs.joined(separator: "\n\n")
    }
}
