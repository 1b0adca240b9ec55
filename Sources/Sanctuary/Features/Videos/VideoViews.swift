import Foundation
import HTTP

/// `/videos`, `/videos/{id}`, and a video's card on campaigns' and events' pages.
enum VideoViews {
    /// "12 min 30 s", "1 h 5 min", "45 s" (nothing when unknown).
    static func duration(_ seconds: Int, t: Localizer) -> String {
        guard seconds > 0 else { return "" }
        let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60)
        if hours > 0 { return t("videos.duration.hours", ["hours": String(hours), "minutes": String(minutes)]) }
        if minutes > 0 && rest == 0 { return t("videos.duration.whole_minutes", ["minutes": String(minutes)]) }
        if minutes > 0 { return t("videos.duration.minutes", ["minutes": String(minutes), "seconds": String(rest)]) }
        return t("videos.duration.seconds", ["seconds": String(rest)])
    }

    /// One video in a list: its poster, title, length and description.
    static func card(_ video: Video, poster: Media?, t: Localizer) -> HTML {
        let length = duration(video.durationSeconds, t: t)
        return """
            <li class="card video-card">\(MediaViews.thumbnail(poster, t: t))<div class="card-body">
            <h2 class="card-title"><a href="\(t.path(video.path))">\(video.title.html(t))</a></h2>
            \(length.isEmpty ? HTML.empty : "<p class=\"meta\">\(t("videos.length", ["duration": length]))</p>")
            \(video.description.english.isEmpty ? HTML.empty : "<p\(video.description.langAttribute(t))>\(String(video.description.text(t).prefix(240)))</p>")
            </div></li>
            """
    }

    static func list(_ videos: [Video], posters: [Int64: Media], t: Localizer) -> HTML {
        """
        <h1>\(t("videos.title"))</h1>
        <p class="lede">\(t("videos.lede"))</p>
        \(videos.isEmpty ? Layout.emptyState(t("videos.none")) : "<ul class=\"cards\">\(videos.map { card($0, poster: posters[$0.id], t: t) })</ul>")
        <p><a href="\(t.path("/videos.atom"))">\(t("videos.feed"))</a></p>
        """
    }

    /// The player's place: before play, our own poster and a button (nothing from the host);
    /// after, the host's player. A file of this site plays in the browser's own player.
    static func player(_ video: Video, poster: Media?, playing: Bool, t: Localizer) -> HTML {
        let host = video.host
        let title = video.title.text(t)
        switch host {
        case .file(let path):
            let captions: HTML =
                video.captionsUrl.hasPrefix("/") && !video.captionsUrl.hasPrefix("//")
                ? "<track kind=\"captions\" src=\"\(video.captionsUrl)\" srclang=\"\(t.language)\" label=\"\(t("videos.captions"))\" default>"
                : .empty
            let posterAttribute: HTML = poster.map { " poster=\"\($0.path(width: $0.sizes.last ?? $0.width))\"" } ?? .empty
            return """
                <div class="video-player" id="player"><video controls preload="none"\(posterAttribute) aria-label="\(title)">\
                <source src="\(path)" type="\(path.lowercased().hasSuffix(".webm") ? "video/webm" : "video/mp4")">\(captions)\
                <a href="\(path)">\(t("videos.download"))</a></video></div>
                """
        case .youtube, .vimeo, .peertube:
            if playing, let player = host.player {
                return """
                    <div class="video-player" id="player"><iframe src="\(player)" title="\(title)" \
                    allow="autoplay; fullscreen; picture-in-picture; encrypted-media" allowfullscreen \
                    referrerpolicy="strict-origin-when-cross-origin"></iframe></div>
                    """
            }
            return """
                <div class="video-player video-poster" id="player">\(poster.map { MediaViews.image($0, t: t, sizes: "(min-width: 48rem) 44rem, 100vw", eager: true) } ?? .empty)\
                <a class="button button-large video-play" href="\(t.path(video.path))?play=1#player">\(t("videos.play"))<span class="visually-hidden">: \(title)</span></a></div>
                <p class="hint">\(t("videos.consent", ["host": host.hostName]))</p>
                """
        case .link(let url):
            return """
                <div class="video-player video-poster" id="player">\(poster.map { MediaViews.image($0, t: t, sizes: "(min-width: 48rem) 44rem, 100vw", eager: true) } ?? .empty)\
                <a class="button button-large video-play" href="\(url)" rel="noopener">\(t("videos.watch_on", ["host": host.hostName]))</a></div>
                """
        }
    }

    static func page(_ video: Video, poster: Media?, playing: Bool, event: (slug: String, title: String)?, t: Localizer) -> HTML {
        let length = duration(video.durationSeconds, t: t)
        let paragraphs: [HTML] = video.transcript.text(t).components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.map { "<p>\($0)</p>" }
        return """
            <article class="video">
            <h1>\(video.title.html(t))</h1>
            <p class="meta">\(length.isEmpty ? HTML.empty : "\(t("videos.length", ["duration": length]))")\
            \(video.publishedAt.map { " · \(DateText.day($0, t: t))" as HTML } ?? .empty)</p>
            \(event.map { "<p>\(t("videos.recording_of")) <a href=\"\(t.path("/events/\($0.slug)"))\">\($0.title)</a></p>" as HTML } ?? .empty)
            \(player(video, poster: poster, playing: playing, t: t))
            \(video.description.block(t, Markdown.cached))
            <section class="transcript" aria-labelledby="transcript"><h2 id="transcript">\(t("videos.transcript"))</h2>
            <div\(video.transcript.langAttribute(t))>\(paragraphs)</div></section>
            <p><a href="\(t.path("/videos"))">\(t("videos.all"))</a></p>
            </article>
            """
    }

    /// On a past event's page: its recordings.
    static func recordings(_ videos: [Video], posters: [Int64: Media], t: Localizer) -> HTML {
        """
        <section class="recordings" aria-labelledby="recordings"><h2 id="recordings">\(t("videos.recordings"))</h2>
        <ul class="cards">\(videos.map { card($0, poster: posters[$0.id], t: t) })</ul></section>
        """
    }
}
