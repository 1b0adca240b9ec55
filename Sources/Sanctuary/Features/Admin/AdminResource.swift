import Foundation
import HTTP
import SQLite

/// One kind of content staff create and edit (petitions, news, events), described by its
/// fields. From the description come the list, new, edit, save and delete screens, the
/// checks with messages beside each field, and the SQL (column names come from this
/// description in our code, never from input; values are always bound).
struct AdminResource: Sendable {
    let key: String  // "petitions": URL segment, table, catalogue prefix
    let area: StaffUser.Area
    /// Every column edited, a bilingual field followed by its French twin.
    let fields: [AdminField]
    /// Extra links on each row of the list (exports, the public page).
    var rowLinks: @Sendable (_ id: Int64, _ slug: String, _ t: Localizer) -> [(String, String)] = { _, _, _ in [] }
    /// The table, when it is not named like the key.
    var tableName: String? = nil
    var table: String { tableName ?? key }
    /// What people did through an item (signatures, RSVPs, letters): while any exist, the
    /// item cannot be deleted, only archived, so nobody's action is lost by one click.
    var dependents: [AdminDependent] = []
    /// The state that takes an item off the site without deleting it (nil: none).
    var archivedState: String? = nil
    /// A date shown in the list beside the title (an event's start), with its zone column.
    var listDate: (column: String, zoneColumn: String?)? = nil

    init(
        key: String, area: StaffUser.Area, fields: [AdminField],
        rowLinks: @escaping @Sendable (_ id: Int64, _ slug: String, _ t: Localizer) -> [(String, String)] = { _, _, _ in [] },
        tableName: String? = nil, listDate: (column: String, zoneColumn: String?)? = nil, dependents: [AdminDependent] = [],
        archivedState: String? = nil
    ) {
        self.listDate = listDate
        self.key = key
        self.area = area
        self.fields = fields.flatMap { $0.bilingual ? [$0, $0.french] : [$0] }
        self.rowLinks = rowLinks
        self.tableName = tableName
        self.dependents = dependents
        self.archivedState = archivedState
    }
    var path: String { "/admin/\(key)" }
}

/// Something people did through an item, counted before it may be deleted: `count` is SQL
/// with the item's id as `?1`; `export` the address of its CSV, offered first.
struct AdminDependent: Sendable {
    let key: String  // catalogue: admin.dependents.{key} (plural)
    /// How many rows of this kind hang on the item with this id (a store's query).
    let count: @Sendable (Connection, Int64) throws -> Int
    var export: (@Sendable (Int64) -> String)? = nil
}

struct AdminField: Sendable {
    enum Kind: Sendable, Equatable {
        case text, slug, textarea, markdown, template, campaign
        case integer(ClosedRange<Int>)
        case dateTime
        case choice([String])
        case flag
    }
    let name: String
    let kind: Kind
    var required = false
    var maxLength = 200
    var zoneField: String? = nil  // dateTime: the column holding the time zone to read it in
    /// dateTime: left empty, it becomes the time of saving (a post published without a date is published now).
    var defaultsToNow = false
    /// integer: the value stored when it is left empty (or left out); nil stores NULL
    /// ("no limit"). A `NOT NULL` column must have one, or an empty field is a 500.
    var whenEmpty: Int64? = nil
    /// For a French translation (`title_fr`): the English field it translates.
    var translates: String? {
        name.hasSuffix("_fr") ? String(name.dropLast(3)) : nil
    }

    /// Text visitors read: staff write it in English and, optionally, in French
    /// (`title_fr`; left empty, French pages show the English).
    var bilingual = false

    /// The field for the French text.
    var french: AdminField {
        AdminField(name + "_fr", kind, required: false, maxLength: maxLength)
    }

    init(
        _ name: String, _ kind: Kind, required: Bool = false, maxLength: Int = 200, zoneField: String? = nil, defaultsToNow: Bool = false,
        bilingual: Bool = false, whenEmpty: Int64? = nil
    ) {
        self.whenEmpty = whenEmpty
        self.name = name
        self.kind = kind
        self.required = required
        self.maxLength = maxLength
        self.zoneField = zoneField
        self.defaultsToNow = defaultsToNow
        self.bilingual = bilingual
    }
}

