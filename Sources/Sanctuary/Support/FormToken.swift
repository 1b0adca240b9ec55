import Foundation
import HTTP

/// CSRF tokens for anonymous visitors, with no server-side session:
/// `issued-at.nonce.mac`, where the MAC (HMAC-SHA256 under the server key) covers the
/// time, the nonce and the form's action. A token is valid for one form, for a limited
/// time, and cannot be forged without the key; so a page that carries one can still be
/// cached for a few seconds. A cross-site `Origin` is refused as well.
public struct FormToken: Sendable {
    let key: ServerKey
    public var lifetime: TimeInterval = 24 * 3600

    public init(key: ServerKey) { self.key = key }

    public func make(for action: String, now: Date = Date()) -> String {
        let issued = String(Int(now.timeIntervalSince1970))
        var random = SystemRandomNumberGenerator()
        let nonce = withUnsafeBytes(of: random.next() as UInt64) { Data($0) }.base64URL
        let mac = key.mac("\(issued).\(nonce).\(action)", purpose: "form-token").prefix(18).base64URL
        return "\(issued).\(nonce).\(mac)"
    }

    public func isValid(_ token: String?, for action: String, now: Date = Date()) -> Bool {
        // `issued.nonce.mac`: the MAC covers `issued.nonce.action`, and is compared as the
        // text we issued (18 bytes are exactly 24 base64url characters, so one text each).
        guard let token, let firstDot = token.utf8.firstIndex(of: UInt8(ascii: ".")),
            let secondDot = token.utf8[token.utf8.index(after: firstDot)...].firstIndex(of: UInt8(ascii: ".")),
            let issued = Int(token[..<firstDot])
        else { return false }
        let mac = token.utf8[token.utf8.index(after: secondDot)...]
        guard !mac.contains(UInt8(ascii: ".")) else { return false }
        let age = now.timeIntervalSince1970 - TimeInterval(issued)
        guard age >= -300, age <= lifetime else { return false }
        let expected = key.mac("\(token[..<secondDot]).\(action)", purpose: "form-token").prefix(18).base64URL
        return constantTimeEqual(expected.utf8, mac)
    }

    /// A state-changing request from another site's page: its `Origin` names another host.
    /// Browsers send `Origin` with every cross-site POST; its absence is not proof of
    /// anything, so the token stays the main check.
    public static func isCrossSite(_ request: Request) -> Bool {
        guard let origin = request.headers["origin"], origin != "null" else { return false }
        guard let host = request.headers["host"], let schemeEnd = origin.range(of: "://") else { return true }
        let originAuthority = origin[schemeEnd.upperBound...].prefix { $0 != "/" }
        guard let originHost = hostName(originAuthority), let ownHost = hostName(Substring(host)) else { return true }
        return originHost != ownHost
    }

    /// The host of an authority (`example.org:8080` → `example.org`, `[::1]:8080` → `[::1]`),
    /// lower-cased. An IPv6 literal keeps its brackets, so its colons are not taken for a port
    /// (which once let any Origin through when the Host was an IPv6 literal).
    static func hostName(_ authority: Substring) -> String? {
        let withoutUser = authority.split(separator: "@").last ?? authority
        if withoutUser.hasPrefix("[") {
            guard let close = withoutUser.firstIndex(of: "]") else { return nil }
            return withoutUser[...close].lowercased()
        }
        let host = withoutUser.prefix { $0 != ":" }
        return host.isEmpty ? nil : host.lowercased()
    }
}
