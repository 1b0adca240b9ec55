import Foundation
import Synchronization

/// Caps on mail to addresses nobody has confirmed yet (confirmation links): anyone can type
/// a stranger's address into a form, so these mails are the ones the site could be turned
/// against someone with. They count people, not strings:
/// - per person (`perAddress` an hour, by `key(of:)`: `Victim+1@Gmail.com` and
///   `v.i.c.t.i.m@gmail.com` are one person): past it the mail is not sent (the page says the
///   same as ever; a real owner can ask again later);
/// - per recipient domain (`perDomain` an hour; the large mailbox providers, where thousands
///   of real supporters share a domain, are exempt) and site-wide (`perSite` an hour, 0: no
///   cap): past them the mail waits its turn, paced to the cap, and is dropped only past a
///   day's worth of waiting.
/// Kept in memory, like the other limits. When a cap bites, staff see it on the dashboard.
public final class UnconfirmedMailCaps: Sendable {
    public struct Settings: Sendable {
        public var perAddress = 5
        public var perDomain = 1000
        public var perSite = 0
        public var exemptDomains: Set<String> = UnconfirmedMailCaps.largeProviders

        public init() {}
    }

    /// Mailbox providers where a domain is millions of unrelated people.
    public static let largeProviders: Set<String> = [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.ca", "live.com", "live.ca", "msn.com", "yahoo.com",
        "yahoo.ca", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "mail.com",
    ]

    /// What happens to one mail.
    public enum Admission: Equatable, Sendable {
        case now
        /// Queued to go at this time (a domain or the site is past its hourly cap).
        case later(Date)
        /// Not sent: this person had enough of these mails this hour (or the wait is past a day).
        case dropped
    }

    /// How often the caps bit in the last hour, for the dashboard.
    public struct Bites: Sendable, Equatable {
        public var perAddress = 0
        public var perDomain = 0
        public var perSite = 0
        /// The domain that met its cap most recently.
        public var domain = ""
        public var since = Date.distantPast

        public var isEmpty: Bool { perAddress + perDomain + perSite == 0 }
    }

    public let settings: Settings
    private let state = Mutex<State>(State())

    struct State {
        var addresses: [String: Bucket] = [:]
        var domains: [String: Bucket] = [:]
        var site = Bucket(tokens: 0, updated: 0)
        var bites = Bites()
    }

    /// Tokens that may go below zero: a negative balance is the wait before the next mail.
    struct Bucket {
        var tokens: Double
        var updated: TimeInterval
    }

    public init(settings: Settings) {
        self.settings = settings
    }

    /// The key a person's mail is counted by: lower case, a `+tag` dropped, and for Gmail
    /// (which ignores them) the dots of the local part and the `googlemail.com` spelling.
    public static func key(of address: String) -> String {
        let lower = address.lowercased()
        guard let at = lower.lastIndex(of: "@") else { return lower }
        var local = Substring(lower[..<at])
        var domain = String(lower[lower.index(after: at)...])
        if let plus = local.firstIndex(of: "+"), plus != local.startIndex { local = local[..<plus] }
        if domain == "googlemail.com" { domain = "gmail.com" }
        let name = domain == "gmail.com" ? String(local.filter { $0 != "." }) : String(local)
        return name + "@" + domain
    }

    /// Decides one mail to `address` (takes its place in every cap it passes).
    public func admit(_ address: String, now: Date = Date()) -> Admission {
        let key = Self.key(of: address)
        let domain = String(key[key.index(after: key.lastIndex(of: "@") ?? key.startIndex)...])
        let clock = now.timeIntervalSince1970
        return state.withLock { state in
            if state.bites.since < now.addingTimeInterval(-3600) { state.bites = Bites(since: now) }
            Self.prune(&state.addresses, keeping: Self.keptKeys)
            Self.prune(&state.domains, keeping: Self.keptKeys)
            // The person first: past their cap nothing is taken anywhere else.
            guard
                Self.take(
                    &state.addresses[key, default: Bucket(tokens: Double(settings.perAddress), updated: clock)],
                    capacity: settings.perAddress, now: clock, mayWait: false) != nil
            else {
                state.bites.perAddress += 1
                return .dropped
            }
            var wait = 0.0
            if settings.perDomain > 0, !settings.exemptDomains.contains(domain) {
                guard
                    let domainWait = Self.take(
                        &state.domains[domain, default: Bucket(tokens: Double(settings.perDomain), updated: clock)],
                        capacity: settings.perDomain, now: clock, mayWait: true)
                else {
                    state.bites.perDomain += 1
                    state.bites.domain = domain
                    return .dropped
                }
                if domainWait > 0 {
                    state.bites.perDomain += 1
                    state.bites.domain = domain
                }
                wait = max(wait, domainWait)
            }
            if settings.perSite > 0 {
                if state.site.updated == 0 { state.site = Bucket(tokens: Double(settings.perSite), updated: clock) }
                guard let siteWait = Self.take(&state.site, capacity: settings.perSite, now: clock, mayWait: true) else {
                    state.bites.perSite += 1
                    return .dropped
                }
                if siteWait > 0 { state.bites.perSite += 1 }
                wait = max(wait, siteWait)
            }
            return wait > 0 ? .later(now.addingTimeInterval(wait)) : .now
        }
    }

    /// How the caps bit in the last hour.
    public var bites: Bites {
        state.withLock { $0.bites.since < Date().addingTimeInterval(-3600) ? Bites() : $0.bites }
    }

    /// How many people (and domains) are remembered at most. A viral hour brings far more
    /// distinct addresses than that; each counts only against itself, so when the table
    /// doubles past this the half seen longest ago is forgotten, once, rather than every
    /// new address paying for a scan of the rest.
    public static let keptKeys = 100_000

    static func prune(_ buckets: inout [String: Bucket], keeping kept: Int) {
        guard buckets.count > 2 * kept else { return }
        let cutoff = buckets.values.map(\.updated).sorted(by: >)[kept - 1]
        buckets = buckets.filter { $0.value.updated >= cutoff }
    }

    /// Takes one token, refilled at `capacity` an hour. Answers the wait before it may go
    /// (0: now); nil when it may not (no token and `mayWait` false, or a wait past a day).
    private static func take(_ bucket: inout Bucket, capacity: Int, now: TimeInterval, mayWait: Bool) -> Double? {
        let rate = Double(capacity) / 3600
        bucket.tokens = min(Double(capacity), bucket.tokens + max(0, now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            return 0
        }
        guard mayWait else { return nil }
        let wait = (1 - bucket.tokens) / rate
        guard wait <= 86_400 else { return nil }
        bucket.tokens -= 1
        return wait
    }
}
