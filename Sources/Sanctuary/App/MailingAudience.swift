import Storage

/// People a mailing can go to, declared by the feature that holds them
/// (`Feature.mailingAudiences`): a campaign's subscribers, a petition's signers who asked for
/// updates, an event's attendees.
public struct MailingAudience: Sendable, Equatable {
    /// Stored with the mailing (`mailings.audience`), and the editor's choice (`signers:7`).
    public let key: String
    /// `(email, language, name)` rows, one per address, of one item: its id is bound twice (nil:
    /// the whole audience, where `allowsAll`).
    let sql: String
    let allowsAll: Bool
    /// The choices staff see in the mailing editor, each an item (or nil: everyone) with its
    /// label; nil when only the feature's own screens send to it (a petition's outcome).
    let choices: (@Sendable (Connection, Localizer) throws -> [(id: Int64?, label: String)])?
    /// How a mailing's page names it.
    let label: @Sendable (Connection, Int64?, Localizer) throws -> String

    init(
        _ key: String, sql: String, allowsAll: Bool = false,
        choices: (@Sendable (Connection, Localizer) throws -> [(id: Int64?, label: String)])? = nil,
        label: (@Sendable (Connection, Int64?, Localizer) throws -> String)? = nil
    ) {
        self.key = key
        self.sql = sql
        self.allowsAll = allowsAll
        self.choices = choices
        // By default, the editor's label for the item.
        self.label =
            label ?? { db, id, t in try choices?(db, t).first { $0.id == id }?.label ?? "\(key)\(id.map { ":\($0)" } ?? "")" }
    }

    public static func == (a: MailingAudience, b: MailingAudience) -> Bool { a.key == b.key }
}

extension Application {
    /// The audience stored under `key`, if a feature declares it.
    func mailingAudience(_ key: String) -> MailingAudience? { mailingAudiences.first { $0.key == key } }
}
