import Foundation
import HTTP

/// iCalendar (RFC 5545) text: CRLF line ends, lines folded at 75 octets without splitting
/// a UTF-8 character, and TEXT values escaped.
public struct ICalendar {
    private var lines: [String] = []

    /// `language`: of the calendar's texts (RFC 5545 §3.7.3: the PRODID names it).
    public init(name: String, language: String = "en") {
        lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sanctuary//Events//\(language.uppercased())", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:" + Self.escape(name),
        ]
    }

    public struct Event {
        public var uid: String
        public var start: String  // ISO 8601 UTC
        public var end: String?
        public var summary: String
        public var description: String
        public var location: String
        public var url: String
        public var cancelled: Bool
        public var updated: String

        public init(
            uid: String, start: String, end: String?, summary: String, description: String, location: String,
            url: String, cancelled: Bool, updated: String
        ) {
            self.uid = uid
            self.start = start
            self.end = end
            self.summary = summary
            self.description = description
            self.location = location
            self.url = url
            self.cancelled = cancelled
            self.updated = updated
        }
    }

    public mutating func add(_ event: Event) {
        lines.append("BEGIN:VEVENT")
        lines.append("UID:" + event.uid)
        lines.append("DTSTAMP:" + Self.utc(event.updated))
        lines.append("DTSTART:" + Self.utc(event.start))
        if let end = event.end { lines.append("DTEND:" + Self.utc(end)) }
        lines.append("SUMMARY:" + Self.escape(event.summary))
        if !event.description.isEmpty { lines.append("DESCRIPTION:" + Self.escape(event.description)) }
        if !event.location.isEmpty { lines.append("LOCATION:" + Self.escape(event.location)) }
        lines.append("URL:" + event.url)
        lines.append("STATUS:" + (event.cancelled ? "CANCELLED" : "CONFIRMED"))
        lines.append("END:VEVENT")
    }

    public func render() -> String {
        (lines + ["END:VCALENDAR"]).map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `2026-12-08T23:00:00Z` → `20261208T230000Z`.
    static func utc(_ iso: String) -> String {
        iso.filter { $0 != "-" && $0 != ":" }
    }

    /// RFC 5545 §3.3.11: backslash, semicolon, comma and newlines.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text.replacingOccurrences(of: "\r\n", with: "\n") {
            switch c {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// RFC 5545 §3.1: at most 75 octets a line; continuation lines start with a space.
    public static func fold(_ line: String) -> String {
        var result = ""
        var count = 0
        var limit = 75
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if count + size > limit {
                result += "\r\n "
                count = 0
                limit = 74  // the leading space counts
            }
            result.unicodeScalars.append(scalar)
            count += size
        }
        return result
    }
}

/// An Atom (RFC 4287) feed.
public struct AtomFeed {
    public struct Entry {
        public var id: String, title: String, link: String, published: String, updated: String, author: String, summary: String,
            html: String
    }

    public var id: String, title: String, selfLink: String, alternate: String, author: String, language: String
    public var entries: [Entry] = []

    public func render() -> String {
        let updated = entries.map(\.updated).max() ?? "1970-01-01T00:00:00Z"
        var xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="\(HTML.escape(language))">
            <id>\(HTML.escape(id))</id>
            <title>\(HTML.escape(title))</title>
            <updated>\(updated)</updated>
            <link rel="self" type="application/atom+xml" href="\(HTML.escape(selfLink))"/>
            <link rel="alternate" type="text/html" href="\(HTML.escape(alternate))"/>
            <author><name>\(HTML.escape(author))</name></author>

            """
        for entry in entries {
            xml += """
                <entry>
                <id>\(HTML.escape(entry.id))</id>
                <title>\(HTML.escape(entry.title))</title>
                <link rel="alternate" type="text/html" href="\(HTML.escape(entry.link))"/>
                <published>\(entry.published)</published>
                <updated>\(entry.updated)</updated>
                <author><name>\(HTML.escape(entry.author))</name></author>
                <summary>\(HTML.escape(entry.summary))</summary>
                <content type="html">\(HTML.escape(entry.html))</content>
                </entry>

                """
        }
        return xml + "</feed>\n"
    }
}

extension Application {
    /// An Atom feed of the site's `list` page (`path` is the feed's own address), in the
    /// visitor's language; kept by the page cache and by proxies for five minutes.
    func atomFeed(_ request: Request, path: String, list: String, title: String, entries: [AtomFeed.Entry]) -> Response {
        let t = t(request)
        var feed = AtomFeed(
            id: absoluteURL(t.path(path), request), title: "\(siteName) · \(title)", selfLink: absoluteURL(t.path(path), request),
            alternate: absoluteURL(t.path(list), request), author: siteName, language: t.language)
        feed.entries = entries
        var response = Response(status: .ok, contentType: "application/atom+xml; charset=utf-8", body: Array(feed.render().utf8))
        // s-maxage: the page cache keeps the feed too (readers poll it; it was rebuilt for every one).
        response.cache(.publicData(seconds: 300))
        return response
    }
}
