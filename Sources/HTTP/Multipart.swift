import Foundation

/// A `multipart/form-data` body (RFC 7578) read from a spooled file in pieces: text fields
/// are kept in memory (each at most `maxFieldBytes`), file parts are written straight to
/// their own files, so an upload of any size never sits in memory.
public struct Multipart {
    public struct Part: Sendable {
        public let name: String
        public let filename: String?
        public let contentType: String
        /// Text of a field without a filename.
        public let value: String?
        /// The file holding a file part's bytes.
        public let file: String?
        public let size: Int
    }

    public enum Failure: Error, Equatable {
        case malformed(String)
        case fieldTooLarge
    }

    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` header.
    public static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            guard (1...70).contains(value.utf8.count) else { return nil }
            return value
        }
        return nil
    }

    /// Parses `path`, writing file parts into `directory` (files `0600`). On any failure every
    /// file it wrote is removed before it throws: a bad part late in a body once left all the
    /// earlier parts' files behind for ever (5,000 from one 330 KB request).
    public static func parse(
        file path: String, boundary: String, directory: String, maxFieldBytes: Int = 64 * 1024,
        maxParts: Int = 100
    ) throws -> [Part] {
        var written: [String] = []
        do {
            return try parse(
                file: path, boundary: boundary, directory: directory, maxFieldBytes: maxFieldBytes, maxParts: maxParts,
                written: &written)
        } catch {
            for file in written { unlink(file) }
            throw error
        }
    }

    /// What can be read of a body that was cut short (the disk filled while it arrived) or
    /// could not be kept, without writing anything: its whole text fields in order, and the
    /// file fields by name (`file` nil, `size` what arrived), from at most the first
    /// `maxBytes`. The part the body ends in is left out unless it is a file's.
    public static func readable(file path: String, boundary: String, maxBytes: Int = 1 << 20, maxFieldBytes: Int = 64 * 1024) -> [Part] {
        var written: [String] = []
        var parts: [Part] = []
        _ = try? parse(
            file: path, boundary: boundary, directory: nil, maxFieldBytes: maxFieldBytes, maxParts: 100, written: &written,
            readLimit: maxBytes, found: &parts)
        return parts
    }

    private static func parse(
        file path: String, boundary: String, directory: String, maxFieldBytes: Int, maxParts: Int,
        written: inout [String]
    ) throws -> [Part] {
        var parts: [Part] = []
        return try parse(
            file: path, boundary: boundary, directory: directory, maxFieldBytes: maxFieldBytes, maxParts: maxParts, written: &written,
            readLimit: Int.max, found: &parts)
    }

    /// The parser: file parts written into `directory`, or only counted when it is nil; every
    /// whole part is in `found` as soon as it is read (what a cut body's reader keeps).
    private static func parse(
        file path: String, boundary: String, directory: String?, maxFieldBytes: Int, maxParts: Int,
        written: inout [String], readLimit: Int, found parts: inout [Part]
    ) throws -> [Part] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure.malformed("cannot read the body") }
        defer { try? handle.close() }
        let delimiter = Array("\r\n--\(boundary)".utf8)
        var buffer: [UInt8] = [13, 10]  // so the first delimiter matches like the others
        var eof = false
        var read = 0
        func fill() throws {
            guard !eof else { return }
            let data = try handle.read(upToCount: min(64 * 1024, readLimit - read)) ?? Data()
            read += data.count
            if data.isEmpty || read >= readLimit { eof = true }
            buffer += data
        }
        func find(_ needle: [UInt8], from: Int = 0) -> Int? {
            guard buffer.count >= needle.count + from else { return nil }
            var i = from
            let last = buffer.count - needle.count
            while i <= last {
                if buffer[i] == needle[0] {
                    var j = 1
                    while j < needle.count && buffer[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return i }
                }
                i += 1
            }
            return nil
        }
        // The first delimiter; anything before it is preamble.
        while find(delimiter) == nil {
            if eof { throw Failure.malformed("no boundary found") }
            if buffer.count > 64 * 1024 { buffer.removeFirst(buffer.count - delimiter.count) }
            try fill()
        }
        while true {
            guard let at = find(delimiter) else { throw Failure.malformed("missing boundary") }
            buffer.removeFirst(at + delimiter.count)
            while buffer.count < 2 && !eof { try fill() }
            if buffer.starts(with: [45, 45]) { return parts }  // "--": the end
            guard buffer.starts(with: [13, 10]) else { throw Failure.malformed("bad delimiter line") }
            buffer.removeFirst(2)
            // Part headers.
            var headersEnd = find([13, 10, 13, 10])
            while headersEnd == nil {
                if eof || buffer.count > 16 * 1024 { throw Failure.malformed("part headers too long or cut") }
                try fill()
                headersEnd = find([13, 10, 13, 10])
            }
            let headerText = String(decoding: buffer[0..<(headersEnd ?? 0)], as: UTF8.self)
            buffer.removeFirst((headersEnd ?? 0) + 4)
            var name: String?
            var filename: String?
            var contentType = "text/plain"
            for line in headerText.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = Self.parameter("name", in: line)
                    filename = Self.parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    contentType = String(line.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces)
                }
            }
            guard let name else { throw Failure.malformed("a part without a name") }
            guard parts.count < maxParts else { throw Failure.malformed("too many parts") }
            // Part data, up to the next delimiter, written as it is found.
            var out: FileHandle?
            var outPath: String?
            var value: [UInt8] = []
            var size = 0
            if filename != nil, let directory {
                let target = directory + "/part-\(UInt64.random(in: 0...UInt64.max))"
                let descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard descriptor >= 0 else {
                    // A full disk is the server's trouble, said as such (a 503), not the sender's.
                    if errno == ENOSPC || errno == EDQUOT { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ENOSPC) }
                    throw Failure.malformed("cannot store the file")
                }
                written.append(target)
                out = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
                outPath = target
            }
            func emit(_ bytes: ArraySlice<UInt8>) throws {
                size += bytes.count
                if let out {
                    try out.write(contentsOf: bytes)
                } else if filename == nil {
                    value += bytes
                    if value.count > maxFieldBytes { throw Failure.fieldTooLarge }
                }
            }
            do {
                while true {
                    if let end = find(delimiter) {
                        try emit(buffer[0..<end])
                        buffer.removeFirst(end)
                        break
                    }
                    if eof {
                        // A file cut short is still named, for whoever reads what arrived.
                        if filename != nil, directory == nil {
                            parts.append(Part(name: name, filename: filename, contentType: contentType, value: nil, file: nil, size: size))
                        }
                        throw Failure.malformed("the body ends inside a part")
                    }
                    // Keep a tail that could hold the start of a delimiter.
                    let safe = buffer.count - delimiter.count
                    if safe > 0 {
                        try emit(buffer[0..<safe])
                        buffer.removeFirst(safe)
                    }
                    try fill()
                }
                try out?.close()
            } catch {
                try? out?.close()
                throw error
            }
            parts.append(
                Part(
                    name: name, filename: filename, contentType: contentType,
                    value: filename == nil ? String(decoding: value, as: UTF8.self) : nil, file: outPath, size: size))
        }
    }

    /// `name="value"` from a header line (quoted or not).
    static func parameter(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return nil
    }
}
