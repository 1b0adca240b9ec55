import Crypto
import Foundation

/// The key that makes the tokens in mailed links, kept in a file beside the database
/// (`mail-link.key`, readable by the server's user only) and never in it.
///
/// Why: the outbox holds each message until it is sent, and the database is copied into
/// every backup. A message stores a placeholder where its link's token goes; the token is
/// made from the placeholder with this key only when the message is sent (or read by an
/// admin on `/admin/outbox`). The database keeps the token's hash, as before. So no row of
/// the outbox, in the live file or a backup, holds a link that works, and a sent message's
/// text is dropped besides.
///
/// A placeholder is as long as its token (54 characters) and made of characters that
/// quoted-printable leaves alone, so it is swapped in place in the message as stored, soft
/// line breaks and all. Losing the file (a restore on a new machine) only voids the links of
/// messages not yet sent: their owners can ask again.
public struct MailLinkKey: Sendable {
    private let bytes: [UInt8]
    static let marker = Array("~mailtoken~".utf8)

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Loads the key from `directory`/mail-link.key, making it on first use.
    public static func load(directory: String) throws -> MailLinkKey {
        let path = directory + "/mail-link.key"
        if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
            let bytes = Data(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32
        {
            return MailLinkKey(bytes: Array(bytes))
        }
        if FileManager.default.fileExists(atPath: path) {
            throw ConfigError(
                key: path, reason: "is damaged: it must hold 64 hex digits (delete it to make a new one; unsent links stop working)")
        }
        let fresh = SecretToken.randomBytes(32)
        guard
            FileManager.default.createFile(atPath: path, contents: Data(Data(fresh).hexString.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ConfigError(key: path, reason: "could not be written") }
        return MailLinkKey(bytes: fresh)
    }

    /// A new link: the placeholder that goes into the stored message, and the token's
    /// stored key (`MailTokenStore.key`) for the database.
    func makeLink(now: Date) -> (placeholder: String, digest: [UInt8]) {
        let micros = UInt64(min(max(0, now.timeIntervalSince1970 * 1_000_000), 1e18).rounded(.down))
        let time = withUnsafeBytes(of: micros.bigEndian) { Array($0) }
        let nonce = SecretToken.randomBytes(24)
        let placeholder = String(decoding: Self.marker, as: UTF8.self) + Data(time).base64URL + Data(nonce).base64URL
        let token = self.token(time: time, nonce: nonce)
        return (placeholder, MailTokenStore.key(time: time, token: token))
    }

    /// The token a placeholder stands for: the time, then an HMAC of the time and the nonce.
    private func token(time: [UInt8], nonce: [UInt8]) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: bytes))
        hmac.update(data: Array("mail-link".utf8) + time + nonce)
        return Data(time + Array(hmac.finalize())).base64URL
    }

    /// The token for a 54-character placeholder, nil when it is not one.
    func token(placeholder: [UInt8]) -> [UInt8]? {
        guard placeholder.count == 54, placeholder.starts(with: Self.marker),
            let time = Data(base64URL: String(decoding: placeholder[11..<22], as: UTF8.self)), time.count == 8,
            let nonce = Data(base64URL: String(decoding: placeholder[22...], as: UTF8.self)), nonce.count == 24
        else { return nil }
        let token = Array(token(time: Array(time), nonce: Array(nonce)).utf8)
        return token.count == 54 ? token : nil
    }

    /// The message with every placeholder replaced by its token, in place: a soft line break
    /// (`=` CRLF) inside a placeholder stays where it is.
    public func reveal(_ message: String) -> String {
        // Most messages (a mailing's, made at sending) have none: one scan for the marker's start.
        guard message.utf8.contains(Self.marker[0]) else { return message }
        var bytes = Array(message.utf8)
        return reveal(in: &bytes) ? String(decoding: bytes, as: UTF8.self) : message
    }

    /// The message's bytes, with every placeholder replaced by its token (what the sender sends).
    public func revealedBytes(_ message: String) -> [UInt8] {
        var bytes = Array(message.utf8)
        reveal(in: &bytes)
        return bytes
    }

    /// Replaces every placeholder in `bytes` by its token; whether there was one.
    @discardableResult
    func reveal(in bytes: inout [UInt8]) -> Bool {
        var changed = false
        for span in Self.placeholders(in: bytes) {
            guard let token = token(placeholder: span.value) else { continue }
            for offset in 0..<span.positions.count { bytes[span.positions[offset]] = token[offset] }
            changed = true
        }
        return changed
    }

    /// The length of a placeholder (and of its token).
    static let placeholderLength = 54

    /// Every placeholder in an encoded message: where each of its 54 characters is (a soft
    /// line break, `=` CRLF, may fall inside one) and what it says. Each `~` (found with
    /// `memchr`) starts a candidate, checked against the marker.
    static func placeholders(in bytes: [UInt8]) -> [(positions: [Int], value: [UInt8])] {
        let length = placeholderLength
        var found: [(positions: [Int], value: [UInt8])] = []
        bytes.withUnsafeBufferPointer { text in
            guard let base = text.baseAddress else { return }
            let count = text.count
            var start = 0
            var positions = [Int](repeating: 0, count: length)
            var candidate = [UInt8](repeating: 0, count: length)
            while start < count {
                guard let hit = memchr(base + start, Int32(marker[0]), count - start) else { return }
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var index = at
                var taken = 0
                while taken < length, index < count {
                    if text[index] == UInt8(ascii: "="), index + 2 < count, text[index + 1] == 13, text[index + 2] == 10 {
                        index += 3
                        continue
                    }
                    positions[taken] = index
                    candidate[taken] = text[index]
                    taken += 1
                    index += 1
                }
                guard taken == length, candidate.starts(with: marker) else {
                    start = at + 1
                    continue
                }
                found.append((positions, candidate))
                start = index
            }
        }
        return found
    }
}
