import Foundation
import Mail
import Synchronization

/// Encoded mail contents kept for the next message that has the same: a petition's
/// confirmation mails differ from one signer to the next only in their headers (the address,
/// the date, the message id) and in their link's placeholder, so the text made HTML and both
/// encoded in quoted-printable (a third of a signature's CPU) are made once per petition and
/// language, then copied with each message's own placeholders written into them.
///
/// How: before the lookup, each placeholder in the text is swapped for a stand-in of the same
/// length (the first `~mailtoken~---…-00`, the next `…-01`), so every signer's text is the same
/// key. The content made from it is searched once for the stand-ins (quoted-printable leaves
/// their characters alone, and a soft line break may fall inside one at the same place in any
/// copy); a copy then gets the real placeholders at those positions.
final class MailBodies: Sendable {
    struct Entry: Sendable {
        let content: [UInt8]
        /// Where each stand-in is: which placeholder of the text, and its characters' positions.
        let slots: [(index: Int, positions: [Int])]
    }

    /// More distinct contents than this (a mailing's messages are not kept: they are made when
    /// sent) and the cache starts again.
    static let limit = 256
    private let entries = Mutex<[String: Entry]>([:])

    /// How many contents were made (not found): what a test reads to see the cache work.
    let made = Atomic<Int>(0)

    /// The encoded content for a message whose text is `text`, made by `make` (given the text
    /// with stand-ins) when not kept; `look` names everything else the content depends on.
    func content(text: String, look: String, make: (String) -> String) -> String {
        var placeholders: [[UInt8]] = []
        var key = [UInt8]()
        key.reserveCapacity(text.utf8.count + look.utf8.count + 1)
        // Placeholders in a message's own text are contiguous (no soft line breaks yet).
        let bytes = Array(text.utf8)
        var cursor = 0
        for span in MailLinkKey.placeholders(in: bytes) {
            guard let first = span.positions.first, span.positions.last == first + MailLinkKey.placeholderLength - 1 else { continue }
            key += bytes[cursor..<first]
            let index = placeholders.firstIndex(of: span.value) ?? placeholders.count
            if index == placeholders.count { placeholders.append(span.value) }
            key += Self.standIn(index)
            cursor = first + MailLinkKey.placeholderLength
        }
        key += bytes[cursor...]
        // More than a hundred links in one message: not worth keeping.
        guard placeholders.count < 100 else { return make(text) }
        let keyText = String(decoding: key, as: UTF8.self)
        let lookup = keyText + "\u{0}" + look
        let entry: Entry
        if let kept = entries.withLock({ $0[lookup] }) {
            entry = kept
        } else {
            made.add(1, ordering: .relaxed)
            let content = Array(make(keyText).utf8)
            let slots = MailLinkKey.placeholders(in: content).compactMap { span -> (index: Int, positions: [Int])? in
                guard let index = Self.standInIndex(span.value) else { return nil }
                return (index, span.positions)
            }
            entry = Entry(content: content, slots: slots)
            entries.withLock {
                if $0.count >= Self.limit { $0.removeAll(keepingCapacity: true) }
                $0[lookup] = entry
            }
        }
        guard !placeholders.isEmpty else { return String(decoding: entry.content, as: UTF8.self) }
        var copy = entry.content
        for slot in entry.slots where slot.index < placeholders.count {
            let value = placeholders[slot.index]
            for (offset, position) in slot.positions.enumerated() { copy[position] = value[offset] }
        }
        return String(decoding: copy, as: UTF8.self)
    }

    /// The stand-in for the `index`th placeholder: the marker, dashes, two digits.
    static func standIn(_ index: Int) -> [UInt8] {
        let digits = Array(String(format: "%02d", index).utf8)
        return MailLinkKey.marker
            + [UInt8](repeating: UInt8(ascii: "-"), count: MailLinkKey.placeholderLength - MailLinkKey.marker.count - 2)
            + digits
    }

    /// Which placeholder a stand-in stands for; nil for a real placeholder.
    static func standInIndex(_ value: [UInt8]) -> Int? {
        let dashes = MailLinkKey.placeholderLength - MailLinkKey.marker.count - 2
        guard value[MailLinkKey.marker.count..<(MailLinkKey.marker.count + dashes)].allSatisfy({ $0 == UInt8(ascii: "-") }) else {
            return nil
        }
        return Int(String(decoding: value.suffix(2), as: UTF8.self))
    }
}