enum AdminResources {
    static let petitions = AdminResource(
        key: "petitions", area: .petitions,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("body", .textarea, maxLength: 20_000, bilingual: true),
            AdminField("target", .text, maxLength: 200, bilingual: true),
            AdminField("goal", .integer(0...100_000_000), whenEmpty: 0),
            AdminField("closes_at", .dateTime),
            AdminField("campaign_id", .campaign),
            AdminField("state", .choice(ActionState.choices), required: true),
            AdminField("featured", .flag),
        ],
        rowLinks: { id, slug, t in
            [
                ("/petitions/\(slug)", t("admin.view")), ("/admin/petitions/\(id)/signatures.csv", t("admin.petitions.export")),
                ("/admin/petitions/\(id)/outcome", t("admin.petitions.outcome")),
            ]
        },
        dependents: [
            AdminDependent(
                key: "signatures", count: { try PetitionStore.signatureRows($0, petitionID: $1) },
                export: { "/admin/petitions/\($0)/signatures.csv" })
        ], archivedState: ActionState.closed.rawValue)

    static let news = AdminResource(
        key: "news", area: .news,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("body", .markdown, maxLength: 50_000, bilingual: true),
            AdminField("author_name", .text, maxLength: 100),
            AdminField("published_at", .dateTime, defaultsToNow: true),
            AdminField("campaign_id", .campaign),
            AdminField("state", .choice(NewsState.choices), required: true),
            AdminField("featured", .flag),
        ], rowLinks: { _, slug, t in [("/news/\(slug)", t("admin.view"))] })

    static let events = AdminResource(
        key: "events", area: .events,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("body", .markdown, maxLength: 20_000, bilingual: true),
            AdminField(
                "time_zone",
                .choice([
                    "America/St_Johns", "America/Halifax", "America/Moncton", "America/Toronto", "America/Winnipeg",
                    "America/Regina", "America/Edmonton", "America/Vancouver", "America/Whitehorse",
                ]), required: true),
            AdminField("starts_at", .dateTime, required: true, zoneField: "time_zone"),
            AdminField("ends_at", .dateTime, zoneField: "time_zone"),
            AdminField("venue", .text, bilingual: true),
            AdminField("address", .text),
            AdminField("online_url", .text, maxLength: 500),
            AdminField("moderator", .text),
            AdminField("rsvp_enabled", .flag),
            AdminField("capacity", .integer(0...1_000_000)),
            AdminField("rsvp_deadline", .dateTime, zoneField: "time_zone"),
            AdminField("campaign_id", .campaign),
            AdminField("state", .choice(EventState.choices), required: true),
            AdminField("featured", .flag),
        ],
        rowLinks: { id, slug, t in [("/events/\(slug)", t("admin.view")), ("/admin/events/\(id)/rsvps.csv", t("admin.events.export"))] },
        listDate: ("starts_at", "time_zone"),
        dependents: [
            AdminDependent(
                key: "rsvps", count: { try EventStore.rsvpRows($0, eventID: $1) }, export: { "/admin/events/\($0)/rsvps.csv" })
        ], archivedState: EventState.draft.rawValue)

    static let letters = AdminResource(
        key: "letters", area: .letters,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("intro", .textarea, maxLength: 2000, bilingual: true),
            AdminField("recipient_kind", .choice(RecipientKind.choices), required: true),
            AdminField("recipient_name", .text, bilingual: true),
            AdminField("recipient_address", .textarea, maxLength: 500, bilingual: true),
            AdminField("recipient_email", .text),
            AdminField("delivery", .choice(LetterDelivery.choices)),
            AdminField("subject", .text, required: true, bilingual: true),
            AdminField("body_template", .template, required: true, maxLength: 20_000, bilingual: true),
            AdminField("campaign_id", .campaign),
            AdminField("state", .choice(ActionState.choices), required: true),
            AdminField("featured", .flag),
        ], rowLinks: { _, slug, t in [("/letters/\(slug)", t("admin.view"))] }, tableName: "letter_campaigns",
        dependents: [AdminDependent(key: "letters", count: { try LetterStore.letterCount($0, campaignID: $1) })],
        archivedState: ActionState.closed.rawValue)

    static let campaigns = AdminResource(
        key: "campaigns", area: .campaigns,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("tagline", .text, bilingual: true),
            AdminField("summary", .textarea, maxLength: 1000, bilingual: true),
            AdminField("body", .markdown, maxLength: 50_000, bilingual: true),
            AdminField("asks", .textarea, maxLength: 10_000, bilingual: true),
            AdminField("key_dates", .textarea, maxLength: 5_000, bilingual: true),
            AdminField("state", .choice(CampaignState.choices), required: true),
            AdminField("featured", .flag),
        ], rowLinks: { _, slug, t in [("/campaigns/\(slug)", t("admin.view"))] },
        dependents: [
            AdminDependent(
                key: "signatures",
                count: { try CampaignStore.signatureRows($0, campaignID: $1) }),
            AdminDependent(key: "rsvps", count: { try CampaignStore.rsvpRows($0, campaignID: $1) }),
            AdminDependent(key: "letters", count: { try CampaignStore.letterCount($0, campaignID: $1) }),
            AdminDependent(
                key: "subscribers", count: { try CampaignStore.subscriberCount($0, campaignID: $1) }),
        ], archivedState: CampaignState.archived.rawValue)

    static let pages = AdminResource(
        key: "pages", area: .pages,
        fields: [
            AdminField("title", .text, required: true, bilingual: true),
            AdminField("slug", .slug, required: true, maxLength: 80),
            AdminField("summary", .textarea, maxLength: 500, bilingual: true),
            AdminField("body", .markdown, maxLength: 100_000, bilingual: true),
            AdminField("position", .integer(0...1000), whenEmpty: 0),
            AdminField("state", .choice(PageState.choices), required: true),
        ], rowLinks: { _, slug, t in [("/pages/\(slug)", t("admin.view"))] })

    static let all = [campaigns, petitions, letters, news, events, pages]
}

