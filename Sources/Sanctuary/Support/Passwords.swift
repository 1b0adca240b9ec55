import CLinux
import Crypto
import Foundation
import _CryptoExtras

/// Password hashing with scrypt (swift-crypto's `_CryptoExtras`), a per-user random salt,
/// and the parameters stored beside the hash so they can be raised later:
/// `scrypt$ln=15,r=8,p=3$<salt base64>$<hash base64>`. The defaults follow OWASP's
/// scrypt guidance (N=2^15, r=8, p=3: 32 MiB per hash).
public struct PasswordHasher: Sendable {
    public var logN: Int
    public var r: Int
    public var p: Int

    public init(logN: Int = 15, r: Int = 8, p: Int = 3) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    public static let minimumLength = 12
    public static let maximumLength = 1024

    public func hash(_ password: String) throws -> String {
        let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let derived = try Self.derive(password, salt: salt, logN: logN, r: r, p: p)
        return "scrypt$ln=\(logN),r=\(r),p=\(p)$\(salt.base64EncodedString())$\(derived.base64EncodedString())"
    }

    /// Whether `password` matches `stored`, with the parameters read from `stored`.
    /// Constant-time comparison; malformed input never verifies.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = parse(stored),
            let derived = try? derive(password, salt: parsed.salt, logN: parsed.logN, r: parsed.r, p: parsed.p)
        else { return false }
        return constantTimeEqual(derived, parsed.hash)
    }

    /// The parameters stored in a hash (to decide whether to rehash at the next login).
    public static func parse(_ stored: String) -> (logN: Int, r: Int, p: Int, salt: Data, hash: Data)? {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "scrypt",
            let salt = Data(base64Encoded: String(parts[2])), let hash = Data(base64Encoded: String(parts[3])), hash.count == 32
        else { return nil }
        var values: [String: Int] = [:]
        for pair in parts[1].split(separator: ",") {
            let kv = pair.split(separator: "=")
            guard kv.count == 2, let v = Int(kv[1]) else { return nil }
            values[String(kv[0])] = v
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"],
            (10...20).contains(logN), (1...32).contains(r), (1...16).contains(p)
        else { return nil }
        return (logN, r, p, salt, hash)
    }

    static func derive(_ password: String, salt: Data, logN: Int, r: Int, p: Int) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(
            from: Data(password.utf8), salt: salt, outputByteCount: 32,
            rounds: 1 << logN, blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Data($0) }
    }
}

/// Random tokens for cookies and links (≥ 128 bits), and their stored form.
public enum SecretToken {
    /// `bytes` random bytes, base64url, from one call of the kernel's generator.
    public static func make(bytes: Int = 32) -> String {
        Data(randomBytes(bytes)).base64URL
    }

    /// `count` bytes from the kernel's generator (getrandom), in one call.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            sanctuary_random_bytes(buffer.baseAddress, count)
            initialized = count
        }
    }

    /// What we store: SHA-256 of the token, so a database leak gives no working token.
    public static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }
}
