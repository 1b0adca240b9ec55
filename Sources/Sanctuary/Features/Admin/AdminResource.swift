import Foundation
import HTTP
import Storage

/// One kind of content staff create and edit (petitions, news, events), described by its
/// fields. From the description come the list, new, edit, save and delete screens, the
/// checks with messages beside each field, and the SQL (column names come from this
/// description in our code, never from input; values are always bound).
public struct AdminResource: Sendable {
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
    /// Or: archiving sets this time column and leaves the state alone (the item leaves the
    /// lists, its page and the links people hold keep working).
    var archivedColumn: String? = nil
    var archives: Bool { archivedState != nil || archivedColumn != nil }
    /// A date shown in the list beside the title (an event's start), with its zone column.
    var listDate: (column: String, zoneColumn: String?)? = nil
    /// Its place in the staff navigation (lower first).
    var order = 100
    /// What a new item's form starts with, by field (a choice's first option otherwise).
    var defaults: [String: String] = [:]
    /// The kind of picture its items carry, if they do (a link from the editor to its screen).
    var picture: MediaOwner? = nil

    init(
        key: String, area: StaffUser.Area, fields: [AdminField],
        rowLinks: @escaping @Sendable (_ id: Int64, _ slug: String, _ t: Localizer) -> [(String, String)] = { _, _, _ in [] },
        tableName: String? = nil, listDate: (column: String, zoneColumn: String?)? = nil, dependents: [AdminDependent] = [],
        archivedState: String? = nil, archivedColumn: String? = nil, order: Int = 100, defaults: [String: String] = [:],
        picture: MediaOwner? = nil
    ) {
        self.order = order
        self.defaults = defaults
        self.picture = picture
        self.listDate = listDate
        self.key = key
        self.area = area
        self.fields = fields.flatMap { $0.bilingual ? [$0, $0.french] : [$0] }
        self.rowLinks = rowLinks
        self.tableName = tableName
        self.dependents = dependents
        self.archivedState = archivedState
        self.archivedColumn = archivedColumn
    }
    var path: String { "/admin/\(key)" }
    var navigation: AdminNavigationEntry { AdminNavigationEntry(path: path, label: "admin.nav.\(key)", area: area, order: order) }
    /// The tables reference fields name.
    var referencedTables: [String] {
        fields.compactMap { if case .reference(let table, _) = $0.kind { table } else { nil } }
    }

    /// The same resource with more dependents (another feature's, `Feature.adminDependents`).
    func adding(_ more: [AdminDependent]) -> AdminResource {
        var copy = self
        copy.dependents = more + copy.dependents
        return copy
    }
}

/// Something people did through an item, counted before it may be deleted: `count` is SQL
/// with the item's id as `?1`; `export` the address of its CSV, offered first.
public struct AdminDependent: Sendable {
    let key: String  // catalogue: admin.dependents.{key} (plural)
    /// How many rows of this kind hang on the item with this id (a store's query).
    let count: @Sendable (Connection, Int64) throws -> Int
    var export: (@Sendable (Int64) -> String)? = nil
}

public struct AdminField: Sendable {
    enum Kind: Sendable, Equatable {
        case text, slug, textarea, markdown
        /// Text with `{{name}}` placeholders, these names only.
        case template(placeholders: [String])
        /// The id of a row of another table (its `id` and `title`), or none: `none` is the
        /// locale key of the empty choice.
        case reference(table: String, none: String)
        case integer(ClosedRange<Int>)
        /// A web address (`https://…`, `http://…`) or a path on this site (`/resources/3/film.mp4`).
        case link
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

    /// An absolute http(s) address with a host and no spaces, or a path on this site.
    static func isLink(_ text: String) -> Bool {
        guard !text.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" }) else { return false }
        if text.hasPrefix("/") { return !text.hasPrefix("//") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else { return false }
        return (scheme == "https" || scheme == "http") && !(components.host ?? "").isEmpty
    }

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

extension AdminResource {
    /// Checks a posted form. Returns the values to store, by column, or the form with errors.
    /// `references`: by table, the ids a reference field may name (an id of no row is a
    /// message by the field, not a failed insert).
    /// `zone`: the site's time zone, for times without a zone of their own.
    func validate(_ form: FormFields, t: Localizer, references: [String: Set<Int64>], zone siteZone: String = "UTC") -> Result<
        [String: SQLValue], FormStateError
    > {
        var state = FormState()
        var values: [String: SQLValue] = [:]
        for field in fields { state.values[field.name] = form[field.name] ?? "" }
        for field in fields {
            var raw = form[field.name] ?? ""
            // A web address name left empty is made from the title.
            if field.kind == .slug, raw.allSatisfy(\.isWhitespace) {
                raw = Slug.make(from: form["title"] ?? "", maxLength: field.maxLength)
                state.values[field.name] = raw
            }
            func fail(_ key: String, _ args: [String: String] = [:]) { state.errors[field.name] = t(key, args) }
            switch field.kind {
            case .flag:
                values[field.name] = .integer(raw == "yes" ? 1 : 0)
                continue
            default: break
            }
            let multiline: Bool
            switch field.kind {
            case .textarea, .markdown, .template: multiline = true
            default: multiline = false
            }
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
            case .template(let placeholders):
                let unknown = Template.unknown(in: text, known: placeholders)
                if unknown.isEmpty {
                    values[field.name] = .text(text)
                } else {
                    fail(
                        "admin.field.placeholders",
                        [
                            "unknown": unknown.map { "{{\($0)}}" }.joined(separator: ", "),
                            "known": placeholders.map { "{{\($0)}}" }.joined(separator: " "),
                        ])
                }
            case .reference(let table, _):
                if text.isEmpty {
                    values[field.name] = .null
                } else if let id = Int64(text), references[table]?.contains(id) == true {
                    values[field.name] = .integer(id)
                } else {
                    fail("admin.field.no_such_row")
                }
            case .link:
                if text.isEmpty || AdminField.isLink(text) { values[field.name] = .text(text) } else { fail("admin.field.link") }
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

/// Web address names made from titles.
enum Slug {
    /// `Rescind the Safe Third Country Agreement!` → `rescind-the-safe-third-country-agreement`,
    /// `Écrire à son député` → `ecrire-a-son-depute`: accents dropped, anything else a hyphen,
    /// cut at a hyphen to fit `maxLength`.
    static func make(from title: String, maxLength: Int = 80) -> String {
        let folded = title.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
            .lowercased()
        var slug = ""
        for scalar in folded.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        guard slug.count > maxLength else { return slug }
        let cut = String(slug.prefix(maxLength))
        guard let hyphen = cut.lastIndex(of: "-") else { return cut }
        return String(cut[..<hyphen])
    }
}
