import Foundation

/// Times are stored as ISO 8601 UTC text, `2026-11-24T18:00:00Z`.
public enum Timestamp {
    public static func now() -> String { format(Date()) }

    public static func format(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        // Digits by hand: String(format:) costs microseconds, and pages format several times.
        var bytes = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int, at offset: Int, width: Int) {
            var v = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(Int(parts.tm_year) + 1900, at: 0, width: 4)
        bytes[4] = 45
        put(Int(parts.tm_mon) + 1, at: 5, width: 2)
        bytes[7] = 45
        put(Int(parts.tm_mday), at: 8, width: 2)
        bytes[10] = 84
        put(Int(parts.tm_hour), at: 11, width: 2)
        bytes[13] = 58
        put(Int(parts.tm_min), at: 14, width: 2)
        bytes[16] = 58
        put(Int(parts.tm_sec), at: 17, width: 2)
        bytes[19] = 90
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The same moment `months` calendar months earlier (in UTC; the 31st becomes the month's last day).
    public static func monthsBefore(_ months: Int, _ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(byAdding: .month, value: -months, to: date) ?? date.addingTimeInterval(-Double(months) * 30 * 86_400)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (or `YYYY-MM-DD HH:MM:SS`, or a plain date).
    public static func parse(_ text: String) -> Date? {
        let digits = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int32? {
            guard start + length <= digits.count else { return nil }
            var value: Int32 = 0
            for c in digits[start..<(start + length)] {
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int32(c - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            digits.count >= 10, digits[4] == 45, digits[7] == 45
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        if digits.count >= 19 {
            guard let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
            parts.tm_hour = hour
            parts.tm_min = minute
            parts.tm_sec = second
        }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

/// Dates and times as visitors read them, in the catalogue's language.
public enum DateText {
    /// `24 November 2026`: the day a time falls on in the site's zone (or `timeZone`); a date
    /// alone (`2026-11-24`) is that day wherever it is read.
    public static func day(_ iso: String, t: Localizer, timeZone: String? = nil) -> String {
        guard let date = Timestamp.parse(iso) else { return iso }
        let zone = iso.utf8.count == 10 ? "UTC" : timeZone ?? t.timeZone
        return format(date, pattern: t("format.date"), t: t, timeZone: zone)
    }

    /// Today's date (`2026-11-24`) in the site's zone: what a form's "today" is.
    public static func today(t: Localizer, now: Date = Date()) -> String {
        format(now, pattern: "yyyy-MM-dd", locale: "en_US_POSIX", timeZone: t.timeZone)
    }

    /// `Tuesday 8 December 2026, 7:00 PM EST`; `mardi 8 décembre 2026 à 19 h HNE`: in the
    /// event's own time zone, named.
    public static func dateTime(_ iso: String, t: Localizer, timeZone: String) -> String {
        guard let date = Timestamp.parse(iso) else { return iso }
        return t(
            "format.date_at_time",
            [
                "date": weekdayDate(date, t: t, timeZone: timeZone),
                "time": time(date, t: t, timeZone: timeZone), "zone": zone(date, t: t, timeZone: timeZone),
            ])
    }

    /// `Tuesday 8 December 2026`; `mardi 8 décembre 2026`.
    public static func weekdayDate(_ date: Date, t: Localizer, timeZone: String) -> String {
        format(date, pattern: t("format.weekday_date"), t: t, timeZone: timeZone)
    }

    /// `9:00 PM`; `21 h`, `21 h 30`: French writes a time on the hour without minutes.
    public static func time(_ date: Date, t: Localizer, timeZone: String) -> String {
        let zone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")
        let onTheHour = Int(date.timeIntervalSince1970 + Double(zone?.secondsFromGMT(for: date) ?? 0)) % 3600 == 0
        return format(date, pattern: t(onTheHour ? "format.time_on_the_hour" : "format.time"), t: t, timeZone: timeZone)
    }

    /// The zone's short name at that date: `EST`, `HNE`.
    public static func zone(_ date: Date, t: Localizer, timeZone: String) -> String {
        format(date, pattern: t("format.zone"), t: t, timeZone: timeZone)
    }

    static func format(_ date: Date, pattern: String, t: Localizer, timeZone: String) -> String {
        format(date, pattern: pattern, locale: t("format.locale"), timeZone: timeZone)
    }

    static func format(_ date: Date, pattern: String, locale: String, timeZone: String) -> String {
        formatter(locale: locale, pattern: pattern, timeZone: timeZone).string(from: date)
    }

    /// Making a DateFormatter costs far more than using one, so each thread keeps its own
    /// (formatters are not safe to share between threads).
    private static func formatter(locale: String, pattern: String, timeZone: String) -> DateFormatter {
        let key = "sanctuary.date.\(locale).\(pattern).\(timeZone)"
        let cache = Thread.current.threadDictionary
        if let cached = cache[key] as? DateFormatter { return cached }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: locale)
        formatter.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        cache[key] = formatter
        return formatter
    }
}
