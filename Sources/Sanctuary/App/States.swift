import Storage

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

extension EventState {
    /// The events visitors see: a cancelled one keeps its page, saying so.
    public static let visible: [EventState] = [.published, .cancelled]
}

/// A news post's or a staff page's state.
public enum PublicationState: String, SQLTextEnum, CaseIterable, Sendable {
    case draft, published
}
public typealias NewsState = PublicationState
public typealias PageState = PublicationState

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

extension OutboxState {
    /// Still to send: what the sender's partial index (`outbox_due`) holds.
    public static let unsent: [OutboxState] = [.waiting, .retrying]
    /// Finished with, sent or not: what housekeeping's partial index (`outbox_done`) holds.
    public static let done: [OutboxState] = [.sent, .failed]
}

/// What a one-time link in a mail does.
public enum MailTokenPurpose: String, SQLTextEnum, CaseIterable, Sendable {
    case signature, rsvp, subscribe, invite, reset, letter, story, privacy, pledge, response
}

/// Where a mailing stands: written, waiting for its time, going out (or paused), done.
public enum MailingState: String, SQLTextEnum, CaseIterable, Sendable {
    case draft, scheduled, sending, paused, sent, cancelled
}

/// How a letter campaign's letters go: from the visitor's own mail program (or on paper),
/// or sent by the site once the sender confirms their address.
public enum LetterDelivery: String, SQLTextEnum, CaseIterable, Sendable {
    case visitor, site
}

/// What a petition outcome is: the target's response, or a note that it was delivered.
public enum OutcomeKind: String, SQLTextEnum, CaseIterable, Sendable {
    case response, delivery
}