extension AdminResource {
    /// Checks a posted form. Returns the values to store, by column, or the form with errors.
    /// `campaigns`: the ids a campaign field may name (an id of no row is a message by the field, not a failed insert).
    /// `zone`: the site's time zone, for times without a zone of their own.
    func validate(_ form: FormFields, t: Localizer, campaigns: Set<Int64>, zone siteZone: String = "UTC") -> Result<
        [String: SQLValue], FormStateError
    > {
        var state = FormState()
        var values: [String: SQLValue] = [:]
        for field in fields { state.values[field.name] = form[field.name] ?? "" }
        for field in fields {
            let raw = form[field.name] ?? ""
            func fail(_ key: String, _ args: [String: String] = [:]) { state.errors[field.name] = t(key, args) }
            switch field.kind {
            case .flag:
                values[field.name] = .integer(raw == "yes" ? 1 : 0)
                continue
            default: break
            }
            let multiline = field.kind == .textarea || field.kind == .markdown || field.kind == .template
            let text: String
            switch Input.text(raw, required: field.required, maxLength: field.maxLength, multiline: multiline) {
            case .success(let value): text = value
            case .failure(.missing):
                fail("admin.field.required")
                continue
            case .failure(.tooLong):
                fail("admin.field.too_long", ["max": t.formatNumber(field.maxLength)])
                continue
            case .failure(.invalidCharacters):
                fail("sign.error.invalid_characters")
                continue
            }
            switch field.kind {
            case .slug:
                let ok =
                    !text.isEmpty && text.allSatisfy { ($0.isLetter && $0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
                    && text.first != "-" && text.first.map { $0.isASCII } == true
                if ok { values[field.name] = .text(text) } else { fail("admin.field.slug") }
            case .integer(let range):
                if text.isEmpty {
                    values[field.name] = field.whenEmpty.map { .integer($0) } ?? .null
                } else if let n = Int(text), range.contains(n) {
                    values[field.name] = .integer(Int64(n))
                } else {
                    fail("admin.field.integer", ["min": String(range.lowerBound), "max": t.formatNumber(range.upperBound)])
                }
            case .dateTime:
                if text.isEmpty {
                    values[field.name] = field.defaultsToNow ? .text(Timestamp.now()) : .null
                    continue
                }
                let zone = field.zoneField.flatMap { form[$0] } ?? siteZone
                if let date = LocalTime.parse(text, timeZone: zone) {
                    values[field.name] = .text(Timestamp.format(date))
                } else {
                    fail("admin.field.date_time")
                }
            case .template:
                let unknown = LetterTemplate.unknown(in: text)
                if unknown.isEmpty {
                    values[field.name] = .text(text)
                } else {
                    fail(
                        "admin.field.placeholders",
                        [
                            "unknown": unknown.map { "{{\($0)}}" }.joined(separator: ", "),
                            "known": LetterTemplate.placeholders.map { "{{\($0)}}" }.joined(separator: " "),
                        ])
                }
            case .campaign:
                if text.isEmpty {
                    values[field.name] = .null
                } else if let id = Int64(text), campaigns.contains(id) {
                    values[field.name] = .integer(id)
                } else {
                    fail("admin.field.no_such_row")
                }
            case .choice(let options):
                // An optional choice left out is its first option, the default.
                let text = text.isEmpty ? options.first ?? "" : text
                if options.contains(text) { values[field.name] = .text(text) } else { fail("admin.field.choice") }
            default:
                values[field.name] = .text(text)
            }
        }
        guard state.isValid else { return .failure(FormStateError(state: state)) }
        return .success(values)
    }
}

/// `datetime-local` values (`2026-12-08T19:00`) in a named time zone.
enum LocalTime {
    static func parse(_ text: String, timeZone: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")
        for pattern in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = pattern
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    static func format(_ date: Date, timeZone: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }
}
