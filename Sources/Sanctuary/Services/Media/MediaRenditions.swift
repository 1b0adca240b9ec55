import Foundation
import Images

/// The copies made of an uploaded picture: widths for `srcset` and a 1200×630 share card.
/// Each is encoded from pixels, so no metadata of the upload survives in any of them.
struct MediaRenditions {
    static let widths = [480, 960, 1600]
    static let share = (width: 1200, height: 630)

    let format: String  // "jpeg", or "png" for a picture with transparency (a logo)
    let widths: [Int]
    let width: Int
    let height: Int
    let shareWidth: Int
    let shareHeight: Int
    /// File name → bytes.
    let files: [(name: String, bytes: [UInt8])]

    var totalBytes: Int { files.reduce(0) { $0 + $1.bytes.count } }

    /// Writes every copy into `folder` (which must exist).
    func write(to folder: String) throws {
        for file in files { try Data(file.bytes).write(to: URL(fileURLWithPath: folder + "/" + file.name), options: .atomic) }
    }

    static func make(_ upload: [UInt8], name: String) throws -> MediaRenditions {
        let picture = try ImageCodec.decode(upload, atLeast: (widths.last ?? 1600, share.height))
        let transparent = picture.hasTransparency
        let ext = transparent ? "png" : "jpg"
        func encode(_ bitmap: Bitmap) throws -> [UInt8] {
            transparent ? try ImageCodec.encodePNG(bitmap) : try ImageCodec.encodeJPEG(bitmap, quality: 82)
        }
        // Every standard width narrower than the picture, and the picture's own width when
        // it is narrower than the largest: never enlarged.
        var kept = widths.filter { $0 < picture.width }
        if picture.width < (widths.last ?? 1600) { kept.append(picture.width) }
        kept = Array(Set(kept)).sorted().filter { $0 > 0 }
        if kept.isEmpty { kept = [widths.last ?? 1600] }
        var files: [(name: String, bytes: [UInt8])] = []
        var largest = picture
        for width in kept {
            let height = max(1, Int((Double(picture.height) * Double(width) / Double(picture.width)).rounded()))
            let copy = picture.resized(width: width, height: height)
            files.append(("\(name)-\(width).\(ext)", try encode(copy)))
            largest = copy
        }
        // The share card: the middle of the picture at 1200:630, then scaled to 1200×630
        // (or smaller, never enlarged). Always a JPEG: every sharing site takes one.
        let aspect = Double(share.width) / Double(share.height)
        var cropWidth = picture.width
        var cropHeight = Int((Double(cropWidth) / aspect).rounded())
        if cropHeight > picture.height {
            cropHeight = picture.height
            cropWidth = Int((Double(cropHeight) * aspect).rounded())
        }
        let crop = picture.cropped(
            x: (picture.width - cropWidth) / 2, y: (picture.height - cropHeight) / 3, width: cropWidth, height: cropHeight)
        let card = crop.resized(width: min(share.width, crop.width), height: min(share.height, crop.height))
        files.append(("\(name)-share.jpg", try ImageCodec.encodeJPEG(card, quality: 82)))
        return MediaRenditions(
            format: transparent ? "png" : "jpeg", widths: kept, width: largest.width, height: largest.height, shareWidth: card.width,
            shareHeight: card.height, files: files)
    }

    /// A file stem from the upload's name: lowercase ASCII letters, digits and dashes.
    static func stem(_ filename: String) -> String {
        let base = (filename as NSString).deletingPathExtension.lowercased()
        var out = ""
        for scalar in base.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty, out.last != "-" {
                out.append("-")
            }
            if out.count >= 40 { break }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "image" : out
    }
}
