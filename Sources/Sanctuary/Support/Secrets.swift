import Crypto
import Foundation
import Storage

/// The server's secret key, made once and kept in the database (`settings.server_key`),
/// so tokens stay valid across restarts and every instance on the same file agrees.
public struct ServerKey: Sendable {
    /// HMAC-SHA256 with the key already absorbed (its two padded blocks hashed once): each
    /// MAC starts from a copy of it instead of from the key.
    private let keyed: KeyedHMAC

    public init(bytes: Data) { keyed = KeyedHMAC(HMAC<SHA256>(key: SymmetricKey(data: bytes))) }

    /// Loads the key, creating it on first run.
    public static func load(from database: Database) throws -> ServerKey {
        let hex = try database.writeAndWait { db -> String in
            if let existing = try SettingsStore.value(db, key: "server_key") { return existing }
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.hexString
            try SettingsStore.insert(db, key: "server_key", value: fresh)
            return fresh
        }
        guard let data = Data(hex: hex), data.count == 32 else {
            throw ConfigError(key: "settings.server_key", reason: "in the database is damaged")
        }
        return ServerKey(bytes: data)
    }

    /// The key a running site made, read on a connection of a command (nil: none yet).
    public static func read(_ db: Connection) throws -> ServerKey? {
        guard let hex = try SettingsStore.value(db, key: "server_key"), let data = Data(hex: hex), data.count == 32 else { return nil }
        return ServerKey(bytes: data)
    }

    /// HMAC-SHA256 of `message` under a purpose-specific subkey, so a value made for one
    /// use can never pass as another.
    public func mac(_ message: String, purpose: String) -> Data {
        var hmac = keyed.start
        var purpose = purpose
        var message = message
        purpose.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { hmac.update(data: $0) }
        message.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        return Data(hmac.finalize())
    }

    /// Checks a MAC in constant time.
    public func verify(_ mac: Data, for message: String, purpose: String) -> Bool {
        constantTimeEqual(self.mac(message, purpose: purpose), mac)
    }

    /// `text` encrypted and authenticated (AES-GCM under a purpose-specific subkey), as
    /// base64url: for a value a visitor's browser keeps for us and can neither read nor change.
    public func seal(_ text: String, purpose: String) -> String {
        guard let box = try? AES.GCM.seal(Data(text.utf8), using: sealingKey(purpose)), let combined = box.combined else { return "" }
        return combined.base64URL
    }

    /// What `seal` sealed for the same purpose; nil when changed, made for another purpose or not ours.
    public func open(_ sealed: String, purpose: String) -> String? {
        guard sealed.utf8.count < 4096, let data = Data(base64URL: sealed), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: sealingKey(purpose))
        else { return nil }
        return String(bytes: plain, encoding: .utf8)
    }

    private func sealingKey(_ purpose: String) -> SymmetricKey { SymmetricKey(data: mac("", purpose: "seal:" + purpose)) }

    /// A keyed hash of a client address: lets us see repeats without storing the address.
    public func clientHash(_ address: String) -> String {
        mac(address, purpose: "client-address").prefix(12).hexString
    }
}

/// swift-crypto's `HMAC` is a value (two hash states) without a `Sendable` conformance; this
/// one is only ever copied, never changed, so sharing it between threads is safe.
private struct KeyedHMAC: @unchecked Sendable {
    let start: HMAC<SHA256>
    init(_ start: HMAC<SHA256>) { self.start = start }
}

/// Whether two byte strings are equal, in a time that does not depend on where they differ.
func constantTimeEqual<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
    guard a.count == b.count else { return false }
    // On the bytes in place when both have them (a form token's text, a MAC): stepping two
    // string views side by side cost more than the MAC that made one of them.
    let inPlace = a.withContiguousStorageIfAvailable { x in
        b.withContiguousStorageIfAvailable { y in
            var difference: UInt8 = 0
            for index in 0..<min(x.count, y.count) { difference |= x[index] ^ y[index] }
            return difference == 0
        }
    }
    if let inPlace, let equal = inPlace { return equal }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}

extension Data {
    /// Lower-case hex, without a format call per byte (client hashes are made per request).
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        var out = Data(capacity: bytes.count / 2)
        var i = 0
        while i < bytes.count {
            guard let hi = Self.nibble(bytes[i]), let lo = Self.nibble(bytes[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self = out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    /// Base64 in the URL-safe alphabet and no padding (RFC 4648 §5), straight from the
    /// bytes (tokens are made for every signature and form).
    var base64URL: String {
        withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: (bytes.count * 4 + 2) / 3) { out in
                let alphabet = Data.base64URLAlphabet
                var written = 0
                var index = 0
                while index < bytes.count {
                    let count = Swift.min(3, bytes.count - index)
                    var group = UInt32(bytes[index]) << 16
                    if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
                    if count > 2 { group |= UInt32(bytes[index + 2]) }
                    for shift in stride(from: 18, through: 18 - 6 * count, by: -6) {
                        out[written] = alphabet[Int((group >> UInt32(shift)) & 63)]
                        written += 1
                    }
                    index += 3
                }
                return written
            }
        }
    }

    static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    init?(base64URL: String) {
        var bytes = base64URL.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0 }
        while bytes.count % 4 != 0 { bytes.append(UInt8(ascii: "=")) }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let data = Data(base64Encoded: text) else { return nil }
        self = data
    }
}
