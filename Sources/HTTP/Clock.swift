import CLinux
import Foundation

/// Monotonic nanoseconds, for deadlines and durations.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

enum HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 IMF-fixdate).
    static func format(_ seconds: time_t) -> String {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func format(_ date: Date) -> String { format(time_t(date.timeIntervalSince1970)) }

    /// Parses IMF-fixdate (the only form we send); nil for anything else.
    static func parse(_ text: String) -> time_t? {
        var parts = tm()
        let rest = text.withCString { strptime($0, "%a, %d %b %Y %H:%M:%S GMT", &parts) }
        guard let rest, rest.pointee == 0 else { return nil }
        return timegm(&parts)
    }

    /// ISO 8601 UTC with seconds, for logs.
    static func iso(_ seconds: time_t) -> String {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
