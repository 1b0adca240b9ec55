import Foundation

/// Security headers on every HTML response (and `nosniff` on everything).
public struct SecurityHeadersMiddleware: Middleware {
    public var contentSecurityPolicy: String
    public var referrerPolicy = "strict-origin-when-cross-origin"

    /// Every page's policy unless it sets its own.
    public static let defaultPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"

    public init(contentSecurityPolicy: String = SecurityHeadersMiddleware.defaultPolicy) {
        self.contentSecurityPolicy = contentSecurityPolicy
    }

    public func handle(_ request: Request, next: (Request) -> Outcome) -> Outcome {
        let csp = contentSecurityPolicy
        let referrer = referrerPolicy
        return next(request).map { response in
            var response = response
            response.headers["X-Content-Type-Options"] = "nosniff"
            if response.contentType?.hasPrefix("text/html") ?? false {
                if response.headers["Content-Security-Policy"] == nil { response.headers["Content-Security-Policy"] = csp }
                // A page that chose its own (`no-referrer` where the URL holds a secret) keeps it.
                if response.headers["Referrer-Policy"] == nil { response.headers["Referrer-Policy"] = referrer }
                // A response meant for a frame of our own says so (`SAMEORIGIN`); one whose own policy
                // lets other sites frame it (an embed) gets no refusal; all others may not be framed.
                if response.headers["X-Frame-Options"] == nil,
                    response.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") ?? true
                {
                    response.headers["X-Frame-Options"] = "DENY"
                }
            }
            return response
        }
    }
}
