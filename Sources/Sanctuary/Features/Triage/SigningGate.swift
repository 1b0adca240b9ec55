import Foundation
import Storage
import Synchronization

/// What signing checks before it writes, kept in memory so a signature reads nothing more:
/// the site-wide pause, the block lists, and whether addresses are made canonical. Read again
/// when staff change them here, and when another node has committed (`followOthers`).
public final class SigningGate: Sendable {
    struct State: Sendable {
        var paused = false
        var message = ""
        var canonicalEmails = false
        var blocks: [SigningBlock.Kind: [String: Int64]] = [:]
    }

    private let state = Mutex(State())
    private let othersSeen = Atomic<UInt64>(0)
    let key: ServerKey

    init(key: ServerKey) { self.key = key }

    public static let pausedKey = "signing.paused"
    static let messageKey = "signing.pause_message"
    static let canonicalKey = "signing.canonical_emails"

    /// The message signing is paused with (nil: signing is open). "" when staff gave none.
    public var pause: String? { state.withLock { $0.paused ? $0.message : nil } }
    var canonicalEmails: Bool { state.withLock { $0.canonicalEmails } }

    public func reload(_ database: Database) {
        let loaded = try? database.read { db -> State in
            var state = State()
            state.paused = try SettingsStore.value(db, key: Self.pausedKey) == "1"
            state.message = try SettingsStore.value(db, key: Self.messageKey) ?? ""
            state.canonicalEmails = try SettingsStore.value(db, key: Self.canonicalKey) == "1"
            for block in try TriageStore.blocks(db) { state.blocks[block.kind, default: [:]][block.value] = block.id }
            return state
        }
        if let loaded { state.withLock { $0 = loaded } }
    }

    func followOthers(_ database: Database) {
        let others = database.changesByOthers
        guard othersSeen.exchange(others, ordering: .acquiringAndReleasing) != others else { return }
        reload(database)
    }

    /// The keyed hash an address is blocked by (its canonical form, so `a.b+x@gmail.com` is `ab@gmail.com`).
    func emailHash(_ email: String) -> String { key.mac(CanonicalEmail.of(email), purpose: "signing block").hexString }

    /// The block a signature meets, if any.
    func blocking(email: String, clientHash: String) -> Int64? {
        let domain = email.split(separator: "@").last.map { String($0) } ?? ""
        return state.withLock { state in
            if let id = state.blocks[.domain]?[domain] { return id }
            if !clientHash.isEmpty, let id = state.blocks[.client]?[clientHash] { return id }
            if let hashes = state.blocks[.email], !hashes.isEmpty { return hashes[emailHash(email)] }
            return nil
        }
    }
}

/// An address as the providers that ignore dots and `+tags` deliver it: `A.B+news@gmail.com`
/// is `ab@gmail.com`. Other providers' addresses only lose nothing.
enum CanonicalEmail {
    /// Providers that ignore dots in the local part.
    static let dotless: Set<String> = ["gmail.com", "googlemail.com"]
    /// Providers that deliver `name+tag@` to `name@`.
    static let tagged: Set<String> = [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "live.ca", "msn.com", "icloud.com", "me.com",
        "fastmail.com", "protonmail.com", "proton.me", "pm.me",
    ]

    static func of(_ email: String) -> String {
        guard let at = email.lastIndex(of: "@") else { return email }
        var local = String(email[..<at])
        var domain = String(email[email.index(after: at)...]).lowercased()
        if tagged.contains(domain), let plus = local.firstIndex(of: "+"), plus != local.startIndex { local = String(local[..<plus]) }
        if dotless.contains(domain) {
            local = local.replacingOccurrences(of: ".", with: "")
            domain = "gmail.com"
        }
        return local.isEmpty ? email : local + "@" + domain
    }
}
