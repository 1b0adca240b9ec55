import SQLite

// The states and kinds rows carry, as types: each binds to and reads from its text column
// (`SQLTextEnum`), so a state is never compared as a string, and the admin's choices come
// from the same cases.

/// A petition's or a letter campaign's state.
public enum ActionState: String, SQLTextEnum, CaseIterable, Sendable {
    case draft, open, closed
}

/// An event's state.
public enum EventState: String, SQLTextEnum, CaseIterable, Sendable {
    case draft, published, cancelled
}

/// A news post's state.
public enum NewsState: String, SQLTextEnum, CaseIterable, Sendable {
    case draft, published
}

/// A campaign hub's state.
public enum CampaignState: String, SQLTextEnum, CaseIterable, Sendable {
    case draft, active, archived
}

/// Where an RSVP stands.
public enum RSVPStatus: String, SQLTextEnum, CaseIterable, Sendable {
    case confirmed, waitlist
}

/// A resource: an uploaded file or a link elsewhere.
public enum ResourceKind: String, SQLTextEnum, CaseIterable, Sendable {
    case file, link
}

/// Whom a letter campaign writes to: the sender's MP, or one named recipient.
public enum RecipientKind: String, SQLTextEnum, CaseIterable, Sendable {
    case mp, named
}

extension CaseIterable where Self: RawRepresentable, Self.RawValue == String {
    /// The raw values, for a form's choices.
    static var choices: [String] { allCases.map(\.rawValue) }
}

/// Where a message in the outbox stands.
public enum OutboxState: String, SQLTextEnum, CaseIterable, Sendable {
    /// Not tried yet (or no SMTP server is configured: it waits for an admin to read it).
    case waiting
    /// A temporary failure; tried again after a backoff, for up to 24 hours.
    case retrying
    case sent
    /// A permanent failure (`5xx`), or 24 hours of temporary ones.
    case failed
}

/// What a one-time link in a mail does.
public enum MailTokenPurpose: String, SQLTextEnum, CaseIterable, Sendable {
    case signature, rsvp, subscribe, invite, reset
}
