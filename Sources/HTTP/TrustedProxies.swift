import CLinux
import Foundation

/// Addresses and CIDR ranges of the reverse proxies in front of the server. Only a request
/// whose TCP peer is one of them may say who the client really is (`X-Forwarded-For`,
/// `Forwarded`) and whether it came over HTTPS (`X-Forwarded-Proto`); anyone else could
/// write those headers to spoof an address or dodge a rate limit.
public struct TrustedProxies: Sendable, Equatable {
    /// One address or range, as 16 bytes (IPv4 mapped into IPv6) and a prefix length.
    struct Network: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            var bits = prefix
            for i in 0..<16 {
                if bits <= 0 { return true }
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if bytes[i] & mask != address[i] & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    let networks: [Network]

    public init() { networks = [] }

    /// Parses `["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]`; throws naming the first bad entry.
    public init(_ entries: [String]) throws {
        var networks: [Network] = []
        for raw in entries {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            let pieces = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bytes = Self.parse(String(pieces[0])) else { throw InvalidEntry(entry: entry) }
            let isV4 = !pieces[0].contains(":")
            var prefix = 128
            if pieces.count == 2 {
                let text = pieces[1]
                guard !text.isEmpty, text.count <= 3, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let bits = Int(text),
                    bits <= (isV4 ? 32 : 128)
                else { throw InvalidEntry(entry: entry) }
                prefix = isV4 ? bits + 96 : bits
            }
            networks.append(Network(bytes: bytes, prefix: prefix))
        }
        self.networks = networks
    }

    public struct InvalidEntry: Error, CustomStringConvertible {
        public let entry: String
        public var description: String { "not an IP address or CIDR range: \(entry)" }
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func contains(_ address: String) -> Bool {
        guard !networks.isEmpty, let bytes = Self.parse(address) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// An IPv4 or IPv6 address (brackets and an IPv4 port allowed, as `Forwarded` writes them)
    /// as 16 bytes, IPv4 mapped into `::ffff:0:0/96`; nil when it is not an address.
    static func parse(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1 {
            text = text[..<(text.firstIndex(of: ":") ?? text.endIndex)]  // 192.0.2.1:4711
        }
        guard !text.isEmpty, text.utf8.count < 64 else { return nil }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, String(text), &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(text), &v4) == 1 {
            return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + withUnsafeBytes(of: &v4) { Array($0) }
        }
        return nil
    }

    /// The address as the canonical text the server logs and counts by (`[::1]` → `::1`,
    /// `::ffff:192.0.2.1` → `192.0.2.1`); nil when it is not an address.
    static func canonical(_ text: String) -> String? {
        guard var bytes = parse(text) else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
            var v4 = in_addr()
            withUnsafeMutableBytes(of: &v4) { $0.copyBytes(from: bytes[12..<16]) }
            inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count))
        } else {
            var v6 = in6_addr()
            withUnsafeMutableBytes(of: &v6) { raw in bytes.withUnsafeMutableBytes { raw.copyMemory(from: UnsafeRawBufferPointer($0)) } }
            inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Who sent a request that came from the trusted proxy `peer`, and whether it came over
    /// HTTPS. `X-Forwarded-For` is read from the right: each proxy appends the address it saw,
    /// so the first address that is not one of ours is the client (what the left of it says,
    /// the client wrote itself). Without it, `Forwarded` (RFC 7239) the same way.
    func resolve(peer: String, headers: Headers) -> (client: String, secure: Bool) {
        var hops: [String] = []
        var protos: [String] = []
        let forwardedFor = headers.values("x-forwarded-for")
        if !forwardedFor.isEmpty {
            hops = forwardedFor.joined(separator: ",").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            for element in headers.values("forwarded").joined(separator: ",").split(separator: ",") {
                for pair in element.split(separator: ";") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2 else { continue }
                    var value = kv[1]
                    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                    switch kv[0].lowercased() {
                    case "for": hops.append(value)
                    case "proto": protos.append(value)
                    default: break
                    }
                }
            }
        }
        var client = peer
        for hop in hops.reversed() {
            guard let address = Self.canonical(hop) else { break }  // garbage: keep the last address we trust
            client = address
            if !contains(address) { break }
        }
        let proto =
            headers.values("x-forwarded-proto").joined(separator: ",").split(separator: ",").last
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? protos.last
        return (client, proto?.lowercased() == "https")
    }
}
