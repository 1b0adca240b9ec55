import CQRCode
import Crypto
import Foundation

/// Time-based one-time codes (RFC 6238 over RFC 4226's HOTP: HMAC-SHA-1, 6 digits, 30-second
/// steps), what every authenticator app makes from a shared key. The HMAC is swift-crypto's.
public struct TimeBasedCode: Sendable {
    public static let digits = 6
    public static let period: Double = 30
    /// Steps accepted either side of now: a phone's clock a little off still signs in.
    public static let drift: Int64 = 1

    public let key: [UInt8]

    public init(key: [UInt8]) { self.key = key }

    /// A new shared key: 160 random bits, RFC 4226's recommended length.
    public static func newKey() -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: 160)).withUnsafeBytes { Array($0) }
    }

    public static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / period).rounded(.down)) }

    /// The code for one time step (RFC 4226 §5.3: dynamic truncation).
    public func code(step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        let value = binary % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: Self.digits - text.count) + text
    }

    /// The step whose code `typed` is (spaces and dashes ignored), among now and `drift` steps
    /// either side, if it is later than `after` (each code works once); nil otherwise.
    public func matchingStep(_ typed: String, at date: Date = Date(), after last: Int64) -> Int64? {
        guard let code = Self.normalized(typed) else { return nil }
        let now = Self.step(at: date)
        var found: Int64?
        // Every candidate is compared, in constant time, whichever matches.
        for step in (now - Self.drift)...(now + Self.drift) where constantTimeEqual(self.code(step: step).utf8, code.utf8) {
            if step > last { found = step }
        }
        return found
    }

    /// Six ASCII digits once spaces and dashes are taken out; nil for anything else.
    static func normalized(_ typed: String) -> String? {
        let code = typed.filter { $0 != " " && $0 != "-" }
        guard code.utf8.count == digits, code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return code
    }

    /// The address an authenticator app reads (from the QR code, or tapped on a phone):
    /// `otpauth://totp/Issuer:account?secret=…&issuer=…`.
    public func provisioningURI(account: String, issuer: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return "otpauth://totp/\(encoded(issuer)):\(encoded(account))?secret=\(Base32.encode(key))&issuer=\(encoded(issuer))"
            + "&algorithm=SHA1&digits=\(Self.digits)&period=\(Int(Self.period))"
    }
}

/// RFC 4648 base32 (upper case, no padding): how authenticator apps take a key by hand.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// The key in groups of four, as it is easiest to type: `ABCD EFGH …`.
    static func grouped(_ bytes: [UInt8]) -> String {
        let text = Array(encode(bytes))
        return stride(from: 0, to: text.count, by: 4).map { String(text[$0..<min($0 + 4, text.count)]) }.joined(separator: " ")
    }
}

/// One-use recovery codes for a lost phone: ten of them, each 60 random bits written
/// `xxxx-xxxx-xxxx` in base32's letters and digits; only their hashes are stored.
enum RecoveryCodes {
    static let count = 10

    static func make() -> [String] {
        (0..<count).map { _ in
            let text = Array(Base32.encode(SymmetricKey(size: SymmetricKeySize(bitCount: 64)).withUnsafeBytes { Array($0) }).lowercased())
            return [text[0..<4], text[4..<8], text[8..<12]].map { String($0) }.joined(separator: "-")
        }
    }

    /// The code as stored (hashed): lower case, spaces and dashes out; nil when it cannot be one.
    static func normalized(_ typed: String) -> String? {
        let code = typed.lowercased().filter { $0 != " " && $0 != "-" }
        guard code.utf8.count == 12, code.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x32 && $0 <= 0x37) }) else {
            return nil
        }
        return code
    }
}

/// A QR code as inline SVG (our own markup: only numbers go in), through libqrencode when it
/// is installed; nil without it, and the page shows the key as text alone.
enum QRCodePicture {
    static var isAvailable: Bool { cqr_available() != 0 }

    static func svg(_ text: String, label: String) -> HTML? {
        var modules = [UInt8](repeating: 0, count: 177 * 177)
        let width = Int(modules.withUnsafeMutableBufferPointer { cqr_encode(text, $0.baseAddress, Int32($0.count)) })
        guard width > 0 else { return nil }
        var path = ""
        for y in 0..<width {
            for x in 0..<width where modules[y * width + x] == 1 { path += "M\(x + 4) \(y + 4)h1v1h-1z" }
        }
        let size = width + 8
        return """
            <svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" width="\(size * 5)" height="\(size * 5)" role="img" aria-label="\(label)" shape-rendering="crispEdges"><rect width="\(size)" height="\(size)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
