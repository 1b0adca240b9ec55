import Foundation

/// What limits count a client by: an IPv4 address as it is, an IPv6 address by its /64.
/// One subscriber commonly holds a whole /64 and may pick any address in it, so a limit
/// on single IPv6 addresses would be no limit at all. The connection cap, the rate limits,
/// the sign-in throttles and stored client hashes all use this one key.
public enum ClientKey {
    /// The key of an address given as text (`203.0.113.9`, `2001:db8::1`); text that is not
    /// an IPv6 address (IPv4, or an IPv4-mapped IPv6 address) is its own key.
    public static func of(_ address: String) -> String {
        guard address.utf8.contains(UInt8(ascii: ":")), !address.hasPrefix("::ffff:") else { return address }
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        return withUnsafeBytes(of: bytes) { of(ipv6: $0) }
    }

    /// The key of an IPv6 address's 16 bytes: its first 8, as `2001:db8:0:0/64` would be
    /// written by hand (each pair of bytes in hex).
    static func of(ipv6 bytes: UnsafeRawBufferPointer) -> String {
        var groups: [String] = []
        groups.reserveCapacity(4)
        var index = 0
        while index + 1 < min(8, bytes.count) {
            groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
            index += 2
        }
        return groups.joined(separator: ":") + "::/64"
    }
}

extension Request {
    /// `remoteAddress` as limits count it (`ClientKey`).
    public var clientKey: String { ClientKey.of(remoteAddress) }
}
