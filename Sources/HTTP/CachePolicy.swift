/// How long a response may be kept, and by whom: every `Cache-Control` the server sends,
/// named once here instead of written by hand in each handler.
///
///     response.cache(.publicPage(shared: 30))
public enum CachePolicy: Sendable, Equatable {
    /// A public page: browsers revalidate it (so a signer sees their signature), shared
    /// caches and the page cache keep it `shared` seconds and may serve it stale for six
    /// times longer while they fetch a fresh one.
    case publicPage(shared: Int)
    /// Public data that browsers may keep too (the petition JSON, feeds): `seconds` for
    /// everyone, stale for six times longer while revalidating.
    case publicData(seconds: Int)
    /// A public file or document kept `seconds` by anyone (static files, resources, the
    /// sitemap, calendars).
    case publicFor(seconds: Int)
    /// A file whose address changes with its content: kept a year, never revalidated.
    case immutable
    /// Never stored anywhere (a form with the visitor's errors, one-time answers).
    case noStore
    /// One visitor's own document (a letter, an export): private and never stored.
    case privateNoStore
    /// Depends on who asks (a redirect by language): the browser may keep it but must revalidate.
    case privateRevalidate

    public var headerValue: String {
        switch self {
        case .publicPage(let shared): return "public, max-age=0, s-maxage=\(shared), stale-while-revalidate=\(shared * 6)"
        case .publicData(let seconds): return "public, max-age=\(seconds), s-maxage=\(seconds), stale-while-revalidate=\(seconds * 6)"
        case .publicFor(let seconds): return "public, max-age=\(seconds)"
        case .immutable: return "public, max-age=31536000, immutable"
        case .noStore: return "no-store"
        case .privateNoStore: return "private, no-store"
        case .privateRevalidate: return "private, no-cache"
        }
    }
}

extension Response {
    /// Sets `Cache-Control` from a named policy.
    public mutating func cache(_ policy: CachePolicy) {
        headers["Cache-Control"] = policy.headerValue
    }
}
