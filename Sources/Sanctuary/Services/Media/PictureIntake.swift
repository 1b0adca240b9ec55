import Foundation
import HTTP
import Images

/// A picture sent by staff or a visitor, made into copies the site can serve.
enum PictureIntake {
    enum Outcome {
        case made(MediaRenditions)
        /// Why not, as a catalogue key; `busy`: every image worker was taken (try again soon).
        case refused(String, busy: Bool)
    }

    /// A sent file made into pictures: decoded within the image budget on the image workers
    /// (never the pool staff requests need), turned upright, copied at each width and as a
    /// share card, every byte of metadata left behind. The one step every upload of a
    /// picture goes through, staff's and visitors'.
    static func make(_ app: Application, _ part: Multipart.Part?) async -> Outcome {
        guard let part, part.size > 0, let file = part.file, let data = FileManager.default.contents(atPath: file) else {
            return .refused("admin.media.error.file", busy: false)
        }
        let (bytes, name) = ([UInt8](data), MediaRenditions.stem(part.filename ?? "image"))
        do {
            return .made(try await app.imageWorkers.run { try MediaRenditions.make(bytes, name: name) })
        } catch let error as ImageError {
            return .refused(
                "admin.media.error.\(error.kind == .unsupported ? "type" : error.kind == .tooLarge ? "too_large" : "damaged")", busy: false)
        } catch is ImageWorkers.Busy {
            return .refused("admin.media.error.busy", busy: true)
        } catch {
            return .refused("admin.media.error.damaged", busy: false)
        }
    }
}
