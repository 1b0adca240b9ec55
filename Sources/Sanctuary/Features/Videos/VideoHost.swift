import Foundation

/// Where a video plays from, read from its address: a host whose player may be framed once
/// the visitor presses play (YouTube through its no-cookie domain, Vimeo with "do not
/// track", PeerTube), a file on this site (played by the browser, nothing from elsewhere), or
/// any other address (a link out).
enum VideoHost: Equatable, Sendable {
    case youtube(id: String)
    case vimeo(id: String)
    case peertube(origin: String, id: String)
    case file(path: String)
    case link(url: String)

    init(_ address: String) {
        if address.hasPrefix("/") && !address.hasPrefix("//") {
            self = .file(path: address)
            return
        }
        guard let url = URLComponents(string: address), let host = url.host?.lowercased(), url.scheme?.lowercased() == "https" else {
            self = .link(url: address)
            return
        }
        let segments = url.path.split(separator: "/").map(String.init)
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        switch host {
        case "www.youtube.com", "youtube.com", "m.youtube.com", "www.youtube-nocookie.com", "youtube-nocookie.com":
            let id =
                segments.first == "watch"
                ? query["v"] : (["embed", "shorts", "live"].contains(segments.first ?? "") ? segments.dropFirst().first : nil)
            if let id, Self.isID(id, length: 11...11) { self = .youtube(id: id) } else { self = .link(url: address) }
        case "youtu.be":
            if let id = segments.first, Self.isID(id, length: 11...11) { self = .youtube(id: id) } else { self = .link(url: address) }
        case "vimeo.com", "www.vimeo.com", "player.vimeo.com":
            if let id = segments.last, !id.isEmpty, id.count <= 20, id.allSatisfy({ $0.isASCII && $0.isNumber }) {
                self = .vimeo(id: id)
            } else {
                self = .link(url: address)
            }
        default:
            // PeerTube: /w/{id}, /videos/watch/{id} or /videos/embed/{id} on any instance.
            let id: String?
            switch segments.count {
            case 2 where segments[0] == "w": id = segments[1]
            case 3 where segments[0] == "videos" && (segments[1] == "watch" || segments[1] == "embed"): id = segments[2]
            default: id = nil
            }
            if let id, Self.isID(id, length: 1...64), Self.isHost(host) {
                self = .peertube(origin: "https://" + host + (url.port.map { ":\($0)" } ?? ""), id: id)
            } else {
                self = .link(url: address)
            }
        }
    }

    static func isID(_ text: String, length: ClosedRange<Int>) -> Bool {
        length.contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static func isHost(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }

    /// The player to frame once the visitor pressed play (nil: nothing is framed).
    var player: String? {
        switch self {
        case .youtube(let id): "https://www.youtube-nocookie.com/embed/\(id)?autoplay=1&rel=0"
        case .vimeo(let id): "https://player.vimeo.com/video/\(id)?dnt=1&autoplay=1"
        case .peertube(let origin, let id): "\(origin)/videos/embed/\(id)?autoplay=1"
        case .file, .link: nil
        }
    }

    /// The player without autoplay, for Open Graph's `og:video` (what a host allows to be framed).
    var sharedPlayer: String? {
        player.map {
            $0.replacingOccurrences(of: "?autoplay=1&", with: "?").replacingOccurrences(of: "&autoplay=1", with: "").replacingOccurrences(
                of: "?autoplay=1", with: "")
        }
    }

    /// The origin the player is served from (the play page's `frame-src`), and the name a visitor is told.
    var origin: String? {
        switch self {
        case .youtube: "https://www.youtube-nocookie.com"
        case .vimeo: "https://player.vimeo.com"
        case .peertube(let origin, _): origin
        case .file, .link: nil
        }
    }

    var hostName: String {
        switch self {
        case .youtube: "youtube-nocookie.com"
        case .vimeo: "vimeo.com"
        case .peertube(let origin, _): String(origin.dropFirst("https://".count))
        case .file: ""
        case .link(let url): URLComponents(string: url)?.host ?? url
        }
    }
}
